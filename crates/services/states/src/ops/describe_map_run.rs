//! DescribeMapRun: a distributed Map run's status, settings and child workflow counts.

use super::{in_scope, input, map_runs};
use crate::{Shared, arn, errors};
use sekisho_core::{AuthzRequest, AwsError, Check, OpContext, Output};
use serde::Deserialize;
use serde_json::Value;
use std::sync::Arc;

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Input {
    map_run_arn: String,
}

pub fn authorize(_shared: &Shared, req: &AuthzRequest<'_>) -> Result<Vec<Check>, AwsError> {
    let i: Input = input(req.input)?;
    arn::parse_map_run(&i.map_run_arn)?;
    Ok(vec![Check::new("states:DescribeMapRun", &i.map_run_arn)])
}

pub async fn handle(shared: &Arc<Shared>, ctx: OpContext, value: Value) -> Result<Output, AwsError> {
    let i: Input = input(&value)?;
    let r = arn::parse_map_run(&i.map_run_arn)?;
    let not_found = || errors::resource_not_found(&i.map_run_arn);
    if !in_scope(&ctx.region, &r.region) {
        return Err(not_found());
    }
    shared.store.read(&r.account, &r.region, |s| {
        let owner = map_runs::owner(s, &i.map_run_arn)?;
        let rec = s.and_then(|s| s.executions.get(&owner)).ok_or_else(not_found)?;
        let m = rec.execution.map_runs().iter().find(|m| m.arn == i.map_run_arn).ok_or_else(not_found)?;
        Ok(map_runs::describe(&rec.arn, m).into())
    })
}
