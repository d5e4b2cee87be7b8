//! UntagResource: removes tags of a state machine by key; absent keys are ignored.

use super::{in_scope, input, with_resource_tags};
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
    let r = arn::parse_taggable(&i.resource_arn)?;
    let check = with_resource_tags(shared, &r, Check::new("states:UntagResource", &i.resource_arn));
    Ok(vec![check.with_context_values("aws:TagKeys", i.tag_keys)])
}

pub async fn handle(shared: &Arc<Shared>, ctx: OpContext, value: Value) -> Result<Output, AwsError> {
    let i: Input = input(&value)?;
    let r = arn::parse_taggable(&i.resource_arn)?;
    let not_found = || errors::resource_not_found(&i.resource_arn);
    if r.qualifier.is_some() || !in_scope(&ctx.region, &r.region) {
        return Err(not_found());
    }
    shared.store.with(&r.account, &r.region, |s| {
        let m = s.state_machines.get_mut(&r.name).ok_or_else(not_found)?;
        m.tags.retain(|(k, _)| !i.tag_keys.contains(k));
        Ok(Output::empty())
    })
}
