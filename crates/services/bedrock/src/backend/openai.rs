//! The OpenAI-compatible backend (Ollama, llama.cpp server, vLLM, ...): a conversation becomes a
//! `/chat/completions` request (tools as functions, tool results as `tool` messages) and the answer, whole or
//! streamed as server-sent events, becomes Bedrock's content blocks, stop reason and usage.

use super::http::{self, Endpoint, HttpError};
use super::sse::SseParser;
use super::{Backend, Chunk};
use crate::chat::{Block, ChatRequest, ChatResponse, Role, StopReason, ToolChoice, ToolResultPart, Usage};
use crate::config::BackendConfig;
use crate::errors;
use crate::tokens;
use sekisho_core::AwsError;
use serde_json::{Map, Value, json};
use std::time::Duration;
use tokio::sync::mpsc;

const DEFAULT_TIMEOUT_MS: u64 = 120_000;

pub struct OpenAi {
    endpoint: Endpoint,
    model: Option<String>,
    api_key: Option<String>,
    timeout: Duration,
}

impl OpenAi {
    pub fn new(c: &BackendConfig) -> Result<OpenAi, String> {
        let url = c.url.as_deref().ok_or("an openai backend needs `url`")?;
        Ok(OpenAi {
            endpoint: Endpoint::parse(url, "/v1")?,
            model: c.model.clone(),
            api_key: c.api_key.clone(),
            timeout: Duration::from_millis(c.timeout_ms.unwrap_or(DEFAULT_TIMEOUT_MS)),
        })
    }

    fn model_name<'a>(&'a self, req: &'a ChatRequest) -> &'a str {
        self.model.as_deref().unwrap_or(&req.model.id)
    }

    async fn send(&self, body: Value) -> Result<hyper::Response<hyper::body::Incoming>, AwsError> {
        let mut headers = Vec::new();
        if let Some(key) = &self.api_key {
            headers.push(("authorization", format!("Bearer {key}")));
        }
        let call = http::post(&self.endpoint, "/chat/completions", &headers, body.to_string().into_bytes());
        let response = match tokio::time::timeout(self.timeout, call).await {
            Err(_) => return Err(timeout()),
            Ok(Err(e)) => return Err(unreachable(&self.endpoint, &e)),
            Ok(Ok(r)) => r,
        };
        let status = response.status().as_u16();
        if status >= 300 {
            let body = http::read_body(response).await.unwrap_or_default();
            return Err(server_error(status, &String::from_utf8_lossy(&body)));
        }
        Ok(response)
    }
}

fn timeout() -> AwsError {
    AwsError::new(
        "ModelTimeoutException",
        408,
        "Model has timed out in processing the request. Try your request again.",
    )
}

fn unreachable(endpoint: &Endpoint, e: &HttpError) -> AwsError {
    AwsError::new(
        "ServiceUnavailableException",
        503,
        format!("sekisho could not reach the model server at {}: {e}", endpoint.url()),
    )
}

/// A server's error status: its 4xx are the request's fault (ValidationException, as Bedrock passes a model's
/// own complaints through), its 5xx the model's (ModelErrorException with the original status).
fn server_error(status: u16, body: &str) -> AwsError {
    let detail = serde_json::from_str::<Value>(body)
        .ok()
        .and_then(|v| v.pointer("/error/message").or_else(|| v.get("error")).or_else(|| v.get("detail")).cloned())
        .map(|v| v.as_str().map(str::to_string).unwrap_or_else(|| v.to_string()))
        .unwrap_or_else(|| body.chars().take(500).collect());
    if (400..500).contains(&status) {
        return errors::model_returned(&detail);
    }
    AwsError::new("ModelErrorException", 424, format!("The model server answered {status}: {detail}"))
        .with_field("originalStatusCode", json!(status))
}

fn malformed(detail: &str) -> AwsError {
    AwsError::new("ModelErrorException", 424, format!("The model server sent an answer sekisho cannot read: {detail}"))
}

/// The `/chat/completions` body for `req`.
pub fn request_body(req: &ChatRequest, model: &str, stream: bool) -> Value {
    let mut messages = Vec::new();
    if !req.system.is_empty() {
        messages.push(json!({ "role": "system", "content": req.system.join("\n") }));
    }
    for m in &req.messages {
        match m.role {
            Role::User => user_messages(&m.content, &mut messages),
            Role::Assistant => messages.push(assistant_message(&m.content)),
        }
    }
    let mut body = Map::new();
    body.insert("model".into(), json!(model));
    body.insert("messages".into(), Value::Array(messages));
    if let Some(n) = req.max_tokens {
        body.insert("max_tokens".into(), json!(n));
    }
    if let Some(t) = req.temperature {
        body.insert("temperature".into(), json!(t));
    }
    if let Some(p) = req.top_p {
        body.insert("top_p".into(), json!(p));
    }
    if !req.stop_sequences.is_empty() {
        body.insert("stop".into(), json!(req.stop_sequences));
    }
    if !req.tools.is_empty() {
        let tools: Vec<Value> = req
            .tools
            .iter()
            .map(|t| {
                let mut f = json!({ "name": t.name, "parameters": t.schema });
                if let Some(d) = &t.description {
                    f["description"] = json!(d);
                }
                json!({ "type": "function", "function": f })
            })
            .collect();
        body.insert("tools".into(), Value::Array(tools));
        if let Some(choice) = &req.tool_choice {
            let c = match choice {
                ToolChoice::Auto => json!("auto"),
                ToolChoice::Any => json!("required"),
                ToolChoice::Tool(name) => json!({ "type": "function", "function": { "name": name } }),
            };
            body.insert("tool_choice".into(), c);
        }
    }
    if stream {
        body.insert("stream".into(), json!(true));
        body.insert("stream_options".into(), json!({ "include_usage": true }));
    }
    Value::Object(body)
}

/// A user turn: tool results become `tool` messages (first, as OpenAI wants them right after the call),
/// the rest one user message (plain text, or parts when it carries images).
fn user_messages(content: &[Block], out: &mut Vec<Value>) {
    let mut parts = Vec::new();
    let mut has_media = false;
    for b in content {
        match b {
            Block::ToolResult { id, content, is_error } => {
                let mut text: Vec<String> = content
                    .iter()
                    .map(|p| match p {
                        ToolResultPart::Text(t) => t.clone(),
                        ToolResultPart::Json(v) => v.to_string(),
                        ToolResultPart::Media { kind, .. } => format!("[{kind}]"),
                    })
                    .collect();
                if *is_error {
                    text.insert(0, "Error:".into());
                }
                out.push(json!({ "role": "tool", "tool_call_id": id, "content": text.join("\n") }));
            }
            Block::Text(t) => parts.push(json!({ "type": "text", "text": t })),
            Block::Media { kind, format, data } if kind == "image" => {
                has_media = true;
                let url = format!("data:image/{format};base64,{data}");
                parts.push(json!({ "type": "image_url", "image_url": { "url": url } }));
            }
            _ => {}
        }
    }
    if parts.is_empty() {
        return;
    }
    if has_media {
        out.push(json!({ "role": "user", "content": parts }));
    } else {
        let texts: Vec<&str> = parts.iter().filter_map(|p| p["text"].as_str()).collect();
        out.push(json!({ "role": "user", "content": texts.join("\n") }));
    }
}

fn assistant_message(content: &[Block]) -> Value {
    let text: Vec<&str> = content.iter().filter_map(Block::text).collect();
    let calls: Vec<Value> = content
        .iter()
        .filter_map(|b| match b {
            Block::ToolUse { id, name, input } => Some(json!({
                "id": id, "type": "function", "function": { "name": name, "arguments": input.to_string() }
            })),
            _ => None,
        })
        .collect();
    let mut m =
        json!({ "role": "assistant", "content": if text.is_empty() { Value::Null } else { json!(text.concat()) } });
    if !calls.is_empty() {
        m["tool_calls"] = Value::Array(calls);
    }
    m
}

fn stop_reason(finish: Option<&str>, matched: Option<&Value>, req: &ChatRequest) -> (StopReason, Option<String>) {
    match finish {
        Some("length") => (StopReason::MaxTokens, None),
        Some("tool_calls" | "function_call") => (StopReason::ToolUse, None),
        Some("content_filter") => (StopReason::ContentFiltered, None),
        // vLLM names the stop string that ended the answer.
        _ => match matched.and_then(Value::as_str).filter(|s| req.stop_sequences.iter().any(|q| q == s)) {
            Some(s) => (StopReason::StopSequence, Some(s.to_string())),
            None => (StopReason::EndTurn, None),
        },
    }
}

fn usage_of(v: &Value, req: &ChatRequest, output: &[Block]) -> Usage {
    let get =
        |k: &str| v.pointer(&format!("/usage/{k}")).and_then(Value::as_u64).map(|n| n.min(u32::MAX as u64) as u32);
    Usage {
        input_tokens: get("prompt_tokens").unwrap_or_else(|| tokens::input_tokens(req)),
        output_tokens: get("completion_tokens").unwrap_or_else(|| output.iter().map(tokens::block_tokens).sum()),
    }
}

fn tool_input(arguments: &str) -> Option<Value> {
    if arguments.trim().is_empty() {
        return Some(json!({}));
    }
    serde_json::from_str::<Value>(arguments).ok().filter(Value::is_object)
}

/// Bedrock's answer from a `/chat/completions` response.
pub fn parse_response(v: &Value, req: &ChatRequest) -> Result<ChatResponse, AwsError> {
    let choice = v.pointer("/choices/0").ok_or_else(|| malformed("no choices"))?;
    let message = choice.get("message").ok_or_else(|| malformed("no message"))?;
    let mut content = Vec::new();
    if let Some(text) = message.get("content").and_then(Value::as_str).filter(|t| !t.is_empty()) {
        content.push(Block::Text(text.to_string()));
    }
    let mut malformed_call = false;
    for call in message.get("tool_calls").and_then(Value::as_array).into_iter().flatten() {
        let id = call.get("id").and_then(Value::as_str).unwrap_or("call_0").to_string();
        let name = call.pointer("/function/name").and_then(Value::as_str).unwrap_or_default().to_string();
        let args = call.pointer("/function/arguments");
        let input = match args {
            Some(Value::String(s)) => tool_input(s),
            Some(obj @ Value::Object(_)) => Some(obj.clone()),
            _ => Some(json!({})),
        };
        malformed_call |= input.is_none();
        content.push(Block::ToolUse { id, name, input: input.unwrap_or_else(|| json!({})) });
    }
    let finish = choice.get("finish_reason").and_then(Value::as_str);
    let (mut reason, seq) = stop_reason(finish, choice.get("stop_reason"), req);
    if content.iter().any(|b| matches!(b, Block::ToolUse { .. })) {
        reason = if malformed_call { StopReason::MalformedToolUse } else { StopReason::ToolUse };
    }
    if content.is_empty() {
        content.push(Block::Text(String::new()));
    }
    let usage = usage_of(v, req, &content);
    Ok(ChatResponse { content, stop_reason: reason, stop_sequence: seq, usage })
}

#[async_trait::async_trait]
impl Backend for OpenAi {
    fn describe(&self) -> String {
        format!("openai {}", self.endpoint.url())
    }

    async fn converse(&self, req: &ChatRequest) -> Result<ChatResponse, AwsError> {
        let response = self.send(request_body(req, self.model_name(req), false)).await?;
        let body = match tokio::time::timeout(self.timeout, http::read_body(response)).await {
            Err(_) => return Err(timeout()),
            Ok(Err(e)) => return Err(unreachable(&self.endpoint, &e)),
            Ok(Ok(b)) => b,
        };
        let v: Value = serde_json::from_slice(&body).map_err(|e| malformed(&e.to_string()))?;
        parse_response(&v, req)
    }

    async fn converse_stream(&self, req: &ChatRequest, tx: mpsc::Sender<Chunk>) -> Result<(), AwsError> {
        let response = self.send(request_body(req, self.model_name(req), true)).await?;
        let is_sse = response
            .headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.starts_with("text/event-stream"));
        if !is_sse {
            // A server that ignores `stream: true` answers whole; stream that answer.
            let body = match tokio::time::timeout(self.timeout, http::read_body(response)).await {
                Err(_) => return Err(timeout()),
                Ok(Err(e)) => return Err(unreachable(&self.endpoint, &e)),
                Ok(Ok(b)) => b,
            };
            let v: Value = serde_json::from_slice(&body).map_err(|e| malformed(&e.to_string()))?;
            for chunk in super::chunks_of(&parse_response(&v, req)?) {
                if tx.send(chunk).await.is_err() {
                    break;
                }
            }
            return Ok(());
        }
        let mut body = response.into_body();
        let mut parser = SseParser::default();
        let mut state = StreamState::default();
        let deadline = tokio::time::Instant::now() + self.timeout;
        loop {
            let next = match tokio::time::timeout_at(deadline, http::next_bytes(&mut body)).await {
                Err(_) => return Err(timeout()),
                Ok(n) => n,
            };
            let (events, end) = match next {
                Some(Ok(bytes)) => (parser.push(&bytes), false),
                Some(Err(e)) => return Err(unreachable(&self.endpoint, &e)),
                None => (parser.finish(), true),
            };
            for data in events {
                if data.trim() == "[DONE]" {
                    state.done = true;
                    continue;
                }
                let v: Value = serde_json::from_str(&data).map_err(|e| malformed(&e.to_string()))?;
                for chunk in state.event(&v) {
                    if tx.send(chunk).await.is_err() {
                        return Ok(());
                    }
                }
            }
            // Some servers keep the connection open after `[DONE]`.
            if state.done {
                break;
            }
            if end {
                if state.finish.is_none() {
                    return Err(AwsError::new(
                        "ModelErrorException",
                        424,
                        "The model server closed the stream before the answer was complete.",
                    ));
                }
                break;
            }
        }
        let _ = tx.send(state.finish(req)).await;
        Ok(())
    }
}

/// What a stream has said so far.
#[derive(Default)]
struct StreamState {
    /// Tool calls by their stream index: (id, name, arguments so far).
    calls: Vec<(u64, String, String, String)>,
    current_call: Option<u64>,
    text: String,
    finish: Option<String>,
    matched_stop: Option<Value>,
    usage: Option<Value>,
    done: bool,
}

impl StreamState {
    fn event(&mut self, v: &Value) -> Vec<Chunk> {
        let mut out = Vec::new();
        if v.get("usage").is_some_and(|u| !u.is_null()) {
            self.usage = Some(json!({ "usage": v["usage"] }));
        }
        let Some(choice) = v.pointer("/choices/0") else { return out };
        if let Some(f) = choice.get("finish_reason").and_then(Value::as_str) {
            self.finish = Some(f.to_string());
        }
        if let Some(s) = choice.get("stop_reason").filter(|s| s.is_string()) {
            self.matched_stop = Some(s.clone());
        }
        let Some(delta) = choice.get("delta") else { return out };
        if let Some(text) = delta.get("content").and_then(Value::as_str).filter(|t| !t.is_empty()) {
            self.text.push_str(text);
            self.current_call = None;
            out.push(Chunk::Text(text.to_string()));
        }
        for call in delta.get("tool_calls").and_then(Value::as_array).into_iter().flatten() {
            let index = call.get("index").and_then(Value::as_u64).unwrap_or(0);
            let known = self.calls.iter().position(|c| c.0 == index);
            let at = match known {
                Some(at) => at,
                None => {
                    let id = call
                        .get("id")
                        .and_then(Value::as_str)
                        .map(str::to_string)
                        .unwrap_or_else(|| format!("call_{index}"));
                    let name = call.pointer("/function/name").and_then(Value::as_str).unwrap_or_default().to_string();
                    out.push(Chunk::ToolUseStart { id: id.clone(), name: name.clone() });
                    self.calls.push((index, id, name, String::new()));
                    self.current_call = Some(index);
                    self.calls.len() - 1
                }
            };
            if let Some(args) = call.pointer("/function/arguments").and_then(Value::as_str).filter(|a| !a.is_empty()) {
                self.calls[at].3.push_str(args);
                out.push(Chunk::ToolUseInput(args.to_string()));
            }
        }
        out
    }

    fn finish(&self, req: &ChatRequest) -> Chunk {
        let mut blocks: Vec<Block> = Vec::new();
        if !self.text.is_empty() {
            blocks.push(Block::Text(self.text.clone()));
        }
        let mut malformed_call = false;
        for (_, id, name, args) in &self.calls {
            let input = tool_input(args);
            malformed_call |= input.is_none();
            blocks.push(Block::ToolUse {
                id: id.clone(),
                name: name.clone(),
                input: input.unwrap_or_else(|| json!({})),
            });
        }
        let (mut reason, seq) = stop_reason(self.finish.as_deref(), self.matched_stop.as_ref(), req);
        if !self.calls.is_empty() {
            reason = if malformed_call { StopReason::MalformedToolUse } else { StopReason::ToolUse };
        }
        let usage = usage_of(self.usage.as_ref().unwrap_or(&Value::Null), req, &blocks);
        Chunk::Stop { reason, stop_sequence: seq, usage }
    }
}

#[cfg(test)]
mod tests;
