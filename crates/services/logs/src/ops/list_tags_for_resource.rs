//! ListTagsForResource: the tags of a log group addressed by ARN.

use super::{Store, input, read_group, with_resource_tags};
use crate::names::group_arn_in;
use sekisho_core::{AuthzRequest, AwsError, Check, OpContext, Output};
use serde::Deserialize;
use serde_json::{Value, json};

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Input {
    resource_arn: String,
}

pub fn authorize(store: &Store, req: &AuthzRequest<'_>) -> Result<Vec<Check>, AwsError> {
    let i: Input = input(req.input)?;
    let g = group_arn_in(&i.resource_arn, req.region)?;
    Ok(vec![with_resource_tags(store, &g, Check::new("logs:ListTagsForResource", g.arn()))])
}

pub fn handle(store: &Store, ctx: &OpContext, value: &Value) -> Result<Output, AwsError> {
    let i: Input = input(value)?;
    let g = group_arn_in(&i.resource_arn, &ctx.region)?;
    read_group(store, &g, |group| Ok(Output::new(json!({ "tags": group.tags }))))
}
