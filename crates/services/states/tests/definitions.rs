//! Invalid definitions through CreateStateMachine: AWS's `InvalidDefinition` code, HTTP 400 and text.
//! Sources of the texts: responses recorded against AWS (LocalStack's aws-validated snapshots:
//! test_sfn_api, test_sfn_api_express, test_sfn_api_validation, credentials), AWS diagnostics quoted
//! verbatim in floci issues #2735, #2968 and #3733, and the spec (SFN-1, SFN-11).

mod common;

use common::*;
use serde_json::{Value, json};

fn pass_end() -> Value {
    json!({"Type": "Pass", "End": true})
}

fn map_with(extra: Value) -> Value {
    let mut state = json!({"Type": "Map", "ItemProcessor": {"StartAt": "I", "States": {"I": pass_end()}}, "End": true});
    for (k, v) in extra.as_object().cloned().unwrap_or_default() {
        state[k] = v;
    }
    json!({"StartAt": "M", "States": {"M": state}})
}

fn task(resource: &str) -> Value {
    json!({"Type": "Task", "Resource": resource, "End": true})
}

fn schema(message: &str, location: &str) -> String {
    format!("Invalid State Machine Definition: 'SCHEMA_VALIDATION_FAILED: {message} at {location}'")
}

/// (definition, type, AWS's message)
fn cases() -> Vec<(Value, &'static str, String)> {
    vec![
        (json!({"StartAt": "P"}), "STANDARD", schema("These fields are required: [States]", "/")),
        (json!({}), "STANDARD", schema("These fields are required: [States, StartAt]", "/")),
        (json!({"States": {"P": pass_end()}}), "STANDARD", schema("These fields are required: [StartAt]", "/")),
        (
            json!({"StartAt": "StartExecution", "States": {"StartExecution": task("arn:aws:states:::states:startExecution.sync")}}),
            "EXPRESS",
            schema("Express state machine does not support '.sync' service integration", "/States/StartExecution/Resource"),
        ),
        (
            json!({"StartAt": "Publish", "States": {"Publish": task("arn:aws:states:::sns:publish.waitForTaskToken")}}),
            "EXPRESS",
            schema("Express state machine does not support '.waitForTaskToken' service integration ", "/States/Publish/Resource"),
        ),
        (
            json!({"StartAt": "ActivityTask", "States": {"ActivityTask": task("arn:aws:states:us-east-1:111111111111:activity:a")}}),
            "EXPRESS",
            schema("Express state machine does not support Activity ARN", "/States/ActivityTask/Resource"),
        ),
        (
            json!({"StartAt": "State0", "States": {"State0": {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke", "Credentials": {}, "End": true}}}),
            "STANDARD",
            schema("The field 'RoleArn' is required but was missing", "/States/State0/Credentials"),
        ),
        (
            json!({"QueryLanguage": "JSONata", "StartAt": "Pass", "States": {"Pass": {"Type": "Pass", "QueryLanguage": "JSONPath", "End": true}}}),
            "STANDARD",
            schema("'QueryLanguage' can not be 'JSONPath' if set to 'JSONata' for whole state machine", "/States/Pass"),
        ),
        (
            json!({"StartAt": "P", "States": {"P": {"Type": "Pass", "Output": {}, "End": true}}}),
            "STANDARD",
            schema("The QueryLanguage is set to 'JSONPath', but field 'Output' is only supported for the 'JSONata' QueryLanguage", "/States/P"),
        ),
        (
            {
                let mut m = map_with(json!({"ToleratedFailureCountPath": "$.n"}));
                m["QueryLanguage"] = json!("JSONata");
                m
            },
            "STANDARD",
            schema("The QueryLanguage is set to 'JSONata', but field 'ToleratedFailureCountPath' is only supported for the 'JSONPath' QueryLanguage", "/States/M"),
        ),
        (
            map_with(json!({"MaxConcurrency": 1, "MaxConcurrencyPath": "$.n"})),
            "STANDARD",
            schema("There should only be one of the following fields: [MaxConcurrency, MaxConcurrencyPath]", "/States/M"),
        ),
        (map_with(json!({"MaxConcurrency": -1})), "STANDARD", schema("Minimum value is 0", "/States/M/MaxConcurrency")),
        (map_with(json!({"ToleratedFailurePercentage": -1})), "STANDARD", schema("Minimum value is 0.0", "/States/M/ToleratedFailurePercentage")),
        (map_with(json!({"ToleratedFailurePercentage": 101})), "STANDARD", schema("Maximum value is 100.0", "/States/M/ToleratedFailurePercentage")),
        (
            map_with(json!({"ToleratedFailureCountPath": "$$.Execution.Input.n"})),
            "STANDARD",
            schema("Value is not a Reference Path", "/States/M/ToleratedFailureCountPath"),
        ),
        (
            map_with(json!({"TimeoutSeconds": 5})),
            "STANDARD",
            schema("Field 'TimeoutSeconds' is not supported", "/States/M"),
        ),
        (
            json!({"StartAt": "P", "States": {"P": {"Type": "Pass", "Catch": [], "End": true}}}),
            "STANDARD",
            schema("Field 'Catch' is not supported", "/States/P"),
        ),
        (
            json!({"StartAt": "W", "States": {"W": {"Type": "Wait", "Seconds": 1, "Retry": [], "End": true}}}),
            "STANDARD",
            schema("Field 'Retry' is not supported", "/States/W"),
        ),
        (
            json!({"StartAt": "P", "States": {"P": {"Type": "Parallel", "TimeoutSeconds": 5, "Branches": [{"StartAt": "I", "States": {"I": pass_end()}}], "End": true}}}),
            "STANDARD",
            schema("Field 'TimeoutSeconds' is not supported", "/States/P"),
        ),
        (
            json!({"StartAt": "pass1", "States": {"pass1": {"Type": "Pass", "Next": "pass3"}, "pass2": pass_end()}}),
            "STANDARD",
            "Invalid State Machine Definition: 'MISSING_TRANSITION_TARGET: Missing 'Next' target: pass3 at /States/pass1/Next, MISSING_TRANSITION_TARGET: State \"pass2\" is not reachable. at /States/pass2'".to_string(),
        ),
        (
            json!({"StartAt": "Not sure", "States": {"Pass One": pass_end()}}),
            "STANDARD",
            "Invalid State Machine Definition: 'MISSING_TRANSITION_TARGET: Missing 'Next' target: Not sure at /StartAt, MISSING_TRANSITION_TARGET: State \"Pass One\" is not reachable. at /States/Pass One'".to_string(),
        ),
        (
            json!({"StartAt": "A", "States": {"A": {"Type": "Pass", "Next": "B"}, "B": {"Type": "Pass", "Next": "A"}}}),
            "STANDARD",
            "Invalid State Machine Definition: 'MISSING_END_STATE: Workflow has no terminal state at null'".to_string(),
        ),
    ]
}

#[tokio::test]
async fn create_state_machine_answers_aws_texts() {
    let h = Harness::new();
    let role = h.execution_role();
    let cases = cases();
    assert!(cases.len() >= 20);
    for (i, (definition, kind, message)) in cases.into_iter().enumerate() {
        let e = h
            .err(
                "CreateStateMachine",
                json!({"name": format!("bad-{i}"), "definition": definition.to_string(), "roleArn": role, "type": kind}),
            )
            .await;
        assert_eq!((e.code.as_str(), e.status), ("InvalidDefinition", 400), "case {i}");
        assert_eq!(e.message, message, "case {i}: {definition}");
    }
}

#[tokio::test]
async fn express_only_refusals_pass_as_standard() {
    let h = Harness::new();
    let role = h.execution_role();
    let d = json!({"StartAt": "Publish", "States": {"Publish": task("arn:aws:states:::sns:publish.waitForTaskToken")}});
    h.ok("CreateStateMachine", json!({"name": "std", "definition": d.to_string(), "roleArn": role})).await;
}

#[tokio::test]
async fn update_state_machine_checks_the_definition_too() {
    let h = Harness::new();
    let arn = h.create("m", json!({"StartAt": "P", "States": {"P": pass_end()}})).await;
    let e = h.err("UpdateStateMachine", json!({"stateMachineArn": arn, "definition": "{\"StartAt\": \"P\"}"})).await;
    assert_error(&e, "InvalidDefinition", &schema("These fields are required: [States]", "/"));
}
