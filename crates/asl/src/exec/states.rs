//! The work of each state type: Pass, Choice, Wait, Succeed, Fail here; Task, Parallel and Map
//! in their own modules. Each returns whether the state is blocked, exits, or failed.

use serde_json::Value;

use super::data::{self, Cx};
use super::thread::{Active, Phase, StepResult};
use super::{Run, choice, map, parallel, task};
use crate::definition::model::{FailText, Io, Number, StateKind, Wait};
use crate::failure::Failure;
use crate::json::{as_integer, to_text, type_name};
use crate::messages as m;
use crate::paths::PathScope;
use crate::template::{PathOrCall, evaluate_call};

pub fn step(run: &mut Run, cx: &Cx, last: &mut u64, active: &mut Active) -> StepResult {
    let result = match &cx.state.kind {
        StateKind::Pass { result } => pass(run, cx, active, result.as_ref()),
        StateKind::Choice(_) => choice::run(run, cx, active),
        StateKind::Wait(wait) => wait_state(run, cx, active, wait),
        StateKind::Succeed => succeed(run, cx, active),
        StateKind::Fail(fail) => fail_state(run, cx, active, fail),
        StateKind::Task(task) => return task::step(run, cx, last, active, task),
        StateKind::Parallel { branches } => return parallel::step(run, cx, last, active, branches),
        StateKind::Map(map) => return map::step(run, cx, last, active, map),
    };
    match result {
        Ok(r) => r,
        Err(f) => StepResult::Fail(f),
    }
}

fn pass(run: &mut Run, cx: &Cx, active: &Active, result: Option<&Value>) -> Result<StepResult, Failure> {
    let context = data::context(run, cx, None, None);
    let (output, assigned) = match &cx.state.io {
        Io::JsonPath { result_path, output_path, .. } => {
            let value = match result {
                Some(r) => r.clone(),
                None => data::effective_input(run, cx, &active.input, &context)?,
            };
            let assigned = data::assign(run, cx, cx.state.assign.as_ref(), &value, &context, &Value::Null)?;
            let merged = data::merge_result(result_path, &active.input, value)?;
            let output = data::select_path(output_path, &merged, &context, cx.vars)?;
            (output, assigned)
        }
        Io::Jsonata { .. } => data::finish_without_result(run, cx, &active.input, &active.input, &context)?,
    };
    Ok(StepResult::Exit { output, next: cx.state.next, assigned })
}

fn succeed(run: &mut Run, cx: &Cx, active: &Active) -> Result<StepResult, Failure> {
    let context = data::context(run, cx, None, None);
    let data = match &cx.state.io {
        Io::JsonPath { input_path, .. } => data::select_path(input_path, &active.input, &context, cx.vars)?,
        Io::Jsonata { .. } => active.input.clone(),
    };
    let (output, assigned) = data::finish_without_result(run, cx, &active.input, &data, &context)?;
    Ok(StepResult::Exit { output, next: None, assigned })
}

/// A number field's value: literal, from a path, or a JSONata expression.
pub fn number(
    run: &mut Run,
    cx: &Cx,
    n: &Number,
    field: &str,
    data: &Value,
    context: &Value,
    states: &Value,
) -> Result<Value, Failure> {
    match n {
        Number::Literal(v) => Ok(v.clone()),
        Number::Path(path) => {
            let scope = PathScope { data, context, variables: cx.vars };
            path.evaluate(&scope).map_err(|e| Failure::runtime(m::invalid_path(&path.source(), &e.message)))
        }
        Number::Expr(t) => data::jsonata(run, cx, t, field, states),
    }
}

const MAX_WAIT_MS: i64 = i32::MAX as i64 * 1000;

/// Why a SecondsPath value is refused: a negative integer "references a negative value", anything
/// else that is not an integer (a fraction, a string, an object) "cannot be parsed as a long value".
/// Strings and other values are quoted as they read, as in the TimestampPath text (see the messages).
fn seconds_path_failure(path: &str, v: &Value) -> Failure {
    let shown = match v {
        Value::String(s) => s.clone(),
        other => to_text(other),
    };
    match as_integer(v) {
        Some(_) => Failure::runtime(m::seconds_path_negative(path, &shown)),
        None => Failure::runtime(m::seconds_path_not_long(path, &shown)),
    }
}

fn wait_state(run: &mut Run, cx: &Cx, active: &mut Active, wait: &Wait) -> Result<StepResult, Failure> {
    let context = data::context(run, cx, None, None);
    if let Phase::Wait { until, data } = &active.phase {
        if run.now < *until {
            run.wake_at(*until);
            return Ok(StepResult::Blocked);
        }
        let data = data.clone();
        let (output, assigned) = data::finish_without_result(run, cx, &active.input, &data, &context)?;
        return Ok(StepResult::Exit { output, next: cx.state.next, assigned });
    }
    let data = match &cx.state.io {
        Io::JsonPath { input_path, .. } => data::select_path(input_path, &active.input, &context, cx.vars)?,
        Io::Jsonata { .. } => active.input.clone(),
    };
    let states = data::states(&active.input, &context, None, None);
    let until = match wait {
        Wait::Seconds(n) => {
            let v = number(run, cx, n, "Seconds", &data, &context, &states)?;
            let seconds = match (as_integer(&v), n) {
                (Some(s), _) if s >= 0 => s,
                (_, Number::Path(path)) => return Err(seconds_path_failure(&path.source(), &v)),
                (_, Number::Expr(t)) => {
                    return Err(Failure::query(
                        "Seconds",
                        m::jsonata_wrong_type(&t.source(), "Seconds", "integer", type_name(&v), &to_text(&v)),
                    ));
                }
                (_, Number::Literal(_)) => 0,
            };
            run.now.saturating_add(seconds.saturating_mul(1000))
        }
        Wait::Timestamp(text) => crate::time::parse_iso(text).unwrap_or(run.now),
        Wait::TimestampPath(path) => {
            let scope = PathScope { data: &data, context: &context, variables: cx.vars };
            let v = path.evaluate(&scope).map_err(|e| Failure::runtime(m::invalid_path(&path.source(), &e.message)))?;
            let shown = match &v {
                Value::String(s) => s.clone(),
                other => to_text(other),
            };
            v.as_str()
                .and_then(crate::time::parse_iso)
                .ok_or_else(|| Failure::runtime(m::timestamp_path_invalid(&path.source(), &shown)))?
        }
        Wait::TimestampExpr(t) => {
            let v = data::jsonata(run, cx, t, "Timestamp", &states)?;
            let Some(text) = v.as_str() else {
                return Err(Failure::query(
                    "Timestamp",
                    m::jsonata_wrong_type(&t.source(), "Timestamp", "string", type_name(&v), &to_text(&v)),
                ));
            };
            crate::time::parse_iso(text).ok_or_else(|| Failure::query("Timestamp", m::timestamp_field_invalid(text)))?
        }
    };
    if until - run.now > MAX_WAIT_MS {
        return Err(Failure::runtime(m::WAIT_TOO_LONG));
    }
    active.phase = Phase::Wait { until, data };
    wait_state(run, cx, active, wait)
}

/// `field` names the JSONPath field (`ErrorPath`); the JSONata field drops the `Path`.
fn fail_text(
    run: &mut Run,
    cx: &Cx,
    text: &Option<FailText>,
    field: &str,
    input: &Value,
    context: &Value,
) -> Result<Option<String>, Failure> {
    let Some(text) = text else {
        return Ok(None);
    };
    let value = match text {
        FailText::Literal(s) => return Ok(Some(s.clone())),
        FailText::Path(PathOrCall::Path(path)) => {
            let scope = PathScope { data: input, context, variables: cx.vars };
            path.evaluate(&scope)
                .map_err(|_| Failure::runtime(m::json_path_not_found(&path.source(), field, &to_text(input))))?
        }
        FailText::Path(PathOrCall::Call(call)) => {
            let scope = PathScope { data: input, context, variables: cx.vars };
            evaluate_call(call, field, &scope, run.env)?
        }
        FailText::Expr(t) => {
            let field = field.strip_suffix("Path").unwrap_or(field);
            let states = data::states(input, context, None, None);
            let v = data::jsonata(run, cx, t, field, &states)?;
            return match v {
                Value::String(s) => Ok(Some(s)),
                other => Err(Failure::query(
                    field,
                    m::jsonata_wrong_type(&t.source(), field, "string", type_name(&other), &to_text(&other)),
                )),
            };
        }
    };
    Ok(Some(match value {
        Value::String(s) => s,
        other => to_text(&other),
    }))
}

fn fail_state(
    run: &mut Run,
    cx: &Cx,
    active: &Active,
    fail: &crate::definition::model::Fail,
) -> Result<StepResult, Failure> {
    let context = data::context(run, cx, None, None);
    let error = fail_text(run, cx, &fail.error, "ErrorPath", &active.input, &context)?;
    let cause = fail_text(run, cx, &fail.cause, "CausePath", &active.input, &context)?;
    Ok(StepResult::Fail(Failure::raw(error, cause)))
}
