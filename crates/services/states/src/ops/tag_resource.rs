//! TagResource: adds or replaces tags of a state machine or activity (at most 50).

use super::create_state_machine::MAX_TAGS;
use super::{Tag, in_scope, input, taggable_check, tags_of_mut, with_request_tags};
use crate::{Shared, arn, errors};
use sekisho_core::{AuthzRequest, AwsError, Check, OpContext, Output};
use serde::Deserialize;
use serde_json::Value;
use std::sync::Arc;

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Input {
    resource_arn: String,
    tags: Vec<Tag>,
}

pub fn authorize(shared: &Shared, req: &AuthzRequest<'_>) -> Result<Vec<Check>, AwsError> {
    let i: Input = input(req.input)?;
    let (_, check) = taggable_check(shared, "states:TagResource", &i.resource_arn)?;
    Ok(vec![with_request_tags(check, &i.tags)])
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
        let current = tags_of_mut(s, &r).ok_or_else(not_found)?;
        let mut tags = current.clone();
        for t in i.tags {
            match tags.iter_mut().find(|(k, _)| *k == t.key) {
                Some(existing) => existing.1 = t.value,
                None => tags.push((t.key, t.value)),
            }
        }
        if tags.len() > MAX_TAGS {
            return Err(errors::too_many_tags(&i.resource_arn));
        }
        *current = tags;
        Ok(Output::empty())
    })
}
