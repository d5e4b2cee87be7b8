//! DescribeActivity: an activity's name, ARN and creation date.

use super::{activity_check, in_scope, input};
use crate::state::seconds;
use crate::{Shared, errors};
use sekisho_core::{AuthzRequest, AwsError, Check, OpContext, Output};
use serde::Deserialize;
use serde_json::{Value, json};
use std::sync::Arc;

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Input {
    activity_arn: String,
}

pub fn authorize(shared: &Shared, req: &AuthzRequest<'_>) -> Result<Vec<Check>, AwsError> {
    let i: Input = input(req.input)?;
    Ok(vec![activity_check(shared, "states:DescribeActivity", &i.activity_arn)?.1])
}

pub async fn handle(shared: &Arc<Shared>, ctx: OpContext, value: Value) -> Result<Output, AwsError> {
    let i: Input = input(&value)?;
    let (r, _) = activity_check(shared, "states:DescribeActivity", &i.activity_arn)?;
    let not_found = || errors::activity_does_not_exist(&i.activity_arn);
    if !in_scope(&ctx.region, &r.region) {
        return Err(not_found());
    }
    shared.store.read(&r.account, &r.region, |s| {
        let a = s.and_then(|s| s.activities.get(&r.name)).ok_or_else(not_found)?;
        let mut out = json!({"activityArn": a.arn, "name": a.name, "creationDate": seconds(a.creation_ms)});
        if let Some(e) = &a.encryption {
            out["encryptionConfiguration"] = e.clone();
        }
        Ok(out.into())
    })
}
