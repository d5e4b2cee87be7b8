//! The Task state: the engine schedules, the driver performs, and reports drive the events.
//! Optimized integrations show `Task*` events, Lambda ARNs `LambdaFunction*`, activities `Activity*`.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};

use super::data::{self, Cx};
use super::states::number;
use super::thread::{Active, Phase, StepResult};
use super::{Run, TaskReport};
use crate::definition::model::{Io, Number, Pattern, Resource, RoleArn, Task};
use crate::failure::Failure;
use crate::history;
use crate::json::{as_integer, to_text};
use crate::messages as m;
use crate::paths::PathScope;
use crate::template::{PathOrCall, evaluate_call};

/// Identifies a scheduled task between the engine and its driver.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct TaskId(pub u64);

/// How the history names a task's events.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum TaskKind {
    /// `arn:aws:states:::...` integrations: `Task*` events.
    Integration,
    /// A Lambda function ARN: `LambdaFunction*` events.
    LambdaFunction,
    /// An activity ARN: `Activity*` events.
    Activity,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum TaskPattern {
    RequestResponse,
    /// `.sync`
    Sync,
    /// `.sync:2`
    Sync2,
    /// `.waitForTaskToken`
    WaitForTaskToken,
}

/// A task the driver must perform.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TaskRequest {
    pub id: TaskId,
    pub state_name: String,
    pub kind: TaskKind,
    /// The `Resource` ARN as written.
    pub resource_arn: String,
    /// As history shows it: `lambda`, `aws-sdk:bedrockruntime`, `states`.
    pub resource_type: String,
    /// As history shows it: `invoke`, `converse`, `startExecution.sync:2`.
    pub resource: String,
    pub pattern: TaskPattern,
    pub region: String,
    /// Evaluated Parameters / Arguments.
    pub parameters: Value,
    /// Evaluated `Credentials.RoleArn`: the role to assume for the call.
    pub role_arn: Option<String>,
    pub timeout_seconds: Option<u64>,
    pub heartbeat_seconds: Option<u64>,
    /// For `.waitForTaskToken`: the token the callback will carry.
    pub task_token: Option<String>,
}

/// A Task waiting for its driver.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct TaskRun {
    pub id: TaskId,
    started: bool,
    timeout_at: Option<i64>,
    heartbeat_seconds: Option<u64>,
    heartbeat_at: Option<i64>,
    token: Option<String>,
}

fn labels(resource: &Resource) -> (TaskKind, String, String, TaskPattern) {
    match resource {
        Resource::Integration { resource_type, resource, pattern, .. } => (
            TaskKind::Integration,
            resource_type.clone(),
            resource.clone(),
            match pattern {
                Pattern::RequestResponse => TaskPattern::RequestResponse,
                Pattern::Sync => TaskPattern::Sync,
                Pattern::Sync2 => TaskPattern::Sync2,
                Pattern::WaitForTaskToken => TaskPattern::WaitForTaskToken,
            },
        ),
        Resource::LambdaFunction { arn } => {
            (TaskKind::LambdaFunction, "lambda".into(), arn.clone(), TaskPattern::RequestResponse)
        }
        Resource::Activity { arn } => {
            (TaskKind::Activity, "activity".into(), arn.clone(), TaskPattern::RequestResponse)
        }
    }
}

fn seconds(
    run: &mut Run,
    cx: &Cx,
    field: Option<&Number>,
    name: &str,
    data: &Value,
    context: &Value,
    states: &Value,
) -> Result<Option<u64>, Failure> {
    let Some(n) = field else {
        return Ok(None);
    };
    let v = number(run, cx, n, name, data, context, states)?;
    match as_integer(&v) {
        Some(s) if s > 0 => Ok(Some(s as u64)),
        _ => Err(match n {
            Number::Path(p) => {
                let shown = match &v {
                    Value::String(s) => s.clone(),
                    other => to_text(other),
                };
                Failure::runtime(m::not_valid_integer(&format!("{name}Path"), &shown, &p.source()))
            }
            Number::Expr(t) => Failure::query(
                name,
                m::jsonata_wrong_type(&t.source(), name, "integer", crate::json::type_name(&v), &to_text(&v)),
            ),
            Number::Literal(_) => Failure::runtime(m::not_valid_integer(name, &to_text(&v), name)),
        }),
    }
}

fn role_arn(
    run: &mut Run,
    cx: &Cx,
    credentials: Option<&RoleArn>,
    data: &Value,
    context: &Value,
    states: &Value,
) -> Result<Option<String>, Failure> {
    let Some(c) = credentials else {
        return Ok(None);
    };
    let v = match c {
        RoleArn::Literal(s) => return Ok(Some(s.clone())),
        RoleArn::Path(PathOrCall::Path(p)) => {
            let scope = PathScope { data, context, variables: cx.vars };
            p.evaluate(&scope)
                .map_err(|_| Failure::runtime(m::json_path_not_found(&p.source(), "RoleArn.$", &to_text(data))))?
        }
        RoleArn::Path(PathOrCall::Call(call)) => {
            let scope = PathScope { data, context, variables: cx.vars };
            evaluate_call(call, "RoleArn.$", &scope, run.env)?
        }
        RoleArn::Expr(t) => data::jsonata(run, cx, t, "Credentials/RoleArn", states)?,
    };
    Ok(Some(match v {
        Value::String(s) => s,
        other => to_text(&other),
    }))
}

pub fn step(run: &mut Run, cx: &Cx, last: &mut u64, active: &mut Active, task: &Task) -> StepResult {
    if matches!(active.phase, Phase::Start) {
        match schedule(run, cx, last, active, task) {
            Ok(()) => {}
            Err(f) => return StepResult::Fail(f),
        }
    }
    let Phase::Task(t) = &mut active.phase else {
        return StepResult::Blocked;
    };
    let (kind, resource_type, resource, _) = labels(&task.resource);
    let labels_map = |mut m: Map<String, Value>| {
        if kind == TaskKind::Integration {
            m.insert("resourceType".into(), json!(resource_type));
            m.insert("resource".into(), json!(resource));
        }
        Value::Object(m)
    };
    let prefix = match kind {
        TaskKind::Integration => "Task",
        TaskKind::LambdaFunction => "LambdaFunction",
        TaskKind::Activity => "Activity",
    };
    let reports = run.inbox.remove(&t.id.0).unwrap_or_default();
    for (report, at) in reports {
        if !t.started && !matches!(report, TaskReport::Started | TaskReport::WorkerStarted(_)) {
            started_event(run, cx, last, t, kind, &labels_map, prefix, at, None);
        }
        match report {
            TaskReport::Started => {
                if !t.started {
                    started_event(run, cx, last, t, kind, &labels_map, prefix, at, None);
                }
            }
            TaskReport::WorkerStarted(worker) => {
                if !t.started {
                    started_event(run, cx, last, t, kind, &labels_map, prefix, at, worker);
                }
            }
            TaskReport::Heartbeat => {
                t.heartbeat_at = t.heartbeat_seconds.map(|h| at + h as i64 * 1000);
            }
            TaskReport::Submitted(output) => {
                let (text, flag) = history::payload(&output);
                let mut body = Map::new();
                body.insert("output".into(), text);
                body.insert("outputDetails".into(), flag);
                run.log.emit(last, cx.record, at, "TaskSubmitted", Some(labels_map(body)));
            }
            TaskReport::Succeeded(output) => {
                let (text, flag) = history::payload(&output);
                if flag["truncated"] == json!(true) {
                    // AWS refuses results over the payload limit as a task failure.
                    let label = match kind {
                        TaskKind::Integration => resource_type.as_str(),
                        _ => resource.as_str(),
                    };
                    let cause = m::data_limit_exceeded(label);
                    let error = Some(m::STATES_DATA_LIMIT_EXCEEDED.to_string());
                    let kind = format!("{prefix}Failed");
                    return failed(run, cx, last, at, &kind, error, Some(cause), &labels_map);
                }
                let mut body = Map::new();
                body.insert("output".into(), text);
                body.insert("outputDetails".into(), flag);
                run.log.emit(last, cx.record, at, &format!("{prefix}Succeeded"), Some(labels_map(body)));
                let token = t.token.clone();
                let context = data::context(run, cx, token.as_deref(), None);
                return match data::finish_with_result(run, cx, &active.input, output, &context) {
                    Ok((output, assigned)) => StepResult::Exit { output, next: cx.state.next, assigned },
                    Err(f) => StepResult::Fail(f),
                };
            }
            TaskReport::Failed { error, cause } => {
                return failed(run, cx, last, at, &format!("{prefix}Failed"), error, cause, &labels_map);
            }
            TaskReport::TimedOut { error, cause } => {
                let error = error.or_else(|| Some(m::STATES_TIMEOUT.to_string()));
                return failed(run, cx, last, at, &format!("{prefix}TimedOut"), error, cause, &labels_map);
            }
        }
    }
    let timed_out = match (t.timeout_at, t.heartbeat_at) {
        (Some(at), _) if run.now >= at => Some(m::STATES_TIMEOUT),
        (_, Some(at)) if run.now >= at => Some(m::STATES_HEARTBEAT_TIMEOUT),
        _ => None,
    };
    if let Some(error) = timed_out {
        let body = history::error_cause(Some(error), None);
        run.log.emit(last, cx.record, run.now, &format!("{prefix}TimedOut"), Some(labels_map(body)));
        run.cancelled.push(t.id);
        return StepResult::Fail(Failure::raw(Some(error.to_string()), None));
    }
    for at in [t.timeout_at, t.heartbeat_at].into_iter().flatten() {
        run.wake_at(at);
    }
    StepResult::Blocked
}

/// Records a failed or timed-out task and fails the state with its error.
#[allow(clippy::too_many_arguments)]
fn failed(
    run: &mut Run,
    cx: &Cx,
    last: &mut u64,
    at: i64,
    kind: &str,
    error: Option<String>,
    cause: Option<String>,
    labels_map: &dyn Fn(Map<String, Value>) -> Value,
) -> StepResult {
    let body = history::error_cause(error.as_deref(), cause.as_deref());
    run.log.emit(last, cx.record, at, kind, Some(labels_map(body)));
    StepResult::Fail(Failure::raw(error, cause))
}

#[allow(clippy::too_many_arguments)]
fn started_event(
    run: &mut Run,
    cx: &Cx,
    last: &mut u64,
    t: &mut TaskRun,
    kind: TaskKind,
    labels_map: &dyn Fn(Map<String, Value>) -> Value,
    prefix: &str,
    at: i64,
    worker: Option<String>,
) {
    t.started = true;
    t.heartbeat_at = t.heartbeat_seconds.map(|h| at + h as i64 * 1000);
    let body = match kind {
        TaskKind::Integration => Some(labels_map(Map::new())),
        TaskKind::LambdaFunction => None,
        TaskKind::Activity => Some(match worker {
            Some(w) => json!({"workerName": w}),
            None => json!({}),
        }),
    };
    run.log.emit(last, cx.record, at, &format!("{prefix}Started"), body);
}

fn schedule(run: &mut Run, cx: &Cx, last: &mut u64, active: &mut Active, task: &Task) -> Result<(), Failure> {
    let (kind, resource_type, resource, pattern) = labels(&task.resource);
    let token = (pattern == TaskPattern::WaitForTaskToken).then(|| run.env.uuid());
    let context = data::context(run, cx, token.as_deref(), None);
    let states = data::states(&active.input, &context, None, None);
    let (parameters, selected) = match &cx.state.io {
        Io::JsonPath { input_path, .. } => {
            let selected = data::select_path(input_path, &active.input, &context, cx.vars)?;
            (data::effective_input(run, cx, &active.input, &context)?, selected)
        }
        Io::Jsonata { arguments, .. } => {
            let args = match arguments {
                Some(t) => data::jsonata(run, cx, t, "Arguments", &states)?,
                None => active.input.clone(),
            };
            (args, active.input.clone())
        }
    };
    let role = role_arn(run, cx, task.credentials.as_ref(), &selected, &context, &states)?;
    let timeout = seconds(run, cx, task.timeout_seconds.as_ref(), "TimeoutSeconds", &selected, &context, &states)?;
    let heartbeat =
        seconds(run, cx, task.heartbeat_seconds.as_ref(), "HeartbeatSeconds", &selected, &context, &states)?;
    let id = TaskId(*run.next_task);
    *run.next_task += 1;
    let (text, flag) = history::payload(&parameters);
    let mut body = Map::new();
    let event = match kind {
        TaskKind::Integration => {
            body.insert("resourceType".into(), json!(resource_type));
            body.insert("resource".into(), json!(resource));
            body.insert("region".into(), json!(run.context.region));
            body.insert("parameters".into(), text);
            "TaskScheduled"
        }
        TaskKind::LambdaFunction => {
            body.insert("resource".into(), json!(resource));
            body.insert("input".into(), text);
            body.insert("inputDetails".into(), flag);
            "LambdaFunctionScheduled"
        }
        TaskKind::Activity => {
            body.insert("resource".into(), json!(resource));
            body.insert("input".into(), text);
            body.insert("inputDetails".into(), flag);
            "ActivityScheduled"
        }
    };
    if let Some(t) = timeout {
        body.insert("timeoutInSeconds".into(), json!(t));
    }
    if let Some(h) = heartbeat
        && kind != TaskKind::LambdaFunction
    {
        body.insert("heartbeatInSeconds".into(), json!(h));
    }
    if let Some(r) = &role
        && kind != TaskKind::Activity
    {
        body.insert("taskCredentials".into(), json!({ "roleArn": r }));
    }
    run.log.emit(last, cx.record, run.now, event, Some(Value::Object(body)));
    run.outbox.push(TaskRequest {
        id,
        state_name: cx.state.name.clone(),
        kind,
        resource_arn: task.resource.arn().to_string(),
        resource_type,
        resource,
        pattern,
        region: run.context.region.clone(),
        parameters,
        role_arn: role,
        timeout_seconds: timeout,
        heartbeat_seconds: heartbeat,
        task_token: token.clone(),
    });
    active.phase = Phase::Task(Box::new(TaskRun {
        id,
        started: false,
        timeout_at: timeout.map(|t| run.now + t as i64 * 1000),
        heartbeat_seconds: heartbeat,
        heartbeat_at: None,
        token,
    }));
    Ok(())
}
