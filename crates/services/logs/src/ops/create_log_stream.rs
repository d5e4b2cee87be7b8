//! CreateLogStream: a new, empty log stream in an existing log group.

use super::{Store, input, with_group, with_resource_policies, with_resource_tags};
use crate::errors;
use crate::names::own_group;
use crate::state::LogStream;
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
    let check = Check::new("logs:CreateLogStream", g.stream_arn(&i.log_stream_name));
    Ok(vec![with_resource_policies(store, req.caller, &g, with_resource_tags(store, &g, check))])
}

pub fn handle(store: &Store, ctx: &OpContext, value: &Value) -> Result<Output, AwsError> {
    let i: Input = input(value)?;
    let g = own_group(&ctx.caller, &ctx.region, &i.log_group_name);
    let now = ctx.now_ms();
    with_group(store, &g, |group| {
        if group.streams.contains_key(&i.log_stream_name) {
            return Err(errors::stream_exists());
        }
        group.streams.insert(i.log_stream_name.clone(), LogStream::new(&i.log_stream_name, now));
        Ok(Output::empty())
    })
}
