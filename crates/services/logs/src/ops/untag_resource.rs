//! UntagResource: removes tags, by key, from a log group addressed by ARN.

use super::{Store, input, with_group, with_resource_tags};
use crate::names::group_arn_in;
use sekisho_core::{AuthzRequest, AwsError, Check, OpContext, Output};
use serde::Deserialize;
use serde_json::Value;

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Input {
    resource_arn: String,
    tag_keys: Vec<String>,
}

pub fn authorize(store: &Store, req: &AuthzRequest<'_>) -> Result<Vec<Check>, AwsError> {
    let i: Input = input(req.input)?;
    let g = group_arn_in(&i.resource_arn, req.region)?;
    let check = Check::new("logs:UntagResource", g.arn()).with_context_values("aws:TagKeys", i.tag_keys);
    Ok(vec![with_resource_tags(store, &g, check)])
}

pub fn handle(store: &Store, ctx: &OpContext, value: &Value) -> Result<Output, AwsError> {
    let i: Input = input(value)?;
    let g = group_arn_in(&i.resource_arn, &ctx.region)?;
    with_group(store, &g, |group| {
        for k in &i.tag_keys {
            group.tags.remove(k);
        }
        Ok(Output::empty())
    })
}
