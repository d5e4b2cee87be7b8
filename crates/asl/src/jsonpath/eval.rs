//! JSONPath evaluation with Jayway's rules for definite and indefinite paths.
//! A definite path that finds nothing is an error carrying Jayway's message; indefinite ones return `[]`.

use serde_json::{Map, Value};

use super::filter;
use super::{Function, JsonPath, PathMismatch, Root, Selector, Step};
use crate::budget::MAX_PATH_VISITS;
use crate::json::number;
use std::cell::Cell;

/// A definite path found nothing; `message` is Jayway's text ("No results for path: $['a']").
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PathError {
    pub message: String,
}

impl std::fmt::Display for PathError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

fn fragment(selector: &Selector) -> String {
    match selector {
        Selector::Name(n) => format!("['{n}']"),
        Selector::Names(ns) => {
            let parts: Vec<String> = ns.iter().map(|n| format!("'{n}'")).collect();
            format!("[{}]", parts.join(","))
        }
        Selector::Wildcard => "[*]".to_string(),
        Selector::Index(i) => format!("[{i}]"),
        Selector::Indexes(is) => {
            let parts: Vec<String> = is.iter().map(|i| i.to_string()).collect();
            format!("[{}]", parts.join(","))
        }
        Selector::Slice(a, b) => format!(
            "[{}:{}]",
            a.map(|v| v.to_string()).unwrap_or_default(),
            b.map(|v| v.to_string()).unwrap_or_default()
        ),
        Selector::Filter(_) => "[?]".to_string(),
    }
}

/// The nodes an evaluation may still visit, shared with the paths inside its filters.
pub(super) struct Visits {
    left: Cell<u64>,
}

impl Visits {
    pub fn new() -> Visits {
        Visits { left: Cell::new(MAX_PATH_VISITS) }
    }

    /// Spends one visit; `false` once the budget is gone (the evaluation then winds down).
    pub fn spend(&self) -> bool {
        let left = self.left.get();
        if left == 0 {
            return false;
        }
        self.left.set(left - 1);
        true
    }

    pub fn exhausted(&self) -> bool {
        self.left.get() == 0
    }

    pub fn error() -> PathError {
        PathError { message: format!("The path visits more than {MAX_PATH_VISITS} nodes") }
    }
}

pub(super) fn normalized(steps: &[Step]) -> String {
    let mut out = String::from("$");
    for step in steps {
        match step {
            Step::Child(s) => out.push_str(&fragment(s)),
            Step::Deep(s) => {
                out.push_str("..");
                out.push_str(&fragment(s));
            }
        }
    }
    out
}

pub(super) fn evaluate(path: &JsonPath, current: &Value, root: &Value, visits: &Visits) -> Result<Value, PathError> {
    let start = match path.root {
        Root::Document => root,
        Root::Current => current,
    };
    if path.is_definite() {
        let value = definite(path, start)?;
        return match path.function {
            Some(f) => apply_function(f, value, &path.normalized()),
            None => Ok(value.clone()),
        };
    }
    let mut found: Vec<&Value> = vec![start];
    for step in &path.steps {
        let mut next = Vec::new();
        for node in found {
            if visits.exhausted() {
                return Err(Visits::error());
            }
            match step {
                Step::Child(selector) => select(selector, node, root, &mut next, visits),
                Step::Deep(selector) => deep(selector, node, root, &mut next, visits),
            }
        }
        found = next;
    }
    if visits.exhausted() {
        return Err(Visits::error());
    }
    // Jayway returns an object for a trailing multi-name selector on a single object.
    if let (Some(Step::Child(Selector::Names(names))), true) = (path.steps.last(), path.steps.len() == 1)
        && let Value::Object(map) = start
    {
        let mut out = Map::new();
        for n in names {
            if let Some(v) = map.get(n) {
                out.insert(n.clone(), v.clone());
            }
        }
        return Ok(Value::Object(out));
    }
    let list = Value::Array(found.into_iter().cloned().collect());
    match path.function {
        Some(f) => apply_function(f, &list, &path.normalized()),
        None => Ok(list),
    }
}

fn definite<'a>(path: &JsonPath, start: &'a Value) -> Result<&'a Value, PathError> {
    let mut node = start;
    let last = path.steps.len().saturating_sub(1);
    for (i, step) in path.steps.iter().enumerate() {
        let so_far = normalized(&path.steps[..=i]);
        let Step::Child(selector) = step else { unreachable_path()? };
        match selector {
            Selector::Name(name) => match node {
                Value::Object(map) => match map.get(name) {
                    Some(v) => node = v,
                    None if i == last => {
                        return Err(PathError { message: format!("No results for path: {}", path.normalized()) });
                    }
                    None => {
                        return Err(PathError { message: format!("Missing property in path {so_far}") });
                    }
                },
                other => {
                    let before = normalized(&path.steps[..i]);
                    return Err(PathError {
                        message: format!(
                            "Expected to find an object with property ['{name}'] in path {before} but found '{}'. This is not a json object according to the JsonProvider: 'com.jayway.jsonpath.spi.json.JacksonJsonProvider'.",
                            java_class(other)
                        ),
                    });
                }
            },
            Selector::Index(index) => match node {
                Value::Array(items) => {
                    let len = items.len() as i64;
                    let effective = if *index < 0 { len + index } else { *index };
                    match usize::try_from(effective).ok().and_then(|i| items.get(i)) {
                        Some(v) => node = v,
                        None => {
                            return Err(PathError { message: format!("No results for path: {}", path.normalized()) });
                        }
                    }
                }
                other => {
                    return Err(PathError {
                        message: format!(
                            "Filter: {} can only be applied to arrays. Current context is: {}",
                            fragment(selector),
                            crate::json::to_text(other)
                        ),
                    });
                }
            },
            _ => unreachable_path()?,
        }
    }
    Ok(node)
}

/// `is_definite` admits only names and indexes; anything else reaching `definite` is a bug we
/// report as "not found" rather than panic on.
fn unreachable_path<T>() -> Result<T, PathError> {
    Err(PathError { message: "No results for path".to_string() })
}

fn java_class(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "java.lang.Boolean",
        Value::Number(n) if n.is_f64() => "java.lang.Double",
        Value::Number(_) => "java.lang.Integer",
        Value::String(_) => "java.lang.String",
        Value::Array(_) => "java.util.ArrayList",
        Value::Object(_) => "java.util.LinkedHashMap",
    }
}

fn select<'a>(selector: &Selector, node: &'a Value, root: &Value, out: &mut Vec<&'a Value>, visits: &Visits) {
    if !visits.spend() {
        return;
    }
    match (selector, node) {
        (Selector::Name(name), Value::Object(map)) => out.extend(map.get(name)),
        (Selector::Names(names), Value::Object(map)) => out.extend(names.iter().filter_map(|n| map.get(n))),
        (Selector::Wildcard, Value::Object(map)) => out.extend(map.values()),
        (Selector::Wildcard, Value::Array(items)) => out.extend(items.iter()),
        (Selector::Index(i), Value::Array(items)) => out.extend(index(items, *i)),
        (Selector::Indexes(is), Value::Array(items)) => out.extend(is.iter().filter_map(|i| index(items, *i))),
        (Selector::Slice(a, b), Value::Array(items)) => {
            let len = items.len() as i64;
            let norm = |v: i64| if v < 0 { (len + v).max(0) } else { v.min(len) };
            let start = a.map(norm).unwrap_or(0);
            let end = b.map(norm).unwrap_or(len);
            if start < end {
                out.extend(items[start as usize..end as usize].iter());
            }
        }
        (Selector::Filter(expr), Value::Array(items)) => {
            out.extend(items.iter().filter(|i| visits.spend() && filter::matches(expr, i, root, visits)))
        }
        (Selector::Filter(expr), Value::Object(_)) if filter::matches(expr, node, root, visits) => out.push(node),
        _ => {}
    }
}

fn index(items: &[Value], i: i64) -> Option<&Value> {
    let effective = if i < 0 { items.len() as i64 + i } else { i };
    usize::try_from(effective).ok().and_then(|e| items.get(e))
}

fn deep<'a>(selector: &Selector, node: &'a Value, root: &Value, out: &mut Vec<&'a Value>, visits: &Visits) {
    if !visits.spend() {
        return;
    }
    match selector {
        // `..*` yields every descendant, not the node itself.
        Selector::Wildcard => match node {
            Value::Object(map) => {
                for v in map.values() {
                    out.push(v);
                    deep(selector, v, root, out, visits);
                }
            }
            Value::Array(items) => {
                for v in items {
                    out.push(v);
                    deep(selector, v, root, out, visits);
                }
            }
            _ => {}
        },
        _ => {
            select(selector, node, root, out, visits);
            match node {
                Value::Object(map) => map.values().for_each(|v| deep(selector, v, root, out, visits)),
                Value::Array(items) => items.iter().for_each(|v| deep(selector, v, root, out, visits)),
                _ => {}
            }
        }
    }
}

fn numbers(value: &Value) -> Vec<f64> {
    match value {
        Value::Array(items) => items.iter().filter_map(Value::as_f64).collect(),
        _ => Vec::new(),
    }
}

fn apply_function(f: Function, value: &Value, path: &str) -> Result<Value, PathError> {
    let fail = |what: &str| PathError {
        message: format!("Aggregation function attempted to calculate value using empty array: {what} at {path}"),
    };
    match f {
        Function::Length => match value {
            Value::Array(a) => Ok(number(a.len() as f64)),
            Value::Object(m) => Ok(number(m.len() as f64)),
            Value::String(s) => Ok(number(s.chars().count() as f64)),
            _ => Err(PathError { message: format!("Invalid property for length() at {path}") }),
        },
        Function::Keys => match value {
            Value::Object(m) => Ok(Value::Array(m.keys().map(|k| Value::String(k.clone())).collect())),
            _ => Err(PathError { message: format!("Invalid property for keys() at {path}") }),
        },
        Function::First | Function::Last => match value {
            Value::Array(a) => {
                let item = if f == Function::First { a.first() } else { a.last() };
                item.cloned().ok_or_else(|| fail("first/last"))
            }
            _ => Err(fail("first/last")),
        },
        Function::Min | Function::Max | Function::Avg | Function::Sum | Function::Stddev => {
            let ns = numbers(value);
            if ns.is_empty() {
                return Err(fail("min/max/avg/sum/stddev"));
            }
            let sum: f64 = ns.iter().sum();
            let n = ns.len() as f64;
            let result = match f {
                Function::Min => ns.iter().copied().fold(f64::INFINITY, f64::min),
                Function::Max => ns.iter().copied().fold(f64::NEG_INFINITY, f64::max),
                Function::Sum => sum,
                Function::Avg => sum / n,
                _ => {
                    let mean = sum / n;
                    (ns.iter().map(|x| (x - mean) * (x - mean)).sum::<f64>() / n).sqrt()
                }
            };
            // Jayway's numeric functions return doubles.
            Ok(serde_json::Number::from_f64(result).map(Value::Number).unwrap_or(Value::Null))
        }
    }
}

pub(super) fn set(path: &JsonPath, target: &mut Value, value: Value) -> Result<(), PathMismatch> {
    if path.steps.is_empty() {
        *target = value;
        return Ok(());
    }
    let mut node = target;
    let last = path.steps.len() - 1;
    for (i, step) in path.steps.iter().enumerate() {
        let Step::Child(selector) = step else {
            return Err(PathMismatch);
        };
        match selector {
            Selector::Name(name) => {
                let Value::Object(map) = node else {
                    return Err(PathMismatch);
                };
                if i == last {
                    map.insert(name.clone(), value);
                    return Ok(());
                }
                node = map.entry(name.clone()).or_insert_with(|| Value::Object(Map::new()));
            }
            Selector::Index(idx) => {
                let Value::Array(items) = node else {
                    return Err(PathMismatch);
                };
                let len = items.len() as i64;
                let effective = if *idx < 0 { len + idx } else { *idx };
                let Some(slot) = usize::try_from(effective).ok().and_then(|e| items.get_mut(e)) else {
                    return Err(PathMismatch);
                };
                if i == last {
                    *slot = value;
                    return Ok(());
                }
                node = slot;
            }
            _ => return Err(PathMismatch),
        }
    }
    Ok(())
}
