//! `sekisho explain <request-id>`: asks a running sekisho why a request was allowed or denied
//! (sending `SEKISHO_TOKEN` when set, which sekisho requires off loopback).

use super::{endpoint, parse_options};
use std::io::{Read, Write};
use std::net::TcpStream;

pub fn run(args: &[String]) -> Result<(), String> {
    let (options, positional) = parse_options(args, &["endpoint"])?;
    let [request_id] = positional.as_slice() else {
        return Err("usage: sekisho explain <request-id> [--endpoint URL]".into());
    };
    let endpoint = endpoint(&options);
    let (status, body) = get(&endpoint, &format!("/_sekisho/decisions/{request_id}?format=text"))?;
    if status != 200 {
        return Err(format!("{endpoint} answered {status}: {}", body.trim()));
    }
    print!("{body}");
    Ok(())
}

/// A minimal HTTP/1.1 GET over loopback: enough for talking to sekisho itself.
pub fn get(endpoint: &str, path: &str) -> Result<(u16, String), String> {
    request("GET", endpoint, path, "")
}

/// A minimal HTTP/1.1 request with a JSON body (when not empty) over loopback.
pub fn request(method: &str, endpoint: &str, path: &str, body: &str) -> Result<(u16, String), String> {
    let authority = endpoint
        .strip_prefix("http://")
        .ok_or_else(|| format!("endpoint must start with http://: {endpoint}"))?
        .trim_end_matches('/');
    let mut stream = TcpStream::connect(authority).map_err(|e| format!("cannot reach sekisho at {endpoint}: {e}"))?;
    // Off loopback sekisho's own endpoints need its token.
    let token = match std::env::var("SEKISHO_TOKEN") {
        Ok(t) if !t.trim().is_empty() => format!("X-Sekisho-Token: {}\r\n", t.trim()),
        _ => String::new(),
    };
    let content = if body.is_empty() {
        "Content-Length: 0\r\n".to_string()
    } else {
        format!("Content-Type: application/json\r\nContent-Length: {}\r\n", body.len())
    };
    let request =
        format!("{method} {path} HTTP/1.1\r\nHost: {authority}\r\n{token}{content}Connection: close\r\n\r\n{body}");
    stream.write_all(request.as_bytes()).map_err(|e| e.to_string())?;
    let mut response = Vec::new();
    stream.read_to_end(&mut response).map_err(|e| e.to_string())?;
    let text = String::from_utf8_lossy(&response);
    let (head, body) = text.split_once("\r\n\r\n").ok_or("malformed HTTP response")?;
    let status = head.split(' ').nth(1).and_then(|s| s.parse().ok()).ok_or("malformed status line")?;
    let body =
        if head.to_ascii_lowercase().contains("transfer-encoding: chunked") { dechunk(body) } else { body.to_string() };
    Ok((status, body))
}

fn dechunk(body: &str) -> String {
    let mut out = String::new();
    let mut rest = body;
    while let Some((size, after)) = rest.split_once("\r\n") {
        let Ok(n) = usize::from_str_radix(size.trim(), 16) else { break };
        if n == 0 || after.len() < n {
            break;
        }
        out.push_str(&after[..n]);
        rest = after[n..].trim_start_matches("\r\n");
    }
    out
}
