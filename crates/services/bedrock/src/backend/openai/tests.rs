//! Translation both ways, and the HTTP path against a tiny in-process server that answers like
//! OpenAI-compatible servers do (whole JSON, server-sent events, errors).

use super::*;
use crate::backend::tests::request;
use crate::chat::{Message, ToolSpec};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

fn with_tools() -> ChatRequest {
    let mut r = request("Weather in Tokyo?");
    r.system = vec!["Be brief.".into()];
    r.max_tokens = Some(64);
    r.temperature = Some(0.5);
    r.stop_sequences = vec!["END".into()];
    r.tools = vec![ToolSpec {
        name: "get_weather".into(),
        description: Some("Weather".into()),
        schema: json!({"type": "object", "properties": {"city": {"type": "string"}}}),
    }];
    r.tool_choice = Some(ToolChoice::Tool("get_weather".into()));
    r.messages.push(Message {
        role: Role::Assistant,
        content: vec![Block::ToolUse {
            id: "call_1".into(),
            name: "get_weather".into(),
            input: json!({"city": "Tokyo"}),
        }],
    });
    r.messages.push(Message {
        role: Role::User,
        content: vec![
            Block::ToolResult {
                id: "call_1".into(),
                content: vec![ToolResultPart::Text("sunny".into())],
                is_error: false,
            },
            Block::Text("Thanks. And tomorrow?".into()),
        ],
    });
    r
}

#[test]
fn request_translation() {
    let body = request_body(&with_tools(), "qwen2.5:0.5b", true);
    assert_eq!(body["model"], "qwen2.5:0.5b");
    assert_eq!(body["messages"][0], json!({"role": "system", "content": "Be brief."}));
    assert_eq!(body["messages"][1], json!({"role": "user", "content": "Weather in Tokyo?"}));
    assert_eq!(
        body["messages"][2],
        json!({"role": "assistant", "content": null, "tool_calls": [
            {"id": "call_1", "type": "function", "function": {"name": "get_weather", "arguments": "{\"city\":\"Tokyo\"}"}}
        ]})
    );
    assert_eq!(body["messages"][3], json!({"role": "tool", "tool_call_id": "call_1", "content": "sunny"}));
    assert_eq!(body["messages"][4], json!({"role": "user", "content": "Thanks. And tomorrow?"}));
    assert_eq!((body["max_tokens"].clone(), body["temperature"].clone()), (json!(64), json!(0.5)));
    assert_eq!(body["stop"], json!(["END"]));
    assert_eq!(body["tools"][0]["function"]["name"], "get_weather");
    assert_eq!(body["tool_choice"], json!({"type": "function", "function": {"name": "get_weather"}}));
    assert_eq!(body["stream_options"], json!({"include_usage": true}));
    let plain = request_body(&request("hi"), "m", false);
    assert!(plain.get("tools").is_none() && plain.get("stream").is_none() && plain.get("max_tokens").is_none());
}

#[test]
fn response_translation() {
    let r = with_tools();
    let text = json!({"choices": [{"message": {"role": "assistant", "content": "Sunny."}, "finish_reason": "stop"}],
                      "usage": {"prompt_tokens": 12, "completion_tokens": 3}});
    let a = parse_response(&text, &r).unwrap();
    assert_eq!(
        (a.text().as_str(), a.stop_reason, a.usage),
        ("Sunny.", StopReason::EndTurn, Usage { input_tokens: 12, output_tokens: 3 })
    );
    let call = json!({"choices": [{"message": {"role": "assistant", "content": null, "tool_calls": [
        {"id": "call_9", "type": "function", "function": {"name": "get_weather", "arguments": "{\"city\":\"Osaka\"}"}}]},
        "finish_reason": "tool_calls"}]});
    let a = parse_response(&call, &r).unwrap();
    assert_eq!(a.stop_reason, StopReason::ToolUse);
    assert_eq!(
        a.content,
        vec![Block::ToolUse { id: "call_9".into(), name: "get_weather".into(), input: json!({"city": "Osaka"}) }]
    );
    assert!(a.usage.input_tokens > 0, "counted locally when the server sends no usage");
    let cut = json!({"choices": [{"message": {"content": "abc"}, "finish_reason": "length"}]});
    assert_eq!(parse_response(&cut, &r).unwrap().stop_reason, StopReason::MaxTokens);
    let stopped = json!({"choices": [{"message": {"content": "abc"}, "finish_reason": "stop", "stop_reason": "END"}]});
    let a = parse_response(&stopped, &r).unwrap();
    assert_eq!((a.stop_reason, a.stop_sequence.as_deref()), (StopReason::StopSequence, Some("END")));
    let bad_args = json!({"choices": [{"message": {"tool_calls": [{"id": "c", "function": {"name": "f", "arguments": "{oops"}}]}}]});
    assert_eq!(parse_response(&bad_args, &r).unwrap().stop_reason, StopReason::MalformedToolUse);
    assert_eq!(parse_response(&json!({"choices": []}), &r).unwrap_err().code, "ModelErrorException");
}

#[test]
fn server_errors_map_to_bedrock_errors() {
    let e = server_error(400, r#"{"error": {"message": "context length exceeded"}}"#);
    assert_eq!((e.code.as_str(), e.status), ("ValidationException", 400));
    assert_eq!(e.message, "The model returned the following errors: context length exceeded");
    let e = server_error(500, "boom");
    assert_eq!((e.code.as_str(), e.status), ("ModelErrorException", 424));
    assert_eq!(e.fields["originalStatusCode"], json!(500));
}

/// Serves each connection one canned HTTP response; returns the URL and the requests it saw.
async fn serve(responses: Vec<String>) -> (String, tokio::sync::mpsc::Receiver<String>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/v1", listener.local_addr().unwrap());
    let (tx, rx) = tokio::sync::mpsc::channel(8);
    tokio::spawn(async move {
        for response in responses {
            let (mut sock, _) = listener.accept().await.unwrap();
            let mut buf = Vec::new();
            let mut chunk = [0u8; 4096];
            // Read headers, then the body by content-length.
            loop {
                let n = sock.read(&mut chunk).await.unwrap();
                buf.extend_from_slice(&chunk[..n]);
                let text = String::from_utf8_lossy(&buf).to_string();
                if let Some(end) = text.find("\r\n\r\n") {
                    let len: usize = text
                        .lines()
                        .find_map(|l| {
                            l.to_ascii_lowercase().strip_prefix("content-length: ").map(|v| v.trim().parse().unwrap())
                        })
                        .unwrap_or(0);
                    if buf.len() >= end + 4 + len {
                        break;
                    }
                }
            }
            let _ = tx.send(String::from_utf8_lossy(&buf).to_string()).await;
            sock.write_all(response.as_bytes()).await.unwrap();
            sock.shutdown().await.unwrap();
        }
    });
    (url, rx)
}

fn http_json(status: &str, body: &str) -> String {
    format!(
        "HTTP/1.1 {status}\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
        body.len()
    )
}

fn backend(url: &str) -> OpenAi {
    OpenAi::new(&BackendConfig {
        models: vec!["*".into()],
        kind: "openai".into(),
        url: Some(url.into()),
        model: Some("tiny".into()),
        api_key: Some("secret".into()),
        timeout_ms: Some(5_000),
        file: None,
    })
    .unwrap()
}

#[tokio::test]
async fn converse_over_http() {
    let body = r#"{"choices":[{"message":{"role":"assistant","content":"こんにちは"},"finish_reason":"stop"}],"usage":{"prompt_tokens":7,"completion_tokens":5}}"#;
    let (url, mut seen) = serve(vec![http_json("200 OK", body)]).await;
    let a = backend(&url).converse(&request("hi")).await.unwrap();
    assert_eq!(a.text(), "こんにちは");
    assert_eq!(a.usage, Usage { input_tokens: 7, output_tokens: 5 });
    let req = seen.recv().await.unwrap();
    assert!(req.starts_with("POST /v1/chat/completions HTTP/1.1"), "{req}");
    assert!(req.to_ascii_lowercase().contains("authorization: bearer secret"));
    assert!(req.contains("\"model\":\"tiny\""));
}

#[tokio::test]
async fn converse_stream_over_http_with_tool_calls() {
    let events = [
        r#"{"choices":[{"delta":{"role":"assistant","content":null},"finish_reason":null}]}"#,
        r#"{"choices":[{"delta":{"content":"Checking"},"finish_reason":null}]}"#,
        r#"{"choices":[{"delta":{"tool_calls":[{"index":0,"id":"call_7","type":"function","function":{"name":"get_weather","arguments":""}}]}}]}"#,
        r#"{"choices":[{"delta":{"tool_calls":[{"index":0,"function":{"arguments":"{\"city\":"}}]}}]}"#,
        r#"{"choices":[{"delta":{"tool_calls":[{"index":0,"function":{"arguments":"\"Nara\"}"}}]}}]}"#,
        r#"{"choices":[{"delta":{},"finish_reason":"tool_calls"}]}"#,
        r#"{"choices":[],"usage":{"prompt_tokens":20,"completion_tokens":9}}"#,
    ];
    let mut sse = String::new();
    for e in events {
        sse.push_str(&format!("data: {e}\n\n"));
    }
    sse.push_str("data: [DONE]\n\n");
    let response = format!(
        "HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\ntransfer-encoding: chunked\r\n\r\n{:x}\r\n{sse}\r\n0\r\n\r\n",
        sse.len()
    );
    let (url, _seen) = serve(vec![response]).await;
    let (tx, mut rx) = mpsc::channel(64);
    backend(&url).converse_stream(&request("weather in Nara"), tx).await.unwrap();
    let mut chunks = Vec::new();
    while let Some(c) = rx.recv().await {
        chunks.push(c);
    }
    assert_eq!(
        chunks,
        vec![
            Chunk::Text("Checking".into()),
            Chunk::ToolUseStart { id: "call_7".into(), name: "get_weather".into() },
            Chunk::ToolUseInput("{\"city\":".into()),
            Chunk::ToolUseInput("\"Nara\"}".into()),
            Chunk::Stop {
                reason: StopReason::ToolUse,
                stop_sequence: None,
                usage: Usage { input_tokens: 20, output_tokens: 9 }
            },
        ]
    );
}

#[tokio::test]
async fn a_stream_that_stops_before_finishing_is_an_error() {
    let sse = "data: {\"choices\":[{\"delta\":{\"content\":\"partial\"}}]}\n\n";
    let response =
        format!("HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\ncontent-length: {}\r\n\r\n{sse}", sse.len());
    let (url, _) = serve(vec![response]).await;
    let (tx, mut rx) = mpsc::channel(64);
    let e = backend(&url).converse_stream(&request("hi"), tx).await.unwrap_err();
    assert_eq!(e.code, "ModelErrorException");
    assert_eq!(rx.recv().await, Some(Chunk::Text("partial".into())), "what arrived was passed on");
}

#[tokio::test]
async fn a_server_that_does_not_stream_is_streamed_for_it() {
    let body = r#"{"choices":[{"message":{"role":"assistant","content":"one two three four five six seven"},"finish_reason":"stop"}]}"#;
    let (url, _) = serve(vec![http_json("200 OK", body)]).await;
    let (tx, mut rx) = mpsc::channel(64);
    backend(&url).converse_stream(&request("hi"), tx).await.unwrap();
    let mut text = String::new();
    let mut last = None;
    while let Some(c) = rx.recv().await {
        if let Chunk::Text(t) = &c {
            text.push_str(t);
        }
        last = Some(c);
    }
    assert_eq!(text, "one two three four five six seven");
    assert!(matches!(last, Some(Chunk::Stop { reason: StopReason::EndTurn, .. })));
}

#[tokio::test]
async fn unreachable_and_failing_servers() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    drop(listener);
    let e = backend(&format!("http://127.0.0.1:{port}/v1")).converse(&request("hi")).await.unwrap_err();
    assert_eq!((e.code.as_str(), e.status), ("ServiceUnavailableException", 503));
    assert!(e.message.contains(&format!("127.0.0.1:{port}")), "{}", e.message);
    let (url, _) = serve(vec![http_json("404 Not Found", r#"{"error":{"message":"model 'tiny' not found"}}"#)]).await;
    let e = backend(&url).converse(&request("hi")).await.unwrap_err();
    assert_eq!(e.message, "The model returned the following errors: model 'tiny' not found");
}
