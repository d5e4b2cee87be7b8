//! Input and output processing: InputPath, Parameters, ResultSelector, ResultPath, OutputPath,
//! JSONata Arguments/Output, Assign, and the context object (`$$` and `$states.context`).

use serde_json::{Map, Value, json};

use super::Run;
use crate::definition::model::{Assign, Io, State, StateKind};
use crate::failure::Failure;
use crate::json::to_text;
use crate::messages as m;
use crate::paths::{PathRef, PathScope, Variables};
use crate::query::QueryScope;
use crate::template::Jsonata;
use crate::time::format_iso_millis;

/// Variables visible to a thread: its own, then its parents'.
pub struct Scope<'a> {
    pub vars: &'a Map<String, Value>,
    pub parent: Option<&'a Scope<'a>>,
}

impl Variables for Scope<'_> {
    fn get(&self, name: &str) -> Option<&Value> {
        self.vars.get(name).or_else(|| self.parent.and_then(|p| p.get(name)))
    }
}

/// What a running state is, for the helpers here.
pub struct Cx<'a> {
    pub state: &'a State,
    pub vars: &'a Scope<'a>,
    pub record: bool,
    pub entered_ms: i64,
    pub retry_count: u32,
}

/// `$$.Map.Item` for ItemSelector evaluation.
pub struct MapItem<'a> {
    pub index: usize,
    pub value: &'a Value,
}

/// The context object as AWS builds it for this state (only when the state reads it).
pub fn context(run: &Run, cx: &Cx, token: Option<&str>, item: Option<&MapItem>) -> Value {
    if !cx.state.needs_context {
        return Value::Null;
    }
    let c = run.context;
    let mut state = json!({
        "Name": cx.state.name,
        "EnteredTime": format_iso_millis(cx.entered_ms),
    });
    if matches!(cx.state.kind, StateKind::Task(_) | StateKind::Parallel { .. } | StateKind::Map(_)) {
        state["RetryCount"] = json!(cx.retry_count);
    }
    let input = if cx.state.needs_execution_input { run.input.clone() } else { Value::Null };
    let mut ctx = json!({
        "Execution": {
            "Id": c.execution_arn,
            "Input": input,
            "Name": c.name,
            "RoleArn": c.role_arn,
            "StartTime": format_iso_millis(c.start_time_ms),
            "RedriveCount": c.redrive_count,
        },
        "StateMachine": {"Id": c.state_machine_arn, "Name": c.state_machine_name},
        "State": state,
    });
    if let Some(t) = token {
        ctx["Task"] = json!({ "Token": t });
    }
    if let Some(item) = item {
        ctx["Map"] = json!({"Item": {"Index": item.index, "Value": item.value}});
    }
    ctx
}

/// The `$states` object of a JSONata state.
pub fn states(input: &Value, context: &Value, result: Option<&Value>, error_output: Option<&Value>) -> Value {
    let mut map = Map::new();
    map.insert("input".into(), input.clone());
    if !context.is_null() {
        map.insert("context".into(), context.clone());
    }
    if let Some(r) = result {
        map.insert("result".into(), r.clone());
    }
    if let Some(e) = error_output {
        map.insert("errorOutput".into(), e.clone());
    }
    Value::Object(map)
}

pub fn query_scope<'a, 'w: 'a>(run: &Run<'w>, states: &'a Value, vars: &'a Scope<'a>) -> QueryScope<'a> {
    QueryScope { states, variables: vars, now_ms: run.now, watch: run.watch }
}

/// `Invalid path '<path>' : <Jayway message>` (States.Runtime).
fn path_failure(path: &PathRef, message: &str) -> Failure {
    Failure::runtime(m::invalid_path(&path.source(), message))
}

/// InputPath / OutputPath: absent is `$`, `null` is `{}`.
pub fn select_path(
    field: &Option<Option<PathRef>>,
    data: &Value,
    context: &Value,
    vars: &Scope,
) -> Result<Value, Failure> {
    match field {
        None => Ok(data.clone()),
        Some(None) => Ok(json!({})),
        Some(Some(path)) => {
            let scope = PathScope { data, context, variables: vars };
            path.evaluate(&scope).map_err(|e| path_failure(path, &e.message))
        }
    }
}

/// ResultPath: absent replaces the input with the result, `null` keeps the input.
pub fn merge_result(field: &Option<Option<PathRef>>, raw: &Value, result: Value) -> Result<Value, Failure> {
    match field {
        None => Ok(result),
        Some(None) => Ok(raw.clone()),
        Some(Some(path)) => {
            let mut out = raw.clone();
            path.jsonpath().set(&mut out, result).map_err(|_| {
                Failure::new(
                    m::STATES_RESULT_PATH_MATCH_FAILURE,
                    m::result_path_mismatch(&path.source(), &to_text(raw)),
                )
            })?;
            Ok(out)
        }
    }
}

/// The JSONPath input of a state's work: InputPath, then Parameters (when given).
pub fn effective_input(run: &mut Run, cx: &Cx, raw: &Value, context: &Value) -> Result<Value, Failure> {
    let Io::JsonPath { input_path, parameters, .. } = &cx.state.io else {
        return Ok(raw.clone());
    };
    let selected = select_path(input_path, raw, context, cx.vars)?;
    match parameters {
        Some(p) => {
            let scope = PathScope { data: &selected, context, variables: cx.vars };
            p.evaluate(&scope, run.env)
        }
        None => Ok(selected),
    }
}

/// Evaluates a JSONata template for `field` with `$states` built from the parts given.
pub fn jsonata(run: &mut Run, cx: &Cx, template: &Jsonata, field: &str, states: &Value) -> Result<Value, Failure> {
    let scope = query_scope(run, states, cx.vars);
    template.evaluate(field, run.sm.engine.as_ref(), &scope, run.env)
}

/// Evaluates `Assign`; JSONPath reads `data`, JSONata reads `states`.
pub fn assign(
    run: &mut Run,
    cx: &Cx,
    assign: Option<&Assign>,
    data: &Value,
    context: &Value,
    states: &Value,
) -> Result<Option<Map<String, Value>>, Failure> {
    let Some(assign) = assign else {
        return Ok(None);
    };
    match assign {
        Assign::JsonPath(payload) => {
            let scope = PathScope { data, context, variables: cx.vars };
            match payload.evaluate(&scope, run.env)? {
                Value::Object(map) => Ok(Some(map)),
                _ => Ok(Some(Map::new())),
            }
        }
        Assign::Jsonata(fields) => {
            let mut out = Map::new();
            for (name, template) in fields {
                let v = jsonata(run, cx, template, &format!("Assign/{name}"), states)?;
                out.insert(name.clone(), v);
            }
            Ok(Some(out))
        }
    }
}

/// After the work produced `result`: ResultSelector, ResultPath, OutputPath and Assign
/// (JSONPath), or Assign and Output (JSONata). Returns the output and the assignments.
pub fn finish_with_result(
    run: &mut Run,
    cx: &Cx,
    raw: &Value,
    result: Value,
    context: &Value,
) -> Result<(Value, Option<Map<String, Value>>), Failure> {
    match &cx.state.io {
        Io::JsonPath { result_selector, result_path, output_path, .. } => {
            let selected = match result_selector {
                Some(p) => {
                    let scope = PathScope { data: &result, context, variables: cx.vars };
                    p.evaluate(&scope, run.env)?
                }
                None => result,
            };
            let assigned = assign(run, cx, cx.state.assign.as_ref(), &selected, context, &Value::Null)?;
            let merged = merge_result(result_path, raw, selected)?;
            let output = select_path(output_path, &merged, context, cx.vars)?;
            Ok((output, assigned))
        }
        Io::Jsonata { output, .. } => {
            let states = states(raw, context, Some(&result), None);
            let assigned = assign(run, cx, cx.state.assign.as_ref(), &Value::Null, context, &states)?;
            let out = match output {
                Some(t) => jsonata(run, cx, t, "Output", &states)?,
                None => result,
            };
            Ok((out, assigned))
        }
    }
}

/// For states without a result (Pass in JSONata, Wait, Succeed): JSONata Output and Assign on
/// the input, or OutputPath and Assign on `data` in JSONPath.
pub fn finish_without_result(
    run: &mut Run,
    cx: &Cx,
    raw: &Value,
    data: &Value,
    context: &Value,
) -> Result<(Value, Option<Map<String, Value>>), Failure> {
    match &cx.state.io {
        Io::JsonPath { output_path, .. } => {
            let assigned = assign(run, cx, cx.state.assign.as_ref(), data, context, &Value::Null)?;
            let output = select_path(output_path, data, context, cx.vars)?;
            Ok((output, assigned))
        }
        Io::Jsonata { output, .. } => {
            let states = states(raw, context, None, None);
            let assigned = assign(run, cx, cx.state.assign.as_ref(), &Value::Null, context, &states)?;
            let out = match output {
                Some(t) => jsonata(run, cx, t, "Output", &states)?,
                None => raw.clone(),
            };
            Ok((out, assigned))
        }
    }
}
