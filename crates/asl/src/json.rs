//! JSON helpers shared by the engine: AWS's compact rendering, type names, numbers.
//! Step Functions prints payloads as compact JSON in members order; numbers keep their form.

use serde_json::{Map, Number, Value};

/// Compact JSON text, as history events and causes show it.
pub fn to_text(value: &Value) -> String {
    // Serializing a Value cannot fail: every key is a string and every number is finite.
    serde_json::to_string(value).unwrap_or_else(|_| "null".to_string())
}

/// How many characters a number at least prints as: the digits and sign of an integral value, three
/// (`0.5`) for any other.
pub fn number_len(n: f64) -> usize {
    if n.fract() != 0.0 || !n.is_finite() {
        return 3;
    }
    let mut digits = 1;
    let mut rest = n.abs();
    while rest >= 10.0 && digits < 20 {
        rest /= 10.0;
        digits += 1;
    }
    digits + usize::from(n < 0.0)
}

/// About how many bytes `value` takes as compact JSON (never more than it does: escapes are not
/// counted), or `None` once that passes `cap`. Stops walking as soon as it knows, so
/// measuring costs at most about `cap` however large the value.
pub fn size_within(value: &Value, cap: usize) -> Option<usize> {
    fn walk(value: &Value, total: &mut usize, cap: usize) -> bool {
        *total += match value {
            Value::Null | Value::Bool(_) => 4,
            Value::Number(n) => n.as_f64().map_or(1, number_len),
            Value::String(s) => s.len() + 2,
            Value::Array(items) => {
                *total += items.len() + 1;
                for item in items {
                    if !walk(item, total, cap) {
                        return false;
                    }
                }
                0
            }
            Value::Object(map) => {
                *total += map.len() + 1;
                for (k, v) in map {
                    *total += k.len() + 3;
                    if !walk(v, total, cap) {
                        return false;
                    }
                }
                0
            }
        };
        *total <= cap
    }
    let mut total = 0;
    walk(value, &mut total, cap).then_some(total)
}

/// The JSON type names AWS uses in messages ("string", "number", ...).
pub fn type_name(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

/// A number value from an f64, integral values as integers (`3.0` prints as `3`).
pub fn number(f: f64) -> Value {
    if f.is_finite() && f.fract() == 0.0 && f.abs() < 9.007_199_254_740_992e15 {
        Value::Number(Number::from(f as i64))
    } else {
        Number::from_f64(f).map(Value::Number).unwrap_or(Value::Null)
    }
}

/// Whether a number value holds an integer (1 and 1.0 both do).
pub fn as_integer(value: &Value) -> Option<i64> {
    match value {
        Value::Number(n) => {
            if let Some(i) = n.as_i64() {
                Some(i)
            } else if let Some(u) = n.as_u64() {
                i64::try_from(u).ok()
            } else {
                let f = n.as_f64()?;
                (f.fract() == 0.0 && f.abs() < 9.2e18).then_some(f as i64)
            }
        }
        _ => None,
    }
}

/// Java's `toString` rendering, used where AWS formats values into text (States.Format):
/// strings bare, objects as `{k=v, ...}`, arrays as `[a, b]`.
pub fn java_text(value: &Value) -> String {
    match value {
        Value::Null => "null".to_string(),
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => n.to_string(),
        Value::String(s) => s.clone(),
        Value::Array(items) => {
            let parts: Vec<String> = items.iter().map(java_text).collect();
            format!("[{}]", parts.join(", "))
        }
        Value::Object(map) => {
            let parts: Vec<String> = map.iter().map(|(k, v)| format!("{k}={}", java_text(v))).collect();
            format!("{{{}}}", parts.join(", "))
        }
    }
}

/// Deep equality where numbers compare by value (1 == 1.0), as JSON comparisons in ASL do.
pub fn json_equal(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => match (x.as_i64(), y.as_i64()) {
            (Some(i), Some(j)) => i == j,
            _ => x.as_f64() == y.as_f64(),
        },
        (Value::Array(x), Value::Array(y)) => x.len() == y.len() && x.iter().zip(y).all(|(p, q)| json_equal(p, q)),
        (Value::Object(x), Value::Object(y)) => {
            x.len() == y.len() && x.iter().all(|(k, v)| y.get(k).is_some_and(|w| json_equal(v, w)))
        }
        _ => a == b,
    }
}

/// An empty JSON object.
pub fn empty_object() -> Value {
    Value::Object(Map::new())
}

/// UTF-8 byte length of the compact rendering; AWS limits payloads by this.
pub fn text_len(value: &Value) -> usize {
    to_text(value).len()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn integral_floats_print_as_integers() {
        assert_eq!(to_text(&number(3.0)), "3");
        assert_eq!(to_text(&number(-1.5)), "-1.5");
    }

    #[test]
    fn java_text_matches_java_map_rendering() {
        let v = json!({"Arg1": 1, "Arg2": [], "s": "x"});
        assert_eq!(java_text(&v), "{Arg1=1, Arg2=[], s=x}");
        assert_eq!(java_text(&json!([1, "a", null])), "[1, a, null]");
    }

    #[test]
    fn size_within_is_a_lower_bound_that_stops_at_the_cap() {
        let v = json!({"a": [1, "xy", null, {"b": true}]});
        let size = size_within(&v, 1000).unwrap();
        assert!(size <= to_text(&v).len(), "{size}");
        assert_eq!(size, to_text(&v).len());
        assert_eq!(size_within(&v, size), Some(size));
        assert_eq!(size_within(&v, size - 1), None);
        // A value far over the cap is not walked to its end.
        let big = Value::Array(vec![json!("x".repeat(100)); 100_000]);
        assert_eq!(size_within(&big, 1000), None);
    }

    #[test]
    fn equality_ignores_number_form() {
        assert!(json_equal(&json!({"a": 1}), &json!({"a": 1.0})));
        assert!(!json_equal(&json!([1]), &json!([2])));
    }
}
