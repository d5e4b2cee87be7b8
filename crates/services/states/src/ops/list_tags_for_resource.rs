//! ListTagsForResource: a state machine's or activity's tags, in the order they were first set.

use super::{in_scope, input, taggable_check, tags_of};
use crate::{Shared, arn, errors};
use sekisho_core::{AuthzRequest, AwsError, Check, OpContext, Output};
use serde::Deserialize;
use serde_json::{Value, json};
use std::sync::Arc;

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Input {
    resource_arn: String,
}

pub fn authorize(shared: &Shared, req: &AuthzRequest<'_>) -> Result<Vec<Check>, AwsError> {
    let i: Input = input(req.input)?;
    Ok(vec![taggable_check(shared, "states:ListTagsForResource", &i.resource_arn)?.1])
}

pub async fn handle(shared: &Arc<Shared>, ctx: OpContext, value: Value) -> Result<Output, AwsError> {
    let i: Input = input(&value)?;
    let r = arn::parse_taggable(&i.resource_arn)?;
    let not_found = || errors::resource_not_found(&i.resource_arn);
    if r.is_qualified() || !in_scope(&ctx.region, r.scope().1) {
        return Err(not_found());
    }
    let (account, region) = r.scope();
    shared.store.read(account, region, |s| {
        let tags = s.and_then(|s| tags_of(s, &r)).ok_or_else(not_found)?;
        let tags: Vec<Value> = tags.iter().map(|(k, v)| json!({"key": k, "value": v})).collect();
        Ok(json!({"tags": tags}).into())
    })
}
