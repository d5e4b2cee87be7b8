//! ListTagsForResource: a state machine's tags, in the order they were first set.

use super::{in_scope, input, with_resource_tags};
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
    let r = arn::parse_taggable(&i.resource_arn)?;
    Ok(vec![with_resource_tags(shared, &r, Check::new("states:ListTagsForResource", &i.resource_arn))])
}

pub async fn handle(shared: &Arc<Shared>, ctx: OpContext, value: Value) -> Result<Output, AwsError> {
    let i: Input = input(&value)?;
    let r = arn::parse_taggable(&i.resource_arn)?;
    let not_found = || errors::resource_not_found(&i.resource_arn);
    if r.qualifier.is_some() || !in_scope(&ctx.region, &r.region) {
        return Err(not_found());
    }
    shared.store.read(&r.account, &r.region, |s| {
        let m = s.and_then(|s| s.state_machines.get(&r.name)).ok_or_else(not_found)?;
        let tags: Vec<Value> = m.tags.iter().map(|(k, v)| json!({"key": k, "value": v})).collect();
        Ok(json!({"tags": tags}).into())
    })
}
