//! sekisho's token count: simple, documented and stable, close enough to real tokenizers for usage figures.
//! CJK characters count one each; a run of letters or digits counts one per four characters (rounded up);
//! any other visible character counts one; whitespace is free. Each message adds 3 for its role framing.

use crate::chat::{Block, ChatRequest, ToolResultPart};

/// Tokens a message costs beyond its content (role markers), so `こんにちは、日本語でテストしています。`
/// as a single user message counts 19 + 3 = 22, as Claude reported it in the field (seed 000).
pub const MESSAGE_OVERHEAD: u32 = 3;

/// Media counts one token per this many bytes (at least one).
const MEDIA_BYTES_PER_TOKEN: usize = 750;

pub fn is_cjk(c: char) -> bool {
    matches!(c as u32,
        0x3040..=0x30FF      // Hiragana, Katakana
        | 0x3400..=0x4DBF    // CJK Extension A
        | 0x4E00..=0x9FFF    // CJK Unified Ideographs
        | 0xF900..=0xFAFF    // Compatibility Ideographs
        | 0xAC00..=0xD7AF    // Hangul syllables
        | 0x1100..=0x11FF    // Hangul Jamo
        | 0x3000..=0x303F    // CJK punctuation (、。「」)
        | 0xFF00..=0xFFEF    // Full-width forms
        | 0x20000..=0x2FFFF) // Extensions B..
}

/// The tokens of `text`.
pub fn count(text: &str) -> u32 {
    let mut tokens: u32 = 0;
    let mut word = 0u32;
    for c in text.chars() {
        if c.is_alphanumeric() && !is_cjk(c) {
            word += 1;
            continue;
        }
        tokens += word.div_ceil(4);
        word = 0;
        if !c.is_whitespace() {
            tokens += 1;
        }
    }
    tokens + word.div_ceil(4)
}

/// The pieces of `text` one token each, in order, whitespace attached to the piece before it (leading
/// whitespace to the first); used to cut an answer at `maxTokens` and to stream it in deltas.
pub fn pieces(text: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut start = 0;
    let mut has_token = false;
    let mut word_len = 0;
    for (i, c) in text.char_indices() {
        if c.is_whitespace() {
            word_len = 0;
            continue;
        }
        let is_word = c.is_alphanumeric() && !is_cjk(c);
        if is_word && (1..4).contains(&word_len) {
            word_len += 1;
            continue;
        }
        if has_token {
            out.push(&text[start..i]);
            start = i;
        }
        has_token = true;
        word_len = usize::from(is_word);
    }
    if start < text.len() {
        out.push(&text[start..]);
    }
    out
}

fn media_tokens(bytes: usize) -> u32 {
    (bytes.div_ceil(MEDIA_BYTES_PER_TOKEN).max(1)) as u32
}

/// The input tokens of a request: system prompts, messages (with their overhead) and tool definitions.
pub fn input_tokens(req: &ChatRequest) -> u32 {
    let mut n: u32 = req.system.iter().map(|s| count(s)).sum();
    for m in &req.messages {
        n += MESSAGE_OVERHEAD;
        for b in &m.content {
            n += block_tokens(b);
        }
    }
    for t in &req.tools {
        n += count(&t.name) + t.description.as_deref().map(count).unwrap_or(0) + count(&t.schema.to_string());
    }
    n
}

pub fn block_tokens(b: &Block) -> u32 {
    match b {
        Block::Text(t) => count(t),
        Block::ToolUse { name, input, .. } => count(name) + count(&input.to_string()),
        Block::ToolResult { content, .. } => content
            .iter()
            .map(|p| match p {
                ToolResultPart::Text(t) => count(t),
                ToolResultPart::Json(v) => count(&v.to_string()),
                ToolResultPart::Media { bytes, .. } => media_tokens(*bytes),
            })
            .sum(),
        Block::Media { data, .. } => media_tokens(data.len() / 4 * 3),
        Block::Other(_) => 0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_follow_the_documented_rules() {
        assert_eq!(count(""), 0);
        assert_eq!(count("hello"), 2, "five letters: ceil(5/4)");
        assert_eq!(count("Hello, world!"), 2 + 1 + 2 + 1);
        assert_eq!(count("こんにちは"), 5, "CJK counts per character");
        assert_eq!(count("こんにちは、日本語でテストしています。"), 19);
        assert_eq!(count("   \n\t"), 0);
        assert_eq!(count("abcd1234"), 2);
        assert_eq!(count("東京 weather"), 2 + 2);
    }

    #[test]
    fn the_seed_greeting_costs_what_claude_reported() {
        assert_eq!(count("こんにちは、日本語でテストしています。") + MESSAGE_OVERHEAD, 22);
    }

    #[test]
    fn pieces_cover_the_text_one_token_each() {
        for text in ["Hello, wonderful world!  ", "こんにちは、世界。", "a", "", "  lead", "x1 y2\nz", "   "] {
            let p = pieces(text);
            assert_eq!(p.concat(), text, "lossless");
            let counted: u32 = p.iter().map(|s| count(s)).sum();
            assert_eq!(counted, count(text), "{text:?} -> {p:?}");
        }
        assert_eq!(pieces("Hello world"), ["Hell", "o ", "worl", "d"]);
        assert_eq!(pieces("日本"), ["日", "本"]);
        assert_eq!(pieces("  hi!"), ["  hi", "!"]);
    }
}
