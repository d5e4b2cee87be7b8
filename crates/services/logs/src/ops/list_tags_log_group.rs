//! ListTagsLogGroup (on AWS's path to deprecation in favour of ListTagsForResource): a log group's tags.

use super::{Store, input, read_group, with_resource_tags};
use crate::names::own_group;
use sekisho_core::{AuthzRequest, AwsError, Check, OpContext, Output};
use serde::Deserialize;
use serde_json::{Value, json};

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Input {
    log_group_name: String,
}

pub fn authorize(store: &Store, req: &AuthzRequest<'_>) -> Result<Vec<Check>, AwsError> {
    let i: Input = input(req.input)?;
    let g = own_group(req.caller, req.region, &i.log_group_name);
    Ok(vec![with_resource_tags(store, &g, Check::new("logs:ListTagsLogGroup", g.authz_resource()))])
}

pub fn handle(store: &Store, ctx: &OpContext, value: &Value) -> Result<Output, AwsError> {
    let i: Input = input(value)?;
    let g = own_group(&ctx.caller, &ctx.region, &i.log_group_name);
    read_group(store, &g, |group| Ok(Output::new(json!({ "tags": group.tags }))))
}
