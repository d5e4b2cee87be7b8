//! DescribeExecution: a Standard execution's status, input, output or error. Express executions have no
//! description (AWS answers InvalidArn for their ARNs).

use super::{execution_check, input, read_execution};
use crate::Shared;
use crate::state::{ExecutionRecord, seconds, status_name};
use sekisho_asl::exec::Status;
use sekisho_asl::json::to_text;
use sekisho_core::{AuthzRequest, AwsError, Check, OpContext, Output};
use serde::Deserialize;
use serde_json::{Value, json};
use std::sync::Arc;

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Input {
    execution_arn: String,
}

pub fn authorize(shared: &Shared, req: &AuthzRequest<'_>) -> Result<Vec<Check>, AwsError> {
    let i: Input = input(req.input)?;
    Ok(vec![execution_check(shared, "states:DescribeExecution", &i.execution_arn)?.1])
}

/// Redrive is not implemented; the status and reason are AWS's for each ending.
fn redrive(status: Status) -> (&'static str, Option<String>) {
    match status {
        Status::Failed | Status::TimedOut | Status::Aborted => ("REDRIVABLE", None),
        other => ("NOT_REDRIVABLE", Some(format!("Execution is {} and cannot be redriven", status_name(other)))),
    }
}

pub fn describe(rec: &ExecutionRecord) -> Value {
    let status = rec.status();
    let mut out = json!({
        "executionArn": rec.arn,
        "stateMachineArn": rec.state_machine_arn,
        "name": rec.name,
        "status": status_name(status),
        "startDate": seconds(rec.start_ms),
        "input": rec.input_text,
        "inputDetails": {"included": true},
        "redriveCount": 0,
    });
    if let Some(stop) = rec.stop_ms() {
        out["stopDate"] = seconds(stop);
    }
    if let Some(o) = rec.execution.output() {
        out["output"] = json!(to_text(o));
        out["outputDetails"] = json!({"included": true});
    }
    if let Some(e) = rec.execution.error() {
        out["error"] = json!(e);
    }
    if let Some(c) = rec.execution.cause() {
        out["cause"] = json!(c);
    }
    if let Some(v) = &rec.version_arn {
        out["stateMachineVersionArn"] = json!(v);
    }
    let (redrive_status, reason) = redrive(status);
    out["redriveStatus"] = json!(redrive_status);
    if let Some(r) = reason {
        out["redriveStatusReason"] = json!(r);
    }
    out
}

pub async fn handle(shared: &Arc<Shared>, ctx: OpContext, value: Value) -> Result<Output, AwsError> {
    let i: Input = input(&value)?;
    read_execution(shared, &ctx.region, &i.execution_arn, |rec| Ok(describe(rec).into()))
}
