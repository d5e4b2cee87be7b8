//! Parallel and Map executions: results, event numbering, failures and tolerance.
//! Inline iterations and distributed map runs.

use serde_json::json;

use super::*;

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
    assert_eq!(e.output(), Some(&json!({"x": 1, "err": {"Error": "Boom", "Cause": "why"}})));
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
    assert_eq!(e.output(), Some(&json!([{"v": "a", "i": 0, "k": 1}, {"v": "b", "i": 1, "k": 1}])));
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
    let ok = run(definition(json!({"ToleratedFailureCount": 1})), json!([0, 1, 2]));
    assert_eq!(ok.status(), Status::Succeeded);
    assert_eq!(ok.output(), Some(&json!([{"Error": "Zero"}, 1, 2])));
    let too_many = run(definition(json!({"ToleratedFailurePercentage": 20})), json!([0, 1, 2]));
    assert_eq!(too_many.error(), Some("States.ExceedToleratedFailureThreshold"));
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
    assert_eq!(kinds(&e), ["ExecutionStarted", "MapStateEntered", "MapStateStarted", "ExecutionFailed"]);
    let e = run(definition, json!({"Items": [0], "p": 100.1}));
    assert!(e.cause().unwrap().ends_with("ToleratedFailurePercentage must be between 0 and 100."));
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
        Some(&json!([{"BatchInput": {"tag": "t"}, "Items": [1, 2]}, {"BatchInput": {"tag": "t"}, "Items": [3]}]))
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
    // AWS since late 2024 (recordings of Nov 2024 and Jan 2025): MapStateSucceeded follows MapRunSucceeded,
    // MapStateExited follows MapRunStarted (Feb-Jun 2024 recordings linked it to MapRunSucceeded).
    assert_eq!(links(&e)[4..7], [(5, 4), (6, 5), (7, 4)]);
    let arn = detail(&e, "MapRunStarted")["mapRunArn"].as_str().unwrap().to_string();
    assert!(arn.starts_with("arn:aws:states:us-east-1:111111111111:mapRun:machine/L:"), "{arn}");
}

#[test]
fn map_failure_aborts_the_other_iterations() {
    let out = run_with(
        json!({"StartAt": "M", "States": {"M": {"Type": "Map", "MaxConcurrency": 2,
            "ItemProcessor": {"StartAt": "C", "States": {
                "C": {"Type": "Choice", "Choices": [{"Variable": "$", "NumericEquals": 0, "Next": "T"}], "Default": "F"},
                "T": {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke", "End": true},
                "F": {"Type": "Fail", "Error": "Boom"}}}, "End": true}}}),
        json!([0, 1]),
        |_| Reply::Hang,
    );
    let e = &out.execution;
    assert_eq!(e.error(), Some("Boom"));
    let k = kinds(e);
    let aborted = k.iter().position(|x| x == "TaskStateAborted").expect("task aborted");
    assert_eq!(k[aborted + 1], "MapIterationAborted");
    assert_eq!(detail(e, "MapIterationAborted"), json!({"index": 0, "name": "M"}));
    assert_eq!(out.execution.pending_tasks(), vec![]);
}

// Source: GetExecutionHistory of test_max_concurrency_path_negative, recorded against AWS: nothing after
// ExecutionStarted, the execution still running ("AWS consistently appears to stall after startup").
#[test]
fn a_negative_max_concurrency_path_stalls_before_the_map() {
    let sm = StateMachine::parse(
        &json!({"StartAt": "M", "States": {"M": {"Type": "Map", "ItemsPath": "$.Values", "MaxConcurrencyPath": "$.Max",
            "ItemProcessor": {"StartAt": "P", "States": {"P": {"Type": "Pass", "End": true}}}, "End": true}}})
        .to_string(),
    )
    .unwrap();
    let mut env = SeededEnv::new(1);
    let input = json!({"Max": -1, "Values": ["a"]});
    let mut e = Execution::start(&sm, input, ExecutionContext::new(ARN, "x", "r", T0), &mut env);
    let progress = e.run(&sm, T0, &mut env);
    assert_eq!(progress, Progress::Waiting { tasks: vec![], cancelled: vec![], wake_at_ms: None });
    assert_eq!(kinds(&e), ["ExecutionStarted"]);
    assert_eq!(e.status(), Status::Running);
    let ok = json!({"Max": 1, "Values": ["a"]});
    let mut e = Execution::start(&sm, ok, ExecutionContext::new(ARN, "y", "r", T0), &mut env);
    assert_eq!(e.run(&sm, T0, &mut env), Progress::Done);
}

/// MaxConcurrencyPath is read before the Map starts: a value that is not an integer fails the state before
/// `MapStateStarted`, with the text AWS gives the other integer paths ("The ToleratedFailureCountPath field
/// refers to value ... which is not a valid integer: <path>", recorded); a string holding an integer, also
/// from a variable, is that integer (issue 16, AWS recordings kept out of the project [inf]).
#[test]
fn max_concurrency_path_values() {
    let machine = |path: &str| {
        json!({"StartAt": "A", "States": {
            "A": {"Type": "Pass", "Assign": {"limit": "1"}, "Next": "M"},
            "M": {"Type": "Map", "MaxConcurrencyPath": path, "ItemsPath": "$.items",
                  "ItemProcessor": {"StartAt": "P", "States": {"P": {"Type": "Pass", "End": true}}}, "End": true}}})
    };
    let e = run(machine("$.c"), json!({"c": 1.5, "items": [1]}));
    assert_eq!(e.error(), Some("States.Runtime"));
    assert_eq!(
        e.cause(),
        Some(
            "An error occurred while executing the state 'M' (entered at the event id #4). The MaxConcurrencyPath field refers to value \"1.5\" which is not a valid integer: $.c"
        )
    );
    assert_eq!(kinds(&e)[3..], ["MapStateEntered", "ExecutionFailed"]);
    let e = run(machine("$.c"), json!({"c": "abc", "items": [1]}));
    assert!(e.cause().unwrap().ends_with("refers to value \"abc\" which is not a valid integer: $.c"));
    let e = run(machine("$.c"), json!({"c": {"n": 1}, "items": [1]}));
    assert!(e.cause().unwrap().ends_with("refers to value \"{\"n\":1}\" which is not a valid integer: $.c"));
    // A numeric string counts as its integer, read from the input or from a variable.
    for path in ["$.c", "$limit"] {
        let e = run(machine(path), json!({"c": "2", "items": [1, 2, 3]}));
        assert_eq!(e.status(), Status::Succeeded, "{path}: {:?}", e.cause());
        assert_eq!(e.output(), Some(&json!([1, 2, 3])));
    }
}
