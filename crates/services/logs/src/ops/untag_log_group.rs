//! UntagLogGroup (on AWS's path to deprecation in favour of UntagResource): removes tags by key.

use super::{Store, input, with_group, with_resource_tags};
use crate::names::own_group;
use sekisho_core::{AuthzRequest, AwsError, Check, OpContext, Output};
use serde::Deserialize;
use serde_json::Value;

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Input {
    log_group_name: String,
    /// The tag keys to remove (the member is called `tags` in this older operation).
    tags: Vec<String>,
}

pub fn authorize(store: &Store, req: &AuthzRequest<'_>) -> Result<Vec<Check>, AwsError> {
    let i: Input = input(req.input)?;
    let g = own_group(req.caller, req.region, &i.log_group_name);
    let check = Check::new("logs:UntagLogGroup", g.authz_resource()).with_context_values("aws:TagKeys", i.tags);
    Ok(vec![with_resource_tags(store, &g, check)])
}

pub fn handle(store: &Store, ctx: &OpContext, value: &Value) -> Result<Output, AwsError> {
    let i: Input = input(value)?;
    let g = own_group(&ctx.caller, &ctx.region, &i.log_group_name);
    with_group(store, &g, |group| {
        for k in &i.tags {
            group.tags.remove(k);
        }
        Ok(Output::empty())
    })
}
