//! DeleteLogGroup: removes a log group with its streams, events and resource-scoped policy, unless
//! deletion protection is on.

use super::{Store, input, with_resource_tags};
use crate::errors;
use crate::names::own_group;
use sekisho_core::{AuthzRequest, AwsError, Check, OpContext, Output};
use serde::Deserialize;
use serde_json::Value;

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Input {
    log_group_name: String,
}

pub fn authorize(store: &Store, req: &AuthzRequest<'_>) -> Result<Vec<Check>, AwsError> {
    let i: Input = input(req.input)?;
    let g = own_group(req.caller, req.region, &i.log_group_name);
    Ok(vec![with_resource_tags(store, &g, Check::new("logs:DeleteLogGroup", g.authz_resource()))])
}

pub fn handle(store: &Store, ctx: &OpContext, value: &Value) -> Result<Output, AwsError> {
    let i: Input = input(value)?;
    let g = own_group(&ctx.caller, &ctx.region, &i.log_group_name);
    store.with(&g.account, &g.region, |s| {
        let group = s.log_groups.get(&g.name).ok_or_else(errors::group_not_found)?;
        if group.deletion_protection_enabled {
            return Err(deletion_protected());
        }
        s.log_groups.remove(&g.name);
        Ok(Output::empty())
    })
}

/// A protected log group, or a stream in one, cannot be deleted. [inf: message]
pub fn deletion_protected() -> AwsError {
    AwsError::new(
        "ValidationException",
        400,
        "Deletion protection is enabled for this log group. Disable deletion protection before deleting it.",
    )
}
