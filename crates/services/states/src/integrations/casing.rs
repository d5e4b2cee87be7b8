//! The AWS SDK integration's names and values: Step Functions writes parameters and reads results in
//! PascalCase (SFN-6), the wire convention uses the model's member names. Converted along the model's
//! shapes: timestamps as ISO-8601 text outside and epoch seconds inside, blobs as text outside and base64
//! inside, nulls left out.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use sekisho_wire::model::{Ref, ServiceModel, Shape, ShapeType};
use serde_json::{Map, Value, json};

const MAX_DEPTH: usize = 64;

/// `modelId` -> `ModelId`; names that start upper-case stay as they are.
pub fn pascal(name: &str) -> String {
    let mut chars = name.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

fn member<'m>(model: &'m ServiceModel, shape: &'m Shape, key: &str) -> Option<Ref<'m>> {
    model.members(shape).find(|r| r.name == key || pascal(r.name) == key)
}

fn is_structure(shape: &Shape) -> bool {
    matches!(shape.shape_type, ShapeType::Structure | ShapeType::Union) && !shape.document
}

/// Task parameters (PascalCase) as the operation's input value. `Err` names a field the operation does not
/// have.
pub fn to_model(model: &ServiceModel, shape: &Shape, value: &Value) -> Result<Value, String> {
    input(model, shape, value, 0)
}

fn input(model: &ServiceModel, shape: &Shape, value: &Value, depth: usize) -> Result<Value, String> {
    if depth > MAX_DEPTH {
        return Ok(value.clone());
    }
    Ok(match (shape.shape_type, value) {
        (_, Value::Object(obj)) if is_structure(shape) => {
            let mut out = Map::new();
            for (k, v) in obj {
                if v.is_null() {
                    continue;
                }
                let r = member(model, shape, k)
                    .ok_or_else(|| format!("The field '{k}' is not supported by Step Functions"))?;
                out.insert(r.name.to_string(), input(model, r.shape, v, depth + 1)?);
            }
            Value::Object(out)
        }
        (ShapeType::List, Value::Array(items)) => match model.element("member", shape.member.as_deref()) {
            Some(r) => Value::Array(
                items
                    .iter()
                    .filter(|v| !v.is_null())
                    .map(|v| input(model, r.shape, v, depth + 1))
                    .collect::<Result<_, _>>()?,
            ),
            None => value.clone(),
        },
        (ShapeType::Map, Value::Object(obj)) => match model.element("value", shape.value.as_deref()) {
            Some(r) => {
                let mut out = Map::new();
                for (k, v) in obj.iter().filter(|(_, v)| !v.is_null()) {
                    out.insert(k.clone(), input(model, r.shape, v, depth + 1)?);
                }
                Value::Object(out)
            }
            None => value.clone(),
        },
        (ShapeType::Timestamp, Value::String(s)) => match sekisho_asl::time::parse_iso(s) {
            Some(ms) => seconds(ms),
            None => value.clone(),
        },
        (ShapeType::Blob, Value::String(s)) => Value::String(STANDARD.encode(s.as_bytes())),
        (ShapeType::Blob, other) => Value::String(STANDARD.encode(other.to_string().as_bytes())),
        _ => value.clone(),
    })
}

fn seconds(ms: i64) -> Value {
    if ms % 1000 == 0 { json!(ms / 1000) } else { json!(ms as f64 / 1000.0) }
}

/// An operation's output value as the task result: PascalCase members, nulls left out.
pub fn from_model(model: &ServiceModel, shape: &Shape, value: &Value) -> Value {
    output(model, shape, value, 0)
}

fn output(model: &ServiceModel, shape: &Shape, value: &Value, depth: usize) -> Value {
    if depth > MAX_DEPTH {
        return value.clone();
    }
    match (shape.shape_type, value) {
        (_, Value::Object(obj)) if is_structure(shape) => {
            let mut out = Map::new();
            for (k, v) in obj.iter().filter(|(_, v)| !v.is_null()) {
                let converted = match model.members(shape).find(|r| r.name == k.as_str()) {
                    Some(r) => output(model, r.shape, v, depth + 1),
                    None => v.clone(),
                };
                out.insert(pascal(k), converted);
            }
            Value::Object(out)
        }
        (ShapeType::List, Value::Array(items)) => match model.element("member", shape.member.as_deref()) {
            Some(r) => Value::Array(items.iter().map(|v| output(model, r.shape, v, depth + 1)).collect()),
            None => value.clone(),
        },
        (ShapeType::Map, Value::Object(obj)) => match model.element("value", shape.value.as_deref()) {
            Some(r) => {
                Value::Object(obj.iter().map(|(k, v)| (k.clone(), output(model, r.shape, v, depth + 1))).collect())
            }
            None => value.clone(),
        },
        (ShapeType::Timestamp, Value::Number(n)) => match n.as_f64() {
            Some(s) => Value::String(instant_text((s * 1000.0).round() as i64)),
            None => value.clone(),
        },
        (ShapeType::Blob, Value::String(b64)) => {
            match STANDARD.decode(b64.as_bytes()).ok().and_then(|b| String::from_utf8(b).ok()) {
                Some(text) => Value::String(text),
                None => value.clone(),
            }
        }
        _ => value.clone(),
    }
}

/// ISO-8601 as Java's `Instant.toString` writes it: no fraction when there is none. [inf]
fn instant_text(ms: i64) -> String {
    let text = sekisho_asl::time::format_iso_millis(ms);
    match text.strip_suffix(".000Z") {
        Some(whole) => format!("{whole}Z"),
        None => text,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn runtime() -> &'static ServiceModel {
        sekisho_wire::load("bedrock-runtime").expect("bedrock-runtime model")
    }

    #[test]
    fn converse_parameters_take_the_model_names() {
        let m = runtime();
        let op = m.operation("Converse").unwrap();
        let shape = m.input_shape(op).unwrap();
        let params = json!({
            "ModelId": "apac.anthropic.claude-sonnet-4-20250514-v1:0",
            "Messages": [{"Role": "user", "Content": [{"Text": "hi"}]}],
            "InferenceConfig": {"MaxTokens": 1000, "Temperature": 0.7},
            "System": null
        });
        let v = to_model(m, shape, &params).unwrap();
        assert_eq!(
            v,
            json!({
                "modelId": "apac.anthropic.claude-sonnet-4-20250514-v1:0",
                "messages": [{"role": "user", "content": [{"text": "hi"}]}],
                "inferenceConfig": {"maxTokens": 1000, "temperature": 0.7}
            })
        );
        let bad = to_model(m, shape, &json!({"ModelId": "x", "Nope": 1})).unwrap_err();
        assert_eq!(bad, "The field 'Nope' is not supported by Step Functions");
    }

    #[test]
    fn results_come_back_pascal_case() {
        let m = runtime();
        let op = m.operation("Converse").unwrap();
        let shape = m.output_shape(op).unwrap();
        let body = json!({
            "output": {"message": {"role": "assistant", "content": [{"text": "hello"}]}},
            "stopReason": "end_turn",
            "usage": {"inputTokens": 1, "outputTokens": 2, "totalTokens": 3},
            "metrics": {"latencyMs": 5},
            "additionalModelResponseFields": null
        });
        assert_eq!(
            from_model(m, shape, &body),
            json!({
                "Output": {"Message": {"Role": "assistant", "Content": [{"Text": "hello"}]}},
                "StopReason": "end_turn",
                "Usage": {"InputTokens": 1, "OutputTokens": 2, "TotalTokens": 3},
                "Metrics": {"LatencyMs": 5}
            })
        );
    }

    #[test]
    fn timestamps_and_blobs() {
        let sfn = sekisho_wire::load("stepfunctions").unwrap();
        let op = sfn.operation("DescribeExecution").unwrap();
        let out =
            from_model(sfn, sfn.output_shape(op).unwrap(), &json!({"startDate": 1700000000, "stopDate": 1700000000.5}));
        assert_eq!(out, json!({"StartDate": "2023-11-14T22:13:20Z", "StopDate": "2023-11-14T22:13:20.500Z"}));
        let m = runtime();
        let op = m.operation("InvokeModel").unwrap();
        let v = to_model(m, m.input_shape(op).unwrap(), &json!({"ModelId": "m", "Body": "{\"a\":1}"})).unwrap();
        assert_eq!(v["body"], json!(STANDARD.encode("{\"a\":1}")));
        let out =
            from_model(m, m.output_shape(op).unwrap(), &json!({"body": STANDARD.encode("ok"), "contentType": "t"}));
        assert_eq!(out, json!({"Body": "ok", "ContentType": "t"}));
    }
}
