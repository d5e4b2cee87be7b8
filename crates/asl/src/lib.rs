//! Amazon States Language: definitions, JSONPath and JSONata processing, and an interpreter.
//! Pure: no IO, no clock reads, no threads; the caller drives time and task results.
//!
//! # Pieces
//!
//! - [`definition`]: [`StateMachine::parse`](definition::StateMachine::parse) builds a typed,
//!   immutable machine or answers AWS's `InvalidDefinition` text;
//!   [`StateMachine::validate`](definition::StateMachine::validate) gives
//!   ValidateStateMachineDefinition diagnostics.
//! - [`exec`]: [`Execution`](exec::Execution) is the explicit, serializable state of one
//!   execution. [`Execution::run`](exec::Execution::run) advances it until it must wait and
//!   returns [`Progress`](exec::Progress): task requests for the driver and a wake-up time. The
//!   driver reports task outcomes (`task_started`, `task_succeeded`, ...) and calls `run` again.
//!   [`Execution::events`](exec::Execution::events) is the GetExecutionHistory list.
//! - [`jsonpath`] (Jayway semantics), [`paths`] (`$`, `$$`, `$var`), [`intrinsics`]
//!   (`States.*`), [`query`] (JSONata behind the [`QueryEngine`](query::QueryEngine) trait),
//!   [`template`] (payload templates of both languages).
//! - [`test_state`]: the TestState API.
//! - [`budget`]: what bounds parsing and evaluation (nesting, sizes, work), and the
//!   [`Watch`](budget::Watch) a caller stops a long expression with.
//! - [`messages`]: every text users see, in one place.
//!
//! Time is always passed in (milliseconds since the epoch) and randomness comes from an
//! [`Env`](env::Env), so a run is reproducible.
//!
//! # Conformance
//!
//! `cargo run -p sekisho-asl --release --example conformance -- <cases.jsonl>` runs recorded
//! AWS executions (definition, input, GetExecutionHistory events) through the engine and
//! compares the histories event by event; it prints `N passed, M failed` and the first
//! difference of each failure (`-v` for the whole text, `--only <id part>` to pick cases).
//!
//! # Example
//!
//! ```
//! use serde_json::json;
//! use sekisho_asl::definition::StateMachine;
//! use sekisho_asl::env::SeededEnv;
//! use sekisho_asl::exec::{Execution, ExecutionContext, Progress, Status};
//!
//! let sm = StateMachine::parse(r#"{
//!   "StartAt": "Invoke",
//!   "States": {
//!     "Invoke": {
//!       "Type": "Task",
//!       "Resource": "arn:aws:states:::lambda:invoke",
//!       "Parameters": {"FunctionName": "greeter", "Payload.$": "$"},
//!       "ResultSelector": {"greeting.$": "$.Payload"},
//!       "Next": "Wait"
//!     },
//!     "Wait": {"Type": "Wait", "Seconds": 10, "End": true}
//!   }
//! }"#)
//! .expect("a valid definition");
//!
//! let mut env = SeededEnv::new(7);
//! let context = ExecutionContext::new(
//!     "arn:aws:states:us-east-1:111111111111:stateMachine:demo",
//!     "run-1",
//!     "arn:aws:iam::111111111111:role/demo",
//!     1_000,
//! );
//! let mut execution = Execution::start(&sm, json!({"name": "Ada"}), context, &mut env);
//!
//! // The Task state asks the driver to invoke the function.
//! let Progress::Waiting { tasks, .. } = execution.run(&sm, 1_000, &mut env) else {
//!     panic!("the task is pending");
//! };
//! assert_eq!(tasks[0].resource_type, "lambda");
//! assert_eq!(tasks[0].parameters, json!({"FunctionName": "greeter", "Payload": {"name": "Ada"}}));
//! execution.task_started(tasks[0].id, 1_005);
//! execution.task_succeeded(tasks[0].id, json!({"Payload": "Hello, Ada"}), 1_020);
//!
//! // The Wait state asks to be woken ten seconds later.
//! let progress = execution.run(&sm, 1_020, &mut env);
//! assert_eq!(
//!     progress,
//!     Progress::Waiting { tasks: vec![], cancelled: vec![], wake_at_ms: Some(11_020) }
//! );
//! assert_eq!(execution.run(&sm, 11_020, &mut env), Progress::Done);
//! assert_eq!(execution.status(), Status::Succeeded);
//! assert_eq!(execution.output(), Some(&json!({"greeting": "Hello, Ada"})));
//! assert_eq!(execution.events().last().map(|e| e.kind.as_str()), Some("ExecutionSucceeded"));
//! ```

pub mod budget;
pub mod definition;
pub mod env;
pub mod exec;
pub mod failure;
pub mod history;
pub mod intrinsics;
pub mod json;
pub mod jsonpath;
pub mod messages;
pub mod paths;
pub mod query;
pub mod template;
pub mod test_state;
pub mod time;
