//! The gateway's MCP endpoint as a pure function: an HTTP request (method, headers, body), the gateway's
//! tools and sessions in, an HTTP answer or a tool call to make out. No IO, no clock, no randomness: the
//! time and the next session id come from the caller, session changes go back to it.
//!
//! Streamable HTTP as the MCP specification (2025-06-18 / 2025-11-25, "Transports") and AWS's gateway
//! serve it (spec AGC-7, AGC-7b): POST carries one JSON-RPC message; requests are answered as SSE when
//! the client accepts `text/event-stream`, else as JSON; notifications and responses get 202; `initialize`
//! opens an `Mcp-Session-Id` session; an unknown session id is 404; DELETE ends a session; GET (a
//! server-initiated stream) is 405, as the gateway never sends requests of its own.

pub mod schema;

use crate::state::McpSession;
use serde_json::{Map, Value, json};
use std::collections::BTreeMap;

/// Protocol versions the gateway knows (spec AGC-7: the versions AWS lists for `supportedVersions`).
pub const KNOWN_VERSIONS: &[&str] = &["2025-03-26", "2025-06-18", "2025-11-25"];
/// `supportedVersions` when the gateway sets none.
pub const DEFAULT_VERSIONS: &[&str] = KNOWN_VERSIONS;
/// Tool names are `<target>___<tool>` (spec AGC-8: three underscores).
pub const TOOL_SEPARATOR: &str = "___";

// JSON-RPC 2.0 error codes (jsonrpc.org/specification §5.1); -32001 is the MCP SDKs' "session not found".
pub const PARSE_ERROR: i64 = -32700;
pub const INVALID_REQUEST: i64 = -32600;
pub const METHOD_NOT_FOUND: i64 = -32601;
pub const INVALID_PARAMS: i64 = -32602;
pub const SESSION_NOT_FOUND: i64 = -32001;

/// An HTTP request to the MCP endpoint. Header names are lower-case.
pub struct HttpIn<'a> {
    pub method: &'a str,
    pub headers: &'a [(String, String)],
    pub body: &'a [u8],
}

impl HttpIn<'_> {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
    }
}

/// The HTTP answer.
#[derive(Debug, Clone, PartialEq)]
pub struct HttpOut {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: String,
}

/// One tool a target offers.
#[derive(Debug, Clone)]
pub struct Tool {
    pub target_id: String,
    pub target_name: String,
    /// The tool's definition as the target gives it (`name`, `description`, `inputSchema`, ...).
    pub definition: Value,
}

impl Tool {
    pub fn name(&self) -> String {
        format!("{}{TOOL_SEPARATOR}{}", self.target_name, self.definition["name"].as_str().unwrap_or_default())
    }
}

/// What the engine knows of the gateway.
pub struct Gateway<'a> {
    pub name: &'a str,
    pub tools: Vec<Tool>,
    pub supported_versions: Vec<String>,
    pub instructions: Option<String>,
    pub paginate: bool,
    pub page_size: usize,
    pub max_message_bytes: usize,
    pub session_timeout_ms: i64,
    pub sessions: &'a BTreeMap<String, McpSession>,
}

/// What the caller must apply to the gateway's sessions.
#[derive(Debug, Clone, PartialEq)]
pub enum SessionChange {
    Open { id: String, session: McpSession },
    Touch { id: String, initialized: bool },
    Close { id: String },
}

/// A tool call the caller makes (IO), then hands back to [`finish_call`].
#[derive(Debug, Clone)]
pub struct ToolCall {
    pub target_id: String,
    pub tool_name: String,
    /// `<target>___<tool>`.
    pub full_name: String,
    pub arguments: Value,
    pub rpc_id: Value,
    pub sse: bool,
}

/// How a tool call ended.
pub enum ToolOutcome {
    /// The tool's result content (MCP `content` items) and whether the tool reported an error.
    Content { content: Vec<Value>, is_error: bool },
    /// A whole MCP result (an MCP-server target's `tools/call` result, passed through).
    Result(Value),
    /// A JSON-RPC error (code, message) from a target.
    RpcError(i64, String),
}

pub enum Step {
    Reply(HttpOut),
    Call(ToolCall),
}

/// The outcome of one request: the step, and the session changes to apply whatever it is.
pub struct Handled {
    pub step: Step,
    pub changes: Vec<SessionChange>,
}

fn reply(out: HttpOut) -> Handled {
    Handled { step: Step::Reply(out), changes: Vec::new() }
}

fn plain(status: u16) -> HttpOut {
    HttpOut { status, headers: Vec::new(), body: String::new() }
}

/// A JSON-RPC error sent as plain JSON with an HTTP status (transport-level failures).
fn http_error(status: u16, code: i64, message: &str, id: Value) -> HttpOut {
    HttpOut {
        status,
        headers: vec![("content-type".into(), "application/json".into())],
        body: json!({"jsonrpc": "2.0", "id": id, "error": {"code": code, "message": message}}).to_string(),
    }
}

/// A JSON-RPC response message, framed as one SSE event or as a JSON body.
pub fn message(msg: &Value, sse: bool) -> HttpOut {
    if sse {
        HttpOut {
            status: 200,
            headers: vec![
                ("content-type".into(), "text/event-stream".into()),
                ("cache-control".into(), "no-cache".into()),
            ],
            body: format!("event: message\ndata: {msg}\n\n"),
        }
    } else {
        HttpOut {
            status: 200,
            headers: vec![("content-type".into(), "application/json".into())],
            body: msg.to_string(),
        }
    }
}

fn result(id: &Value, result: Value, sse: bool) -> HttpOut {
    message(&json!({"jsonrpc": "2.0", "id": id, "result": result}), sse)
}

fn rpc_error(id: &Value, code: i64, text: &str, sse: bool) -> HttpOut {
    message(&json!({"jsonrpc": "2.0", "id": id, "error": {"code": code, "message": text}}), sse)
}

/// Which answers the client takes: (JSON, SSE). A missing `Accept` takes anything.
fn accepts(req: &HttpIn<'_>) -> (bool, bool) {
    let Some(accept) = req.header("accept") else { return (true, false) };
    let types: Vec<String> =
        accept.split(',').map(|t| t.split(';').next().unwrap_or_default().trim().to_ascii_lowercase()).collect();
    let any = types.iter().any(|t| t == "*/*");
    let json = any || types.iter().any(|t| t == "application/json" || t == "application/*");
    let sse = types.iter().any(|t| t == "text/event-stream" || t == "text/*");
    (json, sse)
}

/// The session a request names, if it is live and the caller's.
fn live_session<'a>(gw: &'a Gateway<'_>, id: &str, principal: &str, now_ms: i64) -> Option<&'a McpSession> {
    gw.sessions.get(id).filter(|s| s.principal == principal && now_ms - s.last_used_ms < gw.session_timeout_ms)
}

/// Handles one HTTP request to the MCP endpoint. `principal` is the caller's ARN (sessions are bound to
/// it); `new_session_id` is used if the request opens a session.
pub fn handle(req: &HttpIn<'_>, gw: &Gateway<'_>, principal: &str, now_ms: i64, new_session_id: &str) -> Handled {
    let session_header = req.header("mcp-session-id").map(str::to_string);
    match req.method {
        "POST" => {}
        "DELETE" => {
            let Some(id) = session_header else {
                return reply(http_error(
                    400,
                    INVALID_REQUEST,
                    "Bad Request: Mcp-Session-Id header is required",
                    Value::Null,
                ));
            };
            if live_session(gw, &id, principal, now_ms).is_none() {
                return reply(http_error(404, SESSION_NOT_FOUND, "Session not found", Value::Null));
            }
            return Handled { step: Step::Reply(plain(200)), changes: vec![SessionChange::Close { id }] };
        }
        _ => {
            let mut out = plain(405);
            out.headers.push(("allow".into(), "POST, DELETE".into()));
            return reply(out);
        }
    }
    if req.body.len() > gw.max_message_bytes {
        return reply(http_error(
            413,
            INVALID_REQUEST,
            &format!("Request too large: an MCP message may be at most {} bytes", gw.max_message_bytes),
            Value::Null,
        ));
    }
    let (json_ok, sse) = accepts(req);
    if !json_ok && !sse {
        return reply(http_error(
            406,
            INVALID_REQUEST,
            "Not Acceptable: Client must accept application/json or text/event-stream",
            Value::Null,
        ));
    }
    let content_type = req.header("content-type").unwrap_or_default().to_ascii_lowercase();
    if !content_type.starts_with("application/json") {
        return reply(http_error(
            415,
            INVALID_REQUEST,
            "Unsupported Media Type: Content-Type must be application/json",
            Value::Null,
        ));
    }
    let msg: Value = match serde_json::from_slice(req.body) {
        Ok(v) => v,
        Err(e) => return reply(http_error(400, PARSE_ERROR, &format!("Parse error: {e}"), Value::Null)),
    };
    let Some(obj) = msg.as_object() else {
        let text = if msg.is_array() {
            "Invalid Request: JSON-RPC batches are not supported"
        } else {
            "Invalid Request: a JSON-RPC message must be an object"
        };
        return reply(http_error(400, INVALID_REQUEST, text, Value::Null));
    };
    let id = obj.get("id").cloned();
    if obj.get("jsonrpc").and_then(Value::as_str) != Some("2.0") {
        return reply(http_error(
            400,
            INVALID_REQUEST,
            "Invalid Request: jsonrpc must be \"2.0\"",
            id.unwrap_or(Value::Null),
        ));
    }
    let method = obj.get("method").and_then(Value::as_str);
    if let Some(i) = &id
        && !(i.is_string() || i.is_i64() || i.is_u64())
    {
        return reply(http_error(
            400,
            INVALID_REQUEST,
            "Invalid Request: id must be a string or an integer",
            Value::Null,
        ));
    }
    // A response or a notification from the client: accepted, nothing to answer.
    let Some(method) = method else {
        if obj.contains_key("result") || obj.contains_key("error") {
            return reply(plain(202));
        }
        return reply(http_error(
            400,
            INVALID_REQUEST,
            "Invalid Request: method is required",
            id.unwrap_or(Value::Null),
        ));
    };
    let params = obj.get("params").cloned().unwrap_or(Value::Null);
    if method == "initialize" {
        let Some(id) = id else { return reply(plain(202)) };
        return initialize(gw, &id, &params, principal, now_ms, new_session_id, sse);
    }
    // Every other message names its session, if the client has one.
    let mut changes = Vec::new();
    if let Some(sid) = &session_header {
        let Some(session) = live_session(gw, sid, principal, now_ms) else {
            return reply(http_error(404, SESSION_NOT_FOUND, "Session not found", id.unwrap_or(Value::Null)));
        };
        let initialized = session.initialized || method == "notifications/initialized";
        changes.push(SessionChange::Touch { id: sid.clone(), initialized });
    }
    if let Some(v) = req.header("mcp-protocol-version")
        && !gw.supported_versions.iter().any(|s| s == v)
    {
        return Handled {
            step: Step::Reply(http_error(
                400,
                INVALID_REQUEST,
                &format!("Bad Request: Unsupported protocol version: {v}"),
                id.unwrap_or(Value::Null),
            )),
            changes,
        };
    }
    let Some(id) = id else {
        return Handled { step: Step::Reply(plain(202)), changes };
    };
    let step = match method {
        "ping" => Step::Reply(result(&id, json!({}), sse)),
        "tools/list" => Step::Reply(list_tools(gw, &id, &params, sse)),
        "tools/call" => call_tool(gw, &id, &params, sse),
        _ => Step::Reply(rpc_error(&id, METHOD_NOT_FOUND, &format!("Method not found: {method}"), sse)),
    };
    Handled { step, changes }
}

/// Version negotiation (MCP "Lifecycle"): the client's version if the gateway supports it, else the
/// latest the gateway supports.
pub fn negotiate(requested: Option<&str>, supported: &[String]) -> String {
    if let Some(r) = requested
        && supported.iter().any(|s| s == r)
    {
        return r.to_string();
    }
    supported.iter().max().cloned().unwrap_or_else(|| KNOWN_VERSIONS[KNOWN_VERSIONS.len() - 1].to_string())
}

fn initialize(
    gw: &Gateway<'_>,
    id: &Value,
    params: &Value,
    principal: &str,
    now_ms: i64,
    session_id: &str,
    sse: bool,
) -> Handled {
    let version = negotiate(params["protocolVersion"].as_str(), &gw.supported_versions);
    let mut result_body = Map::new();
    result_body.insert("protocolVersion".into(), json!(version));
    result_body.insert("capabilities".into(), json!({"tools": {"listChanged": false}}));
    result_body.insert("serverInfo".into(), json!({"name": gw.name, "version": "1.0.0"}));
    if let Some(i) = &gw.instructions {
        result_body.insert("instructions".into(), json!(i));
    }
    let mut out = result(id, Value::Object(result_body), sse);
    out.headers.push(("mcp-session-id".into(), session_id.to_string()));
    let session = McpSession {
        protocol_version: version,
        principal: principal.to_string(),
        created_ms: now_ms,
        last_used_ms: now_ms,
        initialized: false,
    };
    Handled { step: Step::Reply(out), changes: vec![SessionChange::Open { id: session_id.to_string(), session }] }
}

/// `tools/list`: every target's tools, named `<target>___<tool>`, a page at a time unless the gateway
/// disabled pagination (`disableMcpListToolsPagination`). The cursor is the index of the next tool.
fn list_tools(gw: &Gateway<'_>, id: &Value, params: &Value, sse: bool) -> HttpOut {
    let start = match params.get("cursor").and_then(Value::as_str) {
        None => 0,
        Some(c) => match c.parse::<usize>() {
            Ok(n) if n <= gw.tools.len() => n,
            _ => return rpc_error(id, INVALID_PARAMS, &format!("Invalid cursor: {c}"), sse),
        },
    };
    let size = if gw.paginate { gw.page_size } else { usize::MAX };
    let tools: Vec<Value> = gw.tools.iter().skip(start).take(size).map(listed).collect();
    let mut body = json!({ "tools": tools });
    if gw.paginate && start.saturating_add(size) < gw.tools.len() {
        body["nextCursor"] = json!((start + size).to_string());
    }
    result(id, body, sse)
}

/// A tool as `tools/list` shows it: the definition under its gateway name.
fn listed(t: &Tool) -> Value {
    let mut d = t.definition.as_object().cloned().unwrap_or_default();
    d.insert("name".into(), json!(t.name()));
    Value::Object(d)
}

fn call_tool(gw: &Gateway<'_>, id: &Value, params: &Value, sse: bool) -> Step {
    let Some(name) = params["name"].as_str() else {
        return Step::Reply(rpc_error(id, INVALID_PARAMS, "Invalid params: name is required", sse));
    };
    let Some(tool) = gw.tools.iter().find(|t| t.name() == name) else {
        return Step::Reply(rpc_error(id, INVALID_PARAMS, &format!("Unknown tool: {name}"), sse));
    };
    let arguments = match &params["arguments"] {
        Value::Null => json!({}),
        v => v.clone(),
    };
    if let Some(schema) = tool.definition.get("inputSchema")
        && let Err(e) = schema::validate(&arguments, schema)
    {
        return Step::Reply(rpc_error(id, INVALID_PARAMS, &format!("Invalid arguments for tool {name}: {e}"), sse));
    }
    Step::Call(ToolCall {
        target_id: tool.target_id.clone(),
        tool_name: tool.definition["name"].as_str().unwrap_or_default().to_string(),
        full_name: name.to_string(),
        arguments,
        rpc_id: id.clone(),
        sse,
    })
}

/// The answer to a tool call, once the target answered.
pub fn finish_call(call: &ToolCall, outcome: ToolOutcome) -> HttpOut {
    match outcome {
        ToolOutcome::Content { content, is_error } => {
            result(&call.rpc_id, json!({"content": content, "isError": is_error}), call.sse)
        }
        ToolOutcome::Result(r) => result(&call.rpc_id, r, call.sse),
        ToolOutcome::RpcError(code, text) => rpc_error(&call.rpc_id, code, &text, call.sse),
    }
}

#[cfg(test)]
mod tests;
