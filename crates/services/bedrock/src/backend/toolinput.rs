//! Tool input for the built-in model: a value valid for the tool's JSON schema, filled from the user's
//! message where it can be (quoted text, numbers, `name: value`, a place after "in"), deterministic always.

use serde_json::{Map, Value, json};

/// What the user's message offers to fill values with.
struct Hints<'a> {
    text: &'a str,
    quoted: Vec<String>,
    numbers: Vec<f64>,
    next_number: usize,
}

impl<'a> Hints<'a> {
    fn new(text: &'a str) -> Self {
        Hints { text, quoted: quoted(text), numbers: numbers(text), next_number: 0 }
    }

    fn take_number(&mut self) -> Option<f64> {
        let n = self.numbers.get(self.next_number).copied();
        self.next_number += 1;
        n
    }
}

/// A value for `schema`, using `text` (the user's last message) for hints.
pub fn generate(schema: &Value, text: &str) -> Value {
    let mut hints = Hints::new(text);
    let value = value_for(schema, "", &mut hints, 0);
    // A tool's input is an object even when its schema forgot to say so.
    if value.is_object() { value } else { json!({}) }
}

fn value_for(schema: &Value, name: &str, hints: &mut Hints, depth: usize) -> Value {
    if depth > 8 {
        return Value::Null;
    }
    let Some(s) = schema.as_object() else { return json!({}) };
    if let Some(c) = s.get("const") {
        return c.clone();
    }
    if let Some(options) = s.get("enum").and_then(Value::as_array).filter(|o| !o.is_empty()) {
        let lower = hints.text.to_lowercase();
        let mentioned = options.iter().find(|o| o.as_str().is_some_and(|t| lower.contains(&t.to_lowercase())));
        return mentioned.unwrap_or(&options[0]).clone();
    }
    for key in ["anyOf", "oneOf", "allOf"] {
        if let Some(first) = s.get(key).and_then(Value::as_array).and_then(|a| a.first()) {
            return value_for(first, name, hints, depth + 1);
        }
    }
    let ty = match s.get("type") {
        Some(Value::String(t)) => t.as_str(),
        Some(Value::Array(types)) => types.iter().filter_map(Value::as_str).find(|t| *t != "null").unwrap_or("null"),
        _ if s.contains_key("properties") => "object",
        _ if s.contains_key("items") => "array",
        _ => "string",
    };
    match ty {
        "object" => object_for(s, hints, depth),
        "array" => {
            let items = s.get("items").cloned().unwrap_or(json!({}));
            let min = s.get("minItems").and_then(Value::as_u64).unwrap_or(1);
            let max = s.get("maxItems").and_then(Value::as_u64).unwrap_or(u64::MAX);
            let n = min.max(1).min(max).min(16);
            Value::Array((0..n).map(|_| value_for(&items, name, hints, depth + 1)).collect())
        }
        "integer" => {
            let n = hints.take_number().map(f64::round).unwrap_or(1.0);
            json!(clamp(n, s).round() as i64)
        }
        "number" => {
            let n = hints.take_number().unwrap_or(1.0);
            json!(clamp(n, s))
        }
        "boolean" => {
            let lower = hints.text.to_lowercase();
            json!(lower.contains("true") || lower.contains("yes"))
        }
        "null" => Value::Null,
        _ => json!(string_for(s, name, hints)),
    }
}

fn object_for(s: &Map<String, Value>, hints: &mut Hints, depth: usize) -> Value {
    let empty = Map::new();
    let props = s.get("properties").and_then(Value::as_object).unwrap_or(&empty);
    let required: Vec<&str> = s
        .get("required")
        .and_then(Value::as_array)
        .map(|r| r.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    let lower = hints.text.to_lowercase();
    let mut out = Map::new();
    for (key, prop) in props {
        let wanted = required.contains(&key.as_str()) || required.is_empty() || lower.contains(&key.to_lowercase());
        if wanted {
            out.insert(key.clone(), value_for(prop, key, hints, depth + 1));
        }
    }
    // Required members the schema does not describe still get a value.
    for key in required {
        if !out.contains_key(key) {
            out.insert(key.to_string(), json!(string_for(&Map::new(), key, hints)));
        }
    }
    Value::Object(out)
}

fn clamp(n: f64, s: &Map<String, Value>) -> f64 {
    let mut n = n;
    if let Some(min) = s.get("minimum").and_then(Value::as_f64) {
        n = n.max(min);
    }
    if let Some(min) = s.get("exclusiveMinimum").and_then(Value::as_f64)
        && n <= min
    {
        n = min + 1.0;
    }
    if let Some(max) = s.get("maximum").and_then(Value::as_f64) {
        n = n.min(max);
    }
    if let Some(max) = s.get("exclusiveMaximum").and_then(Value::as_f64)
        && n >= max
    {
        n = max - 1.0;
    }
    n
}

fn string_for(s: &Map<String, Value>, name: &str, hints: &mut Hints) -> String {
    let min = s.get("minLength").and_then(Value::as_u64).unwrap_or(0) as usize;
    let max = s.get("maxLength").and_then(Value::as_u64).map(|m| m as usize).unwrap_or(200);
    let format = s.get("format").and_then(Value::as_str);
    let mut value = match format {
        Some("date") => "2025-01-01".to_string(),
        Some("date-time") => "2025-01-01T00:00:00Z".to_string(),
        Some("email") => "user@example.com".to_string(),
        Some("uri" | "url") => "https://example.com/".to_string(),
        _ => labelled(hints.text, name)
            .or_else(|| place_like(name).then(|| place(hints.text)).flatten())
            .or_else(|| hints.quoted.first().cloned())
            .unwrap_or_else(|| hints.text.split_whitespace().collect::<Vec<_>>().join(" ")),
    };
    if value.is_empty() {
        value = name.to_string();
    }
    let mut value: String = value.chars().take(max).collect();
    while value.chars().count() < min {
        value.push('x');
    }
    value
}

/// `name: value` or `name=value` in the message.
fn labelled(text: &str, name: &str) -> Option<String> {
    if name.is_empty() {
        return None;
    }
    // ASCII lowering keeps byte offsets, so positions found in `lower` are valid in `text`.
    let lower = text.to_ascii_lowercase();
    let at = lower
        .find(&format!("{}:", name.to_ascii_lowercase()))
        .or_else(|| lower.find(&format!("{}=", name.to_ascii_lowercase())))?;
    let rest = text[at + name.len() + 1..].trim_start();
    let rest = rest.trim_start_matches(['"', '\'']);
    let end = rest.find([',', ';', '\n', '"', '\'']).unwrap_or(rest.len());
    let v = rest[..end].trim().trim_end_matches(['.', '?', '!']);
    (!v.is_empty()).then(|| v.to_string())
}

fn place_like(name: &str) -> bool {
    let n = name.to_lowercase();
    ["location", "city", "place", "region", "country", "town", "area"].iter().any(|p| n.contains(p))
}

/// A place named in the message: the capitalized words after "in"/"for"/"at", or a run of kanji/katakana.
fn place(text: &str) -> Option<String> {
    let words: Vec<&str> = text.split_whitespace().collect();
    for (i, w) in words.iter().enumerate() {
        if ["in", "for", "at"].contains(&w.to_lowercase().as_str()) {
            let mut name: Vec<String> = Vec::new();
            for n in &words[i + 1..] {
                if !n.chars().next().is_some_and(char::is_uppercase) {
                    break;
                }
                let word = n.trim_end_matches(|c: char| !c.is_alphanumeric());
                name.push(word.to_string());
                // Punctuation ends the name with its sentence ("in Kyoto? Use the tool").
                if word.len() < n.len() {
                    break;
                }
            }
            if !name.is_empty() {
                return Some(name.join(" "));
            }
        }
    }
    let mut run = String::new();
    for c in text.chars() {
        let kanji_or_katakana = matches!(c as u32, 0x4E00..=0x9FFF | 0x30A0..=0x30FF);
        if kanji_or_katakana {
            run.push(c);
        } else if !run.is_empty() {
            break;
        }
    }
    (!run.is_empty()).then_some(run)
}

fn quoted(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    for (open, close) in [('"', '"'), ('\u{201c}', '\u{201d}'), ('「', '」'), ('\'', '\'')] {
        let mut rest = text;
        while let Some(a) = rest.find(open) {
            let after = &rest[a + open.len_utf8()..];
            let Some(b) = after.find(close) else { break };
            if b > 0 {
                out.push(after[..b].to_string());
            }
            rest = &after[b + close.len_utf8()..];
        }
    }
    out
}

fn numbers(text: &str) -> Vec<f64> {
    let mut out = Vec::new();
    let mut current = String::new();
    for c in text.chars().chain(std::iter::once(' ')) {
        if c.is_ascii_digit() || (c == '.' && !current.is_empty()) || (c == '-' && current.is_empty()) {
            current.push(c);
        } else {
            let t = current.trim_end_matches('.');
            if let Ok(n) = t.parse::<f64>() {
                out.push(n);
            }
            current.clear();
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn weather() -> Value {
        json!({
            "type": "object",
            "properties": {
                "city": {"type": "string", "description": "City name"},
                "unit": {"type": "string", "enum": ["celsius", "fahrenheit"]},
                "days": {"type": "integer", "minimum": 1, "maximum": 7}
            },
            "required": ["city", "unit"]
        })
    }

    #[test]
    fn fills_from_the_message() {
        let v = generate(&weather(), "What's the weather in San Francisco for 3 days in fahrenheit?");
        assert_eq!(v, json!({"city": "San Francisco", "days": 3, "unit": "fahrenheit"}));
        let v = generate(&weather(), "東京の天気を教えて");
        assert_eq!(v["city"], "東京");
        assert_eq!(v["unit"], "celsius");
        assert!(v.get("days").is_none(), "optional members only when the message mentions them");
    }

    #[test]
    fn respects_limits_and_types() {
        let s = json!({"type": "object", "properties": {
            "n": {"type": "number", "minimum": 10},
            "tags": {"type": "array", "items": {"type": "string", "maxLength": 3}, "minItems": 2},
            "ok": {"type": "boolean"},
            "code": {"type": "string", "minLength": 5, "maxLength": 6},
            "nested": {"type": "object", "properties": {"x": {"type": ["null", "integer"]}}, "required": ["x"]},
            "when": {"type": "string", "format": "date"}
        }, "required": ["n", "tags", "ok", "code", "nested", "when"]});
        let v = generate(&s, "set n to 2 code: ab");
        assert_eq!(v["n"], json!(10.0));
        assert_eq!(v["tags"].as_array().unwrap().len(), 2);
        assert!(v["tags"][0].as_str().unwrap().chars().count() <= 3);
        assert_eq!(v["ok"], json!(false));
        let code = v["code"].as_str().unwrap();
        assert!((5..=6).contains(&code.chars().count()) && code.starts_with("ab"), "{code}");
        assert!(v["nested"]["x"].is_i64());
        assert_eq!(v["when"], "2025-01-01");
    }

    #[test]
    fn quoted_text_and_labels() {
        let s = json!({"type": "object", "properties": {"query": {"type": "string"}}, "required": ["query"]});
        assert_eq!(generate(&s, r#"search for "rust async" please"#)["query"], "rust async");
        assert_eq!(generate(&s, "query: sekisho docs, thanks")["query"], "sekisho docs");
        assert_eq!(generate(&s, "「関所」を検索して")["query"], "関所");
        assert_eq!(generate(&json!({}), "anything"), json!({}));
        assert_eq!(generate(&json!("not a schema"), "x"), json!({}));
    }

    #[test]
    fn letters_that_grow_when_lowered_do_not_break_offsets() {
        let s = json!({"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]});
        assert_eq!(generate(&s, "İİİİ city: İstanbul")["city"], "İstanbul");
    }

    #[test]
    fn deterministic() {
        let a = generate(&weather(), "weather in Tokyo");
        assert_eq!(a, generate(&weather(), "weather in Tokyo"));
        assert_eq!(generate(&weather(), "Weather in Kyoto? Use the tool.")["city"], "Kyoto");
    }
}
