//! Converse's request and response shapes (also Amazon Nova's InvokeModel body, which uses the same
//! member names): a decoded request becomes a checked `ChatRequest`; an answer becomes `ConverseResponse`.

use crate::catalog::FoundationModel;
use crate::chat::{Block, ChatRequest, ChatResponse, Message, ModelRef, Role, ToolChoice, ToolResultPart, ToolSpec};
use crate::errors;
use sekisho_core::AwsError;
use serde_json::{Map, Value, json};

pub fn model_ref(model: &FoundationModel) -> ModelRef {
    ModelRef { id: model.model_id.clone(), name: model.model_name.clone(), provider: model.provider_name.clone() }
}

fn media(kind: &str, v: &Value) -> Block {
    let format = v.get("format").and_then(Value::as_str).unwrap_or_default().to_string();
    let source = v.get("source");
    let data = source
        .and_then(|s| s.get("bytes").and_then(Value::as_str).or_else(|| s.get("text").and_then(Value::as_str)))
        .unwrap_or_default()
        .to_string();
    Block::Media { kind: kind.to_string(), format, data }
}

fn tool_result_part(v: &Value) -> ToolResultPart {
    if let Some(t) = v.get("text").and_then(Value::as_str) {
        return ToolResultPart::Text(t.to_string());
    }
    if let Some(j) = v.get("json") {
        return ToolResultPart::Json(j.clone());
    }
    let (kind, inner) =
        v.as_object().and_then(|o| o.iter().next()).map(|(k, v)| (k.as_str(), v)).unwrap_or(("other", v));
    let bytes = inner.pointer("/source/bytes").and_then(Value::as_str).map(|b| b.len() / 4 * 3).unwrap_or(0);
    ToolResultPart::Media { kind: kind.to_string(), bytes }
}

/// One content block; `path` names it in errors (`messages.0.content.1`).
fn block(v: &Value, path: &str) -> Result<Block, AwsError> {
    let Some((name, inner)) = v.as_object().and_then(|o| o.iter().next()) else {
        return Ok(Block::Other(String::new()));
    };
    Ok(match name.as_str() {
        "text" => {
            let t = inner.as_str().unwrap_or_default();
            if t.trim().is_empty() {
                return Err(errors::blank_text(path));
            }
            Block::Text(t.to_string())
        }
        "image" | "document" | "video" | "audio" => media(name, inner),
        "toolUse" => Block::ToolUse {
            id: inner.get("toolUseId").and_then(Value::as_str).unwrap_or_default().to_string(),
            name: inner.get("name").and_then(Value::as_str).unwrap_or_default().to_string(),
            input: inner.get("input").cloned().unwrap_or_else(|| json!({})),
        },
        "toolResult" => Block::ToolResult {
            id: inner.get("toolUseId").and_then(Value::as_str).unwrap_or_default().to_string(),
            content: inner
                .get("content")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .map(tool_result_part)
                .collect(),
            is_error: inner.get("status").and_then(Value::as_str) == Some("error"),
        },
        other => Block::Other(other.to_string()),
    })
}

/// The conversation of a Converse-shaped request, checked as Bedrock checks it.
pub fn messages(v: Option<&Value>) -> Result<Vec<Message>, AwsError> {
    let list = v.and_then(Value::as_array).map(Vec::as_slice).unwrap_or_default();
    let mut out: Vec<Message> = Vec::with_capacity(list.len());
    for (i, m) in list.iter().enumerate() {
        let role = match m.get("role").and_then(Value::as_str) {
            Some("assistant") => Role::Assistant,
            _ => Role::User,
        };
        if i == 0 && role != Role::User {
            return Err(errors::must_start_with_user());
        }
        if out.last().is_some_and(|prev| prev.role == role) {
            return Err(errors::must_alternate());
        }
        let mut content = Vec::new();
        for (j, b) in m.get("content").and_then(Value::as_array).into_iter().flatten().enumerate() {
            content.push(block(b, &format!("messages.{i}.content.{j}"))?);
        }
        out.push(Message { role, content });
    }
    if out.is_empty() {
        return Err(errors::must_start_with_user());
    }
    Ok(out)
}

fn system(v: Option<&Value>) -> Vec<String> {
    v.and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|b| b.get("text").and_then(Value::as_str).map(str::to_string))
        .collect()
}

fn tools(v: Option<&Value>) -> (Vec<ToolSpec>, Option<ToolChoice>) {
    let Some(config) = v else { return (Vec::new(), None) };
    let specs = config
        .get("tools")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|t| t.get("toolSpec"))
        .map(|s| ToolSpec {
            name: s.get("name").and_then(Value::as_str).unwrap_or_default().to_string(),
            description: s.get("description").and_then(Value::as_str).map(str::to_string),
            schema: s.pointer("/inputSchema/json").cloned().unwrap_or_else(|| json!({"type": "object"})),
        })
        .collect();
    let choice = config.get("toolChoice").and_then(|c| {
        if c.get("any").is_some() {
            Some(ToolChoice::Any)
        } else if let Some(t) = c.get("tool") {
            Some(ToolChoice::Tool(t.get("name").and_then(Value::as_str).unwrap_or_default().to_string()))
        } else {
            c.get("auto").map(|_| ToolChoice::Auto)
        }
    });
    (specs, choice)
}

/// A Converse request (or a Nova body) for `model`.
pub fn parse_request(input: &Value, model: &FoundationModel) -> Result<ChatRequest, AwsError> {
    let messages = messages(input.get("messages"))?;
    let (tools, tool_choice) = tools(input.get("toolConfig"));
    let uses_tools =
        messages.iter().flat_map(|m| &m.content).any(|b| matches!(b, Block::ToolUse { .. } | Block::ToolResult { .. }));
    if uses_tools && input.get("toolConfig").is_none() {
        return Err(errors::tool_config_required());
    }
    let config = input.get("inferenceConfig");
    let get = |k: &str| config.and_then(|c| c.get(k));
    Ok(ChatRequest {
        model: model_ref(model),
        system: system(input.get("system")),
        messages,
        max_tokens: get("maxTokens")
            .or_else(|| get("max_new_tokens"))
            .and_then(Value::as_u64)
            .map(|n| n.min(u32::MAX as u64) as u32),
        temperature: get("temperature").and_then(Value::as_f64),
        top_p: get("topP").and_then(Value::as_f64),
        stop_sequences: get("stopSequences")
            .and_then(Value::as_array)
            .map(|a| a.iter().filter_map(Value::as_str).map(str::to_string).collect())
            .unwrap_or_default(),
        tools,
        tool_choice,
    })
}

pub fn content_json(blocks: &[Block]) -> Vec<Value> {
    blocks
        .iter()
        .filter_map(|b| match b {
            Block::Text(t) => Some(json!({ "text": t })),
            Block::ToolUse { id, name, input } => {
                Some(json!({ "toolUse": { "toolUseId": id, "name": name, "input": input } }))
            }
            _ => None,
        })
        .collect()
}

/// `usage` as Converse reports it (the cache members are present, zero, as the field output shows).
pub fn usage_json(r: &ChatResponse) -> Value {
    json!({
        "inputTokens": r.usage.input_tokens,
        "outputTokens": r.usage.output_tokens,
        "totalTokens": r.usage.total(),
        "cacheReadInputTokens": 0,
        "cacheWriteInputTokens": 0,
    })
}

/// The ConverseResponse for an answer that took `latency_ms`.
pub fn response(r: &ChatResponse, latency_ms: u64) -> Value {
    let mut out = Map::new();
    out.insert("output".into(), json!({ "message": { "role": "assistant", "content": content_json(&r.content) } }));
    out.insert("stopReason".into(), json!(r.stop_reason.as_str()));
    out.insert("usage".into(), usage_json(r));
    out.insert("metrics".into(), json!({ "latencyMs": latency_ms }));
    Value::Object(out)
}

#[cfg(test)]
mod tests;
