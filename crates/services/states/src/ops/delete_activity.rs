//! DeleteActivity: removes an activity; its waiting tasks stay scheduled (their executions time them
//! out, as AWS's do). Deleting one that does not exist succeeds (AWS documents only InvalidArn).

use super::{activity_check, in_scope, input};
use crate::Shared;
use sekisho_core::{AuthzRequest, AwsError, Check, OpContext, Output};
use serde::Deserialize;
use serde_json::Value;
use std::sync::Arc;

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Input {
    activity_arn: String,
}

pub fn authorize(shared: &Shared, req: &AuthzRequest<'_>) -> Result<Vec<Check>, AwsError> {
    let i: Input = input(req.input)?;
    Ok(vec![activity_check(shared, "states:DeleteActivity", &i.activity_arn)?.1])
}

pub async fn handle(shared: &Arc<Shared>, ctx: OpContext, value: Value) -> Result<Output, AwsError> {
    let i: Input = input(&value)?;
    let (r, _) = activity_check(shared, "states:DeleteActivity", &i.activity_arn)?;
    if in_scope(&ctx.region, &r.region) {
        shared.store.with(&r.account, &r.region, |s| s.activities.remove(&r.name));
    }
    Ok(Output::empty())
}
