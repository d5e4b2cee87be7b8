//! TagLogGroup (on AWS's path to deprecation in favour of TagResource): adds tags to a log group by name.

use super::tag_resource::add_tags;
use super::{Store, input, with_request_tags, with_resource_tags};
use crate::names::own_group;
use sekisho_core::{AuthzRequest, AwsError, Check, OpContext, Output};
use serde::Deserialize;
use serde_json::Value;
use std::collections::BTreeMap;

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Input {
    log_group_name: String,
    tags: BTreeMap<String, String>,
}

pub fn authorize(store: &Store, req: &AuthzRequest<'_>) -> Result<Vec<Check>, AwsError> {
    let i: Input = input(req.input)?;
    let g = own_group(req.caller, req.region, &i.log_group_name);
    let check = with_request_tags(Check::new("logs:TagLogGroup", g.authz_resource()), &i.tags);
    Ok(vec![with_resource_tags(store, &g, check)])
}

pub fn handle(store: &Store, ctx: &OpContext, value: &Value) -> Result<Output, AwsError> {
    let i: Input = input(value)?;
    let g = own_group(&ctx.caller, &ctx.region, &i.log_group_name);
    let arn = g.arn();
    add_tags(store, &g, i.tags, &arn)
}
