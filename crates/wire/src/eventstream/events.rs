//! Events and exceptions of a streaming output, framed from the model: which union member,
//! which members go to headers, which one is the payload, and how the rest is JSON-encoded.

use base64::Engine;
use serde_json::{Map, Value};

use super::{HeaderValue, Message};
use crate::AwsError;
use crate::model::{Operation, Ref, ServiceModel, Shape, ShapeType};
use crate::protocol::json;

const B64: base64::engine::GeneralPurpose = base64::engine::general_purpose::STANDARD;

/// The event-stream union of an operation's output, if it streams.
fn stream_union<'m>(model: &'m ServiceModel, op: &Operation) -> Option<&'m Shape> {
    let output = model.output_shape(op)?;
    model.members(output).find(|r| r.shape.eventstream).map(|r| r.shape)
}

fn header_value(r: &Ref, value: &Value) -> Option<HeaderValue> {
    Some(match r.shape.shape_type {
        ShapeType::Boolean => HeaderValue::Bool(value.as_bool()?),
        ShapeType::Byte => HeaderValue::Byte(i8::try_from(value.as_i64()?).ok()?),
        ShapeType::Short => HeaderValue::Short(i16::try_from(value.as_i64()?).ok()?),
        ShapeType::Integer => HeaderValue::Int(i32::try_from(value.as_i64()?).ok()?),
        ShapeType::Long => HeaderValue::Long(value.as_i64()?),
        ShapeType::Blob => HeaderValue::Bytes(B64.decode(value.as_str()?).ok()?),
        ShapeType::Timestamp => HeaderValue::Timestamp((value.as_f64()? * 1000.0).round() as i64),
        _ => HeaderValue::String(value.as_str()?.to_string()),
    })
}

/// The content type of JSON event payloads: `application/json` for rest-json, while the JSON RPC
/// protocol labels them `text/json` (botocore's RPC event-stream vectors).
fn json_content_type(model: &ServiceModel) -> &'static str {
    if model.protocol() == crate::model::Protocol::Json { "text/json" } else { "application/json" }
}

/// The `initial-response` event of a JSON RPC stream: the output's members other than the stream.
pub(crate) fn encode_initial_response(model: &ServiceModel, output: &Shape, value: &Value) -> Vec<u8> {
    let mut members = Map::new();
    if let Some(object) = value.as_object() {
        for r in model.members(output) {
            if !r.shape.eventstream {
                if let Some(v) = object.get(r.name) {
                    members.insert(r.name.to_string(), v.clone());
                }
            }
        }
    }
    let payload = json::encode_shape(model, output, &Value::Object(members), false, 0);
    let mut message = Message::default()
        .with_header(":message-type", HeaderValue::String("event".into()))
        .with_header(":event-type", HeaderValue::String("initial-response".into()))
        .with_header(":content-type", HeaderValue::String(json_content_type(model).into()));
    message.payload = payload.to_string().into_bytes();
    message.encode()
}

/// Frames one event of an event-stream union; `event_name` is the union member.
pub(crate) fn encode_union_event(model: &ServiceModel, union: &Shape, event_name: &str, value: &Value) -> Vec<u8> {
    let mut message = Message::default()
        .with_header(":message-type", HeaderValue::String("event".into()))
        .with_header(":event-type", HeaderValue::String(event_name.into()));
    let event_shape = union.member(event_name).and_then(|m| model.shape(&m.shape));
    let Some(shape) = event_shape else {
        message = message.with_header(":content-type", HeaderValue::String(json_content_type(model).into()));
        message.payload = value.to_string().into_bytes();
        return message.encode();
    };
    let empty = Map::new();
    let object = value.as_object().unwrap_or(&empty);
    let mut content_type = json_content_type(model);
    let mut payload: Option<Vec<u8>> = None;
    let mut body = Map::new();
    for r in model.members(shape) {
        let Some(v) = object.get(r.name).filter(|v| !v.is_null()) else {
            continue;
        };
        if r.member.eventheader {
            if let Some(h) = header_value(&r, v) {
                message.headers.push((r.name.to_string(), h));
            }
        } else if r.member.eventpayload {
            payload = Some(match r.shape.shape_type {
                ShapeType::Blob => {
                    content_type = "application/octet-stream";
                    v.as_str().and_then(|s| B64.decode(s).ok()).unwrap_or_default()
                }
                ShapeType::String => {
                    content_type = "text/plain";
                    v.as_str().unwrap_or_default().as_bytes().to_vec()
                }
                _ => json::encode_shape(model, r.shape, v, false, 0).to_string().into_bytes(),
            });
        } else {
            body.insert(r.name.to_string(), v.clone());
        }
    }
    let payload = payload
        .unwrap_or_else(|| json::encode_shape(model, shape, &Value::Object(body), false, 0).to_string().into_bytes());
    message = message.with_header(":content-type", HeaderValue::String(content_type.into()));
    message.payload = payload;
    message.encode()
}

impl ServiceModel {
    /// Frames one event of `op`'s streaming output, e.g. `contentBlockDelta` of ConverseStream.
    /// An operation without a streaming output, or an unknown event name, still yields a frame
    /// with `value` as its JSON payload.
    pub fn encode_event(&self, op: &Operation, event_name: &str, value: &Value) -> Vec<u8> {
        match stream_union(self, op) {
            Some(union) => encode_union_event(self, union, event_name, value),
            None => {
                let mut message = Message::default()
                    .with_header(":message-type", HeaderValue::String("event".into()))
                    .with_header(":event-type", HeaderValue::String(event_name.into()))
                    .with_header(":content-type", HeaderValue::String("application/json".into()));
                message.payload = value.to_string().into_bytes();
                message.encode()
            }
        }
    }

    /// Frames an error in the middle of a stream: an `exception` message when the stream models
    /// the error (`:exception-type` is the union member), else an `error` message with code and text.
    pub fn encode_exception(&self, op: &Operation, err: &AwsError) -> Vec<u8> {
        let modelled = stream_union(self, op).and_then(|union| {
            self.members(union).find(|r| {
                r.shape.exception
                    && (r.member.shape == err.code
                        || r.name.eq_ignore_ascii_case(&err.code)
                        || r.shape.error.as_ref().and_then(|e| e.code.as_deref()) == Some(&err.code))
            })
        });
        match modelled {
            Some(r) => {
                let mut body = err.fields.clone();
                if !err.message.is_empty() {
                    body.insert(self.message_key(&err.code).to_string(), Value::String(err.message.clone()));
                }
                let payload = json::encode_shape(self, r.shape, &Value::Object(body), false, 0);
                let mut message = Message::default()
                    .with_header(":message-type", HeaderValue::String("exception".into()))
                    .with_header(":exception-type", HeaderValue::String(r.name.to_string()))
                    .with_header(":content-type", HeaderValue::String("application/json".into()));
                message.payload = payload.to_string().into_bytes();
                message.encode()
            }
            None => Message::default()
                .with_header(":message-type", HeaderValue::String("error".into()))
                .with_header(":error-code", HeaderValue::String(err.code.clone()))
                .with_header(":error-message", HeaderValue::String(err.message.clone()))
                .encode(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::eventstream::decode_message;
    use crate::model::load;
    use serde_json::json;

    #[test]
    fn converse_stream_events_are_framed_from_the_model() {
        let model = load("bedrock-runtime").expect("embedded");
        let op = model.operation("ConverseStream").expect("operation");
        let bytes =
            model.encode_event(op, "contentBlockDelta", &json!({"delta": {"text": "Hello"}, "contentBlockIndex": 0}));
        let (message, _) = decode_message(&bytes).expect("valid frame");
        assert_eq!(message.header_str(":message-type"), Some("event"));
        assert_eq!(message.header_str(":event-type"), Some("contentBlockDelta"));
        assert_eq!(message.header_str(":content-type"), Some("application/json"));
        let payload: Value = serde_json::from_slice(&message.payload).expect("json");
        assert_eq!(payload, json!({"delta": {"text": "Hello"}, "contentBlockIndex": 0}));
    }

    #[test]
    fn stream_exceptions_use_the_union_member_name() {
        let model = load("bedrock-runtime").expect("embedded");
        let op = model.operation("ConverseStream").expect("operation");
        let err = AwsError::new("ModelStreamErrorException", 424, "boom").with_field("originalStatusCode", json!(500));
        let (message, _) = decode_message(&model.encode_exception(op, &err)).expect("frame");
        assert_eq!(message.header_str(":message-type"), Some("exception"));
        assert_eq!(message.header_str(":exception-type"), Some("modelStreamErrorException"));
        let payload: Value = serde_json::from_slice(&message.payload).expect("json");
        assert_eq!(payload, json!({"message": "boom", "originalStatusCode": 500}));
        let unknown = AwsError::new("SomethingElse", 500, "nope");
        let (message, _) = decode_message(&model.encode_exception(op, &unknown)).expect("frame");
        assert_eq!(message.header_str(":message-type"), Some("error"));
        assert_eq!(message.header_str(":error-code"), Some("SomethingElse"));
    }
}
