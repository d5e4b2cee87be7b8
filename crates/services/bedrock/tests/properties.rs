//! Properties over arbitrary text: the built-in model and its helpers never panic, the token pieces are
//! lossless and agree with the count, tool input is always an object, limits always hold.

use proptest::prelude::*;
use sekisho_bedrock::backend::{builtin, toolinput};
use sekisho_bedrock::chat::{Block, ChatRequest, Message, ModelRef, Role, StopReason, ToolChoice, ToolSpec};
use sekisho_bedrock::tokens;
use serde_json::json;

fn request(system: String, text: String, max_tokens: Option<u32>, stop: Vec<String>, tools: bool) -> ChatRequest {
    ChatRequest {
        model: ModelRef {
            id: "anthropic.claude-haiku-4-5-20251001-v1:0".into(),
            name: "Claude Haiku 4.5".into(),
            provider: "Anthropic".into(),
        },
        system: vec![system],
        messages: vec![Message { role: Role::User, content: vec![Block::Text(text)] }],
        max_tokens,
        temperature: None,
        top_p: None,
        stop_sequences: stop,
        tools: if tools {
            vec![ToolSpec {
                name: "lookup".into(),
                description: Some("Look something up".into()),
                schema: json!({"type": "object", "properties": {"query": {"type": "string", "maxLength": 20},
                    "limit": {"type": "integer", "minimum": 1, "maximum": 5}}, "required": ["query", "limit"]}),
            }]
        } else {
            vec![]
        },
        tool_choice: if tools { Some(ToolChoice::Any) } else { None },
    }
}

proptest! {
    #[test]
    fn pieces_are_lossless_and_count_once(text in "\\PC{0,200}") {
        let pieces = tokens::pieces(&text);
        prop_assert_eq!(pieces.concat(), text.clone());
        prop_assert_eq!(pieces.iter().map(|p| tokens::count(p)).sum::<u32>(), tokens::count(&text));
    }

    #[test]
    fn the_builtin_model_answers_anything(system in "\\PC{0,80}", text in "\\PC{1,200}", max in proptest::option::of(1u32..50),
                                          stop in proptest::collection::vec("\\PC{1,4}", 0..3), tools: bool) {
        let req = request(system, text, max, stop.clone(), tools);
        let a = builtin::answer(&req);
        prop_assert_eq!(&a, &builtin::answer(&req));
        if tools {
            prop_assert_eq!(a.stop_reason, StopReason::ToolUse);
            let Some(Block::ToolUse { input, .. }) = a.content.last() else { panic!("no tool use: {a:?}") };
            prop_assert!(input["query"].as_str().is_some_and(|q| q.chars().count() <= 20));
            prop_assert!(input["limit"].as_i64().is_some_and(|l| (1..=5).contains(&l)));
        } else {
            let text = a.text();
            if let Some(max) = max {
                prop_assert!(tokens::count(&text) <= max);
            }
            for s in &stop {
                prop_assert!(!text.contains(s.as_str()), "{:?} still contains stop sequence {:?}", text, s);
            }
            prop_assert_eq!(a.usage.output_tokens, tokens::count(&text));
        }
    }

    #[test]
    fn tool_input_is_always_an_object(text in "\\PC{0,120}") {
        let schema = json!({"type": "object", "properties": {"city": {"type": "string", "minLength": 2},
            "days": {"type": "integer", "exclusiveMinimum": 0}, "tags": {"type": "array", "items": {"type": "string"}}},
            "required": ["city", "days", "tags"]});
        let v = toolinput::generate(&schema, &text);
        prop_assert!(v["city"].as_str().is_some_and(|c| c.chars().count() >= 2));
        prop_assert!(v["days"].as_i64().is_some_and(|d| d > 0));
        prop_assert!(v["tags"].is_array());
    }
}
