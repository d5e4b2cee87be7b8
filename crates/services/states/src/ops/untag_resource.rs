//! UntagResource: removes tags of a state machine or activity by key; absent keys are ignored.

use super::{in_scope, input, taggable_check, tags_of_mut};
use crate::{Shared, arn, errors};
use sekisho_core::{AuthzRequest, AwsError, Check, OpContext, Output};
use serde::Deserialize;
use serde_json::Value;
use std::sync::Arc;

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Input {
    resource_arn: String,
    tag_keys: Vec<String>,
}

pub fn authorize(shared: &Shared, req: &AuthzRequest<'_>) -> Result<Vec<Check>, AwsError> {
    let i: Input = input(req.input)?;
    let (_, check) = taggable_check(shared, "states:UntagResource", &i.resource_arn)?;
    Ok(vec![check.with_context_values("aws:TagKeys", i.tag_keys)])
}

pub async fn handle(shared: &Arc<Shared>, ctx: OpContext, value: Value) -> Result<Output, AwsError> {
    let i: Input = input(&value)?;
    let r = arn::parse_taggable(&i.resource_arn)?;
    let not_found = || errors::resource_not_found(&i.resource_arn);
    if r.is_qualified() || !in_scope(&ctx.region, r.scope().1) {
        return Err(not_found());
    }
    let (account, region) = r.scope();
    shared.store.with(account, region, |s| {
        let tags = tags_of_mut(s, &r).ok_or_else(not_found)?;
        tags.retain(|(k, _)| !i.tag_keys.contains(k));
        Ok(Output::empty())
    })
}
