//! Input validation from the model's constraints (required, length, range, pattern, enum, sizes),
//! reported the way AWS does: "N validation error(s) detected: Value 'x' at 'path' failed to satisfy constraint: ...".

mod pattern;

use base64::Engine;
use serde_json::{Map, Number, Value};

use crate::model::{Ref, ServiceModel, Shape, ShapeType};

pub use pattern::{compile as compile_pattern, translate as translate_pattern};

const MAX_DEPTH: usize = crate::protocol::json::MAX_DEPTH;

/// One failed constraint.
#[derive(Debug, Clone, PartialEq)]
pub struct Violation {
    /// Member path in AWS's form: lower-camel member names, `name.N.member` for list elements.
    pub path: String,
    /// The offending value as AWS prints it; `None` for a missing member (printed `null`).
    pub value: Option<String>,
    /// Sensitive values are left out of the message (`Value at 'path' ...`).
    pub sensitive: bool,
    pub constraint: String,
}

impl Violation {
    pub fn message(&self) -> String {
        let constraint = &self.constraint;
        let path = &self.path;
        match (&self.value, self.sensitive) {
            (_, true) => format!("Value at '{path}' failed to satisfy constraint: {constraint}"),
            (None, false) => {
                format!("Value null at '{path}' failed to satisfy constraint: {constraint}")
            }
            (Some(v), false) => {
                format!("Value '{v}' at '{path}' failed to satisfy constraint: {constraint}")
            }
        }
    }
}

/// The message AWS sends for a list of violations.
pub fn message(violations: &[Violation]) -> String {
    let n = violations.len();
    let noun = if n == 1 { "error" } else { "errors" };
    let details: Vec<String> = violations.iter().map(Violation::message).collect();
    format!("{n} validation {noun} detected: {}", details.join("; "))
}

/// First letter lower-cased: the member names AWS's validator reports (`RoleSessionName` -> `roleSessionName`).
pub fn lower_camel(name: &str) -> String {
    let mut chars = name.chars();
    match chars.next() {
        Some(first) => first.to_lowercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// Java's `toString` of a value, which AWS echoes in messages: lists `[a, b]`, maps `{k=v}`.
pub fn render(value: &Value) -> String {
    match value {
        Value::Null => "null".to_string(),
        Value::String(s) => s.clone(),
        Value::Array(items) => format!("[{}]", items.iter().map(render).collect::<Vec<_>>().join(", ")),
        Value::Object(map) => {
            format!("{{{}}}", map.iter().map(|(k, v)| format!("{k}={}", render(v))).collect::<Vec<_>>().join(", "))
        }
        other => other.to_string(),
    }
}

/// A bound as AWS prints it: integers plainly, floating-point bounds Java-style (`1.0`).
fn bound(n: &Number, floating: bool) -> String {
    if floating {
        let f = n.as_f64().unwrap_or(0.0);
        if f.fract() == 0.0 && f.abs() < 1e16 { format!("{f:.1}") } else { f.to_string() }
    } else {
        n.to_string()
    }
}

struct Checker<'m> {
    model: &'m ServiceModel,
    found: Vec<Violation>,
}

/// Checks an internal value against its structure shape; empty when it satisfies every constraint.
pub fn validate(model: &ServiceModel, shape: &Shape, value: &Value) -> Vec<Violation> {
    let mut checker = Checker { model, found: Vec::new() };
    let empty = Map::new();
    checker.structure(shape, value.as_object().unwrap_or(&empty), "", 0);
    checker.found
}

fn join(prefix: &str, name: &str) -> String {
    if prefix.is_empty() { name.to_string() } else { format!("{prefix}.{name}") }
}

fn has_constraints(shape: &Shape) -> bool {
    shape.min.is_some() || shape.max.is_some() || shape.pattern.is_some() || shape.enum_values.is_some()
}

impl Checker<'_> {
    fn push(&mut self, path: &str, shape: &Shape, value: Option<&Value>, constraint: String) {
        self.found.push(Violation {
            path: path.to_string(),
            value: value.map(render),
            sensitive: shape.sensitive && value.is_some(),
            constraint,
        });
    }

    fn structure(&mut self, shape: &Shape, object: &Map<String, Value>, prefix: &str, depth: usize) {
        // Unions are checked like structures: the member that is set must satisfy its constraints.
        if depth > MAX_DEPTH {
            return;
        }
        let model = self.model;
        for r in model.members(shape) {
            let path = join(prefix, &lower_camel(r.name));
            match object.get(r.name) {
                None | Some(Value::Null) => {
                    if shape.is_required(r.name) {
                        self.push(&path, r.shape, None, "Member must not be null".to_string());
                    }
                }
                Some(v) => self.value(&r, v, &path, depth + 1),
            }
        }
    }

    fn value(&mut self, r: &Ref, v: &Value, path: &str, depth: usize) {
        let shape = r.shape;
        match shape.shape_type {
            _ if shape.document => {}
            ShapeType::Structure | ShapeType::Union => {
                if let Some(object) = v.as_object() {
                    self.structure(shape, object, path, depth);
                }
            }
            ShapeType::List => self.list(r, v, path, depth),
            ShapeType::Map => self.map(r, v, path, depth),
            _ => {
                for constraint in scalar_failures(shape, v) {
                    self.push(path, shape, Some(v), constraint);
                }
            }
        }
    }

    fn size(&mut self, shape: &Shape, v: &Value, len: usize, path: &str) {
        let len = len as i64;
        if let Some(max) = shape.max_len().filter(|&m| len > m) {
            self.push(path, shape, Some(v), format!("Member must have length less than or equal to {max}"));
        }
        if let Some(min) = shape.min_len().filter(|&m| len < m) {
            self.push(path, shape, Some(v), format!("Member must have length greater than or equal to {min}"));
        }
    }

    fn list(&mut self, r: &Ref, v: &Value, path: &str, depth: usize) {
        let Some(items) = v.as_array() else {
            return;
        };
        self.size(r.shape, v, items.len(), path);
        let Some(element) = self.model.element("member", r.shape.member.as_deref()) else {
            return;
        };
        if is_scalar(element.shape) {
            // Scalar elements are judged together, naming every constraint of the element shape.
            if has_constraints(element.shape)
                && items.iter().any(|item| !scalar_failures(element.shape, item).is_empty())
            {
                let all = describe(element.shape).join(", ");
                self.push(path, r.shape, Some(v), format!("Member must satisfy constraint: [{all}]"));
            }
            return;
        }
        if depth > MAX_DEPTH {
            return;
        }
        for (i, item) in items.iter().enumerate() {
            let item_path = format!("{path}.{}.member", i + 1);
            self.value(&element, item, &item_path, depth + 1);
        }
    }

    fn map(&mut self, r: &Ref, v: &Value, path: &str, depth: usize) {
        let Some(entries) = v.as_object() else {
            return;
        };
        self.size(r.shape, v, entries.len(), path);
        let model = self.model;
        if let Some(key) = model.element("key", r.shape.key.as_deref()) {
            if has_constraints(key.shape)
                && entries.keys().any(|k| !scalar_failures(key.shape, &Value::String(k.clone())).is_empty())
            {
                let all = describe(key.shape).join(", ");
                self.push(path, r.shape, Some(v), format!("Map keys must satisfy constraint: [{all}]"));
            }
        }
        let Some(value) = model.element("value", r.shape.value.as_deref()) else {
            return;
        };
        if is_scalar(value.shape) {
            if has_constraints(value.shape)
                && entries.values().any(|item| !scalar_failures(value.shape, item).is_empty())
            {
                let all = describe(value.shape).join(", ");
                self.push(path, r.shape, Some(v), format!("Map value must satisfy constraint: [{all}]"));
            }
            return;
        }
        if depth > MAX_DEPTH {
            return;
        }
        for (k, item) in entries {
            let item_path = format!("{path}.{k}.member");
            self.value(&value, item, &item_path, depth + 1);
        }
    }
}

fn is_scalar(shape: &Shape) -> bool {
    !matches!(shape.shape_type, ShapeType::Structure | ShapeType::Union | ShapeType::List | ShapeType::Map)
        || shape.document
}

/// Every constraint of a scalar shape, in the order AWS lists them inside brackets.
fn describe(shape: &Shape) -> Vec<String> {
    let mut all = Vec::new();
    if let Some(values) = &shape.enum_values {
        all.push(format!("Member must satisfy enum value set: [{}]", values.join(", ")));
    }
    let floating = shape.shape_type.is_floating();
    match shape.shape_type {
        ShapeType::String | ShapeType::Blob => {
            if let Some(max) = shape.max_len() {
                all.push(format!("Member must have length less than or equal to {max}"));
            }
            if let Some(min) = shape.min_len() {
                all.push(format!("Member must have length greater than or equal to {min}"));
            }
        }
        _ => {
            if let Some(max) = &shape.max {
                all.push(format!("Member must have value less than or equal to {}", bound(max, floating)));
            }
            if let Some(min) = &shape.min {
                all.push(format!("Member must have value greater than or equal to {}", bound(min, floating)));
            }
        }
    }
    if let Some(pattern) = &shape.pattern {
        all.push(format!("Member must satisfy regular expression pattern: {pattern}"));
    }
    all
}

/// The constraints a scalar value breaks: enum, then pattern, then length or range.
fn scalar_failures(shape: &Shape, v: &Value) -> Vec<String> {
    let mut failures = Vec::new();
    match shape.shape_type {
        ShapeType::String => {
            let Some(s) = v.as_str() else {
                return failures;
            };
            if let Some(values) = &shape.enum_values {
                if !values.iter().any(|e| e == s) {
                    failures.push(format!("Member must satisfy enum value set: [{}]", values.join(", ")));
                }
            }
            if let Some(pattern) = &shape.pattern {
                let compiled = shape.compiled_pattern.get_or_init(|| pattern::compile(pattern));
                if compiled.as_ref().is_some_and(|re| !re.is_match(s)) {
                    failures.push(format!("Member must satisfy regular expression pattern: {pattern}"));
                }
            }
            length_failures(shape, s.chars().count() as i64, &mut failures);
        }
        ShapeType::Blob => {
            if let Some(bytes) = v.as_str().and_then(|s| base64::engine::general_purpose::STANDARD.decode(s).ok()) {
                length_failures(shape, bytes.len() as i64, &mut failures);
            }
        }
        t if t.is_integral() || t.is_floating() => {
            let Some(n) = v.as_number() else {
                return failures;
            };
            let floating = t.is_floating();
            let x = n.as_f64().unwrap_or(0.0);
            let exceeds = |limit: &Number, above: bool| match (n.as_i64(), limit.as_i64()) {
                (Some(a), Some(b)) => {
                    if above {
                        a > b
                    } else {
                        a < b
                    }
                }
                _ => {
                    let b = limit.as_f64().unwrap_or(0.0);
                    if above { x > b } else { x < b }
                }
            };
            if let Some(max) = shape.max.as_ref().filter(|m| exceeds(m, true)) {
                failures.push(format!("Member must have value less than or equal to {}", bound(max, floating)));
            }
            if let Some(min) = shape.min.as_ref().filter(|m| exceeds(m, false)) {
                failures.push(format!("Member must have value greater than or equal to {}", bound(min, floating)));
            }
        }
        _ => {}
    }
    failures
}

fn length_failures(shape: &Shape, len: i64, failures: &mut Vec<String>) {
    if let Some(max) = shape.max_len().filter(|&m| len > m) {
        failures.push(format!("Member must have length less than or equal to {max}"));
    }
    if let Some(min) = shape.min_len().filter(|&m| len < m) {
        failures.push(format!("Member must have length greater than or equal to {min}"));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn model() -> ServiceModel {
        ServiceModel::from_json(
            "test",
            r#"{"metadata":{"protocol":"json","jsonVersion":"1.1","targetPrefix":"T"},
                "operations":{},
                "shapes":{
                  "Input":{"type":"structure","required":["Name"],"members":{
                    "Name":{"shape":"Name"},"Weights":{"shape":"Weights"},"Ratio":{"shape":"Ratio"},
                    "Secret":{"shape":"Secret"},"Items":{"shape":"Items"}}},
                  "Name":{"type":"string","min":1,"max":3},
                  "Weights":{"type":"map","key":{"shape":"Key"},"value":{"shape":"Ratio"},"max":2},
                  "Key":{"type":"string","pattern":"[0-9]+"},
                  "Ratio":{"type":"double","min":0,"max":1},
                  "Secret":{"type":"string","max":2,"sensitive":true},
                  "Items":{"type":"list","member":{"shape":"Item"}},
                  "Item":{"type":"structure","required":["Id"],"members":{"Id":{"shape":"Name"}}}
                }}"#,
        )
        .expect("valid model")
    }

    fn messages(value: serde_json::Value) -> String {
        let m = model();
        let shape = m.shape("Input").expect("shape");
        message(&validate(&m, shape, &value))
    }

    #[test]
    fn one_and_many_errors_are_worded_like_aws() {
        assert_eq!(
            messages(json!({})),
            "1 validation error detected: Value null at 'name' failed to satisfy constraint: Member must not be null"
        );
        assert_eq!(
            messages(json!({"Name": "abcd", "Ratio": 1.5})),
            "2 validation errors detected: Value 'abcd' at 'name' failed to satisfy constraint: Member must have \
             length less than or equal to 3; Value '1.5' at 'ratio' failed to satisfy constraint: Member must have \
             value less than or equal to 1.0"
        );
    }

    #[test]
    fn maps_report_keys_and_values_as_a_whole() {
        assert_eq!(
            messages(json!({"Name": "a", "Weights": {"x": 0.5, "2": 3.0}})),
            "2 validation errors detected: Value '{x=0.5, 2=3.0}' at 'weights' failed to satisfy constraint: \
             Map keys must satisfy constraint: [Member must satisfy regular expression pattern: [0-9]+]; \
             Value '{x=0.5, 2=3.0}' at 'weights' failed to satisfy constraint: Map value must satisfy constraint: \
             [Member must have value less than or equal to 1.0, Member must have value greater than or equal to 0.0]"
        );
    }

    #[test]
    fn sensitive_values_are_not_echoed_and_lists_recurse() {
        assert_eq!(
            messages(json!({"Name": "a", "Secret": "abc", "Items": [{"Id": "ok"}, {}]})),
            "2 validation errors detected: Value at 'secret' failed to satisfy constraint: Member must have length \
             less than or equal to 2; Value null at 'items.2.member.id' failed to satisfy constraint: Member must not be null"
        );
    }

    #[test]
    fn lengths_count_characters_not_bytes() {
        let m = model();
        let shape = m.shape("Input").expect("shape");
        assert!(validate(&m, shape, &json!({"Name": "日本語"})).is_empty());
        assert_eq!(validate(&m, shape, &json!({"Name": "日本語x"})).len(), 1);
    }

    #[test]
    fn rendering_follows_java_to_string() {
        assert_eq!(render(&json!(["a", 1, {"k": [true]}])), "[a, 1, {k=[true]}]");
        assert_eq!(lower_camel("RoleSessionName"), "roleSessionName");
        assert_eq!(lower_camel("stateMachineArn"), "stateMachineArn");
    }
}
