//! A conversation as every backend sees it, whatever API it came in through (Converse, InvokeModel with an
//! Anthropic or Nova body): system prompts, alternating messages, tools, limits, and the model's answer.

use serde_json::Value;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    User,
    Assistant,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::User => "user",
            Role::Assistant => "assistant",
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub enum ToolResultPart {
    Text(String),
    Json(Value),
    /// An image or document returned by a tool: only its size matters here.
    Media {
        kind: String,
        bytes: usize,
    },
}

#[derive(Debug, Clone, PartialEq)]
pub enum Block {
    Text(String),
    ToolUse {
        id: String,
        name: String,
        input: Value,
    },
    ToolResult {
        id: String,
        content: Vec<ToolResultPart>,
        is_error: bool,
    },
    /// Image, document, video or audio: its kind (`image`), format (`png`) and base64 data.
    Media {
        kind: String,
        format: String,
        data: String,
    },
    /// A block no backend interprets (reasoning, cache points, guard content), by its member name.
    Other(String),
}

impl Block {
    pub fn text(&self) -> Option<&str> {
        match self {
            Block::Text(t) => Some(t),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Message {
    pub role: Role,
    pub content: Vec<Block>,
}

impl Message {
    /// The message's text blocks joined by newlines.
    pub fn text(&self) -> String {
        let parts: Vec<&str> = self.content.iter().filter_map(Block::text).collect();
        parts.join("\n")
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct ToolSpec {
    pub name: String,
    pub description: Option<String>,
    /// The input's JSON schema.
    pub schema: Value,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ToolChoice {
    Auto,
    /// The model must use some tool.
    Any,
    /// The model must use this tool.
    Tool(String),
}

/// The model a request is served by, as the catalog names it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ModelRef {
    pub id: String,
    pub name: String,
    pub provider: String,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ChatRequest {
    pub model: ModelRef,
    pub system: Vec<String>,
    pub messages: Vec<Message>,
    pub max_tokens: Option<u32>,
    pub temperature: Option<f64>,
    pub top_p: Option<f64>,
    pub stop_sequences: Vec<String>,
    pub tools: Vec<ToolSpec>,
    pub tool_choice: Option<ToolChoice>,
}

impl ChatRequest {
    /// The last user message (the one the model answers), if the conversation ends with one.
    pub fn last_user(&self) -> Option<&Message> {
        self.messages.last().filter(|m| m.role == Role::User)
    }

    pub fn tool(&self, name: &str) -> Option<&ToolSpec> {
        self.tools.iter().find(|t| t.name == name)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StopReason {
    EndTurn,
    ToolUse,
    MaxTokens,
    StopSequence,
    ContentFiltered,
    MalformedToolUse,
}

impl StopReason {
    /// Converse's `stopReason`; Anthropic's `stop_reason` uses the same words for these.
    pub fn as_str(self) -> &'static str {
        match self {
            StopReason::EndTurn => "end_turn",
            StopReason::ToolUse => "tool_use",
            StopReason::MaxTokens => "max_tokens",
            StopReason::StopSequence => "stop_sequence",
            StopReason::ContentFiltered => "content_filtered",
            StopReason::MalformedToolUse => "malformed_tool_use",
        }
    }
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Usage {
    pub input_tokens: u32,
    pub output_tokens: u32,
}

impl Usage {
    pub fn total(&self) -> u32 {
        self.input_tokens.saturating_add(self.output_tokens)
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct ChatResponse {
    /// Text and toolUse blocks, in order.
    pub content: Vec<Block>,
    pub stop_reason: StopReason,
    /// The stop sequence that ended the answer, when `stop_reason` is `StopSequence`.
    pub stop_sequence: Option<String>,
    pub usage: Usage,
}

impl ChatResponse {
    pub fn text(&self) -> String {
        let parts: Vec<&str> = self.content.iter().filter_map(Block::text).collect();
        parts.concat()
    }
}
