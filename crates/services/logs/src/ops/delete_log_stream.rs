//! DeleteLogStream: removes a log stream and its events.

use super::delete_log_group::deletion_protected;
use super::{Store, input, with_group, with_resource_tags};
use crate::errors;
use crate::names::own_group;
use sekisho_core::{AuthzRequest, AwsError, Check, OpContext, Output};
use serde::Deserialize;
use serde_json::Value;

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Input {
    log_group_name: String,
    log_stream_name: String,
}

pub fn authorize(store: &Store, req: &AuthzRequest<'_>) -> Result<Vec<Check>, AwsError> {
    let i: Input = input(req.input)?;
    let g = own_group(req.caller, req.region, &i.log_group_name);
    Ok(vec![with_resource_tags(store, &g, Check::new("logs:DeleteLogStream", g.stream_arn(&i.log_stream_name)))])
}

pub fn handle(store: &Store, ctx: &OpContext, value: &Value) -> Result<Output, AwsError> {
    let i: Input = input(value)?;
    let g = own_group(&ctx.caller, &ctx.region, &i.log_group_name);
    with_group(store, &g, |group| {
        if !group.streams.contains_key(&i.log_stream_name) {
            return Err(errors::stream_not_found());
        }
        // Deletion protection "blocks all deletion operations" (documented). [inf: that it covers streams]
        if group.deletion_protection_enabled {
            return Err(deletion_protected());
        }
        group.streams.remove(&i.log_stream_name);
        Ok(Output::empty())
    })
}
