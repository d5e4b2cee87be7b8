//! The Anthropic Messages body: schema messages as Bedrock words them, the request it asks for, and the
//! response and stream shapes.

use super::*;
use crate::catalog::catalog;
use crate::chat::{StopReason, Usage};

fn haiku() -> &'static FoundationModel {
    catalog().model("anthropic.claude-haiku-4-5-20251001-v1:0").unwrap()
}

#[test]
fn schema_violations() {
    let err = |body: Value| parse_request(&body, haiku()).unwrap_err();
    let e = err(json!({"anthropic_version": "bedrock-2023-05-31", "messages": []}));
    assert_eq!(e.code, "ValidationException");
    assert_eq!(
        e.message,
        "Malformed input request: #: required key [max_tokens] not found, please reformat your input and try again."
    );
    let e = err(
        json!({"anthropic_version": "bedrock-2023-05-31", "max_tokens": 10, "messages": [], "max_tokens_to_sample": 5}),
    );
    assert_eq!(
        e.message,
        "Malformed input request: #: extraneous key [max_tokens_to_sample] is not permitted, please reformat your input and try again."
    );
    let e = err(json!({"prompt": "x"}));
    assert_eq!(
        e.message,
        "Malformed input request: 4 schema violations found, please reformat your input and try again."
    );
    let e = err(json!({"anthropic_version": "bedrock-2023-05-31", "max_tokens": "ten", "messages": []}));
    assert!(e.message.contains("#/max_tokens: expected type: Integer, found: String"), "{}", e.message);
    assert_eq!(
        err(json!([1])).message,
        "Malformed input request: #: expected type: JSONObject, found: JSONArray, please reformat your input and try again."
    );
}

#[test]
fn a_messages_body_becomes_a_request() {
    let body = json!({
        "anthropic_version": "bedrock-2023-05-31",
        "max_tokens": 512,
        "system": "You are terse.",
        "stop_sequences": ["\n\nHuman:"],
        "messages": [
            {"role": "user", "content": "What's the weather in Tokyo?"},
            {"role": "assistant", "content": [{"type": "tool_use", "id": "toolu_1", "name": "get_weather", "input": {"city": "Tokyo"}}]},
            {"role": "user", "content": [{"type": "tool_result", "tool_use_id": "toolu_1", "content": "sunny"}]},
            {"role": "user", "content": [{"type": "text", "text": "Thanks"}]}
        ],
        "tools": [{"name": "get_weather", "description": "d", "input_schema": {"type": "object"}}],
        "tool_choice": {"type": "tool", "name": "get_weather"}
    });
    let r = parse_request(&body, haiku()).unwrap();
    assert_eq!(r.system, ["You are terse."]);
    assert_eq!(r.max_tokens, Some(512));
    assert_eq!(r.messages.len(), 3, "consecutive user turns are joined");
    assert_eq!(r.messages[2].content.len(), 2);
    assert_eq!(r.tool_choice, Some(ToolChoice::Tool("get_weather".into())));
    assert_eq!(r.tools[0].schema, json!({"type": "object"}));
}

#[test]
fn response_and_ids() {
    assert_eq!(response_model("anthropic.claude-haiku-4-5-20251001-v1:0"), "claude-haiku-4-5-20251001");
    assert_eq!(response_model("anthropic.claude-sonnet-4-6"), "claude-sonnet-4-6");
    assert_eq!(response_model("anthropic.claude-3-5-sonnet-20241022-v2:0"), "claude-3-5-sonnet-20241022");
    let body = json!({"anthropic_version": "bedrock-2023-05-31", "max_tokens": 5, "messages": [{"role": "user", "content": "hi"}]});
    let req = parse_request(&body, haiku()).unwrap();
    let answer = ChatResponse {
        content: vec![Block::Text("Hello".into())],
        stop_reason: StopReason::MaxTokens,
        stop_sequence: None,
        usage: Usage { input_tokens: 4, output_tokens: 5 },
    };
    let v = response(&req, &answer);
    assert!(v["id"].as_str().unwrap().starts_with("msg_bdrk_"));
    assert_eq!(v["id"], response(&req, &answer)["id"], "deterministic");
    assert_eq!(v["content"], json!([{"type": "text", "text": "Hello"}]));
    assert_eq!(v["stop_reason"], "max_tokens");
    assert_eq!(v["stop_sequence"], Value::Null);
    assert_eq!(v["usage"]["output_tokens"], 5);
    assert_eq!(v["model"], "claude-haiku-4-5-20251001");
}

#[test]
fn stream_events() {
    use base64::Engine;
    let decode = |e: &Event| -> Value {
        assert_eq!(e.name, "chunk");
        let bytes = base64::engine::general_purpose::STANDARD.decode(e.payload["bytes"].as_str().unwrap()).unwrap();
        serde_json::from_slice(&bytes).unwrap()
    };
    let mut r = AnthropicStream { id: "msg_bdrk_x".into(), model: "claude-haiku-4-5-20251001".into(), input_tokens: 9 };
    let start = decode(&r.start()[0]);
    assert_eq!(start["type"], "message_start");
    assert_eq!(start["message"]["usage"]["input_tokens"], 9);
    let t = Timing { latency_ms: 12, first_byte_ms: 3 };
    let delta = decode(&r.step(Step::TextDelta(0, "Hi".into()), t)[0]);
    assert_eq!(
        delta,
        json!({"type": "content_block_delta", "index": 0, "delta": {"type": "text_delta", "text": "Hi"}})
    );
    let tool = decode(&r.step(Step::Start(1, BlockKind::ToolUse { id: "toolu_1".into(), name: "f".into() }), t)[0]);
    assert_eq!(tool["content_block"], json!({"type": "tool_use", "id": "toolu_1", "name": "f", "input": {}}));
    let end = r.step(
        Step::End {
            reason: StopReason::EndTurn,
            stop_sequence: None,
            usage: Usage { input_tokens: 9, output_tokens: 2 },
        },
        t,
    );
    let (delta, stop) = (decode(&end[0]), decode(&end[1]));
    assert_eq!(delta["delta"]["stop_reason"], "end_turn");
    assert_eq!(stop["amazon-bedrock-invocationMetrics"]["outputTokenCount"], 2);
    assert_eq!(stop["amazon-bedrock-invocationMetrics"]["invocationLatency"], 12);
}
