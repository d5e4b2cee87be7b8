//! Task states through the door: the aws-sdk integration (names, results, errors), `Credentials` roles
//! (assumed from the execution role, ExternalId = the state machine ARN), `.waitForTaskToken` callbacks,
//! unsupported integrations, and the execution role's session renewed across a long wait.

mod common;

use common::*;
use serde_json::{Value, json};

fn task(resource: &str, parameters: Value) -> Value {
    json!({"StartAt": "T", "States": {"T": {"Type": "Task", "Resource": resource, "Parameters": parameters, "End": true}}})
}

fn output(d: &Value) -> Value {
    serde_json::from_str(d["output"].as_str().unwrap_or("null")).unwrap_or(Value::Null)
}

#[tokio::test]
async fn aws_sdk_calls_go_through_the_door_as_the_execution_role() {
    let h = Harness::new();
    h.logs("CreateLogGroup", json!({"logGroupName": "app"})).await;
    let arn = h
        .create(
            "sdk",
            task("arn:aws:states:::aws-sdk:cloudwatchlogs:describeLogGroups", json!({"LogGroupNamePrefix": "app"})),
        )
        .await;
    let d = h.run(&arn, json!({})).await;
    assert_eq!(d["status"], "SUCCEEDED", "{d}");
    let out = output(&d);
    assert_eq!(out["LogGroups"][0]["LogGroupName"], "app");
    assert!(out["LogGroups"][0]["CreationTime"].is_number());
    let exec = d["executionArn"].as_str().unwrap();
    let events = h.history(exec).await;
    assert_eq!(
        Harness::types(&events),
        [
            "ExecutionStarted",
            "TaskStateEntered",
            "TaskScheduled",
            "TaskStarted",
            "TaskSucceeded",
            "TaskStateExited",
            "ExecutionSucceeded"
        ]
    );
    assert_eq!(
        events[2]["taskScheduledEventDetails"],
        json!({"resourceType": "aws-sdk:cloudwatchlogs", "resource": "describeLogGroups", "region": "us-east-1",
               "parameters": "{\"LogGroupNamePrefix\":\"app\"}"})
    );
    // The call was made as a session of the execution role, which STS issued to states.amazonaws.com.
    let calls = h.door.decisions().recent(50);
    let describe = calls.iter().find(|r| r.operation == "DescribeLogGroups").expect("the call is recorded");
    assert_eq!(describe.caller, format!("arn:aws:sts::{A}:assumed-role/sfn-role/{}", exec.rsplit(':').next().unwrap()));
    let assume =
        calls.iter().find(|r| r.operation == "AssumeRole" && r.caller == "states.amazonaws.com").expect("assumed");
    assert_eq!(assume.outcome, "Succeeded");
}

#[tokio::test]
async fn aws_sdk_errors_name_the_service_and_exception() {
    let h = Harness::new();
    let arn = h
        .create(
            "sdk-error",
            task(
                "arn:aws:states:::aws-sdk:cloudwatchlogs:createLogStream",
                json!({"LogGroupName": "missing", "LogStreamName": "s"}),
            ),
        )
        .await;
    let d = h.run(&arn, json!({})).await;
    assert_eq!(d["status"], "FAILED");
    assert_eq!(d["error"], "CloudWatchLogs.ResourceNotFoundException");
    let cause = d["cause"].as_str().unwrap();
    assert!(
        cause.starts_with(
            "The specified log group does not exist. (Service: CloudWatchLogs, Status Code: 400, Request ID: "
        ),
        "{cause}"
    );
    let events = h.history(d["executionArn"].as_str().unwrap()).await;
    let failed = &events[4]["taskFailedEventDetails"];
    assert_eq!(
        (failed["resourceType"].as_str(), failed["resource"].as_str()),
        (Some("aws-sdk:cloudwatchlogs"), Some("createLogStream"))
    );
    // A parameter the operation does not have.
    let arn = h
        .create("sdk-field", task("arn:aws:states:::aws-sdk:cloudwatchlogs:describeLogGroups", json!({"Nope": 1})))
        .await;
    let d = h.run(&arn, json!({})).await;
    assert_eq!(
        (d["error"].as_str(), d["cause"].as_str()),
        (Some("States.Runtime"), Some("The field 'Nope' is not supported by Step Functions"))
    );
    // The model's constraints, as the service would answer them.
    let arn = h.create("sdk-valid", task("arn:aws:states:::aws-sdk:cloudwatchlogs:createLogGroup", json!({}))).await;
    let d = h.run(&arn, json!({})).await;
    // The logs model declares ValidationException, so the Java SDK has its class.
    assert_eq!(d["error"], "CloudWatchLogs.ValidationException");
    assert!(d["cause"].as_str().unwrap().starts_with("1 validation error detected: Value null at 'logGroupName' failed to satisfy constraint: Member must not be null"));
}

#[tokio::test]
async fn unsupported_integrations_fail_honestly() {
    let h = Harness::new();
    let arn =
        h.create("sqs", task("arn:aws:states:::sqs:sendMessage", json!({"QueueUrl": "q", "MessageBody": "m"}))).await;
    let d = h.run(&arn, json!({})).await;
    assert_eq!(d["error"], "NotImplemented");
    assert_eq!(d["cause"], "sekisho does not implement the integration arn:aws:states:::sqs:sendMessage yet");
}

#[tokio::test]
async fn credentials_assume_the_task_role_from_the_execution_role() {
    let h = Harness::new();
    let exec_role = h.execution_role();
    let sm_arn = format!("arn:aws:states:{REGION}:{A}:stateMachine:cross");
    let trust = json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
        "Principal": {"AWS": exec_role}, "Action": "sts:AssumeRole",
        "Condition": {"StringEquals": {"sts:ExternalId": sm_arn}}}]});
    let target = h.role(B, "reader", &trust.to_string(), Some(r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"logs:DescribeLogGroups","Resource":"*"}]}"#));
    let mut def = task("arn:aws:states:::aws-sdk:cloudwatchlogs:describeLogGroups", json!({}));
    def["States"]["T"]["Credentials"] = json!({"RoleArn": target});
    let arn = h.create("cross", def.clone()).await;
    assert_eq!(arn, sm_arn);
    let d = h.run(&arn, json!({})).await;
    assert_eq!(d["status"], "SUCCEEDED", "{d}");
    let events = h.history(d["executionArn"].as_str().unwrap()).await;
    assert_eq!(events[2]["taskScheduledEventDetails"]["taskCredentials"], json!({"roleArn": target}));
    let calls = h.door.decisions().recent(50);
    let describe = calls.iter().find(|r| r.operation == "DescribeLogGroups").unwrap();
    assert_eq!(describe.caller, format!("arn:aws:sts::{B}:assumed-role/reader/cross"));

    // Another machine's ARN is another ExternalId: the trust policy refuses it (SFN-5).
    let other = h.create("other", def).await;
    let d = h.run(&other, json!({})).await;
    assert_eq!(d["error"], "States.TaskFailed");
    assert_eq!(
        d["cause"],
        format!("The role {exec_role} is not authorized to assume the task state's role, {target}.")
    );
    let events = h.history(d["executionArn"].as_str().unwrap()).await;
    assert_eq!(Harness::types(&events)[2..5], ["TaskScheduled", "TaskStarted", "TaskFailed"]);
}

#[tokio::test]
async fn wait_for_task_token_and_callbacks() {
    let h = Harness::with_clock("real");
    h.logs("CreateLogGroup", json!({"logGroupName": "g"})).await;
    let def = json!({"StartAt": "T", "States": {"T": {
        "Type": "Task", "Resource": "arn:aws:states:::aws-sdk:cloudwatchlogs:describeLogGroups.waitForTaskToken",
        "Parameters": {"LogGroupNamePrefix.$": "$$.Task.Token"}, "HeartbeatSeconds": 60, "End": true}}});
    let arn = h.create("callback", def).await;
    let start = h.ok("StartExecution", json!({"stateMachineArn": arn})).await;
    let exec = start["executionArn"].as_str().unwrap().to_string();
    let token = loop {
        let events = h.history(&exec).await;
        if let Some(t) = events.iter().find(|e| e["type"] == "TaskSubmitted") {
            let _ = t;
            let scheduled = events.iter().find(|e| e["type"] == "TaskScheduled").unwrap();
            let params: Value =
                serde_json::from_str(scheduled["taskScheduledEventDetails"]["parameters"].as_str().unwrap()).unwrap();
            break params["LogGroupNamePrefix"].as_str().unwrap().to_string();
        }
        tokio::time::sleep(std::time::Duration::from_millis(2)).await;
    };
    h.ok("SendTaskHeartbeat", json!({"taskToken": token})).await;
    let e = h.err("SendTaskSuccess", json!({"taskToken": token, "output": "not json"})).await;
    assert_eq!(e.code, "InvalidOutput");
    h.ok("SendTaskSuccess", json!({"taskToken": token, "output": "{\"done\": true}"})).await;
    let d = h.wait_done(&exec).await;
    assert_eq!((d["status"].as_str(), output(&d)), (Some("SUCCEEDED"), json!({"done": true})));
    let e = h.err("SendTaskSuccess", json!({"taskToken": token, "output": "{}"})).await;
    assert_error(&e, "TaskTimedOut", "Task Timed Out: 'Provided task does not exist anymore'");
    let e = h.err("SendTaskFailure", json!({"taskToken": "never-issued"})).await;
    assert_eq!(e.code, "InvalidToken");
    let events = h.history(&exec).await;
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
}

#[tokio::test]
async fn send_task_failure_fails_the_task() {
    let h = Harness::with_clock("real");
    h.logs("CreateLogGroup", json!({"logGroupName": "g"})).await;
    let def = json!({"StartAt": "T", "States": {"T": {
        "Type": "Task", "Resource": "arn:aws:states:::aws-sdk:cloudwatchlogs:describeLogGroups.waitForTaskToken",
        "Parameters": {"LogGroupNamePrefix.$": "$$.Task.Token"}, "End": true}}});
    let arn = h.create("callback-fail", def).await;
    let start = h.ok("StartExecution", json!({"stateMachineArn": arn})).await;
    let exec = start["executionArn"].as_str().unwrap().to_string();
    let token = loop {
        let events = h.history(&exec).await;
        if events.iter().any(|e| e["type"] == "TaskSubmitted") {
            let scheduled = events.iter().find(|e| e["type"] == "TaskScheduled").unwrap();
            let params: Value =
                serde_json::from_str(scheduled["taskScheduledEventDetails"]["parameters"].as_str().unwrap()).unwrap();
            break params["LogGroupNamePrefix"].as_str().unwrap().to_string();
        }
        tokio::time::sleep(std::time::Duration::from_millis(2)).await;
    };
    h.ok("SendTaskFailure", json!({"taskToken": token, "error": "Rejected", "cause": "by a person"})).await;
    let d = h.wait_done(&exec).await;
    assert_eq!((d["error"].as_str(), d["cause"].as_str()), (Some("Rejected"), Some("by a person")));
}

#[tokio::test]
async fn the_execution_role_session_is_renewed_after_a_long_wait() {
    let h = Harness::new();
    h.logs("CreateLogGroup", json!({"logGroupName": "g"})).await;
    let call = json!({"Type": "Task", "Resource": "arn:aws:states:::aws-sdk:cloudwatchlogs:describeLogGroups", "Parameters": {}});
    let mut first = call.clone();
    first["Next"] = json!("W");
    let mut last = call;
    last["End"] = json!(true);
    let def = json!({"StartAt": "T1", "States": {"T1": first, "W": {"Type": "Wait", "Seconds": 7200, "Next": "T2"}, "T2": last}});
    let arn = h.create("renew", def).await;
    let d = h.run(&arn, json!({})).await;
    assert_eq!(d["status"], "SUCCEEDED", "{d}");
    let assumed = h
        .door
        .decisions()
        .recent(100)
        .iter()
        .filter(|r| r.operation == "AssumeRole" && r.caller == "states.amazonaws.com" && r.outcome == "Succeeded")
        .count();
    // One for the trust check at creation, one per session of the execution (the first expired in the wait).
    assert_eq!(assumed, 3);
}

#[tokio::test]
async fn a_silent_worker_times_out_by_heartbeat() {
    let h = Harness::with_clock("real");
    h.logs("CreateLogGroup", json!({"logGroupName": "g"})).await;
    let def = json!({"StartAt": "T", "States": {"T": {
        "Type": "Task", "Resource": "arn:aws:states:::aws-sdk:cloudwatchlogs:describeLogGroups.waitForTaskToken",
        "Parameters": {"LogGroupNamePrefix.$": "$$.Task.Token"}, "HeartbeatSeconds": 1, "TimeoutSeconds": 60, "End": true}}});
    let arn = h.create("heartbeat", def).await;
    let d = h.run(&arn, json!({})).await;
    assert_eq!(d["error"], "States.HeartbeatTimeout");
    let events = h.history(d["executionArn"].as_str().unwrap()).await;
    assert_eq!(
        Harness::types(&events)[2..7],
        ["TaskScheduled", "TaskStarted", "TaskSubmitted", "TaskTimedOut", "ExecutionFailed"]
    );
    assert_eq!(events[2]["taskScheduledEventDetails"]["heartbeatInSeconds"], 1);
    assert_eq!(events[5]["taskTimedOutEventDetails"]["error"], "States.HeartbeatTimeout");
}
