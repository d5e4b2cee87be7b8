//! Task states with a scripted driver: events, requests, retries, timeouts.
//! Also the execution's own lifecycle: stop, timeout, persistence.

use serde_json::json;

use super::*;

/// `RoleArn.$` with the context object and with an intrinsic: `TaskScheduled` shows the evaluated ARN.
#[test]
fn credentials_from_the_context_and_an_intrinsic() {
    for (role, expected) in [
        ("$$.Execution.Input.role", "arn:aws:iam::222222222222:role/from-context"),
        ("States.Format('arn:aws:iam::{}:role/{}', $.account, $.name)", "arn:aws:iam::333333333333:role/formatted"),
    ] {
        let out = run_with(
            json!({"StartAt": "T", "States": {"T": {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke",
                "Parameters": {"FunctionName": "f"}, "Credentials": {"RoleArn.$": role}, "End": true}}}),
            json!({"role": "arn:aws:iam::222222222222:role/from-context", "account": "333333333333", "name": "formatted"}),
            |_| Reply::Succeed(json!({})),
        );
        assert_eq!(out.requests[0].role_arn.as_deref(), Some(expected), "{role}");
        assert_eq!(detail(&out.execution, "TaskScheduled")["taskCredentials"], json!({"roleArn": expected}));
    }
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
    assert_eq!(scheduled["taskCredentials"], json!({"roleArn": "arn:aws:iam::222222222222:role/x"}));
    assert_eq!(detail(e, "TaskStarted"), json!({"resourceType": "aws-sdk:bedrockruntime", "resource": "converse"}));
    let r = &out.requests[0];
    assert_eq!((r.kind, r.pattern), (TaskKind::Integration, TaskPattern::RequestResponse));
    assert_eq!(r.role_arn.as_deref(), Some("arn:aws:iam::222222222222:role/x"));
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
    assert_eq!(e.output().unwrap()["Error"], json!("States.DataLimitExceeded"));
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
    assert_eq!(detail(e, "LambdaFunctionFailed"), json!({"error": "Lambda.Unknown", "cause": "boom"}));
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
    assert_eq!(e.output(), Some(&json!({"in": 1, "error": {"Error": "Boom", "Cause": "bad"}})));
    let scheduled: Vec<i64> =
        e.events().iter().filter(|ev| ev.kind == "TaskScheduled").map(|ev| ev.timestamp_ms).collect();
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
            if n == 1 { Reply::Fail("E", "c") } else { Reply::Succeed(json!("ok")) }
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
// Source: GetExecutionHistory after StopExecution during a Wait, recorded against AWS 2024-05-06
// (LocalStack test_sfn_api.py::test_stop_execution): ExecutionStarted, WaitStateEntered, then
// ExecutionAborted with previousEventId 0 and no WaitStateAborted.
fn stop_aborts_running_states() {
    let sm = StateMachine::parse(
        &json!({"StartAt": "T", "States": {"T": {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke", "End": true}}}).to_string(),
    )
    .unwrap();
    let mut env = SeededEnv::new(1);
    let mut e = Execution::start(&sm, json!({}), ExecutionContext::new(ARN, "x", "r", T0), &mut env);
    let Progress::Waiting { tasks, .. } = e.run(&sm, T0, &mut env) else {
        panic!("waits for the task");
    };
    assert_eq!(e.pending_tasks(), vec![tasks[0].id]);
    e.stop(Some("Stopped"), Some("by test"), T0 + 5);
    assert_eq!(e.status(), Status::Aborted);
    assert_eq!(kinds(&e)[3..], ["ExecutionAborted"]);
    assert_eq!(detail(&e, "ExecutionAborted"), json!({"error": "Stopped", "cause": "by test"}));
    assert_eq!(e.events().last().map(|x| x.previous_event_id), Some(0));

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
    assert_eq!(kinds(&out.execution)[2..], ["WaitStateAborted", "ExecutionTimedOut"]);
    assert_eq!(out.execution.events().last().unwrap().timestamp_ms, T0 + 5_000);
}

#[test]
fn serialized_execution_resumes() {
    let sm = StateMachine::parse(
        &json!({"StartAt": "T", "States": {"T": {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke", "Next": "P"}, "P": {"Type": "Pass", "End": true}}}).to_string(),
    )
    .unwrap();
    let mut env = SeededEnv::new(1);
    let mut e = Execution::start(&sm, json!({"a": 1}), ExecutionContext::new(ARN, "x", "r", T0), &mut env);
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
    let sm = StateMachine::parse(&json!({"StartAt": "P", "States": {"P": {"Type": "Pass", "End": true}}}).to_string())
        .unwrap();
    let mut env = SeededEnv::new(1);
    let mut e = Execution::start(&sm, json!({}), ExecutionContext::new(ARN, "x", "r", T0), &mut env);
    e.task_succeeded(TaskId(99), json!(1), T0);
    assert_eq!(e.run(&sm, T0, &mut env), Progress::Done);
    assert_eq!(e.status(), Status::Succeeded);
}
