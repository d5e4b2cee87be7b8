//! Parsing each state type: its own fields, transitions, Retry and Catch.
//! Field sets per type follow AWS: anything else is "Field 'X' is not supported".

use std::collections::HashMap;

use serde_json::{Map, Value};

use super::model::*;
use super::parse::{Edges, Parser};
use super::reader::{Obj, PathKind};
use super::{choice, map, task};
use crate::messages as m;
use crate::template::{PathOrCall, expression_text};

const COMMON: &[&str] = &["Type", "Comment", "QueryLanguage"];

fn allowed(kind: &str) -> Option<&'static [&'static str]> {
    Some(match kind {
        "Pass" => &["Next", "End", "InputPath", "OutputPath", "Parameters", "ResultPath", "Result", "Assign", "Output"],
        "Task" => &[
            "Next",
            "End",
            "Resource",
            "InputPath",
            "OutputPath",
            "Parameters",
            "ResultSelector",
            "ResultPath",
            "Retry",
            "Catch",
            "TimeoutSeconds",
            "TimeoutSecondsPath",
            "HeartbeatSeconds",
            "HeartbeatSecondsPath",
            "Credentials",
            "Assign",
            "Arguments",
            "Output",
        ],
        "Choice" => &["Choices", "Default", "InputPath", "OutputPath", "Assign", "Output"],
        "Wait" => &[
            "Next",
            "End",
            "Seconds",
            "Timestamp",
            "SecondsPath",
            "TimestampPath",
            "InputPath",
            "OutputPath",
            "Assign",
            "Output",
        ],
        "Succeed" => &["InputPath", "OutputPath", "Output"],
        "Fail" => &["Error", "Cause", "ErrorPath", "CausePath"],
        "Parallel" => &[
            "Next",
            "End",
            "Branches",
            "InputPath",
            "OutputPath",
            "Parameters",
            "ResultSelector",
            "ResultPath",
            "Retry",
            "Catch",
            "Assign",
            "Arguments",
            "Output",
        ],
        "Map" => &[
            "Next",
            "End",
            "ItemProcessor",
            "Iterator",
            "ItemsPath",
            "Items",
            "ItemSelector",
            "Parameters",
            "ItemReader",
            "ItemBatcher",
            "ResultWriter",
            "MaxConcurrency",
            "MaxConcurrencyPath",
            "ToleratedFailureCount",
            "ToleratedFailureCountPath",
            "ToleratedFailurePercentage",
            "ToleratedFailurePercentagePath",
            "Label",
            "InputPath",
            "OutputPath",
            "ResultSelector",
            "ResultPath",
            "Retry",
            "Catch",
            "Assign",
            "Output",
        ],
        _ => return None,
    })
}

pub fn state(
    p: &mut Parser,
    name: &str,
    map: &Map<String, Value>,
    location: &str,
    me: StateId,
    index: &HashMap<&str, StateId>,
    edges: &mut Edges,
) -> State {
    let obj = Obj::new(map, location);
    let type_name = match obj.string("Type", &mut p.problems) {
        Some(t) => t,
        None => {
            if !obj.has("Type") {
                p.problems.schema(m::fields_required(&["Type"]), location);
            }
            ""
        }
    };
    let language = p.language(&obj);
    let Some(fields) = allowed(type_name) else {
        if !type_name.is_empty() {
            p.problems.schema(m::INVALID_STATE_TYPE, &obj.at("Type"));
        }
        edges.terminal[me] = obj.get("End") == Some(&Value::Bool(true));
        return State {
            name: name.to_string(),
            query_language: language,
            kind: StateKind::Succeed,
            next: None,
            io: Io::Jsonata { arguments: None, output: None },
            assign: None,
            retry: Vec::new(),
            catch: Vec::new(),
            needs_context: false,
            needs_execution_input: false,
        };
    };
    let all: Vec<&str> = COMMON.iter().chain(fields.iter()).copied().collect();
    obj.only(&all, &mut p.problems);
    p.language_fields(&obj, language);

    let transitions = fields.contains(&"Next");
    let next = if transitions {
        next_or_end(p, &obj, me, index, edges)
    } else {
        if matches!(type_name, "Succeed" | "Fail") {
            edges.terminal[me] = true;
        }
        None
    };
    let has_results = matches!(type_name, "Task" | "Parallel" | "Map");
    let io = p.io(&obj, language, has_results);
    let assign = if fields.contains(&"Assign") && obj.has("Assign") { p.assign(&obj, language) } else { None };
    let (retry, catch) = if has_results {
        (retriers(p, &obj), catchers(p, &obj, language, me, index, edges))
    } else {
        (Vec::new(), Vec::new())
    };
    let kind = match type_name {
        "Pass" => StateKind::Pass { result: obj.get("Result").cloned() },
        "Task" => StateKind::Task(task::task(p, &obj, language)),
        "Choice" => StateKind::Choice(choice::choice(p, &obj, language, me, index, edges)),
        "Wait" => StateKind::Wait(wait(p, &obj, language)),
        "Succeed" => StateKind::Succeed,
        "Fail" => StateKind::Fail(fail(p, &obj, language)),
        "Parallel" => StateKind::Parallel { branches: branches(p, &obj) },
        _ => StateKind::Map(Box::new(map::map_state(p, &obj, language))),
    };
    let text = crate::json::to_text(&Value::Object(map.clone()));
    State {
        name: name.to_string(),
        query_language: language,
        kind,
        next,
        io,
        assign,
        retry,
        catch,
        needs_context: reads_context(&text),
        needs_execution_input: reads_execution_input(&text),
    }
}

/// Whether a state's text reads the context object: `$$`, `$states.context`, or all of `$states`.
fn reads_context(text: &str) -> bool {
    if text.contains("$$") || text.contains("$states.context") {
        return true;
    }
    text.match_indices("$states").any(|(i, m)| !text[i + m.len()..].starts_with('.'))
}

/// Whether a state's text may read `Execution.Input`: named, or through a whole object that
/// contains it (`$$`, `$$.Execution`, `$states.context`, ...).
fn reads_execution_input(text: &str) -> bool {
    if text.contains("Execution.Input") {
        return true;
    }
    let whole = |needle: &str| {
        text.match_indices(needle).any(|(i, m)| !matches!(text[i + m.len()..].chars().next(), Some('.') | Some('$')))
    };
    whole("$$")
        || whole("$$.Execution")
        || whole("$states")
        || whole("$states.context")
        || whole("states.context.Execution")
}

fn next_or_end(
    p: &mut Parser,
    obj: &Obj,
    me: StateId,
    index: &HashMap<&str, StateId>,
    edges: &mut Edges,
) -> Option<StateId> {
    let end = obj.boolean("End", &mut p.problems).unwrap_or(false);
    let next = obj.string("Next", &mut p.problems);
    match (next, end) {
        (Some(_), true) => {
            p.problems.schema(m::NEXT_AND_END, &obj.location);
            None
        }
        (Some(target), false) => Some(p.target(me, target, &obj.at("Next"), index, edges)),
        (None, true) => {
            edges.terminal[me] = true;
            None
        }
        (None, false) => {
            if !obj.has("Next") {
                p.problems.schema(m::NEITHER_NEXT_NOR_END, &obj.location);
            }
            None
        }
    }
}

fn error_equals(p: &mut Parser, obj: &Obj, last: bool) -> Vec<String> {
    let Some(items) = obj.array("ErrorEquals", &mut p.problems) else {
        if !obj.has("ErrorEquals") {
            p.problems.schema(m::fields_required(&["ErrorEquals"]), &obj.location);
        }
        return Vec::new();
    };
    let names: Vec<String> = items.iter().filter_map(|v| v.as_str().map(str::to_string)).collect();
    if names.len() != items.len() {
        p.problems.schema(m::expected_type("String"), &obj.at("ErrorEquals"));
    }
    if names.is_empty() {
        p.problems.schema(m::EMPTY_ERROR_EQUALS, &obj.at("ErrorEquals"));
    }
    if names.iter().any(|n| n == m::STATES_ALL) && (names.len() > 1 || !last) {
        p.problems.schema(m::STATES_ALL_NOT_ALONE, &obj.at("ErrorEquals"));
    }
    names
}

fn retriers(p: &mut Parser, obj: &Obj) -> Vec<Retrier> {
    let Some(items) = obj.array("Retry", &mut p.problems) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for (i, item) in items.iter().enumerate() {
        let location = format!("{}[{i}]", obj.at("Retry"));
        let Value::Object(map) = item else {
            p.problems.schema(m::expected_type("Object"), &location);
            continue;
        };
        let r = Obj::new(map, location);
        r.only(
            &[
                "ErrorEquals",
                "IntervalSeconds",
                "MaxAttempts",
                "BackoffRate",
                "MaxDelaySeconds",
                "JitterStrategy",
                "Comment",
            ],
            &mut p.problems,
        );
        let error_equals = error_equals(p, &r, i + 1 == items.len());
        let interval_seconds = r.integer("IntervalSeconds", 1, 99_999_999, &mut p.problems).unwrap_or(1);
        let max_attempts = r.integer("MaxAttempts", 0, 99_999_999, &mut p.problems).unwrap_or(3);
        let backoff_rate = match r.get("BackoffRate") {
            None => 2.0,
            Some(v) => match v.as_f64() {
                Some(b) if b >= 1.0 => b,
                Some(_) => {
                    p.problems.schema(m::minimum_value("1.0"), &r.at("BackoffRate"));
                    2.0
                }
                None => {
                    p.problems.schema(m::expected_type("Number"), &r.at("BackoffRate"));
                    2.0
                }
            },
        };
        let max_delay_seconds = r.integer("MaxDelaySeconds", 1, 31_622_400, &mut p.problems);
        let jitter = match r.string("JitterStrategy", &mut p.problems) {
            Some("FULL") => Jitter::Full,
            Some("NONE") | None => Jitter::None,
            Some(_) => {
                p.problems.schema(m::expected_type("JitterStrategy"), &r.at("JitterStrategy"));
                Jitter::None
            }
        };
        out.push(Retrier { error_equals, interval_seconds, max_attempts, backoff_rate, max_delay_seconds, jitter });
    }
    out
}

fn catchers(
    p: &mut Parser,
    obj: &Obj,
    language: QueryLanguage,
    me: StateId,
    index: &HashMap<&str, StateId>,
    edges: &mut Edges,
) -> Vec<Catcher> {
    let Some(items) = obj.array("Catch", &mut p.problems) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for (i, item) in items.iter().enumerate() {
        let location = format!("{}[{i}]", obj.at("Catch"));
        let Value::Object(map) = item else {
            p.problems.schema(m::expected_type("Object"), &location);
            continue;
        };
        let c = Obj::new(map, location);
        c.only(&["ErrorEquals", "Next", "ResultPath", "Assign", "Output", "Comment"], &mut p.problems);
        p.language_fields(&c, language);
        let error_equals = error_equals(p, &c, i + 1 == items.len());
        let next = match c.string("Next", &mut p.problems) {
            Some(target) => p.target(me, target, &c.at("Next"), index, edges),
            None => {
                if !c.has("Next") {
                    p.problems.schema(m::fields_required(&["Next"]), &c.location);
                }
                me
            }
        };
        let result_path = match language {
            QueryLanguage::JsonPath => c.path("ResultPath", PathKind::Result, &mut p.problems),
            QueryLanguage::Jsonata => None,
        };
        let assign = if c.has("Assign") { p.assign(&c, language) } else { None };
        let output = match language {
            QueryLanguage::Jsonata => p.jsonata_field(&c, "Output"),
            QueryLanguage::JsonPath => None,
        };
        out.push(Catcher { error_equals, next, result_path, assign, output });
    }
    out
}

/// A number field in both languages: literal, `<Field>Path`, or `{% %}` expression.
pub fn number(
    p: &mut Parser,
    obj: &Obj,
    field: &str,
    path_field: &str,
    language: QueryLanguage,
    min: u64,
    max: u64,
) -> Option<Number> {
    number_in(p, obj, field, path_field, language, min, max, false)
}

/// `decimal` fields print their bounds as AWS prints doubles (`0.0`, `100.0`).
#[allow(clippy::too_many_arguments)]
pub fn number_in(
    p: &mut Parser,
    obj: &Obj,
    field: &str,
    path_field: &str,
    language: QueryLanguage,
    min: u64,
    max: u64,
    decimal: bool,
) -> Option<Number> {
    let bound = |v: u64| {
        if decimal { format!("{v}.0") } else { v.to_string() }
    };
    if obj.has(field) && obj.has(path_field) {
        p.problems.schema(m::only_one_of(&[field, path_field]), &obj.location);
        return None;
    }
    if language == QueryLanguage::Jsonata && obj.has(path_field) {
        // Reported with the other JSONPath-only fields.
        return None;
    }
    if let Some(v) = obj.get(field) {
        if let Some(text) = v.as_str()
            && language == QueryLanguage::Jsonata
            && expression_text(text).is_some()
        {
            return Some(Number::Expr(p.jsonata(v, &obj.at(field))));
        }
        let Some(n) = v.as_f64() else {
            p.problems.schema(m::expected_type("Number"), &obj.at(field));
            return None;
        };
        if !decimal && n.fract() != 0.0 {
            p.problems.schema(m::expected_type("Integer"), &obj.at(field));
            return None;
        }
        if n < min as f64 {
            p.problems.schema(m::minimum_value(bound(min)), &obj.at(field));
            return None;
        }
        if n > max as f64 {
            p.problems.schema(m::maximum_value(bound(max)), &obj.at(field));
            return None;
        }
        return Some(Number::Literal(v.clone()));
    }
    if obj.has(path_field) {
        return obj.path(path_field, PathKind::Reference, &mut p.problems).flatten().map(Number::Path);
    }
    None
}

fn wait(p: &mut Parser, obj: &Obj, language: QueryLanguage) -> Wait {
    let fields = ["Seconds", "Timestamp", "SecondsPath", "TimestampPath"];
    let present = fields.iter().filter(|f| obj.has(f)).count();
    if present == 0 {
        p.problems.schema(m::at_least_one_of(&fields), &obj.location);
        return Wait::Seconds(Number::Literal(Value::from(0)));
    }
    if present > 1 {
        p.problems.schema(m::only_one_of(&fields), &obj.location);
        return Wait::Seconds(Number::Literal(Value::from(0)));
    }
    if obj.has("Seconds") || obj.has("SecondsPath") {
        return number(p, obj, "Seconds", "SecondsPath", language, 0, 99_999_999)
            .map(Wait::Seconds)
            .unwrap_or(Wait::Seconds(Number::Literal(Value::from(0))));
    }
    if let Some(text) = obj.string("Timestamp", &mut p.problems) {
        if language == QueryLanguage::Jsonata && expression_text(text).is_some() {
            let v = Value::String(text.to_string());
            return Wait::TimestampExpr(p.jsonata(&v, &obj.at("Timestamp")));
        }
        if crate::time::parse_iso(text).is_none() {
            p.problems.schema(m::INVALID_TIMESTAMP, &obj.at("Timestamp"));
        }
        return Wait::Timestamp(text.to_string());
    }
    match obj.path("TimestampPath", PathKind::Reference, &mut p.problems).flatten() {
        Some(path) => Wait::TimestampPath(path),
        None => Wait::Seconds(Number::Literal(Value::from(0))),
    }
}

fn fail_text(p: &mut Parser, obj: &Obj, field: &str, path_field: &str, language: QueryLanguage) -> Option<FailText> {
    if !obj.exclusive(&[field, path_field], &mut p.problems) {
        return None;
    }
    if let Some(text) = obj.string(field, &mut p.problems) {
        if language == QueryLanguage::Jsonata && expression_text(text).is_some() {
            let v = Value::String(text.to_string());
            return Some(FailText::Expr(p.jsonata(&v, &obj.at(field))));
        }
        return Some(FailText::Literal(text.to_string()));
    }
    let text = obj.string(path_field, &mut p.problems)?;
    match PathOrCall::parse(text) {
        Ok(path) => Some(FailText::Path(path)),
        Err(_) => {
            p.problems.schema(m::NOT_A_VALID_JSON_PATH_OR_INTRINSIC, &obj.at(path_field));
            None
        }
    }
}

fn fail(p: &mut Parser, obj: &Obj, language: QueryLanguage) -> Fail {
    Fail {
        error: fail_text(p, obj, "Error", "ErrorPath", language),
        cause: fail_text(p, obj, "Cause", "CausePath", language),
    }
}

fn branches(p: &mut Parser, obj: &Obj) -> Vec<BlockId> {
    let Some(items) = obj.array("Branches", &mut p.problems) else {
        if !obj.has("Branches") {
            p.problems.schema(m::fields_required(&["Branches"]), &obj.location);
        }
        return Vec::new();
    };
    let mut out = Vec::new();
    for (i, item) in items.iter().enumerate() {
        let location = format!("{}[{i}]", obj.at("Branches"));
        let Value::Object(map) = item else {
            p.problems.schema(m::expected_type("Object"), &location);
            continue;
        };
        let branch = Obj::new(map, location.clone());
        branch.only(&["StartAt", "States", "Comment"], &mut p.problems);
        let missing: Vec<&str> = ["States", "StartAt"].into_iter().filter(|f| !branch.has(f)).collect();
        if !missing.is_empty() {
            p.problems.schema(m::fields_required(&missing), &location);
            continue;
        }
        out.push(p.block(map, &location));
    }
    out
}
