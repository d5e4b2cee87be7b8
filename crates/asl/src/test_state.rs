//! The TestState API: run one state's definition on an input, with an optional mocked result.
//! Answers output or error, the next state, a status, and the inspection data AWS shows.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};

use crate::budget::Watch;
use crate::definition::{DefinitionError, Diagnostic, StateMachine};
use crate::env::Env;
use crate::exec::{Execution, ExecutionContext, Progress, TaskId, TaskRequest};
use crate::messages as m;

/// What a Task state gets instead of a real call.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum Mock {
    Result(Value),
    Error { error: String, cause: String },
}

/// TestState `status`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum TestStatus {
    Succeeded,
    Failed,
    Retriable,
    CaughtError,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TestStateResult {
    pub status: TestStatus,
    pub output: Option<Value>,
    pub error: Option<String>,
    pub cause: Option<String>,
    pub next_state: Option<String>,
    /// `inspectionData`: `input`, `afterInputPath`, `afterParameters`, `result`, ... as JSON text.
    pub inspection_data: Value,
}

/// How a Task without a mock is performed: the caller runs the request.
pub type TaskRunner<'a> = &'a mut dyn FnMut(&TaskRequest) -> Result<Value, (String, String)>;

/// Runs the state `definition` (one state's JSON, `Next` may name states that do not exist).
pub fn test_state(
    definition: &str,
    input: Value,
    variables: Map<String, Value>,
    mock: Option<Mock>,
    context: ExecutionContext,
    env: &mut dyn Env,
    run_task: TaskRunner,
) -> Result<TestStateResult, DefinitionError> {
    let mut run = TestRun::start(definition, input, variables, mock, context, env)?;
    while let Some(task) = run.next_task(env) {
        let outcome = run_task(&task);
        run.complete(task.id, outcome);
    }
    Ok(run.finish())
}

/// A TestState run the caller steps through, for drivers that perform tasks asynchronously: call
/// [`TestRun::next_task`] until it answers `None`, performing each task and reporting it with
/// [`TestRun::complete`], then [`TestRun::finish`].
pub struct TestRun {
    sm: StateMachine,
    execution: Execution,
    state: Value,
    input: Value,
    mock: Option<Mock>,
    now: i64,
    tasks_run: usize,
    steps: usize,
    /// Unmocked tasks of the batch being performed.
    queue: std::collections::VecDeque<TaskRequest>,
    watch: Watch,
}

impl TestRun {
    pub fn start(
        definition: &str,
        input: Value,
        variables: Map<String, Value>,
        mock: Option<Mock>,
        context: ExecutionContext,
        env: &mut dyn Env,
    ) -> Result<TestRun, DefinitionError> {
        let state: Value = serde_json::from_str(definition).map_err(|e| DefinitionError {
            diagnostics: vec![Diagnostic::error(m::INVALID_JSON_DESCRIPTION, e.to_string(), None)],
        })?;
        const NAME: &str = "TestState";
        let machine = wrap(NAME, &state, &variables);
        let sm = StateMachine::parse(&machine.to_string())?;
        let now = context.start_time_ms;
        let execution = Execution::start(&sm, input.clone(), context, env);
        Ok(TestRun {
            sm,
            execution,
            state,
            input,
            mock,
            now,
            tasks_run: 0,
            steps: 0,
            queue: Default::default(),
            watch: Watch::default(),
        })
    }

    /// Runs the state's expressions under `watch` (see [`Execution::run_watched`]).
    pub fn with_watch(mut self, watch: Watch) -> TestRun {
        self.watch = watch;
        self
    }

    /// Advances the state; the task the caller must perform (mocked tasks are answered here), or `None`
    /// when the state is done. The state runs one attempt: a retry is not performed.
    pub fn next_task(&mut self, env: &mut dyn Env) -> Option<TaskRequest> {
        if let Some(t) = self.queue.pop_front() {
            return Some(t);
        }
        while self.steps < 100 {
            self.steps += 1;
            let Progress::Waiting { tasks, .. } = self.execution.run_watched(&self.sm, self.now, env, &self.watch)
            else {
                return None;
            };
            if tasks.is_empty() || self.tasks_run > 0 {
                return None;
            }
            for t in tasks {
                self.tasks_run += 1;
                match self.mock.take() {
                    Some(Mock::Result(v)) => self.complete(t.id, Ok(v)),
                    Some(Mock::Error { error, cause }) => self.complete(t.id, Err((error, cause))),
                    None => self.queue.push_back(t),
                }
            }
            if let Some(t) = self.queue.pop_front() {
                return Some(t);
            }
        }
        None
    }

    /// The outcome of a task [`TestRun::next_task`] handed out.
    pub fn complete(&mut self, id: TaskId, outcome: Result<Value, (String, String)>) {
        self.execution.task_started(id, self.now);
        match outcome {
            Ok(v) => self.execution.task_succeeded(id, v, self.now),
            Err((e, c)) => self.execution.task_failed(id, &e, &c, self.now),
        }
    }

    pub fn finish(self) -> TestStateResult {
        summarize(&self.execution, &self.state, self.input)
    }
}

/// A machine that runs the state after setting the variables, with a Succeed stub per target.
fn wrap(name: &str, state: &Value, variables: &Map<String, Value>) -> Value {
    let mut states = Map::new();
    let start = if variables.is_empty() {
        name.to_string()
    } else {
        let mut assign = Map::new();
        for (k, v) in variables {
            assign.insert(k.clone(), v.clone());
        }
        states.insert("TestStateVariables".into(), json!({"Type": "Pass", "Assign": assign, "Next": name}));
        "TestStateVariables".to_string()
    };
    let mut targets: Vec<String> = Vec::new();
    let mut add = |v: Option<&Value>| {
        if let Some(Value::String(t)) = v
            && !targets.contains(t)
        {
            targets.push(t.clone());
        }
    };
    add(state.get("Next"));
    add(state.get("Default"));
    for list in ["Choices", "Catch"] {
        if let Some(Value::Array(items)) = state.get(list) {
            for item in items {
                add(item.get("Next"));
            }
        }
    }
    states.insert(name.into(), state.clone());
    for t in targets {
        if t != name {
            states.insert(t, json!({"Type": "Succeed"}));
        }
    }
    let mut machine = json!({"StartAt": start, "States": states});
    if let Some(ql) = state.get("QueryLanguage") {
        machine["QueryLanguage"] = ql.clone();
    }
    machine
}

/// The latest `member` string among the events' details.
fn last_detail(events: &[crate::history::HistoryEvent], member: &str) -> Option<String> {
    events.iter().rev().find_map(|e| e.detail().and_then(|d| d.get(member).and_then(Value::as_str).map(str::to_string)))
}

fn summarize(execution: &Execution, state: &Value, input: Value) -> TestStateResult {
    let events = execution.events();
    let entered = events.iter().position(|e| {
        e.kind.ends_with("StateEntered") && e.detail().and_then(|d| d.get("name").cloned()) == Some(json!("TestState"))
    });
    let text = |v: &Value| Value::String(crate::json::to_text(v));
    let mut inspection = Map::new();
    inspection.insert("input".into(), text(&input));
    let Some(start) = entered else {
        return TestStateResult {
            status: TestStatus::Failed,
            output: None,
            error: execution.error().map(str::to_string),
            cause: execution.cause().map(str::to_string),
            next_state: None,
            inspection_data: Value::Object(inspection),
        };
    };
    let after = &events[start + 1..];
    for e in after {
        if matches!(e.kind.as_str(), "TaskScheduled" | "LambdaFunctionScheduled" | "ActivityScheduled")
            && let Some(p) = e.detail().and_then(|d| d.get("parameters").or_else(|| d.get("input")).cloned())
        {
            inspection.insert("afterParameters".into(), p);
        }
        if e.kind.ends_with("Succeeded")
            && e.kind != "ExecutionSucceeded"
            && let Some(o) = e.detail().and_then(|d| d.get("output").cloned())
        {
            inspection.insert("result".into(), o);
        }
    }
    let exit = after.iter().position(|e| {
        e.kind.ends_with("StateExited") && e.detail().and_then(|d| d.get("name").cloned()) == Some(json!("TestState"))
    });
    let Some(exit) = exit else {
        // The state failed: retriable when a Retrier would have taken the error.
        let error = last_detail(events, "error").or_else(|| execution.error().map(str::to_string));
        let cause = last_detail(events, "cause").or_else(|| execution.cause().map(str::to_string));
        let retriable = state.get("Retry").and_then(Value::as_array).is_some_and(|rs| {
            rs.iter().any(|r| {
                let names: Vec<String> = r
                    .get("ErrorEquals")
                    .and_then(Value::as_array)
                    .map(|a| a.iter().filter_map(|v| v.as_str().map(str::to_string)).collect())
                    .unwrap_or_default();
                crate::exec::error_matches(&names, error.as_deref())
                    && r.get("MaxAttempts").and_then(Value::as_u64).unwrap_or(3) > 0
            })
        });
        return TestStateResult {
            status: if retriable { TestStatus::Retriable } else { TestStatus::Failed },
            output: None,
            error,
            cause,
            next_state: None,
            inspection_data: Value::Object(inspection),
        };
    };
    let exited = &after[exit];
    let output = exited
        .detail()
        .and_then(|d| d.get("output").and_then(Value::as_str).and_then(|t| serde_json::from_str(t).ok()));
    if let Some(vars) = exited.detail().and_then(|d| d.get("assignedVariables").cloned()) {
        inspection.insert("variables".into(), text(&vars));
    }
    let failed_before_exit = after[..exit].iter().any(|e| e.kind.ends_with("Failed") || e.kind.ends_with("TimedOut"));
    let next_state = after[exit + 1..]
        .iter()
        .find(|e| e.kind.ends_with("StateEntered"))
        .and_then(|e| e.detail().and_then(|d| d.get("name").and_then(Value::as_str).map(str::to_string)));
    let status = if failed_before_exit { TestStatus::CaughtError } else { TestStatus::Succeeded };
    let (error, cause) = if failed_before_exit {
        let before = &after[..exit];
        (last_detail(before, "error"), last_detail(before, "cause"))
    } else {
        (None, None)
    };
    TestStateResult { status, output, error, cause, next_state, inspection_data: Value::Object(inspection) }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::env::SeededEnv;

    fn ctx() -> ExecutionContext {
        ExecutionContext::new(
            "arn:aws:states:us-east-1:111111111111:stateMachine:m",
            "t",
            "arn:aws:iam::111111111111:role/r",
            0,
        )
    }

    fn no_tasks(_: &TaskRequest) -> Result<Value, (String, String)> {
        Err(("Unexpected".into(), "no task expected".into()))
    }

    #[test]
    fn pass_state_with_next() {
        let r = test_state(
            r#"{"Type": "Pass", "Parameters": {"x.$": "$.a"}, "Next": "Elsewhere"}"#,
            json!({"a": 1}),
            Map::new(),
            None,
            ctx(),
            &mut SeededEnv::new(1),
            &mut no_tasks,
        )
        .unwrap();
        assert_eq!(r.status, TestStatus::Succeeded);
        assert_eq!(r.output, Some(json!({"x": 1})));
        assert_eq!(r.next_state.as_deref(), Some("Elsewhere"));
    }

    #[test]
    fn task_with_mocked_result_and_variables() {
        let mut vars = Map::new();
        vars.insert("suffix".into(), json!("!"));
        let r = test_state(
            r#"{"Type": "Task", "QueryLanguage": "JSONata", "Resource": "arn:aws:states:::lambda:invoke",
                "Arguments": {"FunctionName": "f"}, "Output": "{% $states.result.Payload & $suffix %}", "End": true}"#,
            json!({}),
            vars,
            Some(Mock::Result(json!({"Payload": "hi"}))),
            ctx(),
            &mut SeededEnv::new(1),
            &mut no_tasks,
        )
        .unwrap();
        assert_eq!(r.status, TestStatus::Succeeded);
        assert_eq!(r.output, Some(json!("hi!")));
        assert_eq!(r.next_state, None);
        assert_eq!(r.inspection_data["result"], json!("{\"Payload\":\"hi\"}"));
    }

    #[test]
    fn mocked_error_retriable_caught_and_failed() {
        let run = |definition: &str| {
            test_state(
                definition,
                json!({}),
                Map::new(),
                Some(Mock::Error { error: "Boom".into(), cause: "c".into() }),
                ctx(),
                &mut SeededEnv::new(1),
                &mut no_tasks,
            )
            .unwrap()
        };
        let r = run(
            r#"{"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke", "Retry": [{"ErrorEquals": ["Boom"]}], "End": true}"#,
        );
        assert_eq!(r.status, TestStatus::Retriable);
        let r = run(
            r#"{"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke", "Catch": [{"ErrorEquals": ["States.ALL"], "Next": "H"}], "End": true}"#,
        );
        assert_eq!(r.status, TestStatus::CaughtError);
        assert_eq!(r.next_state.as_deref(), Some("H"));
        assert_eq!(r.output, Some(json!({"Error": "Boom", "Cause": "c"})));
        let r = run(r#"{"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke", "End": true}"#);
        assert_eq!((r.status, r.error.as_deref()), (TestStatus::Failed, Some("Boom")));
    }

    #[test]
    fn choice_reports_next_state() {
        let r = test_state(
            r#"{"Type": "Choice", "Choices": [{"Variable": "$.n", "NumericGreaterThan": 1, "Next": "Big"}], "Default": "Small"}"#,
            json!({"n": 2}),
            Map::new(),
            None,
            ctx(),
            &mut SeededEnv::new(1),
            &mut no_tasks,
        )
        .unwrap();
        assert_eq!(r.next_state.as_deref(), Some("Big"));
    }

    #[test]
    fn invalid_state_definition() {
        let r = test_state(
            r#"{"Type": "Pass", "Output": 1, "End": true}"#,
            json!({}),
            Map::new(),
            None,
            ctx(),
            &mut SeededEnv::new(1),
            &mut no_tasks,
        );
        assert!(r.is_err());
    }
}
