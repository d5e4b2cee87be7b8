//! Payload templates: JSONPath ones (`"key.$": "$.path"`, intrinsics) and JSONata ones (`{% %}`).
//! Both are parsed once with the definition and evaluated per state run.

use serde_json::{Map, Value};

use crate::budget::MAX_VALUE_DEPTH;
use crate::budget::Work;
use crate::env::Env;
use crate::failure::Failure;
use crate::intrinsics::{self, Call, IntrinsicError};
use crate::json::to_text;
use crate::messages as m;
use crate::paths::{PathRef, PathScope};
use crate::query::{CompiledQuery, QueryEngine, QueryErrorKind, QueryScope};

/// A JSONPath-mode template (Parameters, ResultSelector, ItemSelector, Assign).
#[derive(Debug, Clone, PartialEq)]
pub enum Payload {
    Static(Value),
    Object(Vec<(String, Payload)>),
    Array(Vec<Payload>),
    /// From a `key.$` field: `field` is the key as written (with `.$`).
    Path {
        field: String,
        path: PathRef,
    },
    Call {
        field: String,
        call: Call,
    },
}

/// Where a definition problem was found, and what it is.
pub type Problem = (String, String);

impl Payload {
    /// Parses a template; problems are reported as (location, message).
    pub fn parse(value: &Value, location: &str, problems: &mut Vec<Problem>) -> Payload {
        match value {
            Value::Object(map) => {
                let mut fields = Vec::with_capacity(map.len());
                let mut dynamic = false;
                for (key, v) in map {
                    let here = format!("{location}/{key}");
                    if let Some(name) = key.strip_suffix(".$") {
                        dynamic = true;
                        let parsed = match v.as_str() {
                            Some(text) => dynamic_field(key, text, &here, problems),
                            None => {
                                problems.push((here, m::NOT_A_VALID_JSON_PATH_OR_INTRINSIC.into()));
                                Payload::Static(Value::Null)
                            }
                        };
                        fields.push((name.to_string(), parsed));
                    } else {
                        let parsed = Payload::parse(v, &here, problems);
                        dynamic |= !matches!(parsed, Payload::Static(_));
                        fields.push((key.clone(), parsed));
                    }
                }
                if dynamic { Payload::Object(fields) } else { Payload::Static(value.clone()) }
            }
            Value::Array(items) => {
                let parsed: Vec<Payload> = items
                    .iter()
                    .enumerate()
                    .map(|(i, v)| Payload::parse(v, &format!("{location}[{i}]"), problems))
                    .collect();
                if parsed.iter().all(|p| matches!(p, Payload::Static(_))) {
                    Payload::Static(value.clone())
                } else {
                    Payload::Array(parsed)
                }
            }
            other => Payload::Static(other.clone()),
        }
    }

    /// Every variable the template reads (validation checks they are assigned somewhere).
    pub fn variables(&self, out: &mut Vec<String>) {
        match self {
            Payload::Static(_) => {}
            Payload::Object(fields) => fields.iter().for_each(|(_, p)| p.variables(out)),
            Payload::Array(items) => items.iter().for_each(|p| p.variables(out)),
            Payload::Path { path, .. } => out.extend(path.variable().map(str::to_string)),
            Payload::Call { call, .. } => call_variables(call, out),
        }
    }

    /// Everything the template copies out of its input is charged to one [`Work`] budget, so a template
    /// that repeats a large input many times fails (`States.DataLimitExceeded`) before it is built.
    pub fn evaluate(&self, scope: &PathScope<'_>, env: &mut dyn Env) -> Result<Value, Failure> {
        self.evaluate_within(scope, env, &mut Work::new())
    }

    fn evaluate_within(&self, scope: &PathScope<'_>, env: &mut dyn Env, work: &mut Work) -> Result<Value, Failure> {
        match self {
            Payload::Static(v) => Ok(v.clone()),
            Payload::Object(fields) => {
                let mut out = Map::with_capacity(fields.len());
                for (key, p) in fields {
                    out.insert(key.clone(), p.evaluate_within(scope, env, work)?);
                }
                Ok(Value::Object(out))
            }
            Payload::Array(items) => items
                .iter()
                .map(|p| p.evaluate_within(scope, env, work))
                .collect::<Result<Vec<_>, _>>()
                .map(Value::Array),
            Payload::Path { field, path } => {
                let v = path.evaluate(scope).map_err(|_| {
                    Failure::runtime(m::json_path_not_found(&path.source(), field, &to_text(scope.data)))
                })?;
                if !work.charge(&v) {
                    return Err(Failure::data_limit(m::field_data_limit_exceeded(field)));
                }
                Ok(v)
            }
            Payload::Call { field, call } => call_within(call, field, scope, env, work),
        }
    }
}

fn call_variables(call: &Call, out: &mut Vec<String>) {
    for arg in &call.args {
        match arg {
            intrinsics::Arg::Path(p) => out.extend(p.variable().map(str::to_string)),
            intrinsics::Arg::Call(c) => call_variables(c, out),
            _ => {}
        }
    }
}

/// Runs an intrinsic for the field `field`, mapping its errors the way AWS reports them.
pub fn evaluate_call(call: &Call, field: &str, scope: &PathScope<'_>, env: &mut dyn Env) -> Result<Value, Failure> {
    call_within(call, field, scope, env, &mut Work::new())
}

fn call_within(
    call: &Call,
    field: &str,
    scope: &PathScope<'_>,
    env: &mut dyn Env,
    work: &mut Work,
) -> Result<Value, Failure> {
    call.evaluate_within(scope, env, work).map_err(|e| match e {
        IntrinsicError::Failure(detail) => Failure::intrinsic(detail),
        IntrinsicError::PathNotFound { path } => {
            Failure::runtime(m::json_path_not_found(&path, field, &to_text(scope.data)))
        }
        IntrinsicError::TooLarge => Failure::data_limit(m::field_data_limit_exceeded(field)),
    })
}

fn dynamic_field(key: &str, text: &str, location: &str, problems: &mut Vec<Problem>) -> Payload {
    if intrinsics::looks_like_call(text) {
        match Call::parse(text) {
            Ok(call) => Payload::Call { field: key.to_string(), call },
            Err(e) => {
                problems.push((location.to_string(), m::invalid_intrinsic(&e)));
                Payload::Static(Value::Null)
            }
        }
    } else {
        match PathRef::parse(text) {
            Ok(path) => Payload::Path { field: key.to_string(), path },
            Err(_) => {
                problems.push((location.to_string(), m::NOT_A_VALID_JSON_PATH_OR_INTRINSIC.into()));
                Payload::Static(Value::Null)
            }
        }
    }
}

/// A path field that may also hold an intrinsic call (`ErrorPath`, `CausePath`).
#[derive(Debug, Clone, PartialEq)]
pub enum PathOrCall {
    Path(PathRef),
    Call(Call),
}

impl PathOrCall {
    pub fn parse(text: &str) -> Result<PathOrCall, String> {
        if intrinsics::looks_like_call(text) {
            Call::parse(text).map(PathOrCall::Call)
        } else {
            PathRef::parse(text).map(PathOrCall::Path).map_err(|e| e.message)
        }
    }

    pub fn source(&self) -> String {
        match self {
            PathOrCall::Path(p) => p.source(),
            PathOrCall::Call(c) => c.name.clone(),
        }
    }
}

// ---------------------------------------------------------------------------------------------

/// A JSONata-mode template: any string `{% expr %}` is evaluated, everything else is literal.
#[derive(Debug, Clone, PartialEq)]
pub enum Jsonata {
    Static(Value),
    Object(Vec<(String, Jsonata)>),
    Array(Vec<Jsonata>),
    Expr(CompiledQuery),
}

/// The expression inside `{% ... %}`, if the whole string is one.
pub fn expression_text(s: &str) -> Option<&str> {
    let inner = s.strip_prefix("{%")?.strip_suffix("%}")?;
    Some(inner.trim())
}

impl Jsonata {
    pub fn parse(value: &Value, engine: &dyn QueryEngine, location: &str, problems: &mut Vec<Problem>) -> Jsonata {
        match value {
            Value::String(s) => match expression_text(s) {
                Some(expr) => match engine.compile(expr) {
                    Ok(q) => Jsonata::Expr(q),
                    Err(e) => {
                        problems.push((location.to_string(), m::invalid_jsonata(&e.message)));
                        Jsonata::Static(Value::Null)
                    }
                },
                None => Jsonata::Static(value.clone()),
            },
            Value::Object(map) => {
                let fields: Vec<(String, Jsonata)> = map
                    .iter()
                    .map(|(k, v)| (k.clone(), Jsonata::parse(v, engine, &format!("{location}/{k}"), problems)))
                    .collect();
                if fields.iter().all(|(_, j)| matches!(j, Jsonata::Static(_))) {
                    Jsonata::Static(value.clone())
                } else {
                    Jsonata::Object(fields)
                }
            }
            Value::Array(items) => {
                let parsed: Vec<Jsonata> = items
                    .iter()
                    .enumerate()
                    .map(|(i, v)| Jsonata::parse(v, engine, &format!("{location}[{i}]"), problems))
                    .collect();
                if parsed.iter().all(|j| matches!(j, Jsonata::Static(_))) {
                    Jsonata::Static(value.clone())
                } else {
                    Jsonata::Array(parsed)
                }
            }
            other => Jsonata::Static(other.clone()),
        }
    }

    pub fn variables(&self, out: &mut Vec<String>) {
        match self {
            Jsonata::Static(_) => {}
            Jsonata::Object(fields) => fields.iter().for_each(|(_, j)| j.variables(out)),
            Jsonata::Array(items) => items.iter().for_each(|j| j.variables(out)),
            Jsonata::Expr(q) => out.extend(q.variables().iter().cloned()),
        }
    }

    /// Evaluates; `field` names the template's place (`Output`, `Arguments/FunctionName`).
    pub fn evaluate(
        &self,
        field: &str,
        engine: &dyn QueryEngine,
        scope: &QueryScope<'_>,
        env: &mut dyn Env,
    ) -> Result<Value, Failure> {
        match self {
            Jsonata::Static(v) => Ok(v.clone()),
            Jsonata::Object(fields) => {
                let mut out = Map::with_capacity(fields.len());
                for (key, j) in fields {
                    let here = format!("{field}/{key}");
                    out.insert(key.clone(), j.evaluate(&here, engine, scope, env)?);
                }
                Ok(Value::Object(out))
            }
            Jsonata::Array(items) => items
                .iter()
                .enumerate()
                .map(|(i, j)| j.evaluate(&format!("{field}[{i}]"), engine, scope, env))
                .collect::<Result<Vec<_>, _>>()
                .map(Value::Array),
            Jsonata::Expr(q) => match engine.evaluate(q, scope, env) {
                Ok(Some(v)) => Ok(v),
                Ok(None) => Err(Failure::query(field, m::jsonata_undefined(q.source(), field))),
                Err(e) => Err(match e.kind {
                    QueryErrorKind::Evaluation => {
                        Failure::query(field, m::jsonata_threw(q.source(), field, &e.message))
                    }
                    QueryErrorKind::TooLarge => Failure::data_limit(m::jsonata_data_limit_exceeded(q.source(), field)),
                    QueryErrorKind::TooDeep => {
                        Failure::query(field, m::jsonata_too_deep(q.source(), field, MAX_VALUE_DEPTH))
                    }
                }),
            },
        }
    }

    /// The expression text, for "returned an unexpected result type" messages.
    pub fn source(&self) -> String {
        match self {
            Jsonata::Expr(q) => q.source().to_string(),
            Jsonata::Static(v) => to_text(v),
            _ => String::new(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::budget::UNWATCHED;
    use crate::env::SeededEnv;
    use crate::paths::NoVariables;
    use crate::query::JsonataEngine;
    use serde_json::json;

    fn payload(v: Value) -> Payload {
        let mut problems = Vec::new();
        let p = Payload::parse(&v, "/States/S/Parameters", &mut problems);
        assert!(problems.is_empty(), "{problems:?}");
        p
    }

    #[test]
    fn static_templates_stay_static() {
        assert!(matches!(payload(json!({"a": [1, {"b": 2}]})), Payload::Static(_)));
    }

    #[test]
    fn dotted_keys_read_paths_and_call_intrinsics() {
        let p = payload(
            json!({"x.$": "$.a", "nested": {"y.$": "$$.State.Name"}, "n.$": "States.ArrayLength($.list)", "keep": 1}),
        );
        let data = json!({"a": "A", "list": [1, 2]});
        let ctx = json!({"State": {"Name": "S"}});
        let scope = PathScope { data: &data, context: &ctx, variables: &NoVariables };
        assert_eq!(
            p.evaluate(&scope, &mut SeededEnv::new(1)).unwrap(),
            json!({"x": "A", "nested": {"y": "S"}, "n": 2, "keep": 1})
        );
    }

    #[test]
    fn missing_path_is_a_runtime_failure_with_aws_text() {
        let p = payload(json!({"value.$": "$.no_such_jsonpath"}));
        let data = json!({"int-literal": 0});
        let scope = PathScope { data: &data, context: &json!({}), variables: &NoVariables };
        let f = p.evaluate(&scope, &mut SeededEnv::new(1)).unwrap_err();
        assert_eq!(f.error.as_deref(), Some("States.Runtime"));
        assert_eq!(
            f.in_state("pass", 2).cause.unwrap(),
            "An error occurred while executing the state 'pass' (entered at the event id #2). The JSONPath '$.no_such_jsonpath' specified for the field 'value.$' could not be found in the input '{\"int-literal\":0}'"
        );
    }

    #[test]
    fn bad_dynamic_values_are_definition_problems() {
        let mut problems = Vec::new();
        Payload::parse(&json!({"a.$": "not a path", "b.$": 3, "c.$": "States.Nope()"}), "/P", &mut problems);
        assert_eq!(problems.len(), 3);
        assert_eq!(problems[0].0, "/P/a.$");
    }

    #[test]
    fn jsonata_templates_evaluate_expressions_only_in_markers() {
        let mut problems = Vec::new();
        let t = Jsonata::parse(
            &json!({"a": "{% $states.input.x + 1 %}", "b": "plain {% text", "c": [1, "{% 'z' %}"]}),
            &JsonataEngine,
            "/States/S/Arguments",
            &mut problems,
        );
        assert!(problems.is_empty());
        let states = json!({"input": {"x": 1}});
        let scope = QueryScope { states: &states, variables: &NoVariables, now_ms: 0, watch: &UNWATCHED };
        assert_eq!(
            t.evaluate("Arguments", &JsonataEngine, &scope, &mut SeededEnv::new(1)).unwrap(),
            json!({"a": 2, "b": "plain {% text", "c": [1, "z"]})
        );
    }

    #[test]
    fn jsonata_undefined_names_the_field() {
        let mut problems = Vec::new();
        let t = Jsonata::parse(&json!({"FunctionName": "{% $doesNotExist %}"}), &JsonataEngine, "/A", &mut problems);
        let states = json!({"input": {}});
        let scope = QueryScope { states: &states, variables: &NoVariables, now_ms: 0, watch: &UNWATCHED };
        let f = t.evaluate("Arguments", &JsonataEngine, &scope, &mut SeededEnv::new(1)).unwrap_err();
        assert_eq!(f.location.as_deref(), Some("Arguments/FunctionName"));
        assert_eq!(
            f.cause.unwrap(),
            "The JSONata expression '$doesNotExist' specified for the field 'Arguments/FunctionName' returned nothing (undefined)."
        );
    }

    #[test]
    fn invalid_jsonata_is_a_definition_problem() {
        let mut problems = Vec::new();
        Jsonata::parse(&json!("{% a[1,2) %}"), &JsonataEngine, "/States/S/Output", &mut problems);
        assert_eq!(problems.len(), 1);
    }
}
