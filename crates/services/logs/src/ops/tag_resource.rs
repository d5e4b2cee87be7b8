//! TagResource: adds or replaces tags on a log group addressed by ARN (the form without `:*`).

use super::{Store, input, with_group, with_request_tags, with_resource_tags};
use crate::names::{GroupRef, group_arn_in};
use sekisho_core::{AuthzRequest, AwsError, Check, OpContext, Output};
use serde::Deserialize;
use serde_json::Value;
use std::collections::BTreeMap;

/// Tags a log group can carry (documented).
pub const MAX_TAGS: usize = 50;

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Input {
    resource_arn: String,
    tags: BTreeMap<String, String>,
}

pub fn authorize(store: &Store, req: &AuthzRequest<'_>) -> Result<Vec<Check>, AwsError> {
    let i: Input = input(req.input)?;
    let g = group_arn_in(&i.resource_arn, req.region)?;
    let check = with_request_tags(Check::new("logs:TagResource", g.arn()), &i.tags);
    Ok(vec![with_resource_tags(store, &g, check)])
}

pub fn handle(store: &Store, ctx: &OpContext, value: &Value) -> Result<Output, AwsError> {
    let i: Input = input(value)?;
    let g = group_arn_in(&i.resource_arn, &ctx.region)?;
    add_tags(store, &g, i.tags, &i.resource_arn)
}

/// Merges `tags` into the group's, refusing to go past the limit (shared with TagLogGroup).
pub fn add_tags(
    store: &Store,
    g: &GroupRef,
    tags: BTreeMap<String, String>,
    resource: &str,
) -> Result<Output, AwsError> {
    with_group(store, g, |group| {
        let added = tags.keys().filter(|k| !group.tags.contains_key(*k)).count();
        if group.tags.len() + added > MAX_TAGS {
            // [inf: message]
            return Err(AwsError::new(
                "TooManyTagsException",
                400,
                format!("A resource can have no more than {MAX_TAGS} tags."),
            )
            .with_field("resourceName", resource.into()));
        }
        group.tags.extend(tags);
        Ok(Output::empty())
    })
}
