//! Activities, RedriveExecution, map runs and aliases through the door: who may call them (IAM action
//! and resource), their errors, and the rules the end-to-end tests do not reach.

mod common;

use common::*;
use serde_json::{Value, json};
use std::time::Duration;

fn activity_machine(activity: &str) -> Value {
    json!({"StartAt": "Work", "States": {"Work": {"Type": "Task", "Resource": activity, "End": true}}})
}

async fn activity(h: &Harness, name: &str) -> String {
    h.ok("CreateActivity", json!({"name": name})).await["activityArn"].as_str().unwrap_or_default().to_string()
}

async fn start(h: &Harness, sm: &str) -> String {
    let out = h.ok("StartExecution", json!({"stateMachineArn": sm})).await;
    out["executionArn"].as_str().unwrap_or_default().to_string()
}

/// GetActivityTask is authorized as `states:GetActivityTask` on the activity's ARN (Service
/// Authorization Reference: resource type `activity`); DescribeActivity needs its own action.
#[tokio::test]
async fn activity_operations_are_authorized_on_the_activity_arn() {
    let h = Harness::new();
    let arn = activity(&h, "work").await;
    let sm = h.create("m", activity_machine(&arn)).await;
    let exec = start(&h, &sm).await;
    let policy = json!({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": ["states:GetActivityTask", "states:SendTaskSuccess"], "Resource": arn}]});
    let worker = h.user(A, "worker", &policy.to_string());
    let denied = h.call_by(&worker, "stepfunctions", "DescribeActivity", json!({"activityArn": arn})).await;
    assert_eq!(denied.unwrap_err().code, "AccessDeniedException");
    // SendTaskSuccess is authorized on "*" (no resource type), which this policy does not grant.
    let task = h.call_by(&worker, "stepfunctions", "GetActivityTask", json!({"activityArn": arn})).await.unwrap();
    let token = task["taskToken"].as_str().unwrap_or_default().to_string();
    let out = json!({"taskToken": token, "output": "{}"});
    let e = h.call_by(&worker, "stepfunctions", "SendTaskSuccess", out.clone()).await.unwrap_err();
    assert_eq!(e.code, "AccessDeniedException");
    h.ok("SendTaskSuccess", out).await;
    assert_eq!(h.wait_done(&exec).await["status"], "SUCCEEDED");
}

/// A task whose execution was stopped before a worker took it is withdrawn: a later poll does not get it.
#[tokio::test]
async fn a_stopped_execution_withdraws_its_activity_task() {
    let h = Harness::new();
    let arn = activity(&h, "work").await;
    let sm = h.create("m", activity_machine(&arn)).await;
    let exec = start(&h, &sm).await;
    h.ok("StopExecution", json!({"executionArn": exec})).await;
    assert_eq!(h.wait_done(&exec).await["status"], "ABORTED");
    let poll = h.call("GetActivityTask", json!({"activityArn": arn}));
    // Still waiting (for the next task) rather than answering the withdrawn one.
    assert!(tokio::time::timeout(Duration::from_millis(200), poll).await.is_err());
}

/// An activity task not taken within the state's TimeoutSeconds times out (`ActivityTimedOut`,
/// `States.Timeout`), and the execution may then be redriven.
#[tokio::test]
async fn an_untaken_activity_task_times_out_and_the_execution_is_redriven() {
    let h = Harness::with_clock("virtual");
    let arn = activity(&h, "slow").await;
    let definition = json!({"StartAt": "Work", "States": {"Work": {"Type": "Task", "Resource": arn, "TimeoutSeconds": 1, "End": true}}});
    let sm = h.create("m", definition).await;
    let exec = start(&h, &sm).await;
    let d = h.wait_done(&exec).await;
    assert_eq!((d["status"].as_str(), d["error"].as_str()), (Some("FAILED"), Some("States.Timeout")));
    assert!(Harness::types(&h.history(&exec).await).contains(&"ActivityTimedOut".to_string()));
    let token = json!({"executionArn": exec, "clientToken": "retry-1"});
    let first = h.ok("RedriveExecution", token.clone()).await;
    // The same client token answers the same redrive while it runs (API reference, RedriveExecution).
    let again = h.ok("RedriveExecution", token).await;
    assert_eq!(first["redriveDate"], again["redriveDate"]);
    let task = h.ok("GetActivityTask", json!({"activityArn": arn, "workerName": "late"})).await;
    h.ok("SendTaskSuccess", json!({"taskToken": task["taskToken"], "output": "{\"ok\":1}"})).await;
    let d = h.wait_done(&exec).await;
    assert_eq!((d["status"].as_str(), d["redriveCount"].as_i64()), (Some("SUCCEEDED"), Some(1)));
}

#[tokio::test]
async fn redrive_errors() {
    let h = Harness::new();
    let missing = "arn:aws:states:us-east-1:111111111111:execution:m:nope";
    let e = h.err("RedriveExecution", json!({"executionArn": missing})).await;
    assert_error(&e, "ExecutionDoesNotExist", &format!("Execution Does Not Exist: '{missing}'"));
    let e = h
        .err("RedriveExecution", json!({"executionArn": "arn:aws:states:us-east-1:111111111111:express:m:n:id"}))
        .await;
    assert_error(&e, "InvalidArn", "Invalid Arn: 'Resource type not valid in this context: express'");
}

/// StartExecution through an alias is authorized on the alias ARN with `states:StateMachineQualifier`
/// the alias name (Step Functions' IAM condition keys); a policy on the alias alone does not allow the
/// unqualified machine.
#[tokio::test]
async fn starts_through_an_alias_are_authorized_on_the_alias_arn() {
    let h = Harness::new();
    let role = h.execution_role();
    let definition = json!({"StartAt": "P", "States": {"P": {"Type": "Pass", "End": true}}}).to_string();
    let sm = h
        .ok("CreateStateMachine", json!({"name": "m", "definition": definition, "roleArn": role, "publish": true}))
        .await;
    let v1 = sm["stateMachineVersionArn"].as_str().unwrap_or_default().to_string();
    let base = sm["stateMachineArn"].as_str().unwrap_or_default().to_string();
    let alias = h
        .ok(
            "CreateStateMachineAlias",
            json!({"name": "live", "routingConfiguration": [{"stateMachineVersionArn": v1, "weight": 100}]}),
        )
        .await["stateMachineAliasArn"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    let policy = json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "states:StartExecution",
        "Resource": format!("{base}:*"), "Condition": {"StringEquals": {"states:StateMachineQualifier": "live"}}}]});
    let user = h.user(A, "starter", &policy.to_string());
    let ok = h.call_by(&user, "stepfunctions", "StartExecution", json!({"stateMachineArn": alias})).await.unwrap();
    let d = h.wait_done(ok["executionArn"].as_str().unwrap_or_default()).await;
    assert_eq!(
        (d["stateMachineAliasArn"].as_str(), d["stateMachineVersionArn"].as_str()),
        (Some(alias.as_str()), Some(v1.as_str()))
    );
    let e = h.call_by(&user, "stepfunctions", "StartExecution", json!({"stateMachineArn": base})).await.unwrap_err();
    assert_eq!(e.code, "AccessDeniedException");
    let listed = h.ok("ListExecutions", json!({"stateMachineArn": alias})).await;
    assert_eq!(listed["executions"].as_array().map(Vec::len), Some(1));
}

/// The routing rules of the API reference: weights add up to 100, versions exist and belong to the
/// state machine, alias names are not numbers.
#[tokio::test]
async fn alias_routing_rules() {
    let h = Harness::new();
    let role = h.execution_role();
    let definition = json!({"StartAt": "P", "States": {"P": {"Type": "Pass", "End": true}}}).to_string();
    let sm = h
        .ok("CreateStateMachine", json!({"name": "m", "definition": definition, "roleArn": role, "publish": true}))
        .await;
    let v1 = sm["stateMachineVersionArn"].as_str().unwrap_or_default().to_string();
    let create = |name: &str, routes: Value| json!({"name": name, "routingConfiguration": routes});
    let e = h.err("CreateStateMachineAlias", create("a", json!([{"stateMachineVersionArn": v1, "weight": 90}]))).await;
    assert_eq!(e.code, "ValidationException");
    let v9 = format!("{}:9", v1.trim_end_matches(":1"));
    let e = h.err("CreateStateMachineAlias", create("a", json!([{"stateMachineVersionArn": v9, "weight": 100}]))).await;
    assert_eq!(e.code, "ResourceNotFound");
    let e = h.err("CreateStateMachineAlias", create("7", json!([{"stateMachineVersionArn": v1, "weight": 100}]))).await;
    assert_eq!(e.code, "InvalidName");
    let e = h.err("UpdateStateMachineAlias", json!({"stateMachineAliasArn": format!("{v1}x")})).await;
    assert_eq!(e.code, "ValidationException");
}

/// An execution without a distributed Map has no map runs; an unknown map run is ResourceNotFound.
#[tokio::test]
async fn map_run_lookups() {
    let h = Harness::new();
    let sm = h.create("m", json!({"StartAt": "P", "States": {"P": {"Type": "Pass", "End": true}}})).await;
    let d = h.run(&sm, json!({})).await;
    let runs = h.ok("ListMapRuns", json!({"executionArn": d["executionArn"]})).await;
    assert_eq!(runs, json!({"mapRuns": []}));
    let missing = "arn:aws:states:us-east-1:111111111111:mapRun:m/label:0000";
    let e = h.err("DescribeMapRun", json!({"mapRunArn": missing})).await;
    assert_error(&e, "ResourceNotFound", &format!("Resource not found: '{missing}'"));
    let e = h.err("UpdateMapRun", json!({"mapRunArn": missing, "maxConcurrency": 2})).await;
    assert_eq!(e.code, "ResourceNotFound");
    let e = h.err("DescribeMapRun", json!({"mapRunArn": sm})).await;
    assert_error(&e, "InvalidArn", "Invalid Arn: 'Resource type not valid in this context: stateMachine'");
}
