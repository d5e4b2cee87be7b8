//! The built-in model: deterministic (the same request always gets the same answer), in the user's language,
//! aware of system prompts, history, tools and tool results, limits and stop sequences. No IO, no clock.

use super::toolinput;
use super::{Backend, limit_text};
use crate::chat::{Block, ChatRequest, ChatResponse, Role, StopReason, ToolChoice, ToolResultPart, ToolSpec, Usage};
use crate::routing::fingerprint;
use crate::tokens;
use sekisho_core::AwsError;

pub struct Builtin;

#[async_trait::async_trait]
impl Backend for Builtin {
    fn describe(&self) -> String {
        "builtin".into()
    }

    async fn converse(&self, req: &ChatRequest) -> Result<ChatResponse, AwsError> {
        Ok(answer(req))
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Lang {
    En,
    Ja,
}

/// The built-in model's answer to `req`.
pub fn answer(req: &ChatRequest) -> ChatResponse {
    let input_tokens = tokens::input_tokens(req);
    let lang = language(req);
    if let Some(tool) = tool_to_use(req) {
        let mut content = Vec::new();
        if !matches!(req.tool_choice, Some(ToolChoice::Any | ToolChoice::Tool(_))) {
            content.push(Block::Text(match lang {
                Lang::En => format!("I'll use the {} tool.", tool.name),
                Lang::Ja => format!("{} ツールを使います。", tool.name),
            }));
        }
        let hint = req.last_user().map(|m| m.text()).unwrap_or_default();
        let input = toolinput::generate(&tool.schema, &hint);
        let id = tool_use_id(req);
        content.push(Block::ToolUse { id, name: tool.name.clone(), input });
        let output_tokens = content.iter().map(tokens::block_tokens).sum();
        return ChatResponse {
            content,
            stop_reason: StopReason::ToolUse,
            stop_sequence: None,
            usage: Usage { input_tokens, output_tokens },
        };
    }
    let full = compose(req, lang);
    let (text, stop) = limit_text(&full, req);
    let (stop_reason, stop_sequence) = stop.unwrap_or((StopReason::EndTurn, None));
    let output_tokens = tokens::count(&text);
    ChatResponse {
        content: vec![Block::Text(text)],
        stop_reason,
        stop_sequence,
        usage: Usage { input_tokens, output_tokens },
    }
}

fn is_japanese(text: &str) -> bool {
    text.chars().any(|c| matches!(c as u32, 0x3040..=0x30FF | 0x4E00..=0x9FFF))
}

/// The answer's language: what the system prompt asks for, else the language of the last user message.
fn language(req: &ChatRequest) -> Lang {
    let system = req.system.join("\n");
    let lower = system.to_lowercase();
    let ja_at = [lower.find("japanese"), system.find("日本語")].into_iter().flatten().min();
    let en_at = [lower.find("english"), system.find("英語")].into_iter().flatten().min();
    match (ja_at, en_at) {
        (Some(j), Some(e)) => return if j < e { Lang::Ja } else { Lang::En },
        (Some(_), None) => return Lang::Ja,
        (None, Some(_)) => return Lang::En,
        (None, None) => {}
    }
    let last = req.messages.iter().rev().find(|m| m.role == Role::User).map(|m| m.text()).unwrap_or_default();
    if is_japanese(&last) { Lang::Ja } else { Lang::En }
}

/// The tool the answer uses, if any: the one toolChoice names; any tool when toolChoice is `any`; with
/// `auto`, a tool only when the last user message clearly asks for one (names it or asks to use a tool).
fn tool_to_use(req: &ChatRequest) -> Option<&ToolSpec> {
    if req.tools.is_empty() {
        return None;
    }
    let last = req.last_user()?;
    let text = last.text();
    let lower = text.to_lowercase();
    let mentioned = req.tools.iter().find(|t| {
        let name = t.name.to_lowercase();
        lower.contains(&name) || lower.contains(&name.replace(['_', '-'], " "))
    });
    match &req.tool_choice {
        Some(ToolChoice::Tool(name)) => return req.tool(name),
        Some(ToolChoice::Any) => return mentioned.or_else(|| best_match(req, &lower)),
        _ => {}
    }
    // After a tool result the model answers with text, unless the user asks again.
    let has_result = last.content.iter().any(|b| matches!(b, Block::ToolResult { .. }));
    if has_result && text.trim().is_empty() {
        return None;
    }
    let asks = ["use the", "use a tool", "use your", "call the", "using the", "ツールを使", "ツールで", "を使って"]
        .iter()
        .any(|p| lower.contains(p));
    match mentioned {
        Some(t) => Some(t),
        None if asks => best_match(req, &lower),
        None => None,
    }
}

/// The tool whose name and description share the most words with the message (first tool on a tie).
fn best_match<'r>(req: &'r ChatRequest, lower: &str) -> Option<&'r ToolSpec> {
    let words: Vec<&str> = lower.split(|c: char| !c.is_alphanumeric()).filter(|w| w.len() > 2).collect();
    let score = |t: &ToolSpec| {
        let about = format!("{} {}", t.name, t.description.as_deref().unwrap_or_default()).to_lowercase();
        words.iter().filter(|w| about.contains(**w)).count()
    };
    let mut best = req.tools.first()?;
    for t in &req.tools {
        if score(t) > score(best) {
            best = t;
        }
    }
    Some(best)
}

/// `tooluse_` + 22 characters derived from the request: the same request gets the same id.
fn tool_use_id(req: &ChatRequest) -> String {
    const ALPHABET: &[u8] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
    let seed = format!("{:?}", req.messages);
    let mut h = fingerprint(seed.as_bytes());
    let mut id = String::from("tooluse_");
    for i in 0..22 {
        if i % 10 == 0 {
            h = fingerprint(&h.to_le_bytes()).wrapping_add(i);
        }
        id.push(ALPHABET[(h % 62) as usize] as char);
        h /= 62;
    }
    id
}

/// A quote of `text` for an answer: whitespace collapsed, at most 200 characters.
fn quote(text: &str) -> String {
    let collapsed: Vec<&str> = text.split_whitespace().collect();
    let joined = collapsed.join(" ");
    if joined.chars().count() <= 200 {
        return joined;
    }
    let cut: String = joined.chars().take(200).collect();
    format!("{cut}…")
}

/// `You are X.` / `あなたはXです` in the system prompt: the persona the answer speaks as.
fn persona(req: &ChatRequest) -> Option<String> {
    let system = req.system.join("\n");
    // ASCII lowering keeps byte offsets, so positions found in `lower` are valid in `system`.
    let lower = system.to_ascii_lowercase();
    if let Some(at) = lower.find("you are ") {
        let rest = &system[at + "you are ".len()..];
        let end = rest.find(['.', '!', '\n', ',', ';']).unwrap_or(rest.len());
        let who = rest[..end].trim();
        if !who.is_empty() {
            return Some(who.chars().take(60).collect());
        }
    }
    if let Some(at) = system.find("あなたは") {
        let rest = &system[at + "あなたは".len()..];
        let end = ["です", "だ", "。", "\n"].iter().filter_map(|m| rest.find(m)).min().unwrap_or(rest.len());
        let who = rest[..end].trim();
        if !who.is_empty() {
            return Some(who.chars().take(30).collect());
        }
    }
    None
}

fn is_greeting(text: &str) -> bool {
    let lower = text.trim().to_lowercase();
    let first = lower.split(|c: char| !c.is_alphanumeric()).next().unwrap_or_default();
    ["hello", "hi", "hey", "greetings"].contains(&first)
        || lower.starts_with("good morning")
        || lower.starts_with("good evening")
        || ["こんにちは", "こんばんは", "おはよう", "はじめまして", "やあ"].iter().any(|g| lower.starts_with(g))
}

fn tool_results(req: &ChatRequest) -> Vec<(String, String)> {
    let Some(last) = req.last_user() else { return Vec::new() };
    let mut out = Vec::new();
    for b in &last.content {
        if let Block::ToolResult { id, content, is_error } = b {
            let name = tool_name_of(req, id).unwrap_or_else(|| id.clone());
            let mut parts: Vec<String> = content
                .iter()
                .map(|p| match p {
                    ToolResultPart::Text(t) => t.clone(),
                    ToolResultPart::Json(v) => v.to_string(),
                    ToolResultPart::Media { kind, .. } => format!("({kind})"),
                })
                .collect();
            if *is_error {
                parts.insert(0, "error:".into());
            }
            out.push((name, quote(&parts.join(" "))));
        }
    }
    out
}

fn tool_name_of(req: &ChatRequest, id: &str) -> Option<String> {
    req.messages.iter().flat_map(|m| &m.content).find_map(|b| match b {
        Block::ToolUse { id: i, name, .. } if i == id => Some(name.clone()),
        _ => None,
    })
}

fn compose(req: &ChatRequest, lang: Lang) -> String {
    let model = &req.model.name;
    let user_turns: Vec<String> = req
        .messages
        .iter()
        .filter(|m| m.role == Role::User)
        .map(|m| m.text())
        .filter(|t| !t.trim().is_empty())
        .collect();
    let last = req.last_user().map(|m| m.text()).unwrap_or_default();
    let q = quote(&last);
    let mut out = String::new();
    if let Some(p) = persona(req) {
        out.push_str(&match lang {
            Lang::En => format!("Speaking as {p}. "),
            Lang::Ja => format!("{p}としてお答えします。"),
        });
    }
    let results = tool_results(req);
    for (name, result) in &results {
        out.push_str(&match lang {
            Lang::En => format!("The {name} tool returned: {result}. "),
            Lang::Ja => format!("ツール {name} の結果は「{result}」です。"),
        });
    }
    if !results.is_empty() && q.is_empty() {
        out.push_str(match lang {
            Lang::En => "That is the information you asked for.",
            Lang::Ja => "以上がお問い合わせの情報です。",
        });
        return out.trim_end().to_string();
    }
    let body = match (lang, is_greeting(&last)) {
        (Lang::En, true) => {
            format!("Hello! I'm sekisho's built-in model, answering as {model}. How can I help you today?")
        }
        (Lang::Ja, true) => format!(
            "こんにちは!sekisho の組み込みモデルです。{model} の代わりに日本語でお答えします。何かご質問がございましたら、お気軽にどうぞ。"
        ),
        (Lang::En, false) if last.trim_end().ends_with('?') => format!(
            "You asked: \u{201c}{q}\u{201d} I am sekisho's built-in stand-in for {model}, so I cannot look this up, but I return your question word for word so your application can check the round trip."
        ),
        (Lang::En, false) => format!(
            "You wrote: \u{201c}{q}\u{201d} I am sekisho's built-in stand-in for {model}. I answer deterministically: the same request always gets this same answer."
        ),
        (Lang::Ja, false) if last.trim_end().ends_with(['?', '？', 'か']) => format!(
            "ご質問「{q}」を受け取りました。sekisho の組み込みモデルが {model} の代わりにお答えしています。調べることはできませんが、ご質問をそのままお返しします。"
        ),
        (Lang::Ja, false) => format!(
            "「{q}」というメッセージを受け取りました。sekisho の組み込みモデルが {model} の代わりにお答えしています。同じリクエストには、いつも同じ回答を返します。"
        ),
    };
    out.push_str(&body);
    if user_turns.len() > 1 {
        let first = quote(&user_turns[0]);
        out.push_str(&match lang {
            Lang::En => format!(" Earlier in this conversation you said: \u{201c}{first}\u{201d}"),
            Lang::Ja => format!("先ほどは「{first}」とおっしゃいました。"),
        });
    }
    out
}

#[cfg(test)]
mod tests;
