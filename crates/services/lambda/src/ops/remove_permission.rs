//! RemovePermission: drops one statement of the function's resource-based policy (for a qualifier);
//! the policy disappears with its last statement.

use crate::{Lambda, errors, function_ref, input};
use sekisho_core::{AwsError, OpContext, Output};
use serde_json::Value;

pub fn handle(l: &Lambda, ctx: &OpContext, input: Value) -> Result<Output, AwsError> {
    let r = function_ref(&input, ctx.account(), &ctx.region, true)?;
    let sid = input::required(&input, "StatementId")?;
    let key = r.qualifier.clone().unwrap_or_default();
    l.state.with(&r.account, &r.region, |s| {
        let f = s.functions.get_mut(&r.name).ok_or_else(|| errors::function_not_found(&r.qualified_arn()))?;
        let missing = || errors::not_found(format!("Statement {sid} is not found in resource policy."));
        let doc = f.policies.get_mut(&key).ok_or_else(missing)?;
        if input::str(&input, "RevisionId").is_some_and(|rev| rev != doc.revision_id) {
            return Err(errors::precondition_failed());
        }
        let before = doc.statements.len();
        doc.statements.retain(|s| s.get("Sid").and_then(Value::as_str) != Some(sid));
        if doc.statements.len() == before {
            return Err(missing());
        }
        doc.revision_id = sekisho_core::ids::uuid_v4();
        if doc.statements.is_empty() {
            f.policies.remove(&key);
        }
        Ok(())
    })?;
    Ok(Output::empty())
}
