//! RedriveExecution, activity workers and distributed Map runs: the engine's side of them.

use serde_json::json;

use super::{T0, detail, kinds, links, started};
use crate::definition::StateMachine;
use crate::env::SeededEnv;
use crate::exec::map_runs::{MapRunStatus, MapRunUpdate};
use crate::exec::{Execution, ExecutionContext, Progress, Status};

const TASK: &str = "arn:aws:states:::lambda:invoke";

/// AWS: a redriven execution "continues the failed execution from the unsuccessful step and uses the
/// same input"; "Step Functions preserves the results ... of the successful steps, and doesn't rerun these
/// steps" (API reference, RedriveExecution). `ExecutionRedriven` carries the new `redriveCount`
/// (ExecutionRedrivenEventDetails).
#[test]
fn a_failed_execution_continues_from_the_failed_state() {
    let (sm, mut e, mut env) = started(json!({"StartAt": "A", "States": {
        "A": {"Type": "Pass", "Result": {"v": 1}, "Next": "T"},
        "T": {"Type": "Task", "Resource": TASK, "End": true}}}));
    let Progress::Waiting { tasks, .. } = e.run(&sm, T0, &mut env) else { panic!("waits for the task") };
    e.task_failed(tasks[0].id, "Boom", "first attempt", T0 + 1);
    assert_eq!(e.run(&sm, T0 + 1, &mut env), Progress::Done);
    assert_eq!(e.status(), Status::Failed);
    let failed_at = e.events().len() as u64;
    assert_eq!(e.redrive(&sm, T0 + 10), Ok(1));
    assert_eq!(e.status(), Status::Running);
    assert_eq!((e.error(), e.context().redrive_count), (None, 1));
    let Progress::Waiting { tasks, .. } = e.run(&sm, T0 + 10, &mut env) else { panic!("waits for the task again") };
    // The task gets the input it had the first time: A is not run again.
    assert_eq!(tasks[0].parameters, json!({"v": 1}));
    e.task_succeeded(tasks[0].id, json!({"ok": true}), T0 + 11);
    assert_eq!(e.run(&sm, T0 + 11, &mut env), Progress::Done);
    assert_eq!(e.status(), Status::Succeeded);
    let k = kinds(&e);
    assert_eq!(k.iter().filter(|k| *k == "PassStateEntered").count(), 1);
    let redriven = failed_at as usize;
    assert_eq!(k[redriven], "ExecutionRedriven");
    assert_eq!(detail(&e, "ExecutionRedriven"), json!({"redriveCount": 1}));
    assert_eq!(k[redriven + 1], "TaskStateEntered");
    // ExecutionRedriven follows the last event and the re-entered state follows it.
    let l = links(&e);
    assert_eq!(l[redriven], (failed_at + 1, failed_at));
    assert_eq!(l[redriven + 1], (failed_at + 2, failed_at + 1));
}

/// A stopped execution (ABORTED) continues from the state it was stopped in.
#[test]
fn a_stopped_execution_continues_from_the_interrupted_state() {
    let (sm, mut e, mut env) = started(json!({"StartAt": "W", "States": {
        "W": {"Type": "Wait", "Seconds": 5, "Next": "P"}, "P": {"Type": "Pass", "End": true}}}));
    assert!(matches!(e.run(&sm, T0, &mut env), Progress::Waiting { .. }));
    e.stop(None, None, T0 + 1);
    assert_eq!(e.redrive(&sm, T0 + 2), Ok(1));
    assert!(matches!(e.run(&sm, T0 + 2, &mut env), Progress::Waiting { wake_at_ms: Some(at), .. } if at == T0 + 5002));
    assert_eq!(e.run(&sm, T0 + 5002, &mut env), Progress::Done);
    assert_eq!(e.status(), Status::Succeeded);
    assert_eq!(kinds(&e).iter().filter(|k| *k == "WaitStateEntered").count(), 2);
}

/// DescribeExecution's documented `redriveStatusReason`s: RUNNING and SUCCEEDED executions cannot be
/// redriven, nor one that ended more than 14 days ago ("Execution redrivable period exceeded").
#[test]
fn what_cannot_be_redriven() {
    let (sm, mut e, mut env) = started(json!({"StartAt": "A", "States": {"A": {"Type": "Pass", "End": true}}}));
    assert_eq!(e.redrive_refusal(&sm, T0).as_deref(), Some("Execution is RUNNING and cannot be redriven"));
    assert_eq!(e.run(&sm, T0, &mut env), Progress::Done);
    assert_eq!(e.redrive(&sm, T0), Err("Execution is SUCCEEDED and cannot be redriven".into()));
    let (sm, mut e, mut env) = started(json!({"StartAt": "F", "States": {"F": {"Type": "Fail", "Error": "E"}}}));
    assert_eq!(e.run(&sm, T0, &mut env), Progress::Done);
    assert_eq!(e.redrive_refusal(&sm, T0 + 14 * 24 * 3600 * 1000), None);
    let late = T0 + 14 * 24 * 3600 * 1000 + 1;
    assert_eq!(e.redrive(&sm, late), Err("Execution redrivable period exceeded".into()));
}

/// An activity worker's name is in `ActivityStarted` (ActivityStartedEventDetails `workerName`).
#[test]
fn activity_started_names_the_worker() {
    let (sm, mut e, mut env) = started(json!({"StartAt": "A", "States": {"A": {"Type": "Task",
        "Resource": "arn:aws:states:us-east-1:111111111111:activity:work", "End": true}}}));
    let Progress::Waiting { tasks, .. } = e.run(&sm, T0, &mut env) else { panic!("waits for the worker") };
    e.activity_started(tasks[0].id, Some("worker-1"), T0 + 1);
    e.task_succeeded(tasks[0].id, json!({"done": 1}), T0 + 2);
    assert_eq!(e.run(&sm, T0 + 2, &mut env), Progress::Done);
    assert_eq!(
        kinds(&e)[2..5],
        ["ActivityScheduled".to_string(), "ActivityStarted".into(), "ActivitySucceeded".into()]
    );
    assert_eq!(detail(&e, "ActivityStarted"), json!({"workerName": "worker-1"}));
}

fn distributed(max_concurrency: u64) -> serde_json::Value {
    json!({"StartAt": "M", "States": {"M": {"Type": "Map", "MaxConcurrency": max_concurrency, "Label": "lbl",
        "ItemProcessor": {"ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": "STANDARD"},
            "StartAt": "T", "States": {"T": {"Type": "Task", "Resource": TASK, "End": true}}},
        "End": true}}})
}

fn with_items(definition: serde_json::Value, items: serde_json::Value) -> (StateMachine, Execution, SeededEnv) {
    let sm = StateMachine::parse(&definition.to_string()).expect("valid definition");
    let mut env = SeededEnv::new(9);
    let context = ExecutionContext::new(super::ARN, "exec", "arn:aws:iam::111111111111:role/r", T0);
    let e = Execution::start(&sm, items, context, &mut env);
    (sm, e, env)
}

/// A distributed Map's run is kept with its ARN (the one `MapRunStarted` shows), its settings and its
/// counts; UpdateMapRun's `maxConcurrency` applies to the children not yet started.
#[test]
fn map_runs_count_their_children_and_take_updates() {
    let (sm, mut e, mut env) = with_items(distributed(1), json!([1, 2, 3]));
    let Progress::Waiting { tasks, .. } = e.run(&sm, T0, &mut env) else { panic!("waits") };
    assert_eq!(tasks.len(), 1);
    let runs = e.map_runs().to_vec();
    assert_eq!(runs.len(), 1);
    assert_eq!(detail(&e, "MapRunStarted"), json!({"mapRunArn": runs[0].arn}));
    assert!(runs[0].arn.starts_with("arn:aws:states:us-east-1:111111111111:mapRun:machine/lbl:"), "{}", runs[0].arn);
    assert_eq!((runs[0].total, runs[0].running, runs[0].pending(), runs[0].max_concurrency), (3, 1, 2, 1));
    assert!(e.update_map_run(&runs[0].arn, MapRunUpdate { max_concurrency: Some(5), ..Default::default() }));
    assert!(!e.update_map_run("arn:nope", MapRunUpdate::default()));
    e.task_succeeded(tasks[0].id, json!(1), T0 + 1);
    let Progress::Waiting { tasks, .. } = e.run(&sm, T0 + 1, &mut env) else { panic!("waits") };
    // With the new limit both remaining children start at once.
    assert_eq!(tasks.len(), 2);
    assert_eq!((e.map_runs()[0].succeeded, e.map_runs()[0].running), (1, 2));
    for t in &tasks {
        e.task_succeeded(t.id, json!(2), T0 + 2);
    }
    assert_eq!(e.run(&sm, T0 + 2, &mut env), Progress::Done);
    let run = &e.map_runs()[0];
    assert_eq!((run.status, run.succeeded, run.stop_ms), (MapRunStatus::Succeeded, 3, Some(T0 + 2)));
}

/// A map run still running when its execution is stopped is aborted with it.
#[test]
fn a_stopped_execution_aborts_its_map_run() {
    let (sm, mut e, mut env) = with_items(distributed(0), json!([1, 2]));
    assert!(matches!(e.run(&sm, T0, &mut env), Progress::Waiting { .. }));
    e.stop(None, None, T0 + 1);
    let run = &e.map_runs()[0];
    assert_eq!((run.status, run.aborted, run.running), (MapRunStatus::Aborted, 2, 0));
}
