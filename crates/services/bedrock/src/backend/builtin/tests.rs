//! The built-in model's promises: deterministic, in the user's language, aware of system prompts, history,
//! limits, stop sequences, tools and tool results; usage by the documented token count.

use super::*;
use crate::backend::tests::request;
use crate::chat::{Message, ToolSpec};
use serde_json::json;

fn weather_tool() -> ToolSpec {
    ToolSpec {
        name: "get_weather".into(),
        description: Some("Current weather for a city".into()),
        schema: json!({"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}),
    }
}

#[test]
fn same_request_same_answer() {
    let r = request("Tell me about the Tokaido road.");
    assert_eq!(answer(&r), answer(&r));
    assert_ne!(answer(&r).text(), answer(&request("Tell me about Nakasendo.")).text());
}

#[test]
fn japanese_in_japanese_out() {
    let r = answer(&request("こんにちは"));
    let text = r.text();
    assert!(text.starts_with("こんにちは!"), "{text}");
    assert!(text.contains("Claude Haiku 4.5"));
    assert_eq!(r.stop_reason, StopReason::EndTurn);
    let q = answer(&request("東京の人口はどのくらいですか?")).text();
    assert!(q.contains("ご質問「東京の人口はどのくらいですか?」"), "{q}");
    let en = answer(&request("Hello there")).text();
    assert!(en.starts_with("Hello!"), "{en}");
}

#[test]
fn usage_counts_input_and_output() {
    let r = answer(&request("こんにちは、日本語でテストしています。"));
    assert_eq!(r.usage.input_tokens, 22, "the seed's figure");
    assert_eq!(r.usage.output_tokens, crate::tokens::count(&r.text()));
    assert!(r.usage.output_tokens > 20);
}

#[test]
fn system_prompts_set_persona_and_language() {
    let mut r = request("What is a checkpoint?");
    r.system = vec!["You are a samurai guard at the Hakone checkpoint. Answer in Japanese.".into()];
    let text = answer(&r).text();
    assert!(text.starts_with("a samurai guard at the Hakone checkpointとしてお答えします。"), "{text}");
    let mut guide = request("関所はどこですか?");
    guide.system = vec!["あなたは親切な案内係です。".into()];
    assert!(answer(&guide).text().starts_with("親切な案内係としてお答えします。"));
    r.system = vec!["Always answer in English.".into()];
    let mut ja = r.clone();
    ja.messages[0].content = vec![Block::Text("関所とは何ですか?".into())];
    assert!(answer(&ja).text().starts_with("You asked:"), "system language wins over the message's");
}

#[test]
fn history_is_remembered() {
    let mut r = request("My name is Taro.");
    r.messages.push(Message { role: Role::Assistant, content: vec![Block::Text("Nice to meet you.".into())] });
    r.messages.push(Message { role: Role::User, content: vec![Block::Text("What did I tell you?".into())] });
    let text = answer(&r).text();
    assert!(text.contains("Earlier in this conversation you said: \u{201c}My name is Taro.\u{201d}"), "{text}");
    assert!(text.contains("What did I tell you?"));
}

#[test]
fn max_tokens_and_stop_sequences() {
    let mut r = request("Please write something long about travelling on the old roads of Japan.");
    r.max_tokens = Some(5);
    let a = answer(&r);
    assert_eq!(a.stop_reason, StopReason::MaxTokens);
    assert_eq!(a.usage.output_tokens, 5);
    r.max_tokens = None;
    r.stop_sequences = vec!["built-in".into()];
    let a = answer(&r);
    assert_eq!(a.stop_reason, StopReason::StopSequence);
    assert_eq!(a.stop_sequence.as_deref(), Some("built-in"));
    assert!(!a.text().contains("built-in") && a.text().ends_with("sekisho's "), "{}", a.text());
}

#[test]
fn tools_when_asked_or_forced() {
    let mut r = request("What's the weather in Kyoto? Use the get_weather tool.");
    r.tools = vec![weather_tool()];
    let a = answer(&r);
    assert_eq!(a.stop_reason, StopReason::ToolUse);
    assert_eq!(a.content[0], Block::Text("I'll use the get_weather tool.".into()));
    let Block::ToolUse { id, name, input } = &a.content[1] else { panic!("{a:?}") };
    assert!(id.starts_with("tooluse_") && id.len() == "tooluse_".len() + 22, "{id}");
    assert_eq!((name.as_str(), input), ("get_weather", &json!({"city": "Kyoto"})));
    assert_eq!(answer(&r), a, "tool use ids are deterministic too");

    let mut plain = request("Tell me a story.");
    plain.tools = vec![weather_tool()];
    assert_eq!(answer(&plain).stop_reason, StopReason::EndTurn, "auto: no tool unless asked");
    plain.tool_choice = Some(ToolChoice::Any);
    let forced = answer(&plain);
    assert_eq!(forced.stop_reason, StopReason::ToolUse);
    assert!(matches!(forced.content[0], Block::ToolUse { .. }), "no preamble when a tool is forced");
    plain.tool_choice = Some(ToolChoice::Tool("get_weather".into()));
    assert_eq!(answer(&plain).content.len(), 1);
}

#[test]
fn tool_results_are_reported() {
    let mut r = request("Weather in Kyoto? use the tool");
    r.tools = vec![weather_tool()];
    let first = answer(&r);
    let Block::ToolUse { id, .. } = &first.content[1] else { panic!() };
    r.messages.push(Message { role: Role::Assistant, content: first.content.clone() });
    r.messages.push(Message {
        role: Role::User,
        content: vec![Block::ToolResult {
            id: id.clone(),
            content: vec![ToolResultPart::Json(json!({"forecast": "sunny", "temp": 21}))],
            is_error: false,
        }],
    });
    let a = answer(&r);
    assert_eq!(a.stop_reason, StopReason::EndTurn);
    let text = a.text();
    assert!(text.contains("The get_weather tool returned: {\"forecast\":\"sunny\",\"temp\":21}."), "{text}");
}

#[test]
fn system_prompts_with_letters_that_grow_when_lowered() {
    let mut r = request("Hello");
    r.system = vec!["İİİİİİ You are a guide.".into()];
    assert!(answer(&r).text().starts_with("Speaking as a guide. "));
}
