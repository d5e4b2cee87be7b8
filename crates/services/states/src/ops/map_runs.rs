//! Finding a distributed Map's run by its ARN and describing it: the run lives in its parent
//! execution's engine state (`Execution::map_runs`), so a lookup scans that machine's executions.

use crate::state::{StatesState, seconds};
use crate::{arn, errors};
use sekisho_asl::exec::map_runs::{MapRunStats, MapRunStatus};
use sekisho_core::AwsError;
use serde_json::{Value, json};

pub fn status_name(status: MapRunStatus) -> &'static str {
    match status {
        MapRunStatus::Running => "RUNNING",
        MapRunStatus::Succeeded => "SUCCEEDED",
        MapRunStatus::Failed => "FAILED",
        MapRunStatus::Aborted => "ABORTED",
    }
}

/// The execution ARN holding the map run `map_run_arn`, or ResourceNotFound (API reference,
/// DescribeMapRun).
pub fn owner(state: Option<&StatesState>, map_run_arn: &str) -> Result<String, AwsError> {
    let r = arn::parse_map_run(map_run_arn)?;
    let not_found = || errors::resource_not_found(map_run_arn);
    let state = state.ok_or_else(not_found)?;
    state
        .executions
        .values()
        .filter(|e| e.state_machine_name == r.state_machine)
        .find(|e| e.execution.map_runs().iter().any(|m| m.arn == map_run_arn))
        .map(|e| e.arn.clone())
        .ok_or_else(not_found)
}

/// The child workflows of a map run as `itemCounts`/`executionCounts` show them (one child per item,
/// or per batch; without a ResultWriter no results are written).
fn counts(m: &MapRunStats) -> Value {
    json!({
        "pending": m.pending(),
        "running": m.running,
        "succeeded": m.succeeded,
        "failed": m.failed,
        "timedOut": 0,
        "aborted": m.aborted,
        "total": m.total,
        "resultsWritten": 0,
        "failuresNotRedrivable": 0,
        "pendingRedrive": 0,
    })
}

/// DescribeMapRun's answer.
pub fn describe(execution_arn: &str, m: &MapRunStats) -> Value {
    let mut out = json!({
        "mapRunArn": m.arn,
        "executionArn": execution_arn,
        "status": status_name(m.status),
        "startDate": seconds(m.start_ms),
        "maxConcurrency": m.max_concurrency,
        "toleratedFailurePercentage": m.tolerated_failure_percentage,
        "toleratedFailureCount": m.tolerated_failure_count,
        "itemCounts": counts(m),
        "executionCounts": counts(m),
        "redriveCount": 0,
    });
    if let Some(stop) = m.stop_ms {
        out["stopDate"] = seconds(stop);
    }
    out
}

/// A ListMapRuns item: the map run's child workflows run the state machine `<machine>/<label>`.
pub fn list_item(execution_arn: &str, state_machine_arn: &str, m: &MapRunStats) -> Value {
    let mut out = json!({
        "executionArn": execution_arn,
        "mapRunArn": m.arn,
        "stateMachineArn": format!("{state_machine_arn}/{}", m.label),
        "startDate": seconds(m.start_ms),
    });
    if let Some(stop) = m.stop_ms {
        out["stopDate"] = seconds(stop);
    }
    out
}
