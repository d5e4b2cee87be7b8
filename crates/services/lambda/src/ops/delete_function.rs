//! DeleteFunction: the whole function (its environments stop at once, busy ones included) or, with a
//! qualifier, one published version.

use crate::{Lambda, errors, function_ref};
use sekisho_core::{AwsError, OpContext, Output};
use serde_json::{Value, json};

pub fn handle(l: &Lambda, ctx: &OpContext, input: Value) -> Result<Output, AwsError> {
    let r = function_ref(&input, ctx.account(), &ctx.region, true)?;
    l.state.with(&r.account, &r.region, |s| {
        let f = s.functions.get_mut(&r.name).ok_or_else(|| errors::function_not_found(&r.qualified_arn()))?;
        match r.qualifier.as_deref() {
            None => {
                s.functions.remove(&r.name);
                Ok(())
            }
            Some("$LATEST") => {
                Err(errors::invalid_parameter("$LATEST version cannot be deleted without deleting the function."))
            }
            Some(q) => {
                let n: u64 = q.parse().map_err(|_| errors::function_not_found(&r.qualified_arn()))?;
                if let Some(alias) = f.aliases.values().find(|a| a.function_version == q) {
                    return Err(errors::conflict(format!(
                        "Unable to delete version because the following aliases reference it: [{}]",
                        alias.name
                    )));
                }
                f.versions.remove(&n).ok_or_else(|| errors::function_not_found(&r.qualified_arn()))?;
                f.policies.remove(q);
                Ok(())
            }
        }
    })?;
    l.runtimes.retire(&r.arn(), r.qualifier.as_deref(), true);
    Ok(Output::new(json!({ "StatusCode": 204 })))
}
