//! `arn:aws:states:::states:startExecution` and its patterns: StartExecution through the door as the task's
//! caller; `.sync` and `.sync:2` then follow the child with DescribeExecution through the door (woken when
//! the child ends, with a slow poll as a safety net) and answer its description (SFN-9): `.sync` with
//! `Input`/`Output` as JSON text and the SDK metadata, `.sync:2` with them parsed. A child that fails,
//! times out or is aborted fails the task with `States.TaskFailed` and the description as cause (SFN-8).
//! A task that ends early (timeout, the parent stopped) stops its child, as AWS does.

use super::java_v1::{self, STEP_FUNCTIONS};
use super::{Integration, TaskContext, TaskOutcome, as_text, parameters, parse_or_string, sdk_metadata};
use async_trait::async_trait;
use sekisho_asl::exec::{TaskPattern, TaskRequest};
use sekisho_core::{AwsError, Call, Caller, Door};
use serde_json::{Map, Value, json};
use std::sync::Arc;
use std::time::Duration;

pub struct StartExecution;

const FIELDS: &[&str] = &["StateMachineArn", "Input", "Name", "TraceHeader"];

/// The longest wait between two DescribeExecution calls when no end is signalled.
const MAX_POLL: Duration = Duration::from_secs(5);

/// A Step Functions API error as the optimized integration names it.
fn service_error(operation: &str, e: &AwsError, request_id: &str) -> TaskOutcome {
    let model = sekisho_wire::load("stepfunctions");
    let op = model.and_then(|m| m.operation(operation));
    let error = match model {
        Some(m) => java_v1::error_name(STEP_FUNCTIONS, m, op, &e.code),
        None => format!("StepFunctions.{}Exception", e.code),
    };
    TaskOutcome::failed(error, java_v1::cause(STEP_FUNCTIONS, &e.message, e.status, &e.code, request_id))
}

/// Epoch seconds (the wire convention) as the epoch milliseconds the Java SDK's dates serialize to.
fn millis(seconds: &Value) -> Value {
    match seconds.as_f64() {
        Some(s) => json!((s * 1000.0).round() as i64),
        None => Value::Null,
    }
}

async fn call(
    cx: &TaskContext,
    operation: &str,
    input: Value,
    region: &str,
) -> Result<(Value, String), (AwsError, String)> {
    let request_id = sekisho_core::ids::request_id();
    let mut call = Call::new("stepfunctions", operation, input, region);
    call.request_id = Some(request_id.clone());
    call.parent_request_id = cx.parent_request_id.clone();
    match cx.door.call(&cx.caller, call).await {
        Ok(out) => Ok((out.body, request_id)),
        Err(e) => Err((e, request_id)),
    }
}

/// The SDK metadata of a json 1.0 response whose body was `body`.
fn metadata(body: &Value, request_id: &str, now_ms: i64) -> (Value, Value) {
    let headers = sdk_metadata::json_headers(request_id, body.to_string().len(), now_ms);
    sdk_metadata::members(&headers, 200, request_id)
}

/// DescribeExecution's answer in the integration's PascalCase, members in AWS's (alphabetical) order.
/// `parsed` is `.sync:2`: `Input` and `Output` as JSON rather than text.
pub fn description(d: &Value, parsed: bool, sdk: Option<(Value, Value)>) -> Value {
    let text = |k: &str| d[k].as_str().map(str::to_string);
    let data = |t: String| if parsed { parse_or_string(&t) } else { Value::String(t) };
    let mut out = Map::new();
    if let Some(c) = text("cause") {
        out.insert("Cause".into(), json!(c));
    }
    if let Some(e) = text("error") {
        out.insert("Error".into(), json!(e));
    }
    out.insert("ExecutionArn".into(), d["executionArn"].clone());
    if let Some(i) = text("input") {
        out.insert("Input".into(), data(i));
        out.insert("InputDetails".into(), json!({"Included": true}));
    }
    out.insert("Name".into(), d["name"].clone());
    if let Some(o) = text("output") {
        out.insert("Output".into(), data(o));
        out.insert("OutputDetails".into(), json!({"Included": true}));
    }
    if let Some(n) = d.get("redriveCount") {
        out.insert("RedriveCount".into(), n.clone());
    }
    if let Some(s) = text("redriveStatus") {
        out.insert("RedriveStatus".into(), json!(s));
    }
    if let Some(r) = text("redriveStatusReason") {
        out.insert("RedriveStatusReason".into(), json!(r));
    }
    if let Some((http, response)) = sdk {
        out.insert("SdkHttpMetadata".into(), http);
        out.insert("SdkResponseMetadata".into(), response);
    }
    out.insert("StartDate".into(), millis(&d["startDate"]));
    out.insert("StateMachineArn".into(), d["stateMachineArn"].clone());
    if let Some(v) = text("stateMachineVersionArn") {
        out.insert("StateMachineVersionArn".into(), json!(v));
    }
    out.insert("Status".into(), d["status"].clone());
    if d.get("stopDate").is_some() {
        out.insert("StopDate".into(), millis(&d["stopDate"]));
    }
    Value::Object(out)
}

/// Starts the child: its ARN once submitted (`.sync`), or the task's outcome when it ends here.
async fn start(request: &TaskRequest, cx: &TaskContext, params: &Map<String, Value>) -> Result<String, TaskOutcome> {
    let mut input = json!({
        "stateMachineArn": as_text(&params["StateMachineArn"]),
        "input": params.get("Input").filter(|v| !v.is_null()).map(as_text).unwrap_or_else(|| "{}".into()),
    });
    for (member, name) in [("Name", "name"), ("TraceHeader", "traceHeader")] {
        if let Some(v) = params.get(member).filter(|v| !v.is_null()) {
            input[name] = json!(as_text(v));
        }
    }
    let (started, request_id) = match call(cx, "StartExecution", input, &request.region).await {
        Ok(ok) => ok,
        Err((e, id)) => return Err(service_error("StartExecution", &e, &id)),
    };
    let now = cx.door.world().clock.now_ms();
    let (http, response) = metadata(&started, &request_id, now);
    let submitted = json!({
        "ExecutionArn": started["executionArn"],
        "SdkHttpMetadata": http,
        "SdkResponseMetadata": response,
        "StartDate": millis(&started["startDate"]),
    });
    if matches!(request.pattern, TaskPattern::RequestResponse | TaskPattern::WaitForTaskToken) {
        return Err(TaskOutcome::Succeeded(submitted));
    }
    let execution_arn = started["executionArn"].as_str().unwrap_or_default().to_string();
    cx.submitted(submitted);
    Ok(execution_arn)
}

/// Stops the child when the task is dropped before the child ended (the task timed out, or its execution
/// was stopped).
struct StopOnDrop {
    door: Arc<Door>,
    caller: Caller,
    execution_arn: String,
    region: String,
    parent: Option<String>,
    armed: bool,
}

impl Drop for StopOnDrop {
    fn drop(&mut self) {
        if !self.armed {
            return;
        }
        let door = self.door.clone();
        let caller = self.caller.clone();
        let mut call =
            Call::new("stepfunctions", "StopExecution", json!({"executionArn": self.execution_arn}), &self.region);
        call.parent_request_id = self.parent.clone();
        if let Ok(rt) = tokio::runtime::Handle::try_current() {
            rt.spawn(async move {
                // A refused stop is recorded by the door; the child then runs on, as it would in AWS.
                let _ = door.call(&caller, call).await;
            });
        }
    }
}

#[async_trait]
impl Integration for StartExecution {
    fn accepts(&self, request: &TaskRequest) -> bool {
        request.resource_type == "states" && request.resource.split('.').next() == Some("startExecution")
    }

    async fn invoke(&self, request: &TaskRequest, cx: &TaskContext) -> TaskOutcome {
        let params = match parameters(request, FIELDS, &["StateMachineArn"]) {
            Ok(p) => p,
            Err(failed) => return failed,
        };
        let resumed = cx.hooks.resumed.as_ref().and_then(|v| v["ExecutionArn"].as_str()).map(str::to_string);
        let parsed = request.pattern == TaskPattern::Sync2;
        let execution_arn = match resumed {
            // A restarted sekisho follows the child this task started before it stopped.
            Some(arn) if matches!(request.pattern, TaskPattern::Sync | TaskPattern::Sync2) => arn,
            _ => match start(request, cx, params).await {
                Ok(arn) => arn,
                Err(done) => return done,
            },
        };
        let mut guard = StopOnDrop {
            door: cx.door.clone(),
            caller: cx.caller.clone(),
            execution_arn: execution_arn.clone(),
            region: request.region.clone(),
            parent: cx.parent_request_id.clone(),
            armed: true,
        };
        let mut poll = Duration::from_millis(50);
        let (described, request_id) = loop {
            let input = json!({"executionArn": execution_arn});
            match call(cx, "DescribeExecution", input, &request.region).await {
                Err((e, id)) => {
                    guard.armed = false;
                    return service_error("DescribeExecution", &e, &id);
                }
                Ok((d, id)) if d["status"] != "RUNNING" => break (d, id),
                Ok(_) => {}
            }
            tokio::select! {
                _ = cx.execution_ended(&execution_arn) => {}
                _ = tokio::time::sleep(poll) => {}
            }
            poll = (poll * 2).min(MAX_POLL);
        };
        guard.armed = false;
        if described["status"] == "SUCCEEDED" {
            let sdk = (!parsed).then(|| metadata(&described, &request_id, cx.door.world().clock.now_ms()));
            return TaskOutcome::Succeeded(description(&described, parsed, sdk));
        }
        TaskOutcome::failed("States.TaskFailed", description(&described, parsed, None).to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn described() -> Value {
        json!({
            "executionArn": "arn:aws:states:us-east-1:111111111111:execution:child:run",
            "stateMachineArn": "arn:aws:states:us-east-1:111111111111:stateMachine:child",
            "name": "run", "status": "SUCCEEDED", "startDate": 1_700_000_000.5, "stopDate": 1_700_000_001,
            "input": "{\"a\":1}", "inputDetails": {"included": true},
            "output": "{\"b\":2}", "outputDetails": {"included": true},
            "redriveCount": 0, "redriveStatus": "NOT_REDRIVABLE",
            "redriveStatusReason": "Execution is SUCCEEDED and cannot be redriven",
        })
    }

    #[test]
    fn sync_2_parses_input_and_output() {
        let d = description(&described(), true, None);
        assert_eq!(
            d,
            json!({
                "ExecutionArn": "arn:aws:states:us-east-1:111111111111:execution:child:run",
                "Input": {"a": 1}, "InputDetails": {"Included": true}, "Name": "run",
                "Output": {"b": 2}, "OutputDetails": {"Included": true},
                "RedriveCount": 0, "RedriveStatus": "NOT_REDRIVABLE",
                "RedriveStatusReason": "Execution is SUCCEEDED and cannot be redriven",
                "StartDate": 1_700_000_000_500i64,
                "StateMachineArn": "arn:aws:states:us-east-1:111111111111:stateMachine:child",
                "Status": "SUCCEEDED", "StopDate": 1_700_000_001_000i64,
            })
        );
        let keys: Vec<String> = d.as_object().unwrap().keys().cloned().collect();
        let mut sorted = keys.clone();
        sorted.sort();
        assert_eq!(keys, sorted);
    }

    #[test]
    fn sync_keeps_text_and_adds_sdk_metadata() {
        let d = description(&described(), false, Some(metadata(&described(), "r-1", 1_700_000_001_000)));
        assert_eq!(d["Input"], "{\"a\":1}");
        assert_eq!(d["Output"], "{\"b\":2}");
        assert_eq!(d["SdkResponseMetadata"], json!({"RequestId": "r-1"}));
        assert_eq!(d["SdkHttpMetadata"]["HttpStatusCode"], 200);
    }

    #[test]
    fn a_failed_child_names_its_error_first() {
        let mut f = described();
        f["status"] = json!("FAILED");
        f["error"] = json!("Boom");
        f["cause"] = json!("because");
        f.as_object_mut().unwrap().remove("output");
        let d = description(&f, false, None);
        let keys: Vec<&String> = d.as_object().unwrap().keys().collect();
        assert_eq!(&keys[..3], ["Cause", "Error", "ExecutionArn"]);
        assert!(d.get("Output").is_none());
    }
}
