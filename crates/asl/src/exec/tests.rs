//! Execution behaviour end to end: events, ids, data flow, errors.
//! Each test runs a small definition through the interpreter with a scripted driver.

use serde_json::{Value, json};

use super::{
    Execution, ExecutionContext, Progress, Status, TaskId, TaskKind, TaskPattern, TaskRequest,
};
use crate::definition::StateMachine;
use crate::env::SeededEnv;

const ARN: &str = "arn:aws:states:us-east-1:111111111111:stateMachine:machine";
const T0: i64 = 1_700_000_000_000;

/// What the scripted driver does with a task.
pub enum Reply {
    Succeed(Value),
    Fail(&'static str, &'static str),
    /// Never answers (timeouts, aborts).
    Hang,
}

pub struct Outcome {
    pub execution: Execution,
    pub requests: Vec<TaskRequest>,
    pub end_ms: i64,
}

pub fn run_with(
    definition: Value,
    input: Value,
    mut driver: impl FnMut(&TaskRequest) -> Reply,
) -> Outcome {
    let sm = StateMachine::parse(&definition.to_string()).expect("valid definition");
    let mut env = SeededEnv::new(9);
    let context = ExecutionContext::new(ARN, "exec", "arn:aws:iam::111111111111:role/r", T0);
    let mut execution = Execution::start(&sm, input, context, &mut env);
    let mut now = T0;
    let mut requests = Vec::new();
    for _ in 0..1000 {
        match execution.run(&sm, now, &mut env) {
            Progress::Done => break,
            Progress::Waiting {
                tasks, wake_at_ms, ..
            } => {
                let had_tasks = !tasks.is_empty();
                for t in tasks {
                    match driver(&t) {
                        Reply::Succeed(v) => {
                            execution.task_started(t.id, now);
                            execution.task_succeeded(t.id, v, now);
                        }
                        Reply::Fail(e, c) => {
                            execution.task_started(t.id, now);
                            execution.task_failed(t.id, e, c, now);
                        }
                        Reply::Hang => execution.task_started(t.id, now),
                    }
                    requests.push(t);
                }
                if had_tasks {
                    continue;
                }
                match wake_at_ms {
                    Some(at) => now = at.max(now + 1),
                    None => break,
                }
            }
        }
    }
    Outcome {
        execution,
        requests,
        end_ms: now,
    }
}

pub fn run(definition: Value, input: Value) -> Execution {
    run_with(definition, input, |_| Reply::Succeed(json!({}))).execution
}

fn kinds(e: &Execution) -> Vec<String> {
    e.events().iter().map(|e| e.kind.clone()).collect()
}

fn links(e: &Execution) -> Vec<(u64, u64)> {
    e.events()
        .iter()
        .map(|e| (e.id, e.previous_event_id))
        .collect()
}

fn detail(e: &Execution, kind: &str) -> Value {
    e.events()
        .iter()
        .find(|ev| ev.kind == kind)
        .and_then(|ev| ev.detail().cloned())
        .unwrap_or(Value::Null)
}

fn parsed(v: &Value) -> Value {
    serde_json::from_str(v.as_str().unwrap_or("null")).unwrap_or(Value::Null)
}

#[test]
fn pass_chain_links_events() {
    let e = run(
        json!({"StartAt": "A", "States": {"A": {"Type": "Pass", "Next": "B"}, "B": {"Type": "Pass", "Result": {"x": 1}, "End": true}}}),
        json!({"in": true}),
    );
    assert_eq!(e.status(), Status::Succeeded);
    assert_eq!(
        kinds(&e),
        [
            "ExecutionStarted",
            "PassStateEntered",
            "PassStateExited",
            "PassStateEntered",
            "PassStateExited",
            "ExecutionSucceeded"
        ]
    );
    assert_eq!(links(&e), [(1, 0), (2, 0), (3, 2), (4, 3), (5, 4), (6, 5)]);
    assert_eq!(e.output(), Some(&json!({"x": 1})));
    assert_eq!(
        detail(&e, "ExecutionStarted")["roleArn"],
        json!("arn:aws:iam::111111111111:role/r")
    );
}

#[test]
fn jsonpath_processing_order() {
    let e = run(
        json!({"StartAt": "P", "States": {"P": {
            "Type": "Pass",
            "InputPath": "$.in",
            "Parameters": {"doubled.$": "States.MathAdd($.n, $.n)", "ctx.$": "$$.State.Name"},
            "ResultPath": "$.out",
            "OutputPath": "$.out",
            "End": true}}}),
        json!({"in": {"n": 2}, "other": 1}),
    );
    assert_eq!(e.output(), Some(&json!({"doubled": 4, "ctx": "P"})));
}

#[test]
fn result_path_keeps_the_raw_input_and_null_discards_the_result() {
    let e = run(
        json!({"StartAt": "P", "States": {"P": {"Type": "Pass", "InputPath": "$.a", "Result": 1, "ResultPath": "$.r", "Next": "Q"},
            "Q": {"Type": "Pass", "Result": 2, "ResultPath": null, "End": true}}}),
        json!({"a": {"b": 1}}),
    );
    assert_eq!(e.output(), Some(&json!({"a": {"b": 1}, "r": 1})));
}

#[test]
fn result_path_that_cannot_apply_fails() {
    let e = run(
        json!({"StartAt": "P", "States": {"P": {"Type": "Pass", "Result": 1, "ResultPath": "$.a.b", "End": true}}}),
        json!({"a": "text"}),
    );
    assert_eq!(e.status(), Status::Failed);
    assert_eq!(e.error(), Some("States.ResultPathMatchFailure"));
    assert_eq!(
        e.cause(),
        Some("Unable to apply ResultPath \"$.a.b\" to input \"{\"a\":\"text\"}\"")
    );
}

#[test]
fn missing_input_path_is_a_runtime_error() {
    let e = run(
        json!({"StartAt": "P", "States": {"P": {"Type": "Pass", "InputPath": "$.nope", "End": true}}}),
        json!({}),
    );
    assert_eq!(e.error(), Some("States.Runtime"));
    assert_eq!(
        e.cause(),
        Some(
            "An error occurred while executing the state 'P' (entered at the event id #2). Invalid path '$.nope' : No results for path: $['nope']"
        )
    );
    assert_eq!(
        kinds(&e),
        ["ExecutionStarted", "PassStateEntered", "ExecutionFailed"]
    );
}

fn choice_machine(rule: Value) -> Value {
    let mut r = rule;
    r["Next"] = json!("Yes");
    json!({"StartAt": "C", "States": {
        "C": {"Type": "Choice", "Choices": [r], "Default": "No"},
        "Yes": {"Type": "Pass", "Result": "yes", "End": true},
        "No": {"Type": "Pass", "Result": "no", "End": true}}})
}

#[test]
fn choice_operators() {
    let input = json!({"s": "abc", "n": 5, "b": true, "t": "2024-01-01T00:00:00Z", "null": null, "other": 5});
    let cases = [
        (json!({"Variable": "$.s", "StringEquals": "abc"}), "yes"),
        (json!({"Variable": "$.s", "StringLessThan": "abd"}), "yes"),
        (
            json!({"Variable": "$.s", "StringGreaterThanEquals": "abd"}),
            "no",
        ),
        (json!({"Variable": "$.s", "StringMatches": "a*c"}), "yes"),
        (json!({"Variable": "$.n", "NumericEquals": 5}), "yes"),
        (json!({"Variable": "$.n", "NumericLessThan": 5}), "no"),
        (
            json!({"Variable": "$.n", "NumericGreaterThanEquals": 5}),
            "yes",
        ),
        (
            json!({"Variable": "$.n", "NumericEqualsPath": "$.other"}),
            "yes",
        ),
        (json!({"Variable": "$.b", "BooleanEquals": true}), "yes"),
        (
            json!({"Variable": "$.t", "TimestampLessThan": "2024-06-01T00:00:00Z"}),
            "yes",
        ),
        (
            json!({"Variable": "$.t", "TimestampEquals": "2024-01-01T01:00:00+01:00"}),
            "yes",
        ),
        (json!({"Variable": "$.null", "IsNull": true}), "yes"),
        (json!({"Variable": "$.missing", "IsPresent": false}), "yes"),
        (json!({"Variable": "$.n", "IsNumeric": true}), "yes"),
        (json!({"Variable": "$.s", "IsString": false}), "no"),
        (json!({"Variable": "$.b", "IsBoolean": true}), "yes"),
        (json!({"Variable": "$.t", "IsTimestamp": true}), "yes"),
        (json!({"Variable": "$.s", "NumericEquals": 1}), "no"),
        (
            json!({"And": [{"Variable": "$.n", "NumericGreaterThan": 1}, {"Variable": "$.n", "NumericLessThan": 10}]}),
            "yes",
        ),
        (
            json!({"Or": [{"Variable": "$.n", "NumericGreaterThan": 10}, {"Variable": "$.s", "StringEquals": "abc"}]}),
            "yes",
        ),
        (
            json!({"Not": {"Variable": "$.s", "StringEquals": "abc"}}),
            "no",
        ),
    ];
    for (rule, expected) in cases {
        let e = run(choice_machine(rule.clone()), input.clone());
        assert_eq!(e.output(), Some(&json!(expected)), "{rule}");
    }
}

#[test]
fn choice_on_missing_variable_is_a_runtime_error() {
    let e = run(
        choice_machine(json!({"Variable": "$.missing", "StringEquals": "x"})),
        json!({}),
    );
    assert_eq!(e.error(), Some("States.Runtime"));
    assert!(e.cause().unwrap().contains("Invalid path '$.missing'"));
}

#[test]
fn no_choice_matched() {
    let e = run(
        json!({"StartAt": "C", "States": {"C": {"Type": "Choice", "Choices": [{"Variable": "$.n", "NumericEquals": 1, "Next": "E"}]}, "E": {"Type": "Succeed"}}}),
        json!({"n": 2}),
    );
    assert_eq!(e.error(), Some("States.NoChoiceMatched"));
}

#[test]
fn wait_seconds_waits_for_the_driver_clock() {
    let out = run_with(
        json!({"StartAt": "W", "States": {"W": {"Type": "Wait", "SecondsPath": "$.s", "End": true}}}),
        json!({"s": 30}),
        |_| Reply::Hang,
    );
    assert_eq!(out.execution.status(), Status::Succeeded);
    assert_eq!(out.end_ms, T0 + 30_000);
    let exited = out
        .execution
        .events()
        .iter()
        .find(|e| e.kind == "WaitStateExited")
        .unwrap();
    assert_eq!(exited.timestamp_ms, T0 + 30_000);
}

#[test]
fn wait_timestamp_path_errors() {
    let e = run(
        json!({"StartAt": "W", "States": {"W": {"Type": "Wait", "TimestampPath": "$.t", "End": true}}}),
        json!({"t": "2016-12-05T21:29:29"}),
    );
    assert_eq!(
        e.cause(),
        Some(
            "An error occurred while executing the state 'W' (entered at the event id #2). The TimestampPath parameter does not reference a valid ISO-8601 extended offset date-time format string: $.t == 2016-12-05T21:29:29"
        )
    );
    let e = run(
        json!({"StartAt": "W", "States": {"W": {"Type": "Wait", "TimestampPath": "$.t", "End": true}}}),
        json!({"t": "2099-01-01T00:00:00Z"}),
    );
    assert_eq!(
        e.cause(),
        Some(
            "An error occurred while executing the state 'W' (entered at the event id #2). Wait state delay is too long."
        )
    );
}

#[test]
fn fail_state_fields() {
    let e = run(
        json!({"StartAt": "F", "States": {"F": {"Type": "Fail", "ErrorPath": "$.e", "CausePath": "States.Format('bad {}', $.n)"}}}),
        json!({"e": "MyError", "n": 3}),
    );
    assert_eq!((e.error(), e.cause()), (Some("MyError"), Some("bad 3")));
    assert_eq!(
        kinds(&e),
        ["ExecutionStarted", "FailStateEntered", "ExecutionFailed"]
    );
    let e = run(
        json!({"StartAt": "F", "States": {"F": {"Type": "Fail"}}}),
        json!({}),
    );
    assert_eq!(detail(&e, "ExecutionFailed"), json!({}));
}

#[test]
fn succeed_state_applies_paths() {
    let e = run(
        json!({"StartAt": "S", "States": {"S": {"Type": "Succeed", "InputPath": "$.a", "OutputPath": "$.b"}}}),
        json!({"a": {"b": 7}}),
    );
    assert_eq!(e.output(), Some(&json!(7)));
    assert_eq!(
        kinds(&e)[1..3],
        ["SucceedStateEntered", "SucceedStateExited"]
    );
}

#[test]
fn parallel_results_in_branch_order_and_succeeded_event() {
    let e = run(
        json!({"StartAt": "P", "States": {"P": {"Type": "Parallel", "End": true, "Branches": [
            {"StartAt": "A", "States": {"A": {"Type": "Pass", "Result": 1, "End": true}}},
            {"StartAt": "B", "States": {"B": {"Type": "Pass", "Result": 2, "Next": "B2"}, "B2": {"Type": "Pass", "End": true}}}
        ]}}}),
        json!({}),
    );
    assert_eq!(e.output(), Some(&json!([1, 2])));
    let k = kinds(&e);
    assert_eq!(k[2], "ParallelStateStarted");
    assert_eq!(k[k.len() - 3], "ParallelStateSucceeded");
    assert_eq!(k[k.len() - 2], "ParallelStateExited");
    // Succeeded and Exited both follow the last branch event.
    let n = e.events().len();
    assert_eq!(e.events()[n - 3].previous_event_id, e.events()[n - 4].id);
    assert_eq!(e.events()[n - 2].previous_event_id, e.events()[n - 4].id);
}

#[test]
fn parallel_failure_is_caught() {
    let e = run(
        json!({"StartAt": "P", "States": {
            "P": {"Type": "Parallel", "Branches": [{"StartAt": "F", "States": {"F": {"Type": "Fail", "Error": "Boom", "Cause": "why"}}}],
                  "Catch": [{"ErrorEquals": ["Boom"], "ResultPath": "$.err", "Next": "Done"}], "End": true},
            "Done": {"Type": "Pass", "End": true}}}),
        json!({"x": 1}),
    );
    assert_eq!(
        e.output(),
        Some(&json!({"x": 1, "err": {"Error": "Boom", "Cause": "why"}}))
    );
    assert_eq!(
        kinds(&e)[1..7],
        [
            "ParallelStateEntered",
            "ParallelStateStarted",
            "FailStateEntered",
            "ParallelStateFailed",
            "ParallelStateExited",
            "PassStateEntered"
        ]
    );
}

#[test]
fn map_inline_events_follow_aws_numbering() {
    let e = run(
        json!({"StartAt": "M", "States": {"M": {"Type": "Map", "MaxConcurrency": 1,
            "ItemSelector": {"v.$": "$$.Map.Item.Value", "i.$": "$$.Map.Item.Index", "k.$": "$.k"},
            "ItemsPath": "$.items",
            "ItemProcessor": {"StartAt": "I", "States": {"I": {"Type": "Pass", "End": true}}}, "End": true}}}),
        json!({"items": ["a", "b"], "k": 1}),
    );
    assert_eq!(
        e.output(),
        Some(&json!([{"v": "a", "i": 0, "k": 1}, {"v": "b", "i": 1, "k": 1}]))
    );
    assert_eq!(
        kinds(&e),
        [
            "ExecutionStarted",
            "MapStateEntered",
            "MapStateStarted",
            "MapIterationStarted",
            "PassStateEntered",
            "PassStateExited",
            "MapIterationSucceeded",
            "MapIterationStarted",
            "PassStateEntered",
            "PassStateExited",
            "MapIterationSucceeded",
            "MapStateSucceeded",
            "MapStateExited",
            "ExecutionSucceeded"
        ]
    );
    assert_eq!(
        links(&e),
        [
            (1, 0),
            (2, 0),
            (3, 2),
            (4, 3),
            (5, 4),
            (6, 5),
            (7, 6),
            (8, 6),
            (9, 8),
            (10, 9),
            (11, 10),
            (12, 11),
            (13, 11),
            (14, 13)
        ]
    );
    assert_eq!(detail(&e, "MapStateStarted"), json!({"length": 2}));
}

#[test]
fn map_retry_restarts_the_map() {
    let e = run(
        json!({"StartAt": "M", "States": {"M": {"Type": "Map", "MaxConcurrency": 1,
            "ItemProcessor": {"StartAt": "F", "States": {"F": {"Type": "Fail", "Error": "E", "Cause": "C"}}},
            "Retry": [{"ErrorEquals": ["E"], "MaxAttempts": 1, "IntervalSeconds": 1}], "End": true}}}),
        json!([1]),
    );
    assert_eq!(
        kinds(&e),
        [
            "ExecutionStarted",
            "MapStateEntered",
            "MapStateStarted",
            "MapIterationStarted",
            "FailStateEntered",
            "MapIterationFailed",
            "MapStateStarted",
            "MapIterationStarted",
            "FailStateEntered",
            "MapIterationFailed",
            "MapStateFailed",
            "ExecutionFailed"
        ]
    );
    assert_eq!(e.events()[6].previous_event_id, 5);
    assert_eq!(e.events()[10].previous_event_id, 9);
    assert_eq!((e.error(), e.cause()), (Some("E"), Some("C")));
}

#[test]
fn map_tolerated_failures() {
    let definition = |tolerance: Value| {
        let mut m = json!({"Type": "Map", "ItemProcessor": {"StartAt": "C", "States": {
            "C": {"Type": "Choice", "Choices": [{"Variable": "$", "NumericEquals": 0, "Next": "F"}], "Default": "P"},
            "F": {"Type": "Fail", "Error": "Zero"},
            "P": {"Type": "Pass", "End": true}}}, "End": true});
        for (k, v) in tolerance.as_object().cloned().unwrap_or_default() {
            m[k] = v;
        }
        json!({"StartAt": "M", "States": {"M": m}})
    };
    let ok = run(
        definition(json!({"ToleratedFailureCount": 1})),
        json!([0, 1, 2]),
    );
    assert_eq!(ok.status(), Status::Succeeded);
    assert_eq!(ok.output(), Some(&json!([{"Error": "Zero"}, 1, 2])));
    let too_many = run(
        definition(json!({"ToleratedFailurePercentage": 20})),
        json!([0, 1, 2]),
    );
    assert_eq!(
        too_many.error(),
        Some("States.ExceedToleratedFailureThreshold")
    );
    let plain = run(definition(json!({})), json!([0, 1]));
    assert_eq!(plain.error(), Some("Zero"));
}

#[test]
fn map_tolerance_path_errors_match_aws() {
    let definition = json!({"StartAt": "M", "States": {"M": {"Type": "Map", "ItemsPath": "$.Items",
        "ItemProcessor": {"StartAt": "P", "States": {"P": {"Type": "Pass", "End": true}}},
        "ToleratedFailurePercentagePath": "$.p", "End": true}}});
    let e = run(definition.clone(), json!({"Items": [0], "p": "NoNumber"}));
    assert_eq!(
        e.cause(),
        Some(
            "An error occurred while executing the state 'M' (entered at the event id #2). The ToleratedFailurePercentagePath field refers to value \"NoNumber\" which is not a valid float: $.p"
        )
    );
    assert_eq!(
        kinds(&e),
        [
            "ExecutionStarted",
            "MapStateEntered",
            "MapStateStarted",
            "ExecutionFailed"
        ]
    );
    let e = run(definition, json!({"Items": [0], "p": 100.1}));
    assert!(
        e.cause()
            .unwrap()
            .ends_with("ToleratedFailurePercentage must be between 0 and 100.")
    );
}

#[test]
fn map_item_batcher() {
    let e = run(
        json!({"StartAt": "M", "States": {"M": {"Type": "Map", "ItemBatcher": {"MaxItemsPerBatch": 2, "BatchInput": {"tag": "t"}},
            "ItemProcessor": {"StartAt": "P", "States": {"P": {"Type": "Pass", "End": true}}}, "End": true}}}),
        json!([1, 2, 3]),
    );
    assert_eq!(
        e.output(),
        Some(
            &json!([{"BatchInput": {"tag": "t"}, "Items": [1, 2]}, {"BatchInput": {"tag": "t"}, "Items": [3]}])
        )
    );
}

#[test]
fn distributed_map_runs_without_iteration_events() {
    let e = run(
        json!({"StartAt": "M", "States": {"M": {"Type": "Map", "Label": "L",
            "ItemProcessor": {"ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": "STANDARD"}, "StartAt": "P", "States": {"P": {"Type": "Pass", "End": true}}},
            "End": true}}}),
        json!(["a", "b"]),
    );
    assert_eq!(e.output(), Some(&json!(["a", "b"])));
    assert_eq!(
        kinds(&e),
        [
            "ExecutionStarted",
            "MapStateEntered",
            "MapStateStarted",
            "MapRunStarted",
            "MapRunSucceeded",
            "MapStateSucceeded",
            "MapStateExited",
            "ExecutionSucceeded"
        ]
    );
    assert_eq!(links(&e)[4..7], [(5, 4), (6, 5), (7, 4)]);
    let arn = detail(&e, "MapRunStarted")["mapRunArn"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(
        arn.starts_with("arn:aws:states:us-east-1:111111111111:mapRun:machine/L:"),
        "{arn}"
    );
}

#[test]
fn task_events_and_request() {
    let out = run_with(
        json!({"StartAt": "T", "States": {"T": {"Type": "Task", "Resource": "arn:aws:states:::aws-sdk:bedrockruntime:converse",
            "Parameters": {"ModelId.$": "$.model"}, "Credentials": {"RoleArn.$": "$.role"}, "TimeoutSeconds": 60,
            "ResultSelector": {"text.$": "$.Output.Message.Content[0].Text"}, "End": true}}}),
        json!({"model": "m", "role": "arn:aws:iam::222222222222:role/x"}),
        |_| Reply::Succeed(json!({"Output": {"Message": {"Content": [{"Text": "hi"}]}}})),
    );
    let e = &out.execution;
    assert_eq!(e.output(), Some(&json!({"text": "hi"})));
    assert_eq!(
        kinds(e),
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
    let scheduled = detail(e, "TaskScheduled");
    assert_eq!(scheduled["resourceType"], json!("aws-sdk:bedrockruntime"));
    assert_eq!(scheduled["resource"], json!("converse"));
    assert_eq!(scheduled["region"], json!("us-east-1"));
    assert_eq!(parsed(&scheduled["parameters"]), json!({"ModelId": "m"}));
    assert_eq!(scheduled["timeoutInSeconds"], json!(60));
    assert_eq!(
        scheduled["taskCredentials"],
        json!({"roleArn": "arn:aws:iam::222222222222:role/x"})
    );
    assert_eq!(
        detail(e, "TaskStarted"),
        json!({"resourceType": "aws-sdk:bedrockruntime", "resource": "converse"})
    );
    let r = &out.requests[0];
    assert_eq!(
        (r.kind, r.pattern),
        (TaskKind::Integration, TaskPattern::RequestResponse)
    );
    assert_eq!(
        r.role_arn.as_deref(),
        Some("arn:aws:iam::222222222222:role/x")
    );
    assert_eq!(r.parameters, json!({"ModelId": "m"}));
}

#[test]
fn oversized_task_results_fail_the_task() {
    let big = "é".repeat(140_000);
    let out = run_with(
        json!({"StartAt": "T", "States": {"T": {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke",
            "Catch": [{"ErrorEquals": ["States.ALL"], "Next": "H"}], "End": true}, "H": {"Type": "Pass", "End": true}}}),
        json!({}),
        move |_| Reply::Succeed(json!({"Payload": big.clone()})),
    );
    let e = &out.execution;
    assert_eq!(
        detail(e, "TaskFailed"),
        json!({"error": "States.DataLimitExceeded",
               "cause": "The state/task 'lambda' returned a result with a size exceeding the maximum number of bytes service limit.",
               "resourceType": "lambda", "resource": "invoke"})
    );
    assert_eq!(
        e.output().unwrap()["Error"],
        json!("States.DataLimitExceeded")
    );
}

#[test]
fn lambda_function_arn_uses_lambda_events() {
    let out = run_with(
        json!({"StartAt": "T", "States": {"T": {"Type": "Task", "Resource": "arn:aws:lambda:us-east-1:111111111111:function:f", "End": true}}}),
        json!({"a": 1}),
        |_| Reply::Fail("Lambda.Unknown", "boom"),
    );
    let e = &out.execution;
    assert_eq!(
        kinds(e),
        [
            "ExecutionStarted",
            "TaskStateEntered",
            "LambdaFunctionScheduled",
            "LambdaFunctionStarted",
            "LambdaFunctionFailed",
            "ExecutionFailed"
        ]
    );
    assert_eq!(
        detail(e, "LambdaFunctionScheduled")["resource"],
        json!("arn:aws:lambda:us-east-1:111111111111:function:f")
    );
    assert_eq!(
        detail(e, "LambdaFunctionFailed"),
        json!({"error": "Lambda.Unknown", "cause": "boom"})
    );
}

#[test]
fn wait_for_task_token_puts_the_token_in_the_context() {
    let out = run_with(
        json!({"StartAt": "T", "States": {"T": {"Type": "Task", "Resource": "arn:aws:states:::sqs:sendMessage.waitForTaskToken",
            "Parameters": {"MessageBody": {"token.$": "$$.Task.Token"}}, "End": true}}}),
        json!({}),
        |r| Reply::Succeed(json!({"token": r.task_token.clone()})),
    );
    let r = &out.requests[0];
    let token = r.task_token.clone().expect("token");
    assert_eq!(r.pattern, TaskPattern::WaitForTaskToken);
    assert_eq!(r.parameters, json!({"MessageBody": {"token": token}}));
}

#[test]
fn retry_backoff_and_catch() {
    let mut attempts = 0;
    let out = run_with(
        json!({"StartAt": "T", "States": {
            "T": {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke",
                  "Retry": [{"ErrorEquals": ["States.TaskFailed"], "IntervalSeconds": 2, "BackoffRate": 3, "MaxAttempts": 2}],
                  "Catch": [{"ErrorEquals": ["States.ALL"], "ResultPath": "$.error", "Next": "Handled"}], "End": true},
            "Handled": {"Type": "Pass", "End": true}}}),
        json!({"in": 1}),
        |_| {
            attempts += 1;
            Reply::Fail("Boom", "bad")
        },
    );
    assert_eq!(attempts, 3);
    let e = &out.execution;
    assert_eq!(
        e.output(),
        Some(&json!({"in": 1, "error": {"Error": "Boom", "Cause": "bad"}}))
    );
    let scheduled: Vec<i64> = e
        .events()
        .iter()
        .filter(|ev| ev.kind == "TaskScheduled")
        .map(|ev| ev.timestamp_ms)
        .collect();
    // 2 s, then 2 * 3 = 6 s.
    assert_eq!(scheduled, vec![T0, T0 + 2_000, T0 + 8_000]);
    assert_eq!(detail(e, "TaskStateExited")["name"], json!("T"));
}

#[test]
fn retry_count_is_in_the_context() {
    let mut n = 0;
    let out = run_with(
        json!({"StartAt": "T", "States": {"T": {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke",
            "Parameters": {"retry.$": "$$.State.RetryCount"},
            "Retry": [{"ErrorEquals": ["States.ALL"], "MaxAttempts": 1, "IntervalSeconds": 1}], "End": true}}}),
        json!({}),
        |_| {
            n += 1;
            if n == 1 {
                Reply::Fail("E", "c")
            } else {
                Reply::Succeed(json!("ok"))
            }
        },
    );
    assert_eq!(out.requests[1].parameters, json!({"retry": 1}));
}

#[test]
fn task_timeout_and_heartbeat() {
    let out = run_with(
        json!({"StartAt": "T", "States": {"T": {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke", "TimeoutSeconds": 10, "End": true}}}),
        json!({}),
        |_| Reply::Hang,
    );
    let e = &out.execution;
    assert_eq!(e.error(), Some("States.Timeout"));
    assert_eq!(out.end_ms, T0 + 10_000);
    assert_eq!(
        detail(e, "TaskTimedOut"),
        json!({"error": "States.Timeout", "resourceType": "lambda", "resource": "invoke"})
    );
    let out = run_with(
        json!({"StartAt": "T", "States": {"T": {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke", "HeartbeatSeconds": 5, "End": true}}}),
        json!({}),
        |_| Reply::Hang,
    );
    assert_eq!(out.execution.error(), Some("States.HeartbeatTimeout"));
}

#[test]
fn task_failed_wildcard_does_not_match_timeouts() {
    use crate::exec::thread::error_matches;
    let names = vec!["States.TaskFailed".to_string()];
    assert!(error_matches(&names, Some("Lambda.Unknown")));
    assert!(!error_matches(&names, Some("States.Timeout")));
    assert!(error_matches(&["States.ALL".to_string()], None));
}

#[test]
fn variables_jsonpath_and_scopes() {
    let e = run(
        json!({"StartAt": "A", "States": {
            "A": {"Type": "Pass", "Result": {"v": 42}, "Assign": {"x.$": "$.v", "s": "lit"}, "Next": "P"},
            "P": {"Type": "Parallel", "Branches": [{"StartAt": "B", "States": {"B": {"Type": "Pass", "Assign": {"inner.$": "$x"}, "Parameters": {"seen.$": "$x", "s.$": "$s"}, "End": true}}}], "Next": "C"},
            "C": {"Type": "Pass", "Parameters": {"x.$": "$x"}, "End": true}}}),
        json!({}),
    );
    assert_eq!(e.output(), Some(&json!({"x": 42})));
    let a_exit = e
        .events()
        .iter()
        .find(|ev| ev.kind == "PassStateExited")
        .unwrap();
    assert_eq!(
        a_exit.detail().unwrap()["assignedVariables"],
        json!({"x": "42", "s": "\"lit\""})
    );
    let branch_exit = e
        .events()
        .iter()
        .filter(|ev| ev.kind == "PassStateExited")
        .nth(1)
        .unwrap();
    assert_eq!(
        parsed(&branch_exit.detail().unwrap()["output"]),
        json!({"seen": 42, "s": "lit"})
    );
}

#[test]
fn inner_assignments_stay_inside() {
    let e = run(
        json!({"StartAt": "P", "States": {
            "P": {"Type": "Parallel", "Branches": [{"StartAt": "B", "States": {"B": {"Type": "Pass", "Assign": {"inner": 1}, "End": true}}}], "Next": "C"},
            "C": {"Type": "Pass", "Parameters": {"x.$": "$inner"}, "End": true}}}),
        json!({}),
    );
    assert_eq!(e.error(), Some("States.Runtime"));
}

#[test]
fn jsonata_arguments_output_and_result() {
    let out = run_with(
        json!({"QueryLanguage": "JSONata", "StartAt": "T", "States": {"T": {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke",
            "Arguments": {"FunctionName": "f", "Payload": {"n": "{% $states.input.n * 2 %}"}},
            "Assign": {"seen": "{% $states.result.Payload %}"},
            "Output": {"r": "{% $states.result.Payload %}", "name": "{% $states.context.State.Name %}"}, "End": true}}}),
        json!({"n": 21}),
        |r| Reply::Succeed(json!({"Payload": r.parameters["Payload"]["n"]})),
    );
    assert_eq!(
        out.requests[0].parameters,
        json!({"FunctionName": "f", "Payload": {"n": 42}})
    );
    assert_eq!(out.execution.output(), Some(&json!({"r": 42, "name": "T"})));
    assert_eq!(
        detail(&out.execution, "TaskStateExited")["assignedVariables"],
        json!({"seen": "42"})
    );
}

#[test]
fn jsonata_credentials_role_arn_expression() {
    let out = run_with(
        json!({"QueryLanguage": "JSONata", "StartAt": "T", "States": {"T": {"Type": "Task", "Resource": "arn:aws:states:::aws-sdk:bedrockruntime:converse",
            "Credentials": {"RoleArn": "{% 'arn:aws:iam::' & $states.input.account & ':role/Cross' %}"}, "Arguments": {"ModelId": "m"}, "End": true}}}),
        json!({"account": "222222222222"}),
        |_| Reply::Succeed(json!({})),
    );
    assert_eq!(
        out.requests[0].role_arn.as_deref(),
        Some("arn:aws:iam::222222222222:role/Cross")
    );
    assert_eq!(
        detail(&out.execution, "TaskScheduled")["taskCredentials"],
        json!({"roleArn": "arn:aws:iam::222222222222:role/Cross"})
    );
}

#[test]
fn jsonata_error_output_in_catch() {
    let out = run_with(
        json!({"QueryLanguage": "JSONata", "StartAt": "T", "States": {
            "T": {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke",
                  "Catch": [{"ErrorEquals": ["States.ALL"], "Output": {"e": "{% $states.errorOutput.Error %}"}, "Assign": {"why": "{% $states.errorOutput.Cause %}"}, "Next": "N"}], "End": true},
            "N": {"Type": "Pass", "Output": {"e": "{% $states.input.e %}", "why": "{% $why %}"}, "End": true}}}),
        json!({}),
        |_| Reply::Fail("Oops", "because"),
    );
    assert_eq!(
        out.execution.output(),
        Some(&json!({"e": "Oops", "why": "because"}))
    );
}

#[test]
fn jsonata_query_errors_emit_evaluation_failed() {
    let e = run(
        json!({"QueryLanguage": "JSONata", "StartAt": "P", "States": {"P": {"Type": "Pass", "Output": "{% $doesNotExist %}", "End": true}}}),
        json!({}),
    );
    assert_eq!(
        kinds(&e),
        [
            "ExecutionStarted",
            "PassStateEntered",
            "EvaluationFailed",
            "ExecutionFailed"
        ]
    );
    assert_eq!(links(&e), [(1, 0), (2, 0), (3, 0), (4, 3)]);
    assert_eq!(detail(&e, "EvaluationFailed")["location"], json!("Output"));
    assert_eq!(e.error(), Some("States.QueryEvaluationError"));
    let e = run(
        json!({"QueryLanguage": "JSONata", "StartAt": "M", "States": {"M": {"Type": "Map", "Items": "{% 'text' %}",
            "ItemProcessor": {"StartAt": "P", "States": {"P": {"Type": "Pass", "End": true}}}, "End": true}}}),
        json!({}),
    );
    assert_eq!(
        e.cause(),
        Some(
            "An error occurred while executing the state 'M' (entered at the event id #2). The JSONata expression ''text'' specified for the field 'Items' returned an unexpected result type. Expected 'array', but was 'string' for value: \"text\""
        )
    );
    assert_eq!(links(&e)[2], (3, 2));
}

#[test]
fn jsonata_choice_condition_and_assign() {
    let e = run(
        json!({"QueryLanguage": "JSONata", "StartAt": "C", "States": {
            "C": {"Type": "Choice", "Choices": [{"Condition": "{% $states.input.n > 1 %}", "Next": "Big", "Assign": {"size": "big"}, "Output": {"n": "{% $states.input.n %}"}}],
                  "Default": "Small", "Assign": {"size": "small"}},
            "Big": {"Type": "Pass", "Output": "{% $size %}", "End": true},
            "Small": {"Type": "Pass", "Output": "{% $size %}", "End": true}}}),
        json!({"n": 5}),
    );
    assert_eq!(e.output(), Some(&json!("big")));
}

#[test]
fn stop_aborts_running_states() {
    let sm = StateMachine::parse(
        &json!({"StartAt": "T", "States": {"T": {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke", "End": true}}}).to_string(),
    )
    .unwrap();
    let mut env = SeededEnv::new(1);
    let mut e = Execution::start(
        &sm,
        json!({}),
        ExecutionContext::new(ARN, "x", "r", T0),
        &mut env,
    );
    let Progress::Waiting { tasks, .. } = e.run(&sm, T0, &mut env) else {
        panic!("waits for the task");
    };
    assert_eq!(e.pending_tasks(), vec![tasks[0].id]);
    e.stop(Some("Stopped"), Some("by test"), T0 + 5);
    assert_eq!(e.status(), Status::Aborted);
    assert_eq!(kinds(&e)[3..], ["TaskStateAborted", "ExecutionAborted"]);
    assert_eq!(
        detail(&e, "ExecutionAborted"),
        json!({"error": "Stopped", "cause": "by test"})
    );
    assert_eq!(e.run(&sm, T0 + 10, &mut env), Progress::Done);
}

#[test]
fn execution_timeout() {
    let out = run_with(
        json!({"TimeoutSeconds": 5, "StartAt": "W", "States": {"W": {"Type": "Wait", "Seconds": 60, "End": true}}}),
        json!({}),
        |_| Reply::Hang,
    );
    assert_eq!(out.execution.status(), Status::TimedOut);
    assert_eq!(
        kinds(&out.execution)[2..],
        ["WaitStateAborted", "ExecutionTimedOut"]
    );
    assert_eq!(
        out.execution.events().last().unwrap().timestamp_ms,
        T0 + 5_000
    );
}

#[test]
fn serialized_execution_resumes() {
    let sm = StateMachine::parse(
        &json!({"StartAt": "T", "States": {"T": {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke", "Next": "P"}, "P": {"Type": "Pass", "End": true}}}).to_string(),
    )
    .unwrap();
    let mut env = SeededEnv::new(1);
    let mut e = Execution::start(
        &sm,
        json!({"a": 1}),
        ExecutionContext::new(ARN, "x", "r", T0),
        &mut env,
    );
    let Progress::Waiting { tasks, .. } = e.run(&sm, T0, &mut env) else {
        panic!("waits for the task");
    };
    let saved = serde_json::to_string(&e).unwrap();
    let mut resumed: Execution = serde_json::from_str(&saved).unwrap();
    resumed.task_succeeded(tasks[0].id, json!({"done": true}), T0 + 1);
    assert_eq!(resumed.run(&sm, T0 + 1, &mut env), Progress::Done);
    assert_eq!(resumed.output(), Some(&json!({"done": true})));
    assert_eq!(resumed.events().len(), 9);
}

#[test]
fn unknown_task_reports_are_ignored() {
    let sm = StateMachine::parse(
        &json!({"StartAt": "P", "States": {"P": {"Type": "Pass", "End": true}}}).to_string(),
    )
    .unwrap();
    let mut env = SeededEnv::new(1);
    let mut e = Execution::start(
        &sm,
        json!({}),
        ExecutionContext::new(ARN, "x", "r", T0),
        &mut env,
    );
    e.task_succeeded(TaskId(99), json!(1), T0);
    assert_eq!(e.run(&sm, T0, &mut env), Progress::Done);
    assert_eq!(e.status(), Status::Succeeded);
}

#[test]
fn input_text_is_shown_as_sent() {
    let sm = StateMachine::parse(
        &json!({"StartAt": "P", "States": {"P": {"Type": "Pass", "End": true}}}).to_string(),
    )
    .unwrap();
    let mut env = SeededEnv::new(1);
    let mut e = Execution::start_text(
        &sm,
        "[\"a\", \"b\"]",
        ExecutionContext::new(ARN, "x", "r", T0),
        &mut env,
    )
    .unwrap();
    e.run(&sm, T0, &mut env);
    assert_eq!(
        detail(&e, "ExecutionStarted")["input"],
        json!("[\"a\", \"b\"]")
    );
    assert_eq!(
        detail(&e, "PassStateEntered")["input"],
        json!("[\"a\", \"b\"]")
    );
    assert_eq!(
        detail(&e, "PassStateExited")["output"],
        json!("[\"a\",\"b\"]")
    );
}

#[test]
fn context_object_values() {
    let e = run(
        json!({"StartAt": "P", "States": {"P": {"Type": "Pass", "Parameters": {"c.$": "$$"}, "End": true}}}),
        json!({"i": 1}),
    );
    let c = &e.output().unwrap()["c"];
    assert_eq!(
        c["Execution"]["Id"],
        json!("arn:aws:states:us-east-1:111111111111:execution:machine:exec")
    );
    assert_eq!(
        c["Execution"]["StartTime"],
        json!("2023-11-14T22:13:20.000Z")
    );
    assert_eq!(c["Execution"]["Input"], json!({"i": 1}));
    assert_eq!(c["StateMachine"], json!({"Id": ARN, "Name": "machine"}));
    assert_eq!(
        c["State"],
        json!({"Name": "P", "EnteredTime": "2023-11-14T22:13:20.000Z"})
    );
}
