//! Execution logs: the logging configuration's checks at creation, and the records written to CloudWatch
//! Logs through the door as the execution role (levels, execution data, stream names).

mod common;

use common::*;
use serde_json::{Value, json};

fn group_arn(name: &str) -> String {
    format!("arn:aws:logs:{REGION}:{A}:log-group:{name}:*")
}

fn logging(level: &str, include: bool, group: &str) -> Value {
    json!({"level": level, "includeExecutionData": include,
           "destinations": [{"cloudWatchLogsLogGroup": {"logGroupArn": group_arn(group)}}]})
}

async fn records(h: &Harness, group: &str) -> (String, Vec<Value>) {
    let streams = h.logs("DescribeLogStreams", json!({"logGroupName": group})).await;
    let stream = streams["logStreams"][0]["logStreamName"].as_str().expect("a stream").to_string();
    let events =
        h.logs("GetLogEvents", json!({"logGroupName": group, "logStreamName": stream, "startFromHead": true})).await;
    let messages = events["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| serde_json::from_str(e["message"].as_str().unwrap()).unwrap())
        .collect();
    (stream, messages)
}

#[tokio::test]
async fn all_events_with_execution_data() {
    let h = Harness::new();
    h.logs("CreateLogGroup", json!({"logGroupName": "/aws/vendedlogs/states/m"})).await;
    let role = h.execution_role();
    let def = json!({"StartAt": "P", "States": {"P": {"Type": "Pass", "Result": {"Arg1": "argument1"}, "End": true}}});
    let out = h
        .ok(
            "CreateStateMachine",
            json!({"name": "m", "definition": def.to_string(), "roleArn": role,
                   "loggingConfiguration": logging("ALL", true, "/aws/vendedlogs/states/m")}),
        )
        .await;
    let arn = out["stateMachineArn"].as_str().unwrap();
    let described = h.ok("DescribeStateMachine", json!({"stateMachineArn": arn})).await;
    assert_eq!(described["loggingConfiguration"], logging("ALL", true, "/aws/vendedlogs/states/m"));
    let d = h.run(arn, json!({})).await;
    let exec = d["executionArn"].as_str().unwrap();
    let (stream, logged) = records(&h, "/aws/vendedlogs/states/m").await;
    assert!(stream.starts_with("states/m/"), "{stream}");
    assert_eq!(stream.len(), "states/m/2024-01-01-00-00/12345678".len(), "{stream}");
    let types: Vec<&str> = logged.iter().map(|r| r["type"].as_str().unwrap()).collect();
    assert_eq!(types, ["ExecutionStarted", "PassStateEntered", "PassStateExited", "ExecutionSucceeded"]);
    assert_eq!(
        logged[2],
        json!({"id": "3", "type": "PassStateExited", "details": {"name": "P", "output": "{\"Arg1\":\"argument1\"}", "outputDetails": {"truncated": false}},
               "previous_event_id": "2", "event_timestamp": logged[2]["event_timestamp"], "execution_arn": exec, "redrive_count": "0"})
    );
    assert!(logged[2]["event_timestamp"].as_str().unwrap().parse::<i64>().is_ok());
    assert_eq!(logged[0]["details"]["roleArn"], role);
}

#[tokio::test]
async fn error_level_without_data() {
    let h = Harness::new();
    h.logs("CreateLogGroup", json!({"logGroupName": "errors"})).await;
    let role = h.execution_role();
    let def = json!({"StartAt": "P", "States": {"P": {"Type": "Pass", "Next": "F"}, "F": {"Type": "Fail", "Error": "SomeFailure", "Cause": "why"}}});
    let out = h
        .ok("CreateStateMachine", json!({"name": "f", "definition": def.to_string(), "roleArn": role, "loggingConfiguration": logging("ERROR", false, "errors")}))
        .await;
    h.run(out["stateMachineArn"].as_str().unwrap(), json!({"secret": 1})).await;
    let (_, logged) = records(&h, "errors").await;
    let types: Vec<&str> = logged.iter().map(|r| r["type"].as_str().unwrap()).collect();
    assert_eq!(types, ["FailStateEntered", "ExecutionFailed"]);
    assert_eq!(logged[0]["details"], json!({"name": "F"}));
    assert_eq!(logged[1]["details"], json!({"error": "SomeFailure", "cause": "why"}));
}

#[tokio::test]
async fn the_destination_is_checked_at_creation() {
    let h = Harness::new();
    let role = h.execution_role();
    let def = json!({"StartAt": "P", "States": {"P": {"Type": "Pass", "End": true}}}).to_string();
    let e = h
        .err("CreateStateMachine", json!({"name": "m", "definition": def, "roleArn": role, "loggingConfiguration": logging("ALL", false, "missing")}))
        .await;
    assert_error(&e, "InvalidLoggingConfiguration", "Invalid Logging Configuration: Log Destination not found.");
    let e = h
        .err(
            "CreateStateMachine",
            json!({"name": "m", "definition": def, "roleArn": role, "loggingConfiguration": {"level": "ALL"}}),
        )
        .await;
    assert_error(
        &e,
        "InvalidLoggingConfiguration",
        "Invalid Logging Configuration: Must specify exactly one Log Destination.",
    );
    let unqualified = json!({"level": "ALL", "destinations": [{"cloudWatchLogsLogGroup": {"logGroupArn": format!("arn:aws:logs:{REGION}:{A}:log-group:g")}}]});
    let e = h
        .err(
            "CreateStateMachine",
            json!({"name": "m", "definition": def, "roleArn": role, "loggingConfiguration": unqualified}),
        )
        .await;
    assert_error(
        &e,
        "InvalidLoggingConfiguration",
        "Invalid Logging Configuration: Log Group ARN must be provided with '*' qualifier.",
    );
    h.logs("CreateLogGroup", json!({"logGroupName": "g"})).await;
    let mute = h.role(A, "mute", STATES_TRUST, None);
    let e = h
        .err("CreateStateMachine", json!({"name": "m", "definition": def, "roleArn": mute, "loggingConfiguration": logging("ALL", false, "g")}))
        .await;
    assert_error(
        &e,
        "AccessDeniedException",
        "The state machine IAM Role is not authorized to access the Log Destination",
    );
    // OFF needs no destination, and keeps the one given.
    let off = json!({"level": "OFF", "destinations": []});
    let out = h
        .ok(
            "CreateStateMachine",
            json!({"name": "off", "definition": def, "roleArn": mute, "loggingConfiguration": off}),
        )
        .await;
    let d = h.ok("DescribeStateMachine", json!({"stateMachineArn": out["stateMachineArn"]})).await;
    assert_eq!(d["loggingConfiguration"], json!({"level": "OFF", "includeExecutionData": false, "destinations": []}));
}

#[tokio::test]
async fn a_deleted_group_does_not_stop_executions() {
    let h = Harness::new();
    h.logs("CreateLogGroup", json!({"logGroupName": "gone"})).await;
    let role = h.execution_role();
    let def = json!({"StartAt": "P", "States": {"P": {"Type": "Pass", "End": true}}}).to_string();
    let out = h
        .ok("CreateStateMachine", json!({"name": "m", "definition": def, "roleArn": role, "loggingConfiguration": logging("ALL", true, "gone")}))
        .await;
    h.logs("DeleteLogGroup", json!({"logGroupName": "gone"})).await;
    let d = h.run(out["stateMachineArn"].as_str().unwrap(), json!({})).await;
    assert_eq!(d["status"], "SUCCEEDED");
}
