//! UpdateMapRun: changes a running distributed Map's `maxConcurrency` or failure tolerance; children
//! not yet started follow the new settings (API reference, UpdateMapRun).

use super::{in_scope, input, map_runs};
use crate::{Shared, arn, errors};
use sekisho_asl::exec::map_runs::{MapRunStatus, MapRunUpdate};
use sekisho_core::{AuthzRequest, AwsError, Check, OpContext, Output};
use serde::Deserialize;
use serde_json::Value;
use std::sync::Arc;

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Input {
    map_run_arn: String,
    max_concurrency: Option<i64>,
    tolerated_failure_percentage: Option<f64>,
    tolerated_failure_count: Option<i64>,
}

pub fn authorize(_shared: &Shared, req: &AuthzRequest<'_>) -> Result<Vec<Check>, AwsError> {
    let i: Input = input(req.input)?;
    arn::parse_map_run(&i.map_run_arn)?;
    Ok(vec![Check::new("states:UpdateMapRun", &i.map_run_arn)])
}

/// The update, checked against the API's ranges (maxConcurrency and toleratedFailureCount at least 0,
/// toleratedFailurePercentage 0 to 100; the texts are [inf]).
fn update(i: &Input) -> Result<MapRunUpdate, AwsError> {
    if i.max_concurrency.is_none() && i.tolerated_failure_percentage.is_none() && i.tolerated_failure_count.is_none() {
        return Err(errors::validation(
            "At least one of maxConcurrency, toleratedFailurePercentage or toleratedFailureCount must be specified",
        ));
    }
    let non_negative = |n: Option<i64>, name: &str| match n {
        Some(v) if v < 0 => Err(errors::validation(format!("{name} must be greater than or equal to 0"))),
        other => Ok(other.map(|v| v as u64)),
    };
    let percentage = match i.tolerated_failure_percentage {
        Some(p) if !(0.0..=100.0).contains(&p) => {
            return Err(errors::validation("toleratedFailurePercentage must be between 0 and 100"));
        }
        other => other,
    };
    Ok(MapRunUpdate {
        max_concurrency: non_negative(i.max_concurrency, "maxConcurrency")?,
        tolerated_failure_count: non_negative(i.tolerated_failure_count, "toleratedFailureCount")?,
        tolerated_failure_percentage: percentage,
    })
}

pub async fn handle(shared: &Arc<Shared>, ctx: OpContext, value: Value) -> Result<Output, AwsError> {
    let i: Input = input(&value)?;
    let r = arn::parse_map_run(&i.map_run_arn)?;
    let not_found = || errors::resource_not_found(&i.map_run_arn);
    if !in_scope(&ctx.region, &r.region) {
        return Err(not_found());
    }
    let change = update(&i)?;
    let owner = shared.store.with(&r.account, &r.region, |s| {
        let owner = map_runs::owner(Some(&*s), &i.map_run_arn)?;
        let rec = s.executions.get_mut(&owner).ok_or_else(not_found)?;
        let running =
            rec.execution.map_runs().iter().any(|m| m.arn == i.map_run_arn && m.status == MapRunStatus::Running);
        if !running {
            // [inf]
            return Err(errors::validation("Map Run is not in RUNNING status"));
        }
        rec.execution.update_map_run(&i.map_run_arn, change);
        Ok::<_, AwsError>(owner)
    })?;
    shared.runs.wake(&owner);
    Ok(Output::empty())
}
