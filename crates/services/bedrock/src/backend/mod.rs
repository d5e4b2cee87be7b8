//! Model backends behind one trait, chosen per foundation model id from `[[bedrock.backends]]`: the built-in
//! deterministic model (default), an OpenAI-compatible HTTP server, or scripted answers from a file.

pub mod builtin;
mod http;
pub mod openai;
pub mod scripted;
mod sse;
pub mod toolinput;

use crate::chat::{Block, ChatRequest, ChatResponse, StopReason, Usage};
use crate::config::{BackendConfig, glob_match};
use crate::tokens;
use sekisho_core::AwsError;
use std::sync::Arc;
use tokio::sync::mpsc;

/// One step of a streamed answer.
#[derive(Debug, Clone, PartialEq)]
pub enum Chunk {
    /// More text for the current text block (a new text block starts after a tool use).
    Text(String),
    /// A tool use block starts.
    ToolUseStart { id: String, name: String },
    /// More of the current tool use's input, as a piece of JSON text.
    ToolUseInput(String),
    /// The answer is complete.
    Stop { reason: StopReason, stop_sequence: Option<String>, usage: Usage },
}

#[async_trait::async_trait]
pub trait Backend: Send + Sync {
    /// What serves the model, for messages and the decision log (`builtin`, `openai http://...`).
    fn describe(&self) -> String;

    async fn converse(&self, req: &ChatRequest) -> Result<ChatResponse, AwsError>;

    /// Streams the answer; by default the complete answer, cut into deltas.
    async fn converse_stream(&self, req: &ChatRequest, tx: mpsc::Sender<Chunk>) -> Result<(), AwsError> {
        let response = self.converse(req).await?;
        for chunk in chunks_of(&response) {
            if tx.send(chunk).await.is_err() {
                break;
            }
        }
        Ok(())
    }
}

/// How many tokens one text delta carries when a complete answer is streamed.
const TOKENS_PER_DELTA: usize = 3;

/// A complete answer as the deltas a streaming model would send.
pub fn chunks_of(response: &ChatResponse) -> Vec<Chunk> {
    let mut out = Vec::new();
    for block in &response.content {
        match block {
            Block::Text(text) => {
                for delta in text_deltas(text) {
                    out.push(Chunk::Text(delta));
                }
            }
            Block::ToolUse { id, name, input } => {
                out.push(Chunk::ToolUseStart { id: id.clone(), name: name.clone() });
                let json = input.to_string();
                for group in tokens::pieces(&json).chunks(TOKENS_PER_DELTA * 2) {
                    out.push(Chunk::ToolUseInput(group.concat()));
                }
            }
            _ => {}
        }
    }
    out.push(Chunk::Stop {
        reason: response.stop_reason,
        stop_sequence: response.stop_sequence.clone(),
        usage: response.usage,
    });
    out
}

/// `text` in deltas of about `TOKENS_PER_DELTA` tokens that never end inside a word.
pub fn text_deltas(text: &str) -> Vec<String> {
    let pieces = tokens::pieces(text);
    let mut out = Vec::new();
    let mut current = String::new();
    let mut count = 0;
    for (i, piece) in pieces.iter().enumerate() {
        current.push_str(piece);
        count += 1;
        let inside_word = pieces.get(i + 1).is_some_and(|next| ends_in_word(piece) && starts_word(next));
        if count >= TOKENS_PER_DELTA && !inside_word {
            out.push(std::mem::take(&mut current));
            count = 0;
        }
    }
    if !current.is_empty() {
        out.push(current);
    }
    out
}

fn word_char(c: char) -> bool {
    c.is_alphanumeric() && !tokens::is_cjk(c)
}

fn ends_in_word(piece: &str) -> bool {
    piece.chars().last().is_some_and(word_char)
}

fn starts_word(piece: &str) -> bool {
    piece.chars().next().is_some_and(word_char)
}

/// Applies a request's stop sequences and `maxTokens` to a locally made answer text.
pub fn limit_text(text: &str, req: &ChatRequest) -> (String, Option<(StopReason, Option<String>)>) {
    let mut text = text.to_string();
    let mut stop = None;
    let earliest = req
        .stop_sequences
        .iter()
        .filter(|s| !s.is_empty())
        .filter_map(|s| text.find(s.as_str()).map(|at| (at, s)))
        .min();
    if let Some((at, seq)) = earliest {
        text.truncate(at);
        stop = Some((StopReason::StopSequence, Some(seq.clone())));
    }
    if let Some(max) = req.max_tokens {
        let pieces = tokens::pieces(&text);
        if pieces.len() > max as usize {
            text = pieces[..max as usize].concat();
            stop = Some((StopReason::MaxTokens, None));
        }
    }
    (text, stop)
}

/// The backends of `[[bedrock.backends]]` in order, and the built-in model for everything else.
pub struct Backends {
    entries: Vec<(Vec<String>, Arc<dyn Backend>)>,
    builtin: Arc<dyn Backend>,
}

impl Backends {
    pub fn from_config(configs: &[BackendConfig], base_dir: &std::path::Path) -> Result<Backends, String> {
        let builtin: Arc<dyn Backend> = Arc::new(builtin::Builtin);
        let mut entries = Vec::new();
        for (i, c) in configs.iter().enumerate() {
            let at = format!("[[bedrock.backends]] #{}", i + 1);
            if c.models.is_empty() {
                return Err(format!("{at}: `models` names no model"));
            }
            let backend: Arc<dyn Backend> = match c.kind.as_str() {
                "builtin" => builtin.clone(),
                "openai" => Arc::new(openai::OpenAi::new(c).map_err(|e| format!("{at}: {e}"))?),
                "scripted" => {
                    let file = c.file.as_deref().ok_or_else(|| format!("{at}: a scripted backend needs `file`"))?;
                    let path = base_dir.join(file);
                    Arc::new(scripted::Scripted::load(&path).map_err(|e| format!("{at}: {e}"))?)
                }
                other => return Err(format!("{at}: type must be builtin, openai or scripted, got {other:?}")),
            };
            entries.push((c.models.clone(), backend));
        }
        Ok(Backends { entries, builtin })
    }

    /// The backend serving `model_id` (a foundation model id).
    pub fn for_model(&self, model_id: &str) -> Arc<dyn Backend> {
        self.entries
            .iter()
            .find(|(patterns, _)| patterns.iter().any(|p| glob_match(p, model_id)))
            .map(|(_, b)| b.clone())
            .unwrap_or_else(|| self.builtin.clone())
    }
}

#[cfg(test)]
mod tests;
