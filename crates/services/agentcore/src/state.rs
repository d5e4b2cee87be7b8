//! AgentCore's state as plain serializable data per (account, region): gateways with their targets, the
//! resource policies and tags by ARN, and the MCP sessions each gateway opened.

use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::BTreeMap;

#[derive(Debug, Default, Clone, Serialize, Deserialize)]
pub struct AgentCoreState {
    /// By gateway id.
    pub gateways: BTreeMap<String, Gateway>,
    /// Resource policy documents as the caller wrote them, by resource ARN.
    pub policies: BTreeMap<String, String>,
    /// Tags by resource ARN.
    pub tags: BTreeMap<String, BTreeMap<String, String>>,
    /// CreateGateway's `clientToken`s: token → gateway id (idempotency).
    pub client_tokens: BTreeMap<String, String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Gateway {
    pub id: String,
    pub arn: String,
    pub name: String,
    pub description: Option<String>,
    pub role_arn: String,
    pub protocol_type: String,
    /// `protocolConfiguration` as given (a union: `{"mcp": {...}}`).
    pub protocol_configuration: Option<Value>,
    pub authorizer_type: String,
    pub authorizer_configuration: Option<Value>,
    pub kms_key_arn: Option<String>,
    pub exception_level: Option<String>,
    pub created_ms: i64,
    pub updated_ms: i64,
    /// When the gateway becomes READY (CREATING/UPDATING until then).
    pub ready_ms: i64,
    /// `UPDATING` after an update until `ready_ms`; `CREATING` before the first `ready_ms`.
    pub pending_status: String,
    pub targets: BTreeMap<String, Target>,
    pub sessions: BTreeMap<String, McpSession>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Target {
    pub id: String,
    pub name: String,
    pub description: Option<String>,
    pub target_configuration: Value,
    pub credential_provider_configurations: Value,
    pub created_ms: i64,
    pub updated_ms: i64,
    pub ready_ms: i64,
    pub pending_status: String,
    /// Set when creating or synchronizing failed (an MCP server that did not answer).
    pub failure: Option<String>,
    pub last_synchronized_ms: Option<i64>,
    /// The tools the target offers, as MCP tool definitions without the target prefix.
    pub tools: Vec<Value>,
}

/// One MCP session (`Mcp-Session-Id`), opened by `initialize`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct McpSession {
    pub protocol_version: String,
    /// The principal that opened it: another principal cannot use the session id.
    pub principal: String,
    pub created_ms: i64,
    pub last_used_ms: i64,
    pub initialized: bool,
}

impl Gateway {
    /// The status a reader sees now.
    pub fn status(&self, now_ms: i64) -> &str {
        if now_ms < self.ready_ms { &self.pending_status } else { "READY" }
    }
}

impl Target {
    pub fn status(&self, now_ms: i64) -> &str {
        if self.failure.is_some() {
            return "FAILED";
        }
        if now_ms < self.ready_ms { &self.pending_status } else { "READY" }
    }
}

/// One record per gateway (its targets and MCP sessions with it), per resource policy, per tagged resource
/// and per idempotency token.
impl sekisho_core::state::Records for AgentCoreState {
    fn records(&self, out: &mut sekisho_core::state::RecordSink<'_>) -> Result<(), String> {
        for (id, g) in &self.gateways {
            out.put("gateway", id, g)?;
        }
        for (arn, p) in &self.policies {
            out.put("policy", arn, p)?;
        }
        for (arn, t) in &self.tags {
            out.put("tags", arn, t)?;
        }
        for (token, id) in &self.client_tokens {
            out.put("client_token", token, id)?;
        }
        Ok(())
    }

    fn restore(records: Vec<sekisho_core::persist::Record>) -> Result<Self, String> {
        use sekisho_core::persist::decode;
        let mut st = AgentCoreState::default();
        for r in &records {
            match r.kind.as_str() {
                "gateway" => {
                    st.gateways.insert(r.id.clone(), decode(r)?);
                }
                "policy" => {
                    st.policies.insert(r.id.clone(), decode(r)?);
                }
                "tags" => {
                    st.tags.insert(r.id.clone(), decode(r)?);
                }
                "client_token" => {
                    st.client_tokens.insert(r.id.clone(), decode(r)?);
                }
                other => return Err(format!("agentcore: unknown record kind {other:?}")),
            }
        }
        Ok(st)
    }
}
