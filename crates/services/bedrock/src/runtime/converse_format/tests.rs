//! Converse request checks (Bedrock's texts) and the response shape the field output shows (seed 000).
//! Requests are decoded values as the wire hands them over.

use super::*;
use crate::catalog::catalog;
use crate::chat::{StopReason, Usage};

fn haiku() -> &'static FoundationModel {
    catalog().model("anthropic.claude-haiku-4-5-20251001-v1:0").unwrap()
}

#[test]
fn a_full_request_parses() {
    let input = json!({
        "modelId": "jp.anthropic.claude-haiku-4-5-20251001-v1:0",
        "system": [{"text": "Be brief."}, {"cachePoint": {"type": "default"}}],
        "messages": [
            {"role": "user", "content": [{"text": "Weather?"}, {"image": {"format": "png", "source": {"bytes": "iVBORw0KGgo="}}}]},
            {"role": "assistant", "content": [{"toolUse": {"toolUseId": "t1", "name": "get_weather", "input": {"city": "Tokyo"}}}]},
            {"role": "user", "content": [{"toolResult": {"toolUseId": "t1", "content": [{"json": {"t": 20}}, {"text": "ok"}], "status": "success"}}]}
        ],
        "inferenceConfig": {"maxTokens": 100, "temperature": 0.7, "topP": 0.9, "stopSequences": ["END"]},
        "toolConfig": {"tools": [{"toolSpec": {"name": "get_weather", "description": "d", "inputSchema": {"json": {"type": "object"}}}}],
                       "toolChoice": {"any": {}}}
    });
    let r = parse_request(&input, haiku()).unwrap();
    assert_eq!(r.system, ["Be brief."]);
    assert_eq!(r.messages.len(), 3);
    assert_eq!(
        r.messages[0].content[1],
        Block::Media { kind: "image".into(), format: "png".into(), data: "iVBORw0KGgo=".into() }
    );
    assert_eq!(
        r.messages[2].content[0],
        Block::ToolResult {
            id: "t1".into(),
            content: vec![ToolResultPart::Json(json!({"t": 20})), ToolResultPart::Text("ok".into())],
            is_error: false
        }
    );
    assert_eq!((r.max_tokens, r.temperature, r.top_p), (Some(100), Some(0.7), Some(0.9)));
    assert_eq!(r.stop_sequences, ["END"]);
    assert_eq!(r.tool_choice, Some(ToolChoice::Any));
    assert_eq!(r.tools[0].name, "get_weather");
    assert_eq!(r.model.name, "Claude Haiku 4.5");
}

#[test]
fn conversation_rules_with_bedrock_texts() {
    let err = |input: Value| parse_request(&input, haiku()).unwrap_err().message;
    assert_eq!(err(json!({"messages": []})), errors::must_start_with_user().message);
    assert_eq!(err(json!({})), errors::must_start_with_user().message);
    assert_eq!(
        err(json!({"messages": [{"role": "assistant", "content": [{"text": "hi"}]}]})),
        errors::must_start_with_user().message
    );
    assert_eq!(
        err(
            json!({"messages": [{"role": "user", "content": [{"text": "a"}]}, {"role": "user", "content": [{"text": "b"}]}]})
        ),
        "A conversation must alternate between user and assistant roles. Make sure the conversation alternates between user and assistant roles and try again."
    );
    assert_eq!(
        err(json!({"messages": [{"role": "user", "content": [{"text": "ok"}, {"text": "  "}]}]})),
        "The text field in the ContentBlock object at messages.0.content.1 is blank. Add text to the text field, and try again."
    );
    assert_eq!(
        err(json!({"messages": [{"role": "user", "content": [{"toolResult": {"toolUseId": "x", "content": []}}]}]})),
        "The toolConfig field must be defined when using toolUse and toolResult content blocks."
    );
}

#[test]
fn response_shape_matches_the_field_output() {
    let answer = ChatResponse {
        content: vec![Block::Text("こんにちは!".into())],
        stop_reason: StopReason::EndTurn,
        stop_sequence: None,
        usage: Usage { input_tokens: 22, output_tokens: 70 },
    };
    assert_eq!(
        response(&answer, 2203),
        json!({
            "output": {"message": {"role": "assistant", "content": [{"text": "こんにちは!"}]}},
            "stopReason": "end_turn",
            "usage": {"inputTokens": 22, "outputTokens": 70, "totalTokens": 92, "cacheReadInputTokens": 0, "cacheWriteInputTokens": 0},
            "metrics": {"latencyMs": 2203}
        })
    );
}
