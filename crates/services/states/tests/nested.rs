//! `states:startExecution` and its `.sync` / `.sync:2` patterns through the door: outputs (SFN-9), history
//! (`TaskSubmitted` then `TaskSucceeded`), failed children (SFN-8), StepFunctions error naming, the
//! cross-account form with `Credentials` (ExternalId = the parent machine, SFN-3) and the polling
//! permissions, and a child stopped when its parent's task times out.

mod common;

use common::*;
use serde_json::{Value, json};

const CHILD: &str =
    r#"{"StartAt": "P", "States": {"P": {"Type": "Pass", "Parameters": {"echo.$": "$"}, "End": true}}}"#;

fn parent(resource: &str, child_arn: &str) -> Value {
    json!({"StartAt": "Start", "States": {"Start": {"Type": "Task", "Resource": resource,
        "Parameters": {"StateMachineArn": child_arn,
                       "Input": {"greeting": "hi", "AWS_STEP_FUNCTIONS_STARTED_BY_EXECUTION_ID.$": "$$.Execution.Id"}},
        "End": true}}})
}

fn output(d: &Value) -> Value {
    serde_json::from_str(d["output"].as_str().unwrap_or("null")).unwrap_or(Value::Null)
}

/// An execution role of account A allowed to start, describe and stop executions anywhere.
fn nesting_role(h: &Harness) -> String {
    let policy = r#"{"Version":"2012-10-17","Statement":[
        {"Effect":"Allow","Action":["states:StartExecution","states:DescribeExecution","states:StopExecution","sts:AssumeRole"],"Resource":"*"}]}"#;
    h.role(A, "nesting", STATES_TRUST, Some(policy))
}

#[tokio::test]
async fn start_execution_answers_the_new_execution() {
    let h = Harness::new();
    let role = nesting_role(&h);
    let child = h.create_in(A, "child", serde_json::from_str(CHILD).unwrap(), &role).await;
    let arn = h.create_in(A, "parent", parent("arn:aws:states:::states:startExecution", &child), &role).await;
    let d = h.run(&arn, json!({})).await;
    assert_eq!(d["status"], "SUCCEEDED", "{d}");
    let out = output(&d);
    let keys: Vec<&String> = out.as_object().unwrap().keys().collect();
    assert_eq!(keys, ["ExecutionArn", "SdkHttpMetadata", "SdkResponseMetadata", "StartDate"]);
    assert!(out["StartDate"].is_i64(), "epoch milliseconds: {out}");
    let child_exec = out["ExecutionArn"].as_str().unwrap();
    let c = h.wait_done(child_exec).await;
    let input: Value = serde_json::from_str(c["input"].as_str().unwrap()).unwrap();
    assert_eq!(input["AWS_STEP_FUNCTIONS_STARTED_BY_EXECUTION_ID"], d["executionArn"]);
}

#[tokio::test]
async fn sync_2_waits_and_answers_parsed_json() {
    let h = Harness::new();
    let role = nesting_role(&h);
    let child = h.create_in(A, "child", serde_json::from_str(CHILD).unwrap(), &role).await;
    let arn = h.create_in(A, "parent", parent("arn:aws:states:::states:startExecution.sync:2", &child), &role).await;
    let d = h.run(&arn, json!({})).await;
    assert_eq!(d["status"], "SUCCEEDED", "{d}");
    let out = output(&d);
    let parent_exec = d["executionArn"].as_str().unwrap();
    let sent = json!({"greeting": "hi", "AWS_STEP_FUNCTIONS_STARTED_BY_EXECUTION_ID": parent_exec});
    assert_eq!(out["Input"], sent);
    assert_eq!(out["Output"], json!({"echo": sent}));
    assert_eq!((out["Status"].as_str(), out["StateMachineArn"].as_str()), (Some("SUCCEEDED"), Some(child.as_str())));
    assert_eq!(out["InputDetails"], json!({"Included": true}));
    assert!(out["StartDate"].is_i64() && out["StopDate"].is_i64());
    assert!(out.get("SdkHttpMetadata").is_none());
    let events = h.history(parent_exec).await;
    assert_eq!(
        Harness::types(&events),
        [
            "ExecutionStarted",
            "TaskStateEntered",
            "TaskScheduled",
            "TaskStarted",
            "TaskSubmitted",
            "TaskSucceeded",
            "TaskStateExited",
            "ExecutionSucceeded"
        ]
    );
    let submitted: Value =
        serde_json::from_str(events[4]["taskSubmittedEventDetails"]["output"].as_str().unwrap()).unwrap();
    assert_eq!(submitted["ExecutionArn"], out["ExecutionArn"]);
    assert_eq!(events[4]["taskSubmittedEventDetails"]["resource"], "startExecution.sync:2");
    // Woken when the child ends: no fast polling.
    let polls = h
        .door
        .decisions()
        .recent(100)
        .iter()
        .filter(|r| r.operation == "DescribeExecution" && r.parent_request_id.is_some())
        .count();
    assert!((1..=2).contains(&polls), "{polls} DescribeExecution calls");
}

#[tokio::test]
async fn sync_answers_json_text_with_sdk_metadata() {
    let h = Harness::new();
    let role = nesting_role(&h);
    let child = h.create_in(A, "child", serde_json::from_str(CHILD).unwrap(), &role).await;
    let arn = h.create_in(A, "parent", parent("arn:aws:states:::states:startExecution.sync", &child), &role).await;
    let d = h.run(&arn, json!({})).await;
    let out = output(&d);
    let input: Value = serde_json::from_str(out["Input"].as_str().expect("text")).unwrap();
    assert_eq!(input["greeting"], "hi");
    assert!(out["Output"].is_string());
    assert_eq!(out["SdkHttpMetadata"]["HttpStatusCode"], 200);
    assert!(out["SdkResponseMetadata"]["RequestId"].is_string());
}

#[tokio::test]
async fn a_failed_child_fails_the_task_with_its_description() {
    let h = Harness::new();
    let role = nesting_role(&h);
    let failing = json!({"StartAt": "F", "States": {"F": {"Type": "Fail", "Error": "Boom", "Cause": "on purpose"}}});
    let child = h.create_in(A, "child", failing, &role).await;
    let arn = h.create_in(A, "parent", parent("arn:aws:states:::states:startExecution.sync", &child), &role).await;
    let d = h.run(&arn, json!({})).await;
    assert_eq!(d["error"], "States.TaskFailed");
    let cause: Value = serde_json::from_str(d["cause"].as_str().unwrap()).unwrap();
    assert_eq!(
        (cause["Error"].as_str(), cause["Cause"].as_str(), cause["Status"].as_str()),
        (Some("Boom"), Some("on purpose"), Some("FAILED"))
    );
    assert!(cause["Input"].is_string() && cause.get("Output").is_none());
    assert!(cause["ExecutionArn"].as_str().unwrap().contains(":execution:child:"));

    // A child that does not exist: the StepFunctions exception with the Java SDK v1 cause (SFN-8).
    let missing = format!("arn:aws:states:{REGION}:{A}:stateMachine:nope");
    let arn = h.create_in(A, "orphan", parent("arn:aws:states:::states:startExecution.sync:2", &missing), &role).await;
    let d = h.run(&arn, json!({})).await;
    assert_eq!(d["error"], "StepFunctions.StateMachineDoesNotExistException");
    let cause = d["cause"].as_str().unwrap();
    let prefix = format!(
        "State Machine Does Not Exist: '{missing}' (Service: AWSStepFunctions; Status Code: 400; Error Code: StateMachineDoesNotExist; Request ID: "
    );
    assert!(cause.starts_with(&prefix) && cause.ends_with("; Proxy: null)"), "{cause}");
}

/// Seed 002's shape: the operator machine in A starts the subject machine in B through a role of B whose
/// trust policy requires ExternalId = the operator machine's ARN.
#[tokio::test]
async fn cross_account_sync_2_with_credentials() {
    let h = Harness::new();
    let operator_role = nesting_role(&h);
    let operator_arn = format!("arn:aws:states:{REGION}:{A}:stateMachine:operator");
    let subject_role = h.role(B, "subject-exec", STATES_TRUST, Some(EXECUTION_POLICY));
    let subject = h.create_in(B, "subject", serde_json::from_str(CHILD).unwrap(), &subject_role).await;
    let trust = json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"AWS": operator_role},
        "Action": "sts:AssumeRole", "Condition": {"StringEquals": {"sts:ExternalId": operator_arn}}}]});
    let allow = |actions: &[&str]| {
        json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": actions, "Resource": "*"}]})
            .to_string()
    };
    let target = h.role(
        B,
        "execute-subject",
        &trust.to_string(),
        Some(&allow(&["states:StartExecution", "states:DescribeExecution", "states:StopExecution"])),
    );
    let mut def = parent("arn:aws:states:::states:startExecution.sync:2", &subject);
    def["States"]["Start"]["Credentials"] = json!({"RoleArn": target});
    let arn = h.create_in(A, "operator", def.clone(), &operator_role).await;
    assert_eq!(arn, operator_arn);
    let d = h.run(&arn, json!({})).await;
    assert_eq!(d["status"], "SUCCEEDED", "{d}");
    assert_eq!(output(&d)["Output"]["echo"]["AWS_STEP_FUNCTIONS_STARTED_BY_EXECUTION_ID"], d["executionArn"]);
    let events = h.history(d["executionArn"].as_str().unwrap()).await;
    assert_eq!(events[2]["taskScheduledEventDetails"]["taskCredentials"], json!({"roleArn": target}));
    let describes: Vec<_> = h
        .door
        .decisions()
        .recent(200)
        .into_iter()
        .filter(|r| r.operation == "DescribeExecution" && r.parent_request_id.is_some())
        .collect();
    assert!(!describes.is_empty());
    assert!(describes.iter().all(|r| r.caller.starts_with(&format!("arn:aws:sts::{B}:assumed-role/execute-subject/"))));

    // Without DescribeExecution the child starts, and the task fails when it asks about it (SFN-3).
    h.role(B, "execute-subject", &trust.to_string(), Some(&allow(&["states:StartExecution"])));
    let d = h.run(&arn, json!({})).await;
    assert_eq!(d["error"], "StepFunctions.AWSStepFunctionsException");
    let cause = d["cause"].as_str().unwrap();
    assert!(cause.contains("is not authorized to perform: states:DescribeExecution on resource: "), "{cause}");
    assert!(cause.contains("(Service: AWSStepFunctions; Status Code: 400; Error Code: AccessDeniedException;"));

    // Another machine's ARN is another ExternalId: SFN-5's cause.
    let other = h.create_in(A, "other", def, &operator_role).await;
    let d = h.run(&other, json!({})).await;
    assert_eq!(
        (d["error"].as_str(), d["cause"].as_str()),
        (
            Some("States.TaskFailed"),
            Some(
                format!("The role {operator_role} is not authorized to assume the task state's role, {target}.")
                    .as_str()
            )
        )
    );
}

#[tokio::test]
async fn a_timed_out_parent_task_stops_its_child() {
    let h = Harness::with_clock("real");
    let role = nesting_role(&h);
    let waiting = json!({"StartAt": "W", "States": {"W": {"Type": "Wait", "Seconds": 60, "End": true}}});
    let child = h.create_in(A, "child", waiting, &role).await;
    let mut def = parent("arn:aws:states:::states:startExecution.sync:2", &child);
    def["States"]["Start"]["TimeoutSeconds"] = json!(1);
    let arn = h.create_in(A, "parent", def, &role).await;
    let d = h.run(&arn, json!({})).await;
    assert_eq!(d["error"], "States.Timeout");
    let listed = h.ok("ListExecutions", json!({"stateMachineArn": child})).await;
    let child_exec = listed["executions"][0]["executionArn"].as_str().unwrap().to_string();
    let c = h.wait_done(&child_exec).await;
    assert_eq!(c["status"], "ABORTED");
}
