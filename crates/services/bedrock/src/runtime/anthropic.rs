//! Anthropic's Messages body for InvokeModel (`anthropic_version`, `max_tokens`, `messages`, `system`,
//! `stop_sequences`, `tools`, ...): checked like Bedrock's schema check ("Malformed input request: ..."),
//! answered as a Messages response or as its stream events (`message_start` ... `message_stop`).

use super::converse_format::model_ref;
use super::stream::{BlockKind, Renderer, Step, Timing};
use crate::catalog::FoundationModel;
use crate::chat::{Block, ChatRequest, ChatResponse, Message, Role, ToolChoice, ToolResultPart, ToolSpec};
use crate::errors;
use crate::routing::fingerprint;
use sekisho_core::AwsError;
use sekisho_core::service::Event;
use serde_json::{Value, json};

/// Top-level keys the Bedrock schema for Claude accepts; anything else is an "extraneous key".
const KEYS: &[&str] = &[
    "anthropic_version",
    "anthropic_beta",
    "max_tokens",
    "messages",
    "system",
    "stop_sequences",
    "temperature",
    "top_p",
    "top_k",
    "tools",
    "tool_choice",
    "metadata",
    "thinking",
];

fn type_name(v: &Value) -> &'static str {
    match v {
        Value::Null => "Null",
        Value::Bool(_) => "Boolean",
        Value::Number(n) if n.is_i64() || n.is_u64() => "Integer",
        Value::Number(_) => "BigDecimal",
        Value::String(_) => "String",
        Value::Array(_) => "JSONArray",
        Value::Object(_) => "JSONObject",
    }
}

/// The schema violations of `body`, worded as Bedrock's validator words them (`#: required key [x] not
/// found`, `#: extraneous key [x] is not permitted`, `#/x: expected type: Integer, found: String`).
fn violations(body: &Value) -> Vec<String> {
    let Some(obj) = body.as_object() else {
        return vec![format!("#: expected type: JSONObject, found: {}", type_name(body))];
    };
    let mut out = Vec::new();
    for key in ["anthropic_version", "max_tokens", "messages"] {
        if !obj.contains_key(key) {
            out.push(format!("#: required key [{key}] not found"));
        }
    }
    for key in obj.keys() {
        if !KEYS.contains(&key.as_str()) {
            out.push(format!("#: extraneous key [{key}] is not permitted"));
        }
    }
    let expect = |key: &str, ok: fn(&Value) -> bool, name: &str, out: &mut Vec<String>| {
        if let Some(v) = obj.get(key).filter(|v| !ok(v)) {
            out.push(format!("#/{key}: expected type: {name}, found: {}", type_name(v)));
        }
    };
    expect("anthropic_version", Value::is_string, "String", &mut out);
    expect("max_tokens", |v| v.is_u64() || v.is_i64(), "Integer", &mut out);
    expect("messages", Value::is_array, "JSONArray", &mut out);
    expect("stop_sequences", Value::is_array, "JSONArray", &mut out);
    expect("temperature", Value::is_number, "Number", &mut out);
    expect("top_p", Value::is_number, "Number", &mut out);
    expect("tools", Value::is_array, "JSONArray", &mut out);
    if let Some(n) = obj.get("max_tokens").and_then(Value::as_i64).filter(|n| *n < 1) {
        out.push(format!("#/max_tokens: {n} is not greater or equal to 1"));
    }
    out
}

fn content(v: &Value) -> Vec<Block> {
    match v {
        Value::String(s) => vec![Block::Text(s.clone())],
        Value::Array(blocks) => blocks.iter().map(block).collect(),
        _ => Vec::new(),
    }
}

fn block(b: &Value) -> Block {
    let text = |k: &str| b.get(k).and_then(Value::as_str).unwrap_or_default().to_string();
    match b.get("type").and_then(Value::as_str).unwrap_or_default() {
        "text" => Block::Text(text("text")),
        "image" | "document" => Block::Media {
            kind: text("type"),
            format: b
                .pointer("/source/media_type")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .rsplit('/')
                .next()
                .unwrap_or_default()
                .to_string(),
            data: b.pointer("/source/data").and_then(Value::as_str).unwrap_or_default().to_string(),
        },
        "tool_use" => Block::ToolUse {
            id: text("id"),
            name: text("name"),
            input: b.get("input").cloned().unwrap_or_else(|| json!({})),
        },
        "tool_result" => Block::ToolResult {
            id: text("tool_use_id"),
            content: match b.get("content") {
                Some(Value::String(s)) => vec![ToolResultPart::Text(s.clone())],
                Some(Value::Array(parts)) => parts
                    .iter()
                    .map(|p| match p.get("text").and_then(Value::as_str) {
                        Some(t) => ToolResultPart::Text(t.to_string()),
                        None => ToolResultPart::Media {
                            kind: p.get("type").and_then(Value::as_str).unwrap_or("other").to_string(),
                            bytes: 0,
                        },
                    })
                    .collect(),
                _ => Vec::new(),
            },
            is_error: b.get("is_error").and_then(Value::as_bool).unwrap_or(false),
        },
        other => Block::Other(other.to_string()),
    }
}

/// The request an Anthropic body asks for.
pub fn parse_request(body: &Value, model: &FoundationModel) -> Result<ChatRequest, AwsError> {
    let problems = violations(body);
    if !problems.is_empty() {
        return Err(errors::malformed_input(&problems));
    }
    let mut messages = Vec::new();
    for m in body["messages"].as_array().into_iter().flatten() {
        let role =
            if m.get("role").and_then(Value::as_str) == Some("assistant") { Role::Assistant } else { Role::User };
        let content = content(m.get("content").unwrap_or(&Value::Null));
        // Anthropic joins consecutive turns of one role into one.
        match messages.last_mut() {
            Some(Message { role: r, content: c }) if *r == role => c.extend(content),
            _ => messages.push(Message { role, content }),
        }
    }
    if messages.is_empty() {
        // [inf] Anthropic's own wording, passed through by Bedrock.
        return Err(errors::validation("messages: at least one message is required"));
    }
    let system = match body.get("system") {
        Some(Value::String(s)) => vec![s.clone()],
        Some(Value::Array(parts)) => {
            parts.iter().filter_map(|p| p.get("text").and_then(Value::as_str).map(str::to_string)).collect()
        }
        _ => Vec::new(),
    };
    let tools = body
        .get("tools")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|t| {
            Some(ToolSpec {
                name: t.get("name")?.as_str()?.to_string(),
                description: t.get("description").and_then(Value::as_str).map(str::to_string),
                schema: t.get("input_schema").cloned().unwrap_or_else(|| json!({"type": "object"})),
            })
        })
        .collect();
    let tool_choice = body.get("tool_choice").and_then(|c| match c.get("type").and_then(Value::as_str) {
        Some("any") => Some(ToolChoice::Any),
        Some("tool") => Some(ToolChoice::Tool(c.get("name").and_then(Value::as_str).unwrap_or_default().to_string())),
        Some("auto") => Some(ToolChoice::Auto),
        _ => None,
    });
    Ok(ChatRequest {
        model: model_ref(model),
        system,
        messages,
        max_tokens: body.get("max_tokens").and_then(Value::as_u64).map(|n| n.min(u32::MAX as u64) as u32),
        temperature: body.get("temperature").and_then(Value::as_f64),
        top_p: body.get("top_p").and_then(Value::as_f64),
        stop_sequences: body
            .get("stop_sequences")
            .and_then(Value::as_array)
            .map(|a| a.iter().filter_map(Value::as_str).map(str::to_string).collect())
            .unwrap_or_default(),
        tools,
        tool_choice,
    })
}

/// The model name a Messages response carries: the id without provider and version
/// (`anthropic.claude-haiku-4-5-20251001-v1:0` → `claude-haiku-4-5-20251001`).
pub fn response_model(model_id: &str) -> String {
    let bare = model_id.strip_prefix("anthropic.").unwrap_or(model_id);
    match bare.rfind("-v") {
        Some(at) if bare[at + 2..].chars().next().is_some_and(|c| c.is_ascii_digit()) => bare[..at].to_string(),
        _ => bare.to_string(),
    }
}

/// `msg_bdrk_` + 24 characters from the request, so the same request gets the same id.
pub fn message_id(req: &ChatRequest) -> String {
    const ALPHABET: &[u8] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
    let mut h = fingerprint(format!("{:?}", req.messages).as_bytes());
    let mut id = String::from("msg_bdrk_");
    for i in 0..24u64 {
        if i % 10 == 0 {
            h = fingerprint(&h.to_le_bytes()).wrapping_add(i);
        }
        id.push(ALPHABET[(h % 62) as usize] as char);
        h /= 62;
    }
    id
}

fn content_json(blocks: &[Block]) -> Vec<Value> {
    blocks
        .iter()
        .filter_map(|b| match b {
            Block::Text(t) => Some(json!({ "type": "text", "text": t })),
            Block::ToolUse { id, name, input } => {
                Some(json!({ "type": "tool_use", "id": id, "name": name, "input": input }))
            }
            _ => None,
        })
        .collect()
}

/// The Messages response body.
pub fn response(req: &ChatRequest, r: &ChatResponse) -> Value {
    json!({
        "id": message_id(req),
        "type": "message",
        "role": "assistant",
        "model": response_model(&req.model.id),
        "content": content_json(&r.content),
        "stop_reason": r.stop_reason.as_str(),
        "stop_sequence": r.stop_sequence,
        "usage": {
            "input_tokens": r.usage.input_tokens,
            "cache_creation_input_tokens": 0,
            "cache_read_input_tokens": 0,
            "output_tokens": r.usage.output_tokens,
        },
    })
}

/// Each Messages stream event as an InvokeModelWithResponseStream `chunk`.
pub fn chunk(value: &Value) -> Event {
    use base64::Engine;
    let bytes = base64::engine::general_purpose::STANDARD.encode(value.to_string());
    Event { name: "chunk".into(), payload: json!({ "bytes": bytes }) }
}

/// Renders a stream as Anthropic's Messages events.
pub struct AnthropicStream {
    pub id: String,
    pub model: String,
    pub input_tokens: u32,
}

impl Renderer for AnthropicStream {
    fn start(&mut self) -> Vec<Event> {
        vec![chunk(&json!({
            "type": "message_start",
            "message": {
                "id": self.id, "type": "message", "role": "assistant", "model": self.model, "content": [],
                "stop_reason": null, "stop_sequence": null,
                "usage": { "input_tokens": self.input_tokens, "output_tokens": 1 }
            }
        }))]
    }

    fn step(&mut self, step: Step, timing: Timing) -> Vec<Event> {
        let v = match step {
            Step::Start(index, BlockKind::Text) => {
                json!({ "type": "content_block_start", "index": index, "content_block": { "type": "text", "text": "" } })
            }
            Step::Start(index, BlockKind::ToolUse { id, name }) => json!({
                "type": "content_block_start", "index": index,
                "content_block": { "type": "tool_use", "id": id, "name": name, "input": {} }
            }),
            Step::TextDelta(index, text) => {
                json!({ "type": "content_block_delta", "index": index, "delta": { "type": "text_delta", "text": text } })
            }
            Step::ToolInputDelta(index, partial) => json!({
                "type": "content_block_delta", "index": index, "delta": { "type": "input_json_delta", "partial_json": partial }
            }),
            Step::Stop(index) => json!({ "type": "content_block_stop", "index": index }),
            Step::End { reason, stop_sequence, usage } => {
                return vec![
                    chunk(&json!({
                        "type": "message_delta",
                        "delta": { "stop_reason": reason.as_str(), "stop_sequence": stop_sequence },
                        "usage": { "output_tokens": usage.output_tokens }
                    })),
                    chunk(&json!({
                        "type": "message_stop",
                        "amazon-bedrock-invocationMetrics": {
                            "inputTokenCount": usage.input_tokens,
                            "outputTokenCount": usage.output_tokens,
                            "invocationLatency": timing.latency_ms,
                            "firstByteLatency": timing.first_byte_ms
                        }
                    })),
                ];
            }
        };
        vec![chunk(&v)]
    }
}

#[cfg(test)]
mod tests;
