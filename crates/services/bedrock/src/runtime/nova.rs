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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::catalog;
    use crate::chat::{Block, StopReason, Usage};
    use serde_json::json;

    #[test]
    fn messages_v1_bodies() {
        let nova = catalog().model("amazon.nova-lite-v1:0").unwrap();
        let body = json!({
            "schemaVersion": "messages-v1",
            "system": [{"text": "Be brief."}],
            "messages": [{"role": "user", "content": [{"text": "Hello"}]}],
            "inferenceConfig": {"max_new_tokens": 64, "temperature": 0.3, "stopSequences": ["END"]}
        });
        let r = parse_request(&body, nova).unwrap();
        assert_eq!(
            (r.max_tokens, r.system.as_slice(), r.stop_sequences.as_slice()),
            (Some(64), &["Be brief.".to_string()][..], &["END".to_string()][..])
        );
        let e = parse_request(&json!({"inputText": "x"}), nova).unwrap_err();
        assert_eq!(
            e.message,
            "Malformed input request: #: required key [messages] not found, please reformat your input and try again."
        );
        let answer = ChatResponse {
            content: vec![Block::Text("Hi".into())],
            stop_reason: StopReason::EndTurn,
            stop_sequence: None,
            usage: Usage { input_tokens: 3, output_tokens: 1 },
        };
        assert_eq!(
            response(&answer),
            json!({"output": {"message": {"content": [{"text": "Hi"}], "role": "assistant"}}, "stopReason": "end_turn",
                   "usage": {"inputTokens": 3, "outputTokens": 1, "totalTokens": 4, "cacheReadInputTokenCount": 0, "cacheWriteInputTokenCount": 0}})
        );
    }
}
