//! The pure MCP engine: transport rules (methods, Accept, Content-Type, sizes, batches, sessions) and the
//! JSON-RPC methods (initialize with version negotiation, ping, tools/list with pagination, tools/call).

use super::*;
use serde_json::json;

const ME: &str = "arn:aws:sts::111122223333:assumed-role/AdminRole/session";

fn echo_tool(target: &str, name: &str) -> Tool {
    Tool {
        target_id: format!("T{target}"),
        target_name: target.into(),
        definition: json!({"name": name, "description": "Echo", "inputSchema": {"type": "object",
            "properties": {"message": {"type": "string"}}, "required": ["message"]}}),
    }
}

fn gateway<'a>(sessions: &'a BTreeMap<String, McpSession>, tools: Vec<Tool>, page_size: usize) -> Gateway<'a> {
    Gateway {
        name: "gw",
        tools,
        supported_versions: DEFAULT_VERSIONS.iter().map(|s| s.to_string()).collect(),
        instructions: None,
        paginate: true,
        page_size,
        max_message_bytes: 1000,
        session_timeout_ms: 900_000,
        sessions,
    }
}

fn headers(accept: &str, session: Option<&str>) -> Vec<(String, String)> {
    let mut h =
        vec![("content-type".to_string(), "application/json".to_string()), ("accept".to_string(), accept.to_string())];
    if let Some(s) = session {
        h.push(("mcp-session-id".into(), s.into()));
    }
    h
}

const BOTH: &str = "application/json, text/event-stream";

fn post(gw: &Gateway<'_>, h: &[(String, String)], body: &str) -> Handled {
    handle(&HttpIn { method: "POST", headers: h, body: body.as_bytes() }, gw, ME, 1_000, "sid-1")
}

fn http(h: Handled) -> HttpOut {
    match h.step {
        Step::Reply(out) => out,
        Step::Call(c) => panic!("unexpected tool call {c:?}"),
    }
}

fn json_body(out: &HttpOut) -> Value {
    serde_json::from_str(&out.body).unwrap()
}

fn sse_body(out: &HttpOut) -> Value {
    let data = out.body.strip_prefix("event: message\ndata: ").and_then(|b| b.strip_suffix("\n\n")).unwrap();
    serde_json::from_str(data).unwrap()
}

fn session(principal: &str, last_used_ms: i64) -> McpSession {
    McpSession {
        protocol_version: "2025-06-18".into(),
        principal: principal.into(),
        created_ms: 0,
        last_used_ms,
        initialized: true,
    }
}

#[test]
fn initialize_opens_a_session_and_negotiates_the_version() {
    let sessions = BTreeMap::new();
    let gw = gateway(&sessions, vec![], 10);
    let body = r#"{"jsonrpc":"2.0","id":0,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"c","version":"1"}}}"#;
    let h = post(&gw, &headers(BOTH, None), body);
    assert_eq!(h.changes.len(), 1);
    assert!(matches!(&h.changes[0], SessionChange::Open { id, session } if id == "sid-1" && session.principal == ME));
    let out = http(h);
    assert_eq!(out.status, 200);
    assert!(out.headers.contains(&("mcp-session-id".into(), "sid-1".into())));
    assert!(out.headers.contains(&("content-type".into(), "text/event-stream".into())));
    let msg = sse_body(&out);
    assert_eq!(msg["result"]["protocolVersion"], "2025-06-18");
    assert_eq!(msg["result"]["capabilities"]["tools"], json!({"listChanged": false}));
    // A version the gateway does not support: the latest it does.
    let old = body.replace("2025-06-18", "2024-11-05");
    assert_eq!(sse_body(&http(post(&gw, &headers(BOTH, None), &old)))["result"]["protocolVersion"], "2025-11-25");
}

#[test]
fn a_client_that_accepts_only_json_gets_json() {
    let sessions = BTreeMap::new();
    let gw = gateway(&sessions, vec![], 10);
    let out = http(post(&gw, &headers("application/json", None), r#"{"jsonrpc":"2.0","id":"a","method":"ping"}"#));
    assert_eq!(out.headers[0], ("content-type".into(), "application/json".into()));
    assert_eq!(json_body(&out), json!({"jsonrpc": "2.0", "id": "a", "result": {}}));
    let out = http(post(&gw, &headers("text/html", None), r#"{"jsonrpc":"2.0","id":1,"method":"ping"}"#));
    assert_eq!(out.status, 406);
}

#[test]
fn bad_messages_get_json_rpc_errors_with_4xx() {
    let sessions = BTreeMap::new();
    let gw = gateway(&sessions, vec![], 10);
    let cases = [
        ("{not json", 400, PARSE_ERROR),
        (r#"[{"jsonrpc":"2.0","id":1,"method":"ping"}]"#, 400, INVALID_REQUEST),
        ("42", 400, INVALID_REQUEST),
        (r#"{"jsonrpc":"1.0","id":1,"method":"ping"}"#, 400, INVALID_REQUEST),
        (r#"{"jsonrpc":"2.0","id":{"x":1},"method":"ping"}"#, 400, INVALID_REQUEST),
    ];
    for (body, status, code) in cases {
        let out = http(post(&gw, &headers(BOTH, None), body));
        assert_eq!(out.status, status, "{body}");
        assert_eq!(json_body(&out)["error"]["code"], code, "{body}");
    }
    let big = format!(r#"{{"jsonrpc":"2.0","id":1,"method":"ping","params":{{"x":"{}"}}}}"#, "a".repeat(2000));
    assert_eq!(http(post(&gw, &headers(BOTH, None), &big)).status, 413);
    let mut text = headers(BOTH, None);
    text[0].1 = "text/plain".into();
    assert_eq!(http(post(&gw, &text, r#"{"jsonrpc":"2.0","id":1,"method":"ping"}"#)).status, 415);
    let out = http(post(&gw, &headers(BOTH, None), r#"{"jsonrpc":"2.0","id":7,"method":"resources/list"}"#));
    assert_eq!(sse_body(&out)["error"]["code"], METHOD_NOT_FOUND);
}

#[test]
fn notifications_and_responses_are_accepted_without_a_body() {
    let sessions = BTreeMap::from([("s".to_string(), session(ME, 900))]);
    let gw = gateway(&sessions, vec![], 10);
    let h = post(&gw, &headers(BOTH, Some("s")), r#"{"jsonrpc":"2.0","method":"notifications/initialized"}"#);
    assert_eq!(h.changes, vec![SessionChange::Touch { id: "s".into(), initialized: true }]);
    let out = http(h);
    assert_eq!((out.status, out.body.as_str()), (202, ""));
    assert_eq!(http(post(&gw, &headers(BOTH, None), r#"{"jsonrpc":"2.0","id":3,"result":{}}"#)).status, 202);
}

#[test]
fn unknown_expired_and_foreign_sessions_are_404() {
    let sessions = BTreeMap::from([
        ("mine".to_string(), session(ME, 900)),
        ("old".to_string(), session(ME, -1_000_000)),
        ("theirs".to_string(), session("arn:aws:iam::444455556666:root", 900)),
    ]);
    let gw = gateway(&sessions, vec![], 10);
    let ping = r#"{"jsonrpc":"2.0","id":1,"method":"ping"}"#;
    assert_eq!(http(post(&gw, &headers(BOTH, Some("mine")), ping)).status, 200);
    for s in ["nope", "old", "theirs"] {
        let out = http(post(&gw, &headers(BOTH, Some(s)), ping));
        assert_eq!(out.status, 404, "{s}");
        assert_eq!(json_body(&out)["error"]["code"], SESSION_NOT_FOUND);
    }
    let del = |sid: &str| {
        let h = headers(BOTH, Some(sid));
        handle(&HttpIn { method: "DELETE", headers: &h, body: b"" }, &gw, ME, 1_000, "x")
    };
    let h = del("mine");
    assert_eq!(h.changes, vec![SessionChange::Close { id: "mine".into() }]);
    assert_eq!(http(h).status, 200);
    assert_eq!(http(del("nope")).status, 404);
    let get = handle(&HttpIn { method: "GET", headers: &headers(BOTH, None), body: b"" }, &gw, ME, 1_000, "x");
    assert_eq!(http(get).status, 405);
}

#[test]
fn an_unsupported_protocol_version_header_is_400() {
    let sessions = BTreeMap::new();
    let gw = gateway(&sessions, vec![], 10);
    let mut h = headers(BOTH, None);
    h.push(("mcp-protocol-version".into(), "1999-01-01".into()));
    assert_eq!(http(post(&gw, &h, r#"{"jsonrpc":"2.0","id":1,"method":"ping"}"#)).status, 400);
}

#[test]
fn tools_are_listed_with_three_underscores_a_page_at_a_time() {
    let sessions = BTreeMap::new();
    let tools = vec![echo_tool("a", "one"), echo_tool("a", "two"), echo_tool("b", "three")];
    let gw = gateway(&sessions, tools, 2);
    let first = sse_body(&http(post(&gw, &headers(BOTH, None), r#"{"jsonrpc":"2.0","id":1,"method":"tools/list"}"#)));
    let names: Vec<&str> =
        first["result"]["tools"].as_array().unwrap().iter().map(|t| t["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["a___one", "a___two"]);
    assert_eq!(first["result"]["nextCursor"], "2");
    let second = sse_body(&http(post(
        &gw,
        &headers(BOTH, None),
        r#"{"jsonrpc":"2.0","id":2,"method":"tools/list","params":{"cursor":"2"}}"#,
    )));
    assert_eq!(second["result"]["tools"][0]["name"], "b___three");
    assert!(second["result"].get("nextCursor").is_none());
    let bad = sse_body(&http(post(
        &gw,
        &headers(BOTH, None),
        r#"{"jsonrpc":"2.0","id":3,"method":"tools/list","params":{"cursor":"x"}}"#,
    )));
    assert_eq!(bad["error"]["code"], INVALID_PARAMS);
}

#[test]
fn tool_calls_are_checked_before_the_target_is_called() {
    let sessions = BTreeMap::new();
    let gw = gateway(&sessions, vec![echo_tool("echo-tools", "echo_message")], 10);
    let call = |params: &str| {
        post(
            &gw,
            &headers(BOTH, None),
            &format!(r#"{{"jsonrpc":"2.0","id":5,"method":"tools/call","params":{params}}}"#),
        )
    };
    let unknown = sse_body(&http(call(r#"{"name":"nope___x","arguments":{}}"#)));
    assert_eq!(unknown["error"], json!({"code": INVALID_PARAMS, "message": "Unknown tool: nope___x"}));
    let invalid = sse_body(&http(call(r#"{"name":"echo-tools___echo_message","arguments":{}}"#)));
    assert_eq!(
        invalid["error"]["message"],
        "Invalid arguments for tool echo-tools___echo_message: missing required property 'message'"
    );
    let Step::Call(c) = call(r#"{"name":"echo-tools___echo_message","arguments":{"message":"hi"}}"#).step else {
        panic!("expected a tool call");
    };
    assert_eq!((c.target_id.as_str(), c.tool_name.as_str()), ("Techo-tools", "echo_message"));
    assert_eq!(c.arguments, json!({"message": "hi"}));
    let done =
        finish_call(&c, ToolOutcome::Content { content: vec![json!({"type": "text", "text": "ok"})], is_error: true });
    assert_eq!(sse_body(&done)["result"], json!({"content": [{"type": "text", "text": "ok"}], "isError": true}));
}
