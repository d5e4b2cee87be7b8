//! JSON bodies (`json` and `rest-json`) to and from the internal value, guided by shapes:
//! wire keys become member names, timestamps become epoch seconds, and types are checked on the way in.

use base64::Engine;
use serde_json::{Map, Value};

use crate::model::{Location, Ref, ServiceModel, Shape, ShapeType, TimestampFormat};
use crate::timestamp;

/// Deep enough for every real model; stops hostile nesting long before the stack is at risk.
pub const MAX_DEPTH: usize = 64;

/// A request body that does not fit its shape. `path` is where (member names, dotted).
#[derive(Debug, Clone, PartialEq)]
pub struct TypeError {
    pub path: String,
    pub expected: &'static str,
}

impl TypeError {
    fn new(path: &str, expected: &'static str) -> Self {
        TypeError { path: path.to_string(), expected }
    }
}

fn child(path: &str, name: &str) -> String {
    if path.is_empty() { name.to_string() } else { format!("{path}.{name}") }
}

/// The JSON key of a member: `locationName` when the model gives one.
pub fn wire_name<'a>(r: &Ref<'a>) -> &'a str {
    r.location_name().unwrap_or(r.name)
}

fn is_body_member(r: &Ref, rest: bool) -> bool {
    !rest || matches!(r.location(), None | Some(Location::Unknown))
}

/// Reads a wire JSON value of `shape` into the internal value. `rest` restricts structures to
/// their body members (the others come from the URI and headers).
pub fn decode_shape(
    model: &ServiceModel,
    shape: &Shape,
    wire: &Value,
    rest: bool,
    path: &str,
    depth: usize,
) -> Result<Value, TypeError> {
    if depth > MAX_DEPTH {
        return Err(TypeError::new(path, "a shallower structure"));
    }
    match shape.shape_type {
        _ if shape.document => Ok(wire.clone()),
        ShapeType::Structure | ShapeType::Union => {
            let object = wire.as_object().ok_or_else(|| TypeError::new(path, "an object"))?;
            let mut out = Map::new();
            for r in model.members(shape) {
                if !is_body_member(&r, rest) {
                    continue;
                }
                match object.get(wire_name(&r)) {
                    None | Some(Value::Null) => {}
                    Some(v) => {
                        let p = child(path, r.name);
                        out.insert(r.name.to_string(), decode_ref(model, &r, v, &p, depth + 1)?);
                    }
                }
            }
            Ok(Value::Object(out))
        }
        ShapeType::List => {
            let items = wire.as_array().ok_or_else(|| TypeError::new(path, "a list"))?;
            let element = model
                .element("member", shape.member.as_deref())
                .ok_or_else(|| TypeError::new(path, "a modelled list"))?;
            let mut out = Vec::with_capacity(items.len());
            for (i, item) in items.iter().enumerate() {
                if item.is_null() {
                    continue;
                }
                let p = format!("{path}[{i}]");
                out.push(decode_ref(model, &element, item, &p, depth + 1)?);
            }
            Ok(Value::Array(out))
        }
        ShapeType::Map => {
            let object = wire.as_object().ok_or_else(|| TypeError::new(path, "a map"))?;
            let value =
                model.element("value", shape.value.as_deref()).ok_or_else(|| TypeError::new(path, "a modelled map"))?;
            let mut out = Map::new();
            for (k, v) in object {
                if v.is_null() {
                    continue;
                }
                let p = child(path, k);
                out.insert(k.clone(), decode_ref(model, &value, v, &p, depth + 1)?);
            }
            Ok(Value::Object(out))
        }
        _ => decode_scalar(shape.shape_type, None, wire, path),
    }
}

fn decode_ref(model: &ServiceModel, r: &Ref, wire: &Value, path: &str, depth: usize) -> Result<Value, TypeError> {
    match r.shape.shape_type {
        ShapeType::Timestamp => decode_scalar(ShapeType::Timestamp, r.timestamp_format(), wire, path),
        _ => decode_shape(model, r.shape, wire, false, path, depth),
    }
}

fn decode_scalar(ty: ShapeType, format: Option<TimestampFormat>, wire: &Value, path: &str) -> Result<Value, TypeError> {
    match ty {
        ShapeType::String => match wire {
            Value::String(_) => Ok(wire.clone()),
            _ => Err(TypeError::new(path, "a string")),
        },
        ShapeType::Boolean => match wire {
            Value::Bool(_) => Ok(wire.clone()),
            _ => Err(TypeError::new(path, "a boolean")),
        },
        t if t.is_integral() => integral(t, wire).ok_or_else(|| TypeError::new(path, "an integer")),
        t if t.is_floating() => match wire {
            Value::Number(_) => Ok(wire.clone()),
            Value::String(s) if is_non_finite(s) => Ok(wire.clone()),
            _ => Err(TypeError::new(path, "a number")),
        },
        ShapeType::Timestamp => {
            let secs = match wire {
                Value::Number(n) => n.as_f64(),
                Value::String(s) => timestamp::parse(s, format.unwrap_or(TimestampFormat::UnixTimestamp)),
                _ => None,
            };
            secs.filter(|s| timestamp::in_range(*s))
                .map(timestamp::epoch_number)
                .ok_or_else(|| TypeError::new(path, "a timestamp"))
        }
        ShapeType::Blob => match wire {
            Value::String(s) if base64::engine::general_purpose::STANDARD.decode(s).is_ok() => Ok(wire.clone()),
            _ => Err(TypeError::new(path, "base64-encoded bytes")),
        },
        _ => Ok(wire.clone()),
    }
}

pub fn is_non_finite(s: &str) -> bool {
    matches!(s, "NaN" | "Infinity" | "-Infinity")
}

/// An integral JSON number within the range of `ty` (whole floats such as `3.0` are accepted).
fn integral(ty: ShapeType, wire: &Value) -> Option<Value> {
    let n = wire.as_number()?;
    let value = match n.as_i64() {
        Some(v) => v,
        None => {
            if ty == ShapeType::BigInteger && n.as_u64().is_some() {
                return Some(wire.clone());
            }
            let f = n.as_f64()?;
            if f.fract() != 0.0 || f.abs() > 9.007_199_254_740_992e15 {
                return None;
            }
            f as i64
        }
    };
    let fits = match ty {
        ShapeType::Byte => i8::try_from(value).is_ok(),
        ShapeType::Short => i16::try_from(value).is_ok(),
        ShapeType::Integer => i32::try_from(value).is_ok(),
        _ => true,
    };
    fits.then(|| Value::from(value))
}

/// Writes the internal value of `shape` as wire JSON. Members the model does not know are dropped.
pub fn encode_shape(model: &ServiceModel, shape: &Shape, value: &Value, rest: bool, depth: usize) -> Value {
    if depth > MAX_DEPTH {
        return Value::Null;
    }
    match shape.shape_type {
        _ if shape.document => value.clone(),
        ShapeType::Structure | ShapeType::Union => {
            let Some(object) = value.as_object() else {
                return Value::Object(Map::new());
            };
            let mut out = Map::new();
            for r in model.members(shape) {
                if !is_body_member(&r, rest) {
                    continue;
                }
                if let Some(v) = object.get(r.name) {
                    if !v.is_null() {
                        out.insert(wire_name(&r).to_string(), encode_ref(model, &r, v, depth + 1));
                    }
                }
            }
            Value::Object(out)
        }
        ShapeType::List => {
            let (Some(items), Some(element)) = (value.as_array(), model.element("member", shape.member.as_deref()))
            else {
                return Value::Array(Vec::new());
            };
            Value::Array(
                items
                    .iter()
                    .map(|item| if item.is_null() { Value::Null } else { encode_ref(model, &element, item, depth + 1) })
                    .collect(),
            )
        }
        ShapeType::Map => {
            let (Some(object), Some(element)) = (value.as_object(), model.element("value", shape.value.as_deref()))
            else {
                return Value::Object(Map::new());
            };
            Value::Object(object.iter().map(|(k, v)| (k.clone(), encode_ref(model, &element, v, depth + 1))).collect())
        }
        ShapeType::Timestamp => encode_timestamp(value, shape.timestamp_format),
        _ => value.clone(),
    }
}

fn encode_ref(model: &ServiceModel, r: &Ref, value: &Value, depth: usize) -> Value {
    match r.shape.shape_type {
        ShapeType::Timestamp => encode_timestamp(value, r.timestamp_format()),
        _ => encode_shape(model, r.shape, value, false, depth),
    }
}

fn encode_timestamp(value: &Value, format: Option<TimestampFormat>) -> Value {
    let Some(secs) = value.as_f64() else {
        return value.clone();
    };
    match format.unwrap_or(TimestampFormat::UnixTimestamp) {
        TimestampFormat::UnixTimestamp => timestamp::epoch_number(secs),
        TimestampFormat::Iso8601 => Value::String(timestamp::format_iso8601(secs)),
        TimestampFormat::Rfc822 => Value::String(timestamp::format_http_date(secs)),
    }
}
