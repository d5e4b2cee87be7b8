//! Checks a tool call's `arguments` against the tool's `inputSchema`: the subset of JSON Schema that
//! AgentCore's `SchemaDefinition` can express (`type`, `properties`, `required`, `items`). Pure.

use serde_json::Value;

fn type_matches(expected: &str, v: &Value) -> bool {
    match expected {
        "string" => v.is_string(),
        "number" => v.is_number(),
        "integer" => v.as_i64().is_some() || v.as_u64().is_some() || v.as_f64().is_some_and(|f| f.fract() == 0.0),
        "boolean" => v.is_boolean(),
        "object" => v.is_object(),
        "array" => v.is_array(),
        "null" => v.is_null(),
        // A type AgentCore does not know: nothing to check against.
        _ => true,
    }
}

/// The first way `value` fails `schema`, as a sentence naming the path (`message`, `items[2].name`).
pub fn validate(value: &Value, schema: &Value) -> Result<(), String> {
    check(value, schema, "")
}

fn at(path: &str) -> String {
    if path.is_empty() { "arguments".into() } else { format!("'{path}'") }
}

fn check(value: &Value, schema: &Value, path: &str) -> Result<(), String> {
    if let Some(t) = schema["type"].as_str()
        && !type_matches(t, value)
    {
        return Err(format!("{} must be of type {t}", at(path)));
    }
    if let Some(obj) = value.as_object() {
        for r in schema["required"].as_array().into_iter().flatten().filter_map(Value::as_str) {
            if !obj.contains_key(r) {
                let full = if path.is_empty() { r.to_string() } else { format!("{path}.{r}") };
                return Err(format!("missing required property '{full}'"));
            }
        }
        if let Some(props) = schema["properties"].as_object() {
            for (k, sub) in props {
                if let Some(v) = obj.get(k) {
                    let full = if path.is_empty() { k.clone() } else { format!("{path}.{k}") };
                    check(v, sub, &full)?;
                }
            }
        }
    }
    if let (Some(items), Some(schema_items)) = (value.as_array(), schema.get("items").filter(|i| i.is_object())) {
        for (i, v) in items.iter().enumerate() {
            check(v, schema_items, &format!("{path}[{i}]"))?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn echo() -> Value {
        json!({"type": "object", "properties": {"message": {"type": "string"},
            "tags": {"type": "array", "items": {"type": "integer"}}}, "required": ["message"]})
    }

    #[test]
    fn arguments_follow_the_schema() {
        validate(&json!({"message": "hi"}), &echo()).unwrap();
        validate(&json!({"message": "hi", "tags": [1, 2]}), &echo()).unwrap();
        assert_eq!(validate(&json!({}), &echo()).unwrap_err(), "missing required property 'message'");
        assert_eq!(validate(&json!({"message": 3}), &echo()).unwrap_err(), "'message' must be of type string");
        assert_eq!(
            validate(&json!({"message": "x", "tags": [1, "a"]}), &echo()).unwrap_err(),
            "'tags[1]' must be of type integer"
        );
        assert_eq!(validate(&json!([1]), &echo()).unwrap_err(), "arguments must be of type object");
    }
}
