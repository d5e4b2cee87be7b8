//! Expressions that never end (issue 11): they fail on their time budget, and meanwhile every other
//! call (another account, the execution's own description) answers; StopExecution stops one at once;
//! StartSyncExecution and TestState are bounded the same way.

mod common;

use common::*;
use sekisho_core::Caller;
use sekisho_core::identity::Identity;
use sekisho_states::StepFunctions;
use serde_json::{Value, json};
use std::time::Duration;

// As the binary does: expressions are metered by the thread that evaluates them.
#[global_allocator]
static ALLOCATOR: sekisho_states::memory::MeteredAllocator = sekisho_states::memory::MeteredAllocator;

/// A tail call JSONata runs as a loop: it never ends and never nests deeper.
const ENDLESS: &str = "($f := function($x){ $f($x) }; $f(1))";

fn harness(budget: Duration) -> Harness {
    Harness::with_services("virtual", StepFunctions::with_expression_timeout(budget), vec![])
}

fn endless_machine() -> Value {
    json!({"QueryLanguage": "JSONata", "StartAt": "P",
           "States": {"P": {"Type": "Pass", "Output": format!("{{% {ENDLESS} %}}"), "End": true}}})
}

fn cause(budget_ms: u64) -> String {
    format!(
        "An error occurred while executing the state 'P' (entered at the event id #2). The JSONata expression '{ENDLESS}' specified for the field 'Output' threw an error during evaluation. The evaluation exceeded its time budget of {budget_ms} ms (check for an infinite loop)"
    )
}

/// Before, the expression ran with the store's lock held: every account's Step Functions calls waited
/// on it forever.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_endless_expression_fails_on_its_budget_while_every_account_answers() {
    let h = harness(Duration::from_millis(300));
    let arn = h.create("endless", endless_machine()).await;
    let started = h.ok("StartExecution", json!({"stateMachineArn": arn})).await;
    let exec = started["executionArn"].as_str().unwrap().to_string();
    let b = Caller::new(Identity::Root { account: B.into() });
    for _ in 0..5 {
        let d = h.ok("DescribeExecution", json!({"executionArn": exec})).await;
        assert!(d["status"] == "RUNNING" || d["status"] == "FAILED", "{d}");
        let listed = h.call_by(&b, "stepfunctions", "ListStateMachines", json!({})).await.unwrap();
        assert_eq!(listed["stateMachines"], json!([]));
        h.call_by(&b, "sts", "GetCallerIdentity", json!({})).await.unwrap();
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let d = h.wait_done(&exec).await;
    assert_eq!(d["status"], "FAILED");
    assert_eq!(d["error"], "States.QueryEvaluationError");
    assert_eq!(d["cause"], cause(300));
    let types = Harness::types(&h.history(&exec).await);
    assert_eq!(types, ["ExecutionStarted", "PassStateEntered", "EvaluationFailed", "ExecutionFailed"]);
}

fn group_arn(name: &str) -> String {
    format!("arn:aws:logs:{REGION}:{A}:log-group:{name}:*")
}

/// StopExecution answers at once and the execution shows ABORTED at once; the evaluation it interrupts
/// stops too (its budget is an hour): the driver puts the execution back and logs the stop.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stop_execution_stops_an_execution_stuck_in_an_evaluation() {
    let h = harness(Duration::from_secs(3600));
    h.logs("CreateLogGroup", json!({"logGroupName": "stuck"})).await;
    let role = h.execution_role();
    let logging = json!({"level": "ALL", "includeExecutionData": false,
                         "destinations": [{"cloudWatchLogsLogGroup": {"logGroupArn": group_arn("stuck")}}]});
    let out = h
        .ok(
            "CreateStateMachine",
            json!({"name": "stuck", "definition": endless_machine().to_string(), "roleArn": role,
                   "loggingConfiguration": logging}),
        )
        .await;
    let started = h.ok("StartExecution", json!({"stateMachineArn": out["stateMachineArn"]})).await;
    let exec = started["executionArn"].as_str().unwrap().to_string();
    tokio::time::sleep(Duration::from_millis(100)).await;
    let stopped =
        h.ok("StopExecution", json!({"executionArn": exec, "error": "Stuck", "cause": "stopped by the test"})).await;
    assert!(stopped["stopDate"].is_number(), "{stopped}");
    let d = h.ok("DescribeExecution", json!({"executionArn": exec})).await;
    assert_eq!(
        (&d["status"], &d["error"], &d["cause"]),
        (&json!("ABORTED"), &json!("Stuck"), &json!("stopped by the test"))
    );
    let mut logged: Vec<String> = vec![];
    for _ in 0..500 {
        let streams = h.logs("DescribeLogStreams", json!({"logGroupName": "stuck"})).await;
        if let Some(stream) = streams["logStreams"][0]["logStreamName"].as_str() {
            let events = h
                .logs("GetLogEvents", json!({"logGroupName": "stuck", "logStreamName": stream, "startFromHead": true}))
                .await;
            logged = events["events"]
                .as_array()
                .unwrap()
                .iter()
                .map(|e| serde_json::from_str::<Value>(e["message"].as_str().unwrap()).unwrap()["type"].to_string())
                .collect();
            if logged.len() >= 2 {
                break;
            }
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert_eq!(logged, ["\"ExecutionStarted\"", "\"ExecutionAborted\""]);
    // The history is the one StopExecution's caller saw: the step the stop interrupted left nothing.
    assert_eq!(Harness::types(&h.history(&exec).await), ["ExecutionStarted", "ExecutionAborted"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sync_executions_and_test_state_are_bounded_too() {
    let h = harness(Duration::from_millis(200));
    let role = h.execution_role();
    let out = h
        .ok(
            "CreateStateMachine",
            json!({"name": "endless-x", "definition": endless_machine().to_string(), "roleArn": role, "type": "EXPRESS"}),
        )
        .await;
    let sync = h.ok("StartSyncExecution", json!({"stateMachineArn": out["stateMachineArn"]})).await;
    assert_eq!((&sync["status"], &sync["error"]), (&json!("FAILED"), &json!("States.QueryEvaluationError")));
    assert_eq!(sync["cause"], cause(200));
    let state =
        json!({"Type": "Pass", "QueryLanguage": "JSONata", "Output": format!("{{% {ENDLESS} %}}"), "End": true});
    let tested = h.ok("TestState", json!({"definition": state.to_string(), "input": "{}"})).await;
    assert_eq!((&tested["status"], &tested["error"]), (&json!("FAILED"), &json!("States.QueryEvaluationError")));
}

/// An expression that doubles a string forty times would need a terabyte: it stops once it has allocated
/// its memory budget, long before its time budget. A million-item sequence (the engine's own limit) fits.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_expression_stops_at_its_memory_budget() {
    let h = harness(Duration::from_secs(3600));
    let machine = |expr: &str| {
        json!({"QueryLanguage": "JSONata", "StartAt": "P",
               "States": {"P": {"Type": "Pass", "Output": format!("{{% {expr} %}}"), "End": true}}})
    };
    let doubling = "$length($reduce([1..40], function($a, $i){ $a & $a }, 'x'))";
    let d = h.run(&h.create("doubling", machine(doubling)).await, json!({})).await;
    assert_eq!((&d["status"], &d["error"]), (&json!("FAILED"), &json!("States.QueryEvaluationError")));
    assert!(d["cause"].as_str().unwrap().ends_with("The evaluation exceeded its memory budget of 128 MiB"), "{d}");
    let d = h.run(&h.create("million", machine("$count([1..1000000])")).await, json!({})).await;
    assert_eq!((&d["status"], &d["output"]), (&json!("SUCCEEDED"), &json!("1000000")));
}
