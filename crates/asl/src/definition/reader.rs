//! Reading definition objects field by field while collecting AWS-style diagnostics.
//! Every problem carries its code, message and `/States/...` location.

use serde_json::{Map, Value};

use crate::messages as m;
use crate::paths::PathRef;

use super::Diagnostic;

/// Collected problems, in the order AWS reports them (schema first, graph last).
#[derive(Default)]
pub struct Problems {
    pub list: Vec<Diagnostic>,
}

impl Problems {
    pub fn error(&mut self, code: &str, message: impl Into<String>, location: Option<&str>) {
        self.list.push(Diagnostic::error(code, message, location));
    }

    pub fn schema(&mut self, message: impl Into<String>, location: &str) {
        self.error(m::SCHEMA_VALIDATION_FAILED, message, Some(location));
    }
}

/// What a path field may hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PathKind {
    /// Any JSONPath over data, context or a variable (`InputPath`, `ItemsPath`).
    Any,
    /// A Reference Path over data or a variable (`*Path` number fields).
    Reference,
    /// A Reference Path into the state's data (`ResultPath`).
    Result,
}

/// A JSON object being read; `location` is its `/States/...` path.
pub struct Obj<'a> {
    pub map: &'a Map<String, Value>,
    pub location: String,
}

impl<'a> Obj<'a> {
    pub fn new(map: &'a Map<String, Value>, location: impl Into<String>) -> Obj<'a> {
        Obj { map, location: location.into() }
    }

    pub fn at(&self, field: &str) -> String {
        if self.location.ends_with('/') {
            format!("{}{field}", self.location)
        } else {
            format!("{}/{field}", self.location)
        }
    }

    pub fn has(&self, field: &str) -> bool {
        self.map.contains_key(field)
    }

    pub fn get(&self, field: &str) -> Option<&'a Value> {
        self.map.get(field)
    }

    pub fn string(&self, field: &str, p: &mut Problems) -> Option<&'a str> {
        match self.map.get(field)? {
            Value::String(s) => Some(s),
            _ => {
                p.schema(m::expected_type("String"), &self.at(field));
                None
            }
        }
    }

    pub fn boolean(&self, field: &str, p: &mut Problems) -> Option<bool> {
        match self.map.get(field)? {
            Value::Bool(b) => Some(*b),
            _ => {
                p.schema(m::expected_type("Boolean"), &self.at(field));
                None
            }
        }
    }

    pub fn object(&self, field: &str, p: &mut Problems) -> Option<&'a Map<String, Value>> {
        match self.map.get(field)? {
            Value::Object(o) => Some(o),
            _ => {
                p.schema(m::expected_type("Object"), &self.at(field));
                None
            }
        }
    }

    pub fn array(&self, field: &str, p: &mut Problems) -> Option<&'a Vec<Value>> {
        match self.map.get(field)? {
            Value::Array(a) => Some(a),
            _ => {
                p.schema(m::expected_type("Array"), &self.at(field));
                None
            }
        }
    }

    /// A non-negative integer no larger than `max`.
    pub fn integer(&self, field: &str, min: u64, max: u64, p: &mut Problems) -> Option<u64> {
        let v = self.map.get(field)?;
        let Some(n) = crate::json::as_integer(v) else {
            p.schema(m::expected_type("Integer"), &self.at(field));
            return None;
        };
        if n < min as i64 {
            p.schema(m::minimum_value(min), &self.at(field));
            return None;
        }
        if n as u64 > max {
            p.schema(m::maximum_value(max), &self.at(field));
            return None;
        }
        Some(n as u64)
    }

    /// A path field: `null` or a path text, of the given kind.
    pub fn path(&self, field: &str, kind: PathKind, p: &mut Problems) -> Option<Option<PathRef>> {
        let reference = kind != PathKind::Any;
        match self.map.get(field)? {
            Value::Null => Some(None),
            Value::String(s) => match PathRef::parse(s) {
                Ok(path)
                    if reference
                        && (!path.jsonpath().is_reference()
                            || matches!(path, PathRef::Context(_))
                            || (kind == PathKind::Result && !matches!(path, PathRef::Data(_)))) =>
                {
                    p.schema(m::NOT_A_REFERENCE_PATH, &self.at(field));
                    None
                }
                Ok(path) => Some(Some(path)),
                Err(_) => {
                    let msg = if reference { m::NOT_A_REFERENCE_PATH } else { m::NOT_A_JSON_PATH };
                    p.schema(msg, &self.at(field));
                    None
                }
            },
            _ => {
                p.schema(m::expected_type("String"), &self.at(field));
                None
            }
        }
    }

    /// Reports each field not in `allowed` as "not supported".
    pub fn only(&self, allowed: &[&str], p: &mut Problems) {
        for key in self.map.keys() {
            if !allowed.contains(&key.as_str()) {
                p.schema(m::field_not_supported(key), &self.location);
            }
        }
    }

    /// At most one of `fields` may be present.
    pub fn exclusive(&self, fields: &[&str], p: &mut Problems) -> bool {
        let present = fields.iter().filter(|f| self.has(f)).count();
        if present > 1 {
            p.schema(m::only_one_of(fields), &self.location);
            return false;
        }
        true
    }
}
