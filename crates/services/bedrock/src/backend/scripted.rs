//! Scripted answers for tests: rules in a JSON or TOML file map a pattern over the last user message (and
//! optionally the model id) to an answer text or a tool use. Unmatched requests get the built-in answer.

use super::{Backend, builtin, limit_text};
use crate::chat::{Block, ChatRequest, ChatResponse, StopReason, Usage};
use crate::config::glob_match;
use crate::tokens;
use regex::Regex;
use sekisho_core::AwsError;
use serde::Deserialize;
use serde_json::Value;
use std::path::Path;

/// The file: `default` (optional) and `rules`, tried in order.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ScriptFile {
    default: Option<String>,
    #[serde(default)]
    rules: Vec<RuleFile>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RuleFile {
    /// A regular expression searched in the last user message's text; `$1`, `${name}` in `answer` expand
    /// to its groups.
    #[serde(rename = "match")]
    pattern: String,
    /// A foundation model id glob; the rule applies to every model when absent.
    model: Option<String>,
    answer: Option<String>,
    tool_use: Option<ToolUseFile>,
    /// Overrides the stop reason (`end_turn` unless cut by limits, `tool_use` with a tool use).
    stop_reason: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ToolUseFile {
    name: String,
    #[serde(default = "empty_object")]
    input: Value,
    id: Option<String>,
}

fn empty_object() -> Value {
    Value::Object(Default::default())
}

#[derive(Debug)]
struct Rule {
    pattern: Regex,
    model: Option<String>,
    answer: Option<String>,
    tool_use: Option<ToolUseFile>,
    stop_reason: Option<StopReason>,
}

#[derive(Debug)]
pub struct Scripted {
    path: String,
    default: Option<String>,
    rules: Vec<Rule>,
}

fn stop_reason(name: &str) -> Result<StopReason, String> {
    Ok(match name {
        "end_turn" => StopReason::EndTurn,
        "tool_use" => StopReason::ToolUse,
        "max_tokens" => StopReason::MaxTokens,
        "stop_sequence" => StopReason::StopSequence,
        "content_filtered" => StopReason::ContentFiltered,
        "malformed_tool_use" => StopReason::MalformedToolUse,
        other => return Err(format!("unknown stop_reason {other:?}")),
    })
}

impl Scripted {
    pub fn load(path: &Path) -> Result<Scripted, String> {
        let text = std::fs::read_to_string(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
        let is_toml = path.extension().is_some_and(|e| e.eq_ignore_ascii_case("toml"));
        Scripted::parse(&text, is_toml, &path.display().to_string())
    }

    pub fn parse(text: &str, is_toml: bool, name: &str) -> Result<Scripted, String> {
        let file: ScriptFile = if is_toml {
            toml::from_str(text).map_err(|e| format!("{name}: {e}"))?
        } else {
            serde_json::from_str(text).map_err(|e| format!("{name}: {e}"))?
        };
        let mut rules = Vec::new();
        for (i, r) in file.rules.into_iter().enumerate() {
            let at = format!("{name}: rule {}", i + 1);
            let pattern = Regex::new(&r.pattern).map_err(|e| format!("{at}: {e}"))?;
            if r.answer.is_none() && r.tool_use.is_none() {
                return Err(format!("{at}: needs `answer` or `tool_use`"));
            }
            if r.tool_use.as_ref().is_some_and(|t| !t.input.is_object()) {
                return Err(format!("{at}: tool_use.input must be an object"));
            }
            let stop_reason =
                r.stop_reason.as_deref().map(stop_reason).transpose().map_err(|e| format!("{at}: {e}"))?;
            rules.push(Rule { pattern, model: r.model, answer: r.answer, tool_use: r.tool_use, stop_reason });
        }
        Ok(Scripted { path: name.to_string(), default: file.default, rules })
    }

    fn respond(&self, req: &ChatRequest) -> ChatResponse {
        let last = req.last_user().map(|m| m.text()).unwrap_or_default();
        let input_tokens = tokens::input_tokens(req);
        let matched = self.rules.iter().find_map(|r| {
            if r.model.as_deref().is_some_and(|m| !glob_match(m, &req.model.id)) {
                return None;
            }
            r.pattern.captures(&last).map(|caps| (r, caps))
        });
        let Some((rule, caps)) = matched else {
            return match &self.default {
                Some(text) => text_response(text, req, None, input_tokens),
                None => builtin::answer(req),
            };
        };
        let mut content = Vec::new();
        if let Some(answer) = &rule.answer {
            let mut text = String::new();
            caps.expand(answer, &mut text);
            if rule.tool_use.is_none() {
                return text_response(&text, req, rule.stop_reason, input_tokens);
            }
            content.push(Block::Text(text));
        }
        if let Some(t) = &rule.tool_use {
            let id = t.id.clone().unwrap_or_else(|| format!("tooluse_scripted{:06}", content.len() + 1));
            content.push(Block::ToolUse { id, name: t.name.clone(), input: t.input.clone() });
        }
        let output_tokens = content.iter().map(tokens::block_tokens).sum();
        ChatResponse {
            content,
            stop_reason: rule.stop_reason.unwrap_or(StopReason::ToolUse),
            stop_sequence: None,
            usage: Usage { input_tokens, output_tokens },
        }
    }
}

fn text_response(text: &str, req: &ChatRequest, forced: Option<StopReason>, input_tokens: u32) -> ChatResponse {
    let (text, stop) = limit_text(text, req);
    let (reason, seq) = stop.unwrap_or((forced.unwrap_or(StopReason::EndTurn), None));
    let output_tokens = tokens::count(&text);
    ChatResponse {
        content: vec![Block::Text(text)],
        stop_reason: reason,
        stop_sequence: seq,
        usage: Usage { input_tokens, output_tokens },
    }
}

#[async_trait::async_trait]
impl Backend for Scripted {
    fn describe(&self) -> String {
        format!("scripted {}", self.path)
    }

    async fn converse(&self, req: &ChatRequest) -> Result<ChatResponse, AwsError> {
        Ok(self.respond(req))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::backend::tests::request;

    const TOML: &str = r#"
default = "I only know about the weather."
[[rules]]
match = "(?i)weather in (\\w+)"
answer = "It is sunny in $1."
[[rules]]
match = "book"
model = "amazon.*"
answer = "Nova books it."
[[rules]]
match = "book"
answer = "Booking now."
tool_use = { name = "book_flight", input = { to = "HND" }, id = "tooluse_fixed" }
"#;

    #[test]
    fn rules_in_order_with_captures_models_and_tools() {
        let s = Scripted::parse(TOML, true, "script.toml").unwrap();
        let r = s.respond(&request("What's the weather in Osaka?"));
        assert_eq!(r.text(), "It is sunny in Osaka.");
        assert_eq!(r.stop_reason, StopReason::EndTurn);
        let r = s.respond(&request("book a flight"));
        assert_eq!(r.stop_reason, StopReason::ToolUse);
        assert_eq!(
            r.content[1],
            Block::ToolUse {
                id: "tooluse_fixed".into(),
                name: "book_flight".into(),
                input: serde_json::json!({"to": "HND"})
            }
        );
        let mut nova = request("book a flight");
        nova.model.id = "amazon.nova-lite-v1:0".into();
        assert_eq!(s.respond(&nova).text(), "Nova books it.");
        assert_eq!(s.respond(&request("hello")).text(), "I only know about the weather.");
    }

    #[test]
    fn json_files_and_fallback_to_builtin() {
        let s = Scripted::parse(r#"{"rules": [{"match": "^ping$", "answer": "pong"}]}"#, false, "s.json").unwrap();
        assert_eq!(s.respond(&request("ping")).text(), "pong");
        let fallback = s.respond(&request("hello"));
        assert_eq!(fallback, builtin::answer(&request("hello")));
    }

    #[test]
    fn limits_apply_to_scripted_text() {
        let s = Scripted::parse(
            r#"{"rules": [{"match": "", "answer": "one two three four five six STOP seven"}]}"#,
            false,
            "s",
        )
        .unwrap();
        let mut req = request("x");
        req.stop_sequences = vec!["STOP".into()];
        let r = s.respond(&req);
        assert_eq!((r.text().as_str(), r.stop_reason), ("one two three four five six ", StopReason::StopSequence));
        assert_eq!(r.stop_sequence.as_deref(), Some("STOP"));
        req.max_tokens = Some(2);
        assert_eq!(s.respond(&req).stop_reason, StopReason::MaxTokens);
    }

    #[test]
    fn bad_files_are_reported() {
        assert!(
            Scripted::parse("[[rules]]\nmatch = \"(\"\nanswer = \"x\"\n", true, "f").unwrap_err().contains("rule 1")
        );
        assert!(Scripted::parse(r#"{"rules": [{"match": "x"}]}"#, false, "f").unwrap_err().contains("answer"));
        assert!(Scripted::parse(r#"{"rulez": []}"#, false, "f").is_err());
        assert!(
            Scripted::parse(r#"{"rules": [{"match": "x", "answer": "y", "stop_reason": "nope"}]}"#, false, "f")
                .is_err()
        );
    }
}
