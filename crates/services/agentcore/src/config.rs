//! The `[agentcore]` section of `sekisho.toml`: how long a new or updated gateway or target stays
//! CREATING/UPDATING before READY, and the MCP limits that AWS does not document.

use serde::Deserialize;

/// AWS documents no size limit for a gateway's MCP message: one MiB is far above any tool call.
pub const DEFAULT_MAX_MESSAGE_BYTES: usize = 1024 * 1024;
/// Tools per `tools/list` page when pagination is on (AWS documents no page size).
pub const DEFAULT_TOOLS_PAGE_SIZE: usize = 100;
/// A session's idle time before it expires, when the gateway sets no `sessionTimeoutInSeconds`; the
/// model's lower bound for that member is 900 seconds, which is also its default here.
pub const DEFAULT_SESSION_TIMEOUT_SECS: i64 = 900;
/// How long an MCP-server target may take to answer.
pub const DEFAULT_TARGET_TIMEOUT_MS: u64 = 30_000;

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AgentCoreConfig {
    pub ready_delay_ms: Option<i64>,
    pub max_message_bytes: Option<usize>,
    pub tools_page_size: Option<usize>,
    pub target_timeout_ms: Option<u64>,
}

#[derive(Debug, Clone)]
pub struct Settings {
    /// CREATING → READY after this long (0: a poll after CreateGateway already sees READY).
    pub ready_delay_ms: i64,
    pub max_message_bytes: usize,
    pub tools_page_size: usize,
    pub target_timeout_ms: u64,
}

impl Default for Settings {
    fn default() -> Self {
        Settings::from_config(&AgentCoreConfig::default())
    }
}

impl Settings {
    pub fn from_config(c: &AgentCoreConfig) -> Settings {
        Settings {
            ready_delay_ms: c.ready_delay_ms.unwrap_or(0).max(0),
            max_message_bytes: c.max_message_bytes.unwrap_or(DEFAULT_MAX_MESSAGE_BYTES),
            tools_page_size: c.tools_page_size.unwrap_or(DEFAULT_TOOLS_PAGE_SIZE).max(1),
            target_timeout_ms: c.target_timeout_ms.unwrap_or(DEFAULT_TARGET_TIMEOUT_MS),
        }
    }
}
