//! Backend selection, streaming a complete answer, and the limits every local backend applies.
//! `request` builds the one-message request the backend tests share.

use super::*;
use crate::chat::{Message, ModelRef, Role};

/// A one-message request to Claude Haiku 4.5.
pub fn request(text: &str) -> ChatRequest {
    ChatRequest {
        model: ModelRef {
            id: "anthropic.claude-haiku-4-5-20251001-v1:0".into(),
            name: "Claude Haiku 4.5".into(),
            provider: "Anthropic".into(),
        },
        system: vec![],
        messages: vec![Message { role: Role::User, content: vec![Block::Text(text.into())] }],
        max_tokens: None,
        temperature: None,
        top_p: None,
        stop_sequences: vec![],
        tools: vec![],
        tool_choice: None,
    }
}

#[test]
fn chunks_rebuild_the_answer() {
    let response = ChatResponse {
        content: vec![
            Block::Text("Let me check the weather for you now.".into()),
            Block::ToolUse { id: "t1".into(), name: "get_weather".into(), input: serde_json::json!({"city": "Tokyo"}) },
        ],
        stop_reason: StopReason::ToolUse,
        stop_sequence: None,
        usage: Usage { input_tokens: 5, output_tokens: 9 },
    };
    let chunks = chunks_of(&response);
    let text: String =
        chunks.iter().filter_map(|c| if let Chunk::Text(t) = c { Some(t.as_str()) } else { None }).collect();
    assert_eq!(text, "Let me check the weather for you now.");
    assert!(chunks.iter().filter(|c| matches!(c, Chunk::Text(_))).count() > 1, "streamed in several deltas");
    let input: String =
        chunks.iter().filter_map(|c| if let Chunk::ToolUseInput(t) = c { Some(t.as_str()) } else { None }).collect();
    assert_eq!(serde_json::from_str::<serde_json::Value>(&input).unwrap(), serde_json::json!({"city": "Tokyo"}));
    assert!(matches!(chunks.last(), Some(Chunk::Stop { reason: StopReason::ToolUse, .. })));
}

#[test]
fn deltas_break_between_words() {
    let text = "Hello! I'm sekisho's built-in model, answering as Claude Haiku 4.5.";
    let deltas = text_deltas(text);
    assert_eq!(deltas.concat(), text);
    for pair in deltas.windows(2) {
        let (a, b) = (pair[0].chars().last().unwrap(), pair[1].chars().next().unwrap());
        assert!(!(a.is_alphanumeric() && b.is_alphanumeric()), "{pair:?} splits a word: {deltas:?}");
    }
    let ja = text_deltas("こんにちは!sekisho の組み込みモデルです。");
    assert_eq!(ja.concat(), "こんにちは!sekisho の組み込みモデルです。");
    assert!(ja.len() > 3);
}

#[test]
fn limits_cut_at_the_earliest_stop_sequence_then_at_max_tokens() {
    let mut req = request("x");
    req.stop_sequences = vec!["END".into(), "two".into(), String::new()];
    let (text, stop) = limit_text("one two three END", &req);
    assert_eq!((text.as_str(), stop), ("one ", Some((StopReason::StopSequence, Some("two".into())))));
    req.stop_sequences.clear();
    req.max_tokens = Some(3);
    let (text, stop) = limit_text("alpha beta gamma delta", &req);
    assert_eq!(crate::tokens::count(&text), 3);
    assert_eq!(stop, Some((StopReason::MaxTokens, None)));
    req.max_tokens = Some(100);
    assert_eq!(limit_text("short", &req), ("short".to_string(), None));
}

#[test]
fn backends_are_chosen_by_model_pattern_first_match_wins() {
    let dir = std::env::temp_dir().join(format!("sekisho-bedrock-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("s.json"), r#"{"rules": []}"#).unwrap();
    let configs: Vec<BackendConfig> = toml::from_str::<toml::Table>(
        r#"
[[b]]
models = ["anthropic.claude-haiku-*"]
type = "scripted"
file = "s.json"
[[b]]
models = ["anthropic.*", "meta.*"]
type = "openai"
url = "http://127.0.0.1:9/v1"
"#,
    )
    .unwrap()["b"]
        .clone()
        .try_into()
        .unwrap();
    let b = Backends::from_config(&configs, &dir).unwrap();
    assert!(b.for_model("anthropic.claude-haiku-4-5-20251001-v1:0").describe().starts_with("scripted"));
    assert_eq!(b.for_model("anthropic.claude-sonnet-4-5-20250929-v1:0").describe(), "openai http://127.0.0.1:9/v1");
    assert_eq!(b.for_model("meta.llama3-3-70b-instruct-v1:0").describe(), "openai http://127.0.0.1:9/v1");
    assert_eq!(b.for_model("amazon.nova-lite-v1:0").describe(), "builtin");
    let bad = |t: &str| {
        let c: Vec<BackendConfig> = toml::from_str::<toml::Table>(t).unwrap()["b"].clone().try_into().unwrap();
        Backends::from_config(&c, &dir).err().unwrap()
    };
    assert!(bad("[[b]]\nmodels = [\"*\"]\ntype = \"gpt\"\n").contains("type must be"));
    assert!(bad("[[b]]\nmodels = [\"*\"]\ntype = \"openai\"\n").contains("url"));
    assert!(bad("[[b]]\nmodels = [\"*\"]\ntype = \"scripted\"\nfile = \"missing.toml\"\n").contains("cannot read"));
    assert!(bad("[[b]]\nmodels = []\ntype = \"builtin\"\n").contains("names no model"));
    let _ = std::fs::remove_dir_all(&dir);
}
