//! Definition parsing and validation with AWS's exact messages.
//! Sources for the expected texts are noted per test (recorded AWS responses, AWS issue reports).

use serde_json::json;

use super::{Diagnostic, Severity, StateMachine, StateMachineType};

fn diagnostics(definition: serde_json::Value) -> Vec<Diagnostic> {
    StateMachine::validate(&definition.to_string(), StateMachineType::Standard)
}

fn express(definition: serde_json::Value) -> Vec<Diagnostic> {
    StateMachine::validate(&definition.to_string(), StateMachineType::Express)
}

fn one(list: &[Diagnostic]) -> (&str, &str, Option<&str>) {
    assert_eq!(list.len(), 1, "{list:#?}");
    let d = &list[0];
    assert_eq!(d.severity, Severity::Error);
    (d.code.as_str(), d.message.as_str(), d.location.as_deref())
}

/// The `InvalidDefinition` message CreateStateMachine answers with.
fn create_error(definition: serde_json::Value) -> String {
    match StateMachine::parse(&definition.to_string()) {
        Ok(_) => panic!("definition was accepted"),
        Err(e) => e.to_string(),
    }
}

fn pass_end() -> serde_json::Value {
    json!({"Type": "Pass", "End": true})
}

// Source: ValidateStateMachineDefinition recordings (localstack test_sfn_api_validation snapshot, 2025-10).
#[test]
fn empty_string_is_not_a_json_object() {
    let d = StateMachine::validate("", StateMachineType::Standard);
    assert_eq!(one(&d), ("SCHEMA_VALIDATION_FAILED", "Definition must be a valid JSON object", None));
}

#[test]
fn text_that_is_not_json() {
    let d = StateMachine::validate("not a definition", StateMachineType::Standard);
    assert_eq!(d.len(), 1);
    assert_eq!(d[0].code, "INVALID_JSON_DESCRIPTION");
}

#[test]
fn empty_object_needs_states_and_start_at() {
    assert_eq!(
        one(&diagnostics(json!({}))),
        ("SCHEMA_VALIDATION_FAILED", "These fields are required: [States, StartAt]", Some("/"))
    );
}

#[test]
fn missing_start_at() {
    assert_eq!(
        one(&diagnostics(json!({"States": {"A": pass_end()}}))),
        ("SCHEMA_VALIDATION_FAILED", "These fields are required: [StartAt]", Some("/"))
    );
}

// Source: AWS response quoted in localstack issue #11978 (CreateStateMachine, 2024-12).
#[test]
fn missing_next_target_and_unreachable_state() {
    let definition = json!({
        "StartAt": "pass1",
        "States": {
            "pass1": {"Type": "Pass", "Next": "pass3"},
            "pass2": {"Type": "Pass", "End": true}
        }
    });
    assert_eq!(
        create_error(definition),
        "Invalid State Machine Definition: 'MISSING_TRANSITION_TARGET: Missing 'Next' target: pass3 at /States/pass1/Next, MISSING_TRANSITION_TARGET: State \"pass2\" is not reachable. at /States/pass2'"
    );
}

// Source: AWS response quoted in cfn-lint issue #4074 (CreateStateMachine through CloudFormation).
#[test]
fn start_at_names_no_state() {
    let definition = json!({
        "StartAt": "Not sure",
        "States": {
            "Pass One": {"Type": "Pass", "Next": "Success"},
            "Success": {"Type": "Succeed"}
        }
    });
    assert_eq!(
        create_error(definition),
        "Invalid State Machine Definition: 'MISSING_TRANSITION_TARGET: Missing 'Next' target: Not sure at /StartAt, MISSING_TRANSITION_TARGET: State \"Pass One\" is not reachable. at /States/Pass One'"
    );
}

// Source: AWS response quoted in cfn-lint issue #4073.
#[test]
fn state_nothing_names_is_unreachable() {
    let definition = json!({
        "StartAt": "Pass One",
        "States": {
            "Pass One": {"Type": "Pass", "Next": "Pass Two"},
            "Pass Two": {"Type": "Pass", "Next": "Success"},
            "Unreachable pass": {"Type": "Pass", "Next": "Success"},
            "Success": {"Type": "Succeed"}
        }
    });
    assert_eq!(
        one(&diagnostics(definition)),
        ("MISSING_TRANSITION_TARGET", "State \"Unreachable pass\" is not reachable.", Some("/States/Unreachable pass"))
    );
}

// Source: AWS diagnostics measured in floci issue #2735 (ValidateStateMachineDefinition, 2026).
#[test]
fn loop_without_terminal_state() {
    let definition = json!({
        "StartAt": "A",
        "States": {"A": {"Type": "Pass", "Next": "B"}, "B": {"Type": "Pass", "Next": "A"}}
    });
    assert_eq!(one(&diagnostics(definition.clone())), ("MISSING_END_STATE", "Workflow has no terminal state", None));
    assert_eq!(
        create_error(definition),
        "Invalid State Machine Definition: 'MISSING_END_STATE: Workflow has no terminal state at null'"
    );
}

#[test]
fn missing_end_state_hides_unreachable_states() {
    let definition = json!({
        "StartAt": "A",
        "States": {
            "A": {"Type": "Pass", "Next": "B"},
            "B": {"Type": "Pass", "Next": "A"},
            "C": {"Type": "Pass", "Next": "A"}
        }
    });
    assert_eq!(one(&diagnostics(definition)).0, "MISSING_END_STATE");
}

#[test]
fn dangling_next_then_missing_end_state() {
    let d = diagnostics(json!({"StartAt": "A", "States": {"A": {"Type": "Pass", "Next": "NOPE"}}}));
    assert_eq!(d.len(), 2, "{d:#?}");
    assert_eq!(
        (d[0].code.as_str(), d[0].message.as_str(), d[0].location.as_deref()),
        ("MISSING_TRANSITION_TARGET", "Missing 'Next' target: NOPE", Some("/States/A/Next"))
    );
    assert_eq!((d[1].code.as_str(), d[1].location.as_deref()), ("MISSING_END_STATE", None));
}

#[test]
fn dangling_targets_name_their_position() {
    let definition = json!({
        "StartAt": "C",
        "States": {
            "C": {"Type": "Choice", "Choices": [{"Variable": "$.x", "IsPresent": true, "Next": "Gone"}], "Default": "Lost"},
            "T": {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke", "Catch": [{"ErrorEquals": ["States.ALL"], "Next": "Away"}], "End": true}
        }
    });
    let d = diagnostics(definition);
    let located: Vec<(&str, &str)> = d
        .iter()
        .filter(|x| x.code == "MISSING_TRANSITION_TARGET")
        .map(|x| (x.message.as_str(), x.location.as_deref().unwrap_or("")))
        .collect();
    assert!(located.contains(&("Missing 'Next' target: Gone", "/States/C/Choices[0]/Next")), "{located:?}");
    assert!(located.contains(&("Missing 'Next' target: Lost", "/States/C/Default")));
    assert!(located.contains(&("Missing 'Next' target: Away", "/States/T/Catch[0]/Next")));
}

// Source: floci issue #2735 table of AWS refusals.
#[test]
fn fields_a_state_type_does_not_support() {
    for (kind, field, value) in [
        ("Map", "TimeoutSeconds", json!(5)),
        ("Parallel", "TimeoutSeconds", json!(5)),
        ("Pass", "Catch", json!([])),
        ("Wait", "Retry", json!([])),
        ("Choice", "TimeoutSeconds", json!(5)),
    ] {
        let mut state = match kind {
            "Map" => {
                json!({"Type": "Map", "ItemProcessor": {"StartAt": "I", "States": {"I": pass_end()}}, "End": true})
            }
            "Parallel" => {
                json!({"Type": "Parallel", "Branches": [{"StartAt": "I", "States": {"I": pass_end()}}], "End": true})
            }
            "Pass" => json!({"Type": "Pass", "End": true}),
            "Wait" => json!({"Type": "Wait", "Seconds": 1, "End": true}),
            _ => {
                json!({"Type": "Choice", "Choices": [{"Variable": "$.x", "IsPresent": true, "Next": "E"}]})
            }
        };
        state[field] = value;
        let definition = json!({"StartAt": "S", "States": {"S": state, "E": {"Type": "Succeed"}}});
        let d = diagnostics(definition);
        let found = d.iter().any(|x| {
            x.code == "SCHEMA_VALIDATION_FAILED"
                && x.message == format!("Field '{field}' is not supported")
                && x.location.as_deref() == Some("/States/S")
        });
        assert!(found, "{kind}.{field}: {d:#?}");
    }
}

// Source: ValidateStateMachineDefinition recording (localstack snapshot ILLEGAL_WFTT, 2025-10).
#[test]
fn express_refuses_wait_for_task_token() {
    let definition = json!({
        "StartAt": "SendMessageWithWait",
        "States": {"SendMessageWithWait": {"Type": "Task", "Resource": "arn:aws:states:::sqs:sendMessage.waitForTaskToken", "Parameters": {"QueueUrl": "q", "MessageBody": {"TaskToken.$": "$$.Task.Token"}}, "End": true}}
    });
    assert_eq!(
        one(&express(definition.clone())),
        (
            "SCHEMA_VALIDATION_FAILED",
            "Express state machine does not support '.waitForTaskToken' service integration ",
            Some("/States/SendMessageWithWait/Resource")
        )
    );
    assert!(diagnostics(definition).is_empty());
}

// Source: spec SFN-11.
#[test]
fn express_refuses_sync() {
    let definition = json!({
        "StartAt": "S",
        "States": {"S": {"Type": "Task", "Resource": "arn:aws:states:::states:startExecution.sync:2", "Parameters": {"StateMachineArn": "arn"}, "End": true}}
    });
    let d = express(definition);
    let (code, message, location) = one(&d);
    assert_eq!((code, location), ("SCHEMA_VALIDATION_FAILED", Some("/States/S/Resource")));
    assert_eq!(message, "Express state machine does not support '.sync' service integration");
}

// Source: spec SFN-1 (localstack credentials snapshot, AWS-validated).
#[test]
fn credentials_need_a_role_arn() {
    let definition = json!({
        "StartAt": "State0",
        "States": {"State0": {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke", "Credentials": {}, "End": true}}
    });
    assert_eq!(
        create_error(definition),
        "Invalid State Machine Definition: 'SCHEMA_VALIDATION_FAILED: The field 'RoleArn' is required but was missing at /States/State0/Credentials'"
    );
}

#[test]
fn credentials_role_arn_forms() {
    for credentials in [
        json!({"RoleArn": "arn:aws:iam::111111111111:role/r"}),
        json!({"RoleArn.$": "$.role"}),
        json!({"RoleArn.$": "States.Format('arn:aws:iam::{}:role/r', $.account)"}),
    ] {
        let definition = json!({
            "StartAt": "S",
            "States": {"S": {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke", "Credentials": credentials, "End": true}}
        });
        assert!(diagnostics(definition).is_empty());
    }
    let jsonata = json!({
        "QueryLanguage": "JSONata",
        "StartAt": "S",
        "States": {"S": {"Type": "Task", "Resource": "arn:aws:states:::aws-sdk:bedrockruntime:converse", "Credentials": {"RoleArn": "{% $roleArn %}"}, "End": true}}
    });
    assert!(diagnostics(jsonata).is_empty());
}

// Source: ValidateStateMachineDefinition recording (INVALID_DOWNGRADE_QUERY_LANGUAGE, 2025-10).
#[test]
fn jsonata_machine_cannot_downgrade_a_state() {
    let definition = json!({
        "QueryLanguage": "JSONata",
        "StartAt": "Pass",
        "States": {"Pass": {"Type": "Pass", "QueryLanguage": "JSONPath", "End": true}}
    });
    assert_eq!(
        one(&diagnostics(definition)),
        (
            "SCHEMA_VALIDATION_FAILED",
            "'QueryLanguage' can not be 'JSONPath' if set to 'JSONata' for whole state machine",
            Some("/States/Pass")
        )
    );
}

// Source: floci issue #2968 (AWS diagnostics verbatim).
#[test]
fn jsonata_field_in_a_jsonpath_state() {
    let definition = json!({"StartAt": "P", "States": {"P": {"Type": "Pass", "Output": {}, "End": true}}});
    assert_eq!(
        one(&diagnostics(definition)),
        (
            "SCHEMA_VALIDATION_FAILED",
            "The QueryLanguage is set to 'JSONPath', but field 'Output' is only supported for the 'JSONata' QueryLanguage",
            Some("/States/P")
        )
    );
}

// Source: floci issue #3733 (AWS diagnostics verbatim, 2026-09).
#[test]
fn jsonpath_field_in_a_jsonata_state() {
    let definition = json!({
        "QueryLanguage": "JSONata",
        "StartAt": "M",
        "States": {"M": {"Type": "Map", "ToleratedFailureCountPath": "$.n", "ItemProcessor": {"StartAt": "I", "States": {"I": pass_end()}}, "End": true}}
    });
    assert_eq!(
        one(&diagnostics(definition)),
        (
            "SCHEMA_VALIDATION_FAILED",
            "The QueryLanguage is set to 'JSONata', but field 'ToleratedFailureCountPath' is only supported for the 'JSONPath' QueryLanguage",
            Some("/States/M")
        )
    );
}

fn map_with(extra: serde_json::Value) -> serde_json::Value {
    let mut state = json!({"Type": "Map", "ItemProcessor": {"StartAt": "I", "States": {"I": pass_end()}}, "End": true});
    for (k, v) in extra.as_object().cloned().unwrap_or_default() {
        state[k] = v;
    }
    json!({"StartAt": "M", "States": {"M": state}})
}

// Source: floci issue #3733.
#[test]
fn literal_and_path_together() {
    assert_eq!(
        one(&diagnostics(map_with(json!({"MaxConcurrency": 1, "MaxConcurrencyPath": "$.n"})))),
        (
            "SCHEMA_VALIDATION_FAILED",
            "There should only be one of the following fields: [MaxConcurrency, MaxConcurrencyPath]",
            Some("/States/M")
        )
    );
}

// Source: floci issue #3733.
#[test]
fn number_bounds() {
    assert_eq!(
        one(&diagnostics(map_with(json!({"MaxConcurrency": -1})))),
        ("SCHEMA_VALIDATION_FAILED", "Minimum value is 0", Some("/States/M/MaxConcurrency"))
    );
    assert_eq!(one(&diagnostics(map_with(json!({"ToleratedFailurePercentage": -1})))).1, "Minimum value is 0.0");
    assert_eq!(one(&diagnostics(map_with(json!({"ToleratedFailurePercentage": 101})))).1, "Maximum value is 100.0");
}

// Source: floci issue #3733: only ItemsPath may read the context object.
#[test]
fn path_fields_must_be_reference_paths() {
    assert_eq!(
        one(&diagnostics(map_with(json!({"ToleratedFailureCountPath": "$$.Execution.Input.n"})))),
        ("SCHEMA_VALIDATION_FAILED", "Value is not a Reference Path", Some("/States/M/ToleratedFailureCountPath"))
    );
    assert!(diagnostics(map_with(json!({"ItemsPath": "$$.Execution.Input.items"}))).is_empty());
    assert!(diagnostics(map_with(json!({"ToleratedFailureCountPath": "$count"}))).is_empty());
}

#[test]
fn result_path_must_be_a_reference_path() {
    let definition = json!({"StartAt": "P", "States": {"P": {"Type": "Pass", "ResultPath": "$.a[*]", "End": true}}});
    assert_eq!(
        one(&diagnostics(definition)),
        ("SCHEMA_VALIDATION_FAILED", "Value is not a Reference Path", Some("/States/P/ResultPath"))
    );
}

#[test]
fn state_names_are_unique_across_the_machine() {
    let definition = json!({
        "StartAt": "P",
        "States": {"P": {"Type": "Parallel", "Branches": [{"StartAt": "P", "States": {"P": pass_end()}}], "End": true}}
    });
    let d = diagnostics(definition);
    let (code, message, location) = one(&d);
    assert_eq!((code, message), ("DUPLICATE_STATE_NAME", "Duplicate State name: P"));
    assert_eq!(location, Some("/States/P/Branches[0]/States/P"));
}

#[test]
fn states_is_a_reserved_variable() {
    let definition = json!({"StartAt": "P", "States": {"P": {"Type": "Pass", "Assign": {"states": 1}, "End": true}}});
    let d = diagnostics(definition);
    let (code, _, location) = one(&d);
    assert_eq!((code, location), ("SCHEMA_VALIDATION_FAILED", Some("/States/P/Assign/states")));
}

#[test]
fn invalid_jsonata_is_refused() {
    let definition = json!({"QueryLanguage": "JSONata", "StartAt": "P", "States": {"P": {"Type": "Pass", "Output": "{% a[1,2) %}", "End": true}}});
    let d = diagnostics(definition);
    let (code, _, location) = one(&d);
    assert_eq!((code, location), ("SCHEMA_VALIDATION_FAILED", Some("/States/P/Output")));
}

#[test]
fn invalid_state_type_and_missing_type() {
    let d = diagnostics(json!({"StartAt": "P", "States": {"P": {"Type": "Nope", "End": true}}}));
    assert_eq!(one(&d), ("SCHEMA_VALIDATION_FAILED", "Value is not a valid State Type", Some("/States/P/Type")));
    let d = diagnostics(json!({"StartAt": "P", "States": {"P": {"End": true}}}));
    assert_eq!(one(&d), ("SCHEMA_VALIDATION_FAILED", "These fields are required: [Type]", Some("/States/P")));
}

#[test]
fn next_and_end_together_or_neither() {
    let d = diagnostics(
        json!({"StartAt": "P", "States": {"P": {"Type": "Pass", "Next": "Q", "End": true}, "Q": pass_end()}}),
    );
    assert!(d.iter().any(|x| x.message == "Only one of 'Next' or 'End' can be set"), "{d:#?}");
    let d = diagnostics(json!({"StartAt": "P", "States": {"P": {"Type": "Pass"}, "Q": pass_end()}}));
    assert!(d.iter().any(|x| x.message == "Either 'Next' or 'End' must be set"), "{d:#?}");
}

#[test]
fn bad_paths_and_intrinsics_in_parameters() {
    let definition = json!({"StartAt": "P", "States": {"P": {"Type": "Pass", "Parameters": {"a.$": "nope", "b.$": "States.Nope()"}, "End": true}}});
    let d = diagnostics(definition);
    assert_eq!(d.len(), 2, "{d:#?}");
    assert_eq!(d[0].location.as_deref(), Some("/States/P/Parameters/a.$"));
}

#[test]
fn states_all_must_be_alone_and_last() {
    let definition = json!({"StartAt": "T", "States": {"T": {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke", "Retry": [{"ErrorEquals": ["States.ALL", "X"]}], "End": true}}});
    let d = diagnostics(definition);
    assert_eq!(one(&d).2, Some("/States/T/Retry[0]/ErrorEquals"));
}

#[test]
fn wait_needs_exactly_one_duration() {
    let d = diagnostics(
        json!({"StartAt": "W", "States": {"W": {"Type": "Wait", "Seconds": 1, "SecondsPath": "$.s", "End": true}}}),
    );
    assert!(d[0].message.starts_with("There should only be one of the following fields"), "{d:#?}");
    let d =
        diagnostics(json!({"StartAt": "W", "States": {"W": {"Type": "Wait", "Timestamp": "yesterday", "End": true}}}));
    assert_eq!(one(&d).2, Some("/States/W/Timestamp"));
}

#[test]
fn valid_definitions_have_no_diagnostics() {
    let definition = json!({
        "Comment": "everything",
        "StartAt": "P",
        "TimeoutSeconds": 60,
        "States": {
            "P": {"Type": "Pass", "Result": {"a": 1}, "ResultPath": "$.r", "Next": "C"},
            "C": {"Type": "Choice", "Choices": [
                {"And": [{"Variable": "$.r.a", "NumericEquals": 1}, {"Not": {"Variable": "$.x", "IsPresent": true}}], "Next": "W"}
            ], "Default": "F"},
            "W": {"Type": "Wait", "Seconds": 0, "Next": "Par"},
            "Par": {"Type": "Parallel", "Branches": [{"StartAt": "B", "States": {"B": pass_end()}}], "Next": "M"},
            "M": {"Type": "Map", "ItemsPath": "$", "ItemProcessor": {"StartAt": "I", "States": {"I": pass_end()}}, "Next": "T"},
            "T": {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke", "TimeoutSeconds": 5, "HeartbeatSeconds": 2,
                  "Retry": [{"ErrorEquals": ["States.TaskFailed"], "MaxAttempts": 2, "BackoffRate": 1.5, "JitterStrategy": "FULL"}],
                  "Catch": [{"ErrorEquals": ["States.ALL"], "Next": "F", "ResultPath": "$.error"}], "Next": "S"},
            "S": {"Type": "Succeed"},
            "F": {"Type": "Fail", "Error": "E", "Cause": "C"}
        }
    });
    assert_eq!(diagnostics(definition.clone()), Vec::<Diagnostic>::new());
    let sm = StateMachine::parse(&definition.to_string()).unwrap();
    assert_eq!(sm.task_resources().collect::<Vec<_>>(), vec!["arn:aws:states:::lambda:invoke"]);
}

/// Random definitions assembled from ASL fragments never panic the parser.
#[test]
fn random_definitions_do_not_panic() {
    use crate::env::{Env, SeededEnv};
    let fields: Vec<(&str, serde_json::Value)> = vec![
        ("Type", json!("Pass")),
        ("Type", json!("Task")),
        ("Type", json!("Map")),
        ("Type", json!("Choice")),
        ("Type", json!("Parallel")),
        ("Type", json!("Wait")),
        ("Type", json!("Fail")),
        ("Type", json!(3)),
        ("Next", json!("A")),
        ("Next", json!("Z")),
        ("End", json!(true)),
        ("End", json!("yes")),
        ("Resource", json!("arn:aws:states:::lambda:invoke")),
        ("Resource", json!("nope")),
        ("Parameters", json!({"a.$": "$.x"})),
        ("Parameters", json!({"a.$": 1})),
        ("ResultPath", json!("$[0]")),
        ("Choices", json!([{"Variable": "$.x", "Next": "A"}])),
        ("Choices", json!("x")),
        ("Branches", json!([{"StartAt": "Q", "States": {}}])),
        ("Branches", json!([1])),
        ("ItemProcessor", json!({"StartAt": "I", "States": {"I": {"Type": "Pass", "End": true}}})),
        ("Iterator", json!({})),
        ("Seconds", json!(-1)),
        ("Timestamp", json!("x")),
        ("Retry", json!([{"ErrorEquals": []}])),
        ("Catch", json!([{"ErrorEquals": ["States.ALL"]}])),
        ("Credentials", json!({"RoleArn.$": 5})),
        ("Assign", json!({"states": 1})),
        ("Output", json!("{% $x %}")),
        ("QueryLanguage", json!("JSONata")),
        ("MaxConcurrency", json!("{% 1 %}")),
    ];
    let mut env = SeededEnv::new(3);
    for _ in 0..3000 {
        let mut state = serde_json::Map::new();
        let n = (env.random() * 6.0) as usize + 1;
        for _ in 0..n {
            let (k, v) = &fields[(env.random() * fields.len() as f64) as usize % fields.len()];
            state.insert(k.to_string(), v.clone());
        }
        let definition = json!({"StartAt": "A", "States": {"A": state, "Z": {"Type": "Succeed"}}});
        let _ = StateMachine::validate(&definition.to_string(), StateMachineType::Standard);
        if let Ok(sm) = StateMachine::parse(&definition.to_string()) {
            let mut e = crate::env::SeededEnv::new(1);
            let ctx = crate::exec::ExecutionContext::new("arn:aws:states:us-east-1:1:stateMachine:m", "e", "r", 0);
            let mut ex = crate::exec::Execution::start(&sm, json!({"x": [1]}), ctx, &mut e);
            let _ = ex.run(&sm, 0, &mut e);
        }
    }
}

/// Issue 11: a 3 KB definition whose `InputPath` nests filters a few thousand levels overflowed the
/// stack and aborted the process; it is now an invalid path like any other.
#[test]
fn paths_nested_thousands_deep_are_invalid() {
    let path = format!("${}{}", "[?(@".repeat(3000), ")]".repeat(3000));
    let definition = json!({"StartAt": "P", "States": {"P": {"Type": "Pass", "InputPath": path, "End": true}}});
    assert_eq!(
        create_error(definition),
        "Invalid State Machine Definition: 'SCHEMA_VALIDATION_FAILED: Value is not a JSONPath at /States/P/InputPath'"
    );
    let definition = json!({"StartAt": "P", "States": {"P": {"Type": "Pass", "Parameters": {"a.$": "$[?(".repeat(3000)}, "End": true}}});
    assert_eq!(
        one(&diagnostics(definition)),
        (
            "SCHEMA_VALIDATION_FAILED",
            "The value for the field must be a valid JSONPath or a valid intrinsic function call",
            Some("/States/P/Parameters/a.$")
        )
    );
}

/// Issue 11: twenty thousand nested intrinsics overflowed the stack; past AWS's ten they are invalid.
#[test]
fn intrinsics_nested_past_ten_are_invalid() {
    let call = format!("{}1{}", "States.Array(".repeat(20_000), ")".repeat(20_000));
    let definition =
        json!({"StartAt": "P", "States": {"P": {"Type": "Pass", "Parameters": {"a.$": call}, "End": true}}});
    assert_eq!(
        create_error(definition),
        "Invalid State Machine Definition: 'SCHEMA_VALIDATION_FAILED: The value for the field must be a valid intrinsic function call: at most 10 intrinsic functions can be nested within a field at /States/P/Parameters/a.$'"
    );
}

/// Definitions are parsed with serde_json's recursion limit (128 levels), so nested states, Parallel
/// branches and templates can never be deeper than that.
#[test]
fn json_nested_past_the_parser_limit_is_invalid_json() {
    let text = format!("{{\"StartAt\": \"P\", \"Comment\": {}1{}}}", "[".repeat(10_000), "]".repeat(10_000));
    let e = StateMachine::parse(&text).unwrap_err().to_string();
    assert!(
        e.starts_with("Invalid State Machine Definition: 'INVALID_JSON_DESCRIPTION: recursion limit exceeded"),
        "{e}"
    );
    // Parallel in Parallel as deep as JSON allows still parses and validates without trouble.
    let mut state = json!({"Type": "Pass", "End": true});
    for i in 0..20 {
        let name = format!("S{i}");
        state =
            json!({"Type": "Parallel", "Branches": [{"StartAt": name, "States": {name.clone(): state}}], "End": true});
    }
    let parsed = StateMachine::parse(&json!({"StartAt": "S", "States": {"S": state}}).to_string());
    assert!(parsed.is_ok(), "{:?}", parsed.err().map(|e| e.to_string()));
}

/// JSONata nested thousands deep is refused by its parser (`jsonata-core` bounds its own nesting), so a
/// definition holding it is invalid rather than a crash.
#[test]
fn jsonata_nested_thousands_deep_is_invalid() {
    let expr = format!("{{% {}1{} %}}", "(".repeat(5000), ")".repeat(5000));
    let definition = json!({"QueryLanguage": "JSONata", "StartAt": "P", "States": {"P": {"Type": "Pass", "Output": expr, "End": true}}});
    let e = create_error(definition);
    assert!(
        e.starts_with(
            "Invalid State Machine Definition: 'SCHEMA_VALIDATION_FAILED: The JSONata expression is invalid: "
        ),
        "{e}"
    );
    assert!(e.ends_with(" at /States/P/Output'"), "{e}");
}
