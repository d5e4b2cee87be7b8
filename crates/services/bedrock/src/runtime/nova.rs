//! Amazon Nova's InvokeModel body (`messages-v1`: the Converse members, `inferenceConfig.maxTokens` or
//! `max_new_tokens`) and its answer, whole or as stream chunks (`messageStart` ... `metadata`).

use super::anthropic::chunk;
use super::converse_format::{self, content_json};
use super::stream::{BlockKind, Renderer, Step, Timing};
use crate::catalog::FoundationModel;
use crate::chat::{ChatRequest, ChatResponse};
use crate::errors;
use sekisho_core::AwsError;
use sekisho_core::service::Event;
use serde_json::{Value, json};

pub fn parse_request(body: &Value, model: &FoundationModel) -> Result<ChatRequest, AwsError> {
    if !body.is_object() {
        return Err(errors::malformed_input(&["#: expected type: JSONObject".to_string()]));
    }
    if body.get("messages").is_none() {
        return Err(errors::malformed_input(&["#: required key [messages] not found".to_string()]));
    }
    converse_format::parse_request(body, model)
}

pub fn response(r: &ChatResponse) -> Value {
    json!({
        "output": { "message": { "content": content_json(&r.content), "role": "assistant" } },
        "stopReason": r.stop_reason.as_str(),
        "usage": {
            "inputTokens": r.usage.input_tokens,
            "outputTokens": r.usage.output_tokens,
            "totalTokens": r.usage.total(),
            "cacheReadInputTokenCount": 0,
            "cacheWriteInputTokenCount": 0
        }
    })
}

pub struct NovaStream;

impl Renderer for NovaStream {
    fn start(&mut self) -> Vec<Event> {
        vec![chunk(&json!({ "messageStart": { "role": "assistant" } }))]
    }

    fn step(&mut self, step: Step, timing: Timing) -> Vec<Event> {
        let v = match step {
            Step::Start(_, BlockKind::Text) => return Vec::new(),
            Step::Start(index, BlockKind::ToolUse { id, name }) => {
                json!({ "contentBlockStart": { "start": { "toolUse": { "toolUseId": id, "name": name } }, "contentBlockIndex": index } })
            }
            Step::TextDelta(index, text) => {
                json!({ "contentBlockDelta": { "delta": { "text": text }, "contentBlockIndex": index } })
            }
            Step::ToolInputDelta(index, input) => {
                json!({ "contentBlockDelta": { "delta": { "toolUse": { "input": input } }, "contentBlockIndex": index } })
            }
            Step::Stop(index) => json!({ "contentBlockStop": { "contentBlockIndex": index } }),
            Step::End { reason, usage, .. } => {
                return vec![
                    chunk(&json!({ "messageStop": { "stopReason": reason.as_str() } })),
                    chunk(&json!({
                        "metadata": { "usage": { "inputTokens": usage.input_tokens, "outputTokens": usage.output_tokens }, "metrics": {}, "trace": {} },
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
