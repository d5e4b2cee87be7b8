//! Scalars as text: query parameters, URI labels, headers and XML all write numbers, booleans,
//! timestamps and blobs as strings; this module turns them into internal values and back.

use base64::Engine;
use serde_json::{Number, Value};

use crate::model::{ShapeType, TimestampFormat};
use crate::timestamp;

/// Why a text value does not fit its shape.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BadScalar {
    pub expected: &'static str,
}

/// Reads text as a scalar of type `ty`. `format` is the timestamp format of that location.
pub fn parse_scalar(ty: ShapeType, format: TimestampFormat, text: &str) -> Result<Value, BadScalar> {
    let bad = |expected| Err(BadScalar { expected });
    match ty {
        ShapeType::Boolean => match text {
            "true" => Ok(Value::Bool(true)),
            "false" => Ok(Value::Bool(false)),
            _ => bad("a boolean"),
        },
        t if t.is_integral() => {
            let trimmed = text.trim();
            let Ok(v) = trimmed.parse::<i64>() else {
                return bad("an integer");
            };
            let fits = match t {
                ShapeType::Byte => i8::try_from(v).is_ok(),
                ShapeType::Short => i16::try_from(v).is_ok(),
                ShapeType::Integer => i32::try_from(v).is_ok(),
                _ => true,
            };
            if fits { Ok(Value::from(v)) } else { bad("an integer") }
        }
        t if t.is_floating() => {
            let trimmed = text.trim();
            if super::json::is_non_finite(trimmed) {
                return Ok(Value::String(trimmed.to_string()));
            }
            // Rust also reads "inf"/"nan"; AWS's spellings are handled above, the rest is not a number.
            if !trimmed.bytes().all(|b| b.is_ascii_digit() || matches!(b, b'.' | b'-' | b'+' | b'e' | b'E')) {
                return bad("a number");
            }
            match trimmed.parse::<f64>().ok().and_then(Number::from_f64) {
                Some(n) => Ok(Value::Number(n)),
                None => bad("a number"),
            }
        }
        ShapeType::Timestamp => match timestamp::parse(text, format) {
            Some(secs) => Ok(timestamp::epoch_number(secs)),
            None => bad("a timestamp"),
        },
        ShapeType::Blob => {
            if base64::engine::general_purpose::STANDARD.decode(text).is_ok() {
                Ok(Value::String(text.to_string()))
            } else {
                bad("base64-encoded bytes")
            }
        }
        _ => Ok(Value::String(text.to_string())),
    }
}

/// Writes a scalar internal value as text; `None` when the value is not a scalar.
pub fn scalar_text(ty: ShapeType, format: TimestampFormat, value: &Value) -> Option<String> {
    match (ty, value) {
        (ShapeType::Timestamp, Value::Number(n)) => n.as_f64().map(|s| timestamp::format(s, format)),
        (_, Value::String(s)) => Some(s.clone()),
        (_, Value::Bool(b)) => Some(b.to_string()),
        (t, Value::Number(n)) if t.is_floating() => Some(float_text(n)),
        (_, Value::Number(n)) => Some(n.to_string()),
        _ => None,
    }
}

/// A float the way AWS writes it: `1.5`, `10` for whole numbers sent as floats stays `10`.
fn float_text(n: &Number) -> String {
    n.to_string()
}

/// Splits a header list (`a, "b,c", d`), honouring double quotes and backslash escapes.
pub fn split_header_list(value: &str) -> Vec<String> {
    let mut items = Vec::new();
    let mut chars = value.chars().peekable();
    loop {
        while chars.peek().is_some_and(|c| *c == ' ' || *c == '\t') {
            chars.next();
        }
        let mut item = String::new();
        if chars.peek() == Some(&'"') {
            chars.next();
            while let Some(c) = chars.next() {
                match c {
                    '\\' => {
                        if let Some(escaped) = chars.next() {
                            item.push(escaped);
                        }
                    }
                    '"' => break,
                    c => item.push(c),
                }
            }
            // Skip to the separator.
            for c in chars.by_ref() {
                if c == ',' {
                    break;
                }
            }
            items.push(item);
        } else {
            let mut ended = true;
            for c in chars.by_ref() {
                if c == ',' {
                    ended = false;
                    break;
                }
                item.push(c);
            }
            items.push(item.trim().to_string());
            if ended {
                break;
            }
            continue;
        }
        if chars.peek().is_none() {
            break;
        }
    }
    items
}

/// Splits a header list of HTTP dates, whose own commas (`Mon, 16 Dec ...`) are not separators.
pub fn split_http_date_list(value: &str) -> Vec<String> {
    let mut items = Vec::new();
    let mut pending: Option<String> = None;
    for part in value.split(',') {
        let part = part.trim();
        match pending.take() {
            Some(day) => items.push(format!("{day}, {part}")),
            None if part.len() == 3 && part.chars().all(|c| c.is_ascii_alphabetic()) => {
                pending = Some(part.to_string())
            }
            None => items.push(part.to_string()),
        }
    }
    if let Some(day) = pending {
        items.push(day);
    }
    items
}

/// Joins a header list, quoting items that contain a comma or a double quote.
pub fn join_header_list(items: &[String]) -> String {
    items
        .iter()
        .map(|item| {
            if item.contains(',') || item.contains('"') {
                format!("\"{}\"", item.replace('\\', "\\\\").replace('"', "\\\""))
            } else {
                item.clone()
            }
        })
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_lists_with_quotes() {
        assert_eq!(split_header_list(r#""b,c", "\"def\"", a"#), vec!["b,c", "\"def\"", "a"]);
        assert_eq!(split_header_list("a, b, c"), vec!["a", "b", "c"]);
        assert_eq!(split_header_list(""), vec![""]);
        let items = vec!["b,c".to_string(), "\"def\"".to_string(), "a".to_string()];
        assert_eq!(split_header_list(&join_header_list(&items)), items);
    }

    #[test]
    fn http_date_lists_keep_their_commas() {
        assert_eq!(
            split_http_date_list("Mon, 16 Dec 2019 23:48:18 GMT, Mon, 16 Dec 2019 23:48:18 GMT"),
            vec!["Mon, 16 Dec 2019 23:48:18 GMT", "Mon, 16 Dec 2019 23:48:18 GMT"]
        );
    }

    #[test]
    fn scalars_are_type_checked() {
        let iso = TimestampFormat::Iso8601;
        assert_eq!(parse_scalar(ShapeType::Integer, iso, "3600"), Ok(Value::from(3600)));
        assert!(parse_scalar(ShapeType::Integer, iso, "abc").is_err());
        assert!(parse_scalar(ShapeType::Integer, iso, "4294967296").is_err());
        assert!(parse_scalar(ShapeType::Boolean, iso, "yes").is_err());
        assert!(parse_scalar(ShapeType::Double, iso, "inf").is_err());
        assert_eq!(parse_scalar(ShapeType::Double, iso, "NaN"), Ok(Value::String("NaN".into())));
        assert_eq!(parse_scalar(ShapeType::Timestamp, iso, "2015-01-25T08:00:00Z"), Ok(Value::from(1422172800)));
        assert!(parse_scalar(ShapeType::Blob, iso, "not base64!").is_err());
    }
}
