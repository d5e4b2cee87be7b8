//! GetPolicy: the function's resource-based policy for a qualifier, as the JSON document AddPermission
//! built, with the revision id RemovePermission and AddPermission check.

use crate::{Lambda, errors, function_ref, policy};
use sekisho_core::{AwsError, OpContext, Output};
use serde_json::{Value, json};

pub fn handle(l: &Lambda, ctx: &OpContext, input: Value) -> Result<Output, AwsError> {
    let r = function_ref(&input, ctx.account(), &ctx.region, true)?;
    let key = r.qualifier.clone().unwrap_or_default();
    l.with_function(&r, |f| {
        let f = f.ok_or_else(|| errors::function_not_found(&r.qualified_arn()))?;
        let doc = f.policies.get(&key).ok_or_else(errors::resource_not_found)?;
        Ok(Output::new(json!({ "Policy": policy::document(doc), "RevisionId": doc.revision_id })))
    })
}
