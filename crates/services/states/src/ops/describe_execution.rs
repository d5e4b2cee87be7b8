//! DescribeExecution: a Standard execution's status, input, output or error. Express executions have no
//! description (AWS answers InvalidArn for their ARNs).

use super::{execution_check, input, read_execution};
use crate::Shared;
use crate::state::{ExecutionRecord, seconds, status_name};
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

/// `redriveStatus` and `redriveStatusReason`: whether RedriveExecution would take the execution now
/// (the engine's rules, `Execution::redrive_refusal`).
fn redrive(shared: &Shared, rec: &ExecutionRecord, now: i64) -> (&'static str, Option<String>) {
    let refusal = match shared.machine(rec.kind, &rec.revision.definition) {
        Ok(machine) => rec.execution.redrive_refusal(&machine, now),
        Err(_) => Some(format!("Execution is {} and cannot be redriven", status_name(rec.status()))),
    };
    match refusal {
        None => ("REDRIVABLE", None),
        Some(reason) => ("NOT_REDRIVABLE", Some(reason)),
    }
}

pub fn describe(shared: &Shared, rec: &ExecutionRecord, now: i64) -> Value {
    let status = rec.status();
    let mut out = json!({
        "executionArn": rec.arn,
        "stateMachineArn": rec.state_machine_arn,
        "name": rec.name,
        "status": status_name(status),
        "startDate": seconds(rec.start_ms),
        "input": rec.input_text,
        "inputDetails": {"included": true},
        "redriveCount": rec.execution.context().redrive_count,
    });
    if let Some(at) = rec.redrive_ms {
        out["redriveDate"] = seconds(at);
    }
    if let Some(a) = &rec.alias_arn {
        out["stateMachineAliasArn"] = json!(a);
    }
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
    let (redrive_status, reason) = redrive(shared, rec, now);
    out["redriveStatus"] = json!(redrive_status);
    if let Some(r) = reason {
        out["redriveStatusReason"] = json!(r);
    }
    out
}

pub async fn handle(shared: &Arc<Shared>, ctx: OpContext, value: Value) -> Result<Output, AwsError> {
    let i: Input = input(&value)?;
    let now = ctx.now_ms();
    read_execution(shared, &ctx.region, &i.execution_arn, |rec| Ok(describe(shared, rec, now).into()))
}
