//! CreateActivity: an activity workers poll for tasks. Idempotent by name: AWS answers an existing
//! activity's ARN and ignores different tags (API reference, CreateActivity).

use super::create_state_machine::MAX_TAGS;
use super::{Tag, input, with_request_tags};
use crate::state::{ActivityRecord, seconds};
use crate::{Shared, arn, errors, names};
use sekisho_core::{AuthzRequest, AwsError, Check, OpContext, Output};
use serde::Deserialize;
use serde_json::{Value, json};
use std::sync::Arc;

/// AWS's quota of activities per account and Region (Step Functions quotas: 10,000).
pub const MAX_ACTIVITIES: usize = 10_000;

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Input {
    name: String,
    #[serde(default)]
    tags: Vec<Tag>,
    encryption_configuration: Option<Value>,
}

pub fn authorize(_shared: &Shared, req: &AuthzRequest<'_>) -> Result<Vec<Check>, AwsError> {
    let i: Input = input(req.input)?;
    let activity_arn = arn::activity(req.region, req.caller.account(), &i.name);
    Ok(vec![with_request_tags(Check::new("states:CreateActivity", &activity_arn), &i.tags)])
}

pub async fn handle(shared: &Arc<Shared>, ctx: OpContext, value: Value) -> Result<Output, AwsError> {
    let i: Input = input(&value)?;
    if !names::is_valid_name(&i.name) {
        return Err(errors::invalid_name(&i.name));
    }
    if i.tags.len() > MAX_TAGS {
        return Err(errors::too_many_tags(&i.name));
    }
    let account = ctx.account().to_string();
    let activity_arn = arn::activity(&ctx.region, &account, &i.name);
    let now = ctx.now_ms();
    shared.store.with(&account, &ctx.region, |s| {
        if let Some(existing) = s.activities.get(&i.name) {
            return Ok(json!({"activityArn": existing.arn, "creationDate": seconds(existing.creation_ms)}).into());
        }
        if s.activities.len() >= MAX_ACTIVITIES {
            return Err(errors::activity_limit_exceeded());
        }
        let mut tags: Vec<(String, String)> = Vec::new();
        for t in i.tags {
            match tags.iter_mut().find(|(k, _)| *k == t.key) {
                Some(existing) => existing.1 = t.value,
                None => tags.push((t.key, t.value)),
            }
        }
        s.activities.insert(
            i.name.clone(),
            ActivityRecord {
                name: i.name.clone(),
                arn: activity_arn.clone(),
                creation_ms: now,
                tags,
                encryption: i.encryption_configuration,
            },
        );
        Ok(json!({"activityArn": activity_arn, "creationDate": seconds(now)}).into())
    })
}
