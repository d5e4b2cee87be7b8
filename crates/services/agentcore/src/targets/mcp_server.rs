//! MCP-server targets: the gateway is an MCP client (streamable HTTP) of the user's server. It lists the
//! server's tools when the target is created, updated or synchronized, and forwards `tools/call`.
//! AWS takes only `https://` endpoints; sekisho speaks plain HTTP to loopback hosts (a local test server
//! rarely has a certificate) and refuses other hosts, since it has no TLS client.

use crate::mcp::{ToolCall, ToolOutcome};
use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper_util::rt::TokioIo;
use serde_json::{Value, json};
use std::time::Duration;

/// Pages of `tools/list` followed at most (a server that never stops paginating is cut off).
const MAX_LIST_PAGES: usize = 100;
const CLIENT_VERSION: &str = "2025-06-18";

#[derive(Debug)]
struct Endpoint {
    host: String,
    port: u16,
    path: String,
}

fn parse(url: &str) -> Result<Endpoint, String> {
    let rest = url.strip_prefix("https://").or_else(|| url.strip_prefix("http://")).ok_or("not an http(s) URL")?;
    let (authority, path) = match rest.find('/') {
        Some(i) => (&rest[..i], rest[i..].to_string()),
        None => (rest, "/".to_string()),
    };
    let (host, port) = match authority.rsplit_once(':') {
        Some((h, p)) if !h.ends_with(']') || authority.starts_with('[') => {
            (h.to_string(), p.parse::<u16>().map_err(|_| format!("bad port in {url}"))?)
        }
        _ => (authority.to_string(), 443),
    };
    let host = host.trim_start_matches('[').trim_end_matches(']').to_string();
    if !matches!(host.as_str(), "localhost" | "127.0.0.1" | "::1") {
        return Err(format!(
            "sekisho reaches MCP servers on loopback hosts only (localhost, 127.0.0.1, ::1), not {host}"
        ));
    }
    Ok(Endpoint { host, port, path })
}

struct Reply {
    status: u16,
    session: Option<String>,
    body: String,
    sse: bool,
}

async fn post(ep: &Endpoint, session: Option<&str>, msg: &Value) -> Result<Reply, String> {
    let addr = if ep.host == "::1" { format!("[::1]:{}", ep.port) } else { format!("{}:{}", ep.host, ep.port) };
    let stream = tokio::net::TcpStream::connect(&addr).await.map_err(|e| format!("cannot connect to {addr}: {e}"))?;
    let (mut sender, conn) =
        hyper::client::conn::http1::handshake(TokioIo::new(stream)).await.map_err(|e| e.to_string())?;
    tokio::spawn(async move {
        let _ = conn.await;
    });
    let mut builder = hyper::Request::post(&ep.path)
        .header("host", addr.as_str())
        .header("content-type", "application/json")
        .header("accept", "application/json, text/event-stream")
        .header("mcp-protocol-version", CLIENT_VERSION);
    if let Some(s) = session {
        builder = builder.header("mcp-session-id", s);
    }
    let req = builder.body(Full::new(Bytes::from(msg.to_string()))).map_err(|e| e.to_string())?;
    let resp = sender.send_request(req).await.map_err(|e| e.to_string())?;
    let status = resp.status().as_u16();
    let header = |n: &str| resp.headers().get(n).and_then(|v| v.to_str().ok()).map(str::to_string);
    let session = header("mcp-session-id");
    let sse = header("content-type").is_some_and(|c| c.starts_with("text/event-stream"));
    let body = resp.into_body().collect().await.map_err(|e| e.to_string())?.to_bytes();
    Ok(Reply { status, session, body: String::from_utf8_lossy(&body).into_owned(), sse })
}

/// The JSON-RPC response with `id` in a reply (a JSON body, or the SSE event carrying it).
fn response(reply: &Reply, id: i64) -> Result<Value, String> {
    if reply.status >= 300 {
        return Err(format!("HTTP {} from the MCP server: {}", reply.status, reply.body.trim()));
    }
    let candidates: Vec<Value> = if reply.sse {
        reply
            .body
            .lines()
            .filter_map(|l| l.strip_prefix("data:"))
            .filter_map(|d| serde_json::from_str(d.trim()).ok())
            .collect()
    } else {
        serde_json::from_str(&reply.body).into_iter().collect()
    };
    candidates.into_iter().find(|m| m["id"] == json!(id)).ok_or_else(|| "the MCP server sent no response".to_string())
}

/// A session with the server: initialize, then `notifications/initialized`.
async fn open(ep: &Endpoint) -> Result<Option<String>, String> {
    let init = json!({"jsonrpc": "2.0", "id": 0, "method": "initialize", "params": {
        "protocolVersion": CLIENT_VERSION, "capabilities": {},
        "clientInfo": {"name": "sekisho-agentcore-gateway", "version": env!("CARGO_PKG_VERSION")}}});
    let reply = post(ep, None, &init).await?;
    let r = response(&reply, 0)?;
    if let Some(e) = r.get("error") {
        return Err(format!("initialize failed: {e}"));
    }
    let session = reply.session;
    post(ep, session.as_deref(), &json!({"jsonrpc": "2.0", "method": "notifications/initialized"})).await?;
    Ok(session)
}

async fn list(url: &str) -> Result<Vec<Value>, String> {
    let ep = parse(url)?;
    let session = open(&ep).await?;
    let mut tools = Vec::new();
    let mut cursor: Option<String> = None;
    for page in 1..=MAX_LIST_PAGES as i64 {
        let params = match &cursor {
            Some(c) => json!({"cursor": c}),
            None => json!({}),
        };
        let msg = json!({"jsonrpc": "2.0", "id": page, "method": "tools/list", "params": params});
        let r = response(&post(&ep, session.as_deref(), &msg).await?, page)?;
        if let Some(e) = r.get("error") {
            return Err(format!("tools/list failed: {e}"));
        }
        tools.extend(r["result"]["tools"].as_array().cloned().unwrap_or_default());
        cursor = r["result"]["nextCursor"].as_str().map(str::to_string);
        if cursor.is_none() {
            break;
        }
    }
    Ok(tools)
}

/// The server's tools, as it lists them.
pub async fn list_tools(url: &str, timeout_ms: u64) -> Result<Vec<Value>, String> {
    match tokio::time::timeout(Duration::from_millis(timeout_ms), list(url)).await {
        Ok(r) => r,
        Err(_) => Err(format!("the MCP server did not answer within {timeout_ms} ms")),
    }
}

async fn call_inner(url: &str, call: &ToolCall) -> Result<ToolOutcome, String> {
    let ep = parse(url)?;
    let session = open(&ep).await?;
    let msg = json!({"jsonrpc": "2.0", "id": 1, "method": "tools/call",
        "params": {"name": call.tool_name, "arguments": call.arguments}});
    let r = response(&post(&ep, session.as_deref(), &msg).await?, 1)?;
    if let Some(e) = r.get("error") {
        let code = e["code"].as_i64().unwrap_or(-32603);
        return Ok(ToolOutcome::RpcError(code, e["message"].as_str().unwrap_or("error").to_string()));
    }
    Ok(ToolOutcome::Result(r["result"].clone()))
}

/// Forwards a tool call to the server; a server that cannot be reached is a tool error.
pub async fn call_tool(url: &str, call: &ToolCall, timeout_ms: u64) -> ToolOutcome {
    let failed = |e: String| ToolOutcome::Content { content: vec![json!({"type": "text", "text": e})], is_error: true };
    match tokio::time::timeout(Duration::from_millis(timeout_ms), call_inner(url, call)).await {
        Ok(Ok(o)) => o,
        Ok(Err(e)) => failed(e),
        Err(_) => failed(format!("the MCP server did not answer within {timeout_ms} ms")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_loopback_endpoints_are_reached() {
        let ep = parse("https://127.0.0.1:8123/mcp").unwrap();
        assert_eq!((ep.host.as_str(), ep.port, ep.path.as_str()), ("127.0.0.1", 8123, "/mcp"));
        assert_eq!(parse("https://localhost/x").unwrap().port, 443);
        assert!(parse("https://example.com/mcp").unwrap_err().contains("loopback"));
    }
}
