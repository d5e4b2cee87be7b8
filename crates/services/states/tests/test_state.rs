//! TestState through the door: one state on an input, mocked or performed for real as a session of
//! `roleArn`, with the status, next state and inspection data AWS answers.

mod common;

use common::*;
use serde_json::json;

#[tokio::test]
async fn pass_and_choice() {
    let h = Harness::new();
    let r = h
        .ok("TestState", json!({"definition": "{\"Type\": \"Pass\", \"Parameters\": {\"x.$\": \"$.a\"}, \"Next\": \"Elsewhere\"}", "input": "{\"a\": 1}", "inspectionLevel": "DEBUG"}))
        .await;
    assert_eq!(
        (r["status"].as_str(), r["output"].as_str(), r["nextState"].as_str()),
        (Some("SUCCEEDED"), Some("{\"x\":1}"), Some("Elsewhere"))
    );
    assert_eq!(r["inspectionData"]["input"], "{\"a\":1}");
    let r = h
        .ok("TestState", json!({"definition": "{\"Type\": \"Choice\", \"Choices\": [{\"Variable\": \"$.n\", \"NumericGreaterThan\": 1, \"Next\": \"Big\"}], \"Default\": \"Small\"}", "input": "{\"n\": 2}"}))
        .await;
    assert_eq!(r["nextState"], "Big");
    assert!(r.get("inspectionData").is_none(), "INFO answers no inspection data");
}

#[tokio::test]
async fn mocked_tasks() {
    let h = Harness::new();
    let def = r#"{"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke", "Catch": [{"ErrorEquals": ["States.ALL"], "Next": "Handler"}], "End": true}"#;
    let r = h.ok("TestState", json!({"definition": def, "mock": {"result": "{\"Payload\": 1}"}})).await;
    assert_eq!((r["status"].as_str(), r["output"].as_str()), (Some("SUCCEEDED"), Some("{\"Payload\":1}")));
    let r =
        h.ok("TestState", json!({"definition": def, "mock": {"errorOutput": {"error": "Boom", "cause": "c"}}})).await;
    assert_eq!(
        (r["status"].as_str(), r["error"].as_str(), r["nextState"].as_str()),
        (Some("CAUGHT_ERROR"), Some("Boom"), Some("Handler"))
    );
}

#[tokio::test]
async fn an_unmocked_task_runs_as_the_role() {
    let h = Harness::new();
    h.logs("CreateLogGroup", json!({"logGroupName": "tested"})).await;
    let role = h.execution_role();
    let def = r#"{"Type": "Task", "Resource": "arn:aws:states:::aws-sdk:cloudwatchlogs:describeLogGroups", "Parameters": {"LogGroupNamePrefix": "test"}, "End": true}"#;
    let r = h.ok("TestState", json!({"definition": def, "roleArn": role})).await;
    assert_eq!(r["status"], "SUCCEEDED", "{r}");
    let out: serde_json::Value = serde_json::from_str(r["output"].as_str().unwrap()).unwrap();
    assert_eq!(out["LogGroups"][0]["LogGroupName"], "tested");
    let e = h.err("TestState", json!({"definition": def})).await;
    assert_eq!(e.code, "ValidationException");
}

#[tokio::test]
async fn a_state_of_a_whole_definition() {
    let h = Harness::new();
    let def = json!({"QueryLanguage": "JSONata", "StartAt": "A", "States": {
        "A": {"Type": "Pass", "Next": "B"},
        "B": {"Type": "Pass", "Output": "{% $states.input.v * 2 %}", "End": true}}});
    let r = h.ok("TestState", json!({"definition": def.to_string(), "stateName": "B", "input": "{\"v\": 21}"})).await;
    assert_eq!(r["output"], "42");
    let e = h.err("TestState", json!({"definition": "{\"Type\": \"Nope\"}"})).await;
    assert_eq!(e.code, "InvalidDefinition");
}
