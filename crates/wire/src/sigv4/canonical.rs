//! The canonical request of SigV4: URI, query string and headers in the form the signer hashed.
//! Several URI forms are offered because clients differ in normalisation and in double encoding.

use super::{AuthForm, SignedRequest};
use crate::HttpRequest;

/// Decoded `(name, value)` pairs of a raw query string, in order.
pub fn query_pairs(raw: &str) -> Vec<(String, String)> {
    raw.split('&')
        .filter(|p| !p.is_empty())
        .map(|p| match p.split_once('=') {
            Some((k, v)) => (percent_decode(k), percent_decode(v)),
            None => (percent_decode(p), String::new()),
        })
        .collect()
}

/// Decodes `%XX` escapes; invalid escapes and bytes are kept as they are (lossy UTF-8).
pub fn percent_decode(s: &str) -> String {
    percent_encoding::percent_decode_str(s).decode_utf8_lossy().into_owned()
}

/// SigV4 URI encoding: everything but unreserved characters (and `/` when `keep_slash`) as `%XX`.
pub fn uri_encode(s: &str, keep_slash: bool) -> String {
    let mut out = String::with_capacity(s.len() + 8);
    for &b in s.as_bytes() {
        let unreserved = b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~');
        if unreserved || (keep_slash && b == b'/') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// Removes `.` and `..` segments and empty segments (RFC 3986 §5.2.4, plus AWS's collapsing of `//`).
fn normalize_path(path: &str) -> String {
    if path.is_empty() {
        return "/".to_string();
    }
    let mut out: Vec<&str> = Vec::new();
    for seg in path.split('/') {
        match seg {
            "" | "." => {}
            ".." => {
                out.pop();
            }
            s => out.push(s),
        }
    }
    let mut s = String::from("/");
    s.push_str(&out.join("/"));
    if path.ends_with('/') && !out.is_empty() {
        s.push('/');
    }
    s
}

/// Canonical URI candidates for a raw request path: normalised and double-encoded first (what every SDK
/// does for services other than S3), then the other combinations, without duplicates. Lazy: the first one
/// matches for almost every request.
pub fn uri_candidates(raw_path: &str) -> impl Iterator<Item = String> + '_ {
    let raw = if raw_path.is_empty() { "/" } else { raw_path };
    let mut seen: Vec<String> = Vec::with_capacity(4);
    (0..4).filter_map(move |i| {
        let candidate = match i {
            0 => uri_encode(&normalize_path(raw), true),
            1 => uri_encode(raw, true),
            2 => encode_unsafe(&normalize_path(raw)),
            _ => encode_unsafe(raw),
        };
        if seen.contains(&candidate) {
            return None;
        }
        seen.push(candidate.clone());
        Some(candidate)
    })
}

/// Single encoding: keeps existing `%XX` escapes, encodes what was never encoded.
fn encode_unsafe(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    for &b in path.as_bytes() {
        let keep = b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~' | b'/' | b'%');
        if keep {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

fn canonical_query(raw: &str, form: AuthForm, token_signed: bool) -> String {
    let mut pairs: Vec<(String, String)> = query_pairs(raw)
        .into_iter()
        .filter(|(k, _)| !(form == AuthForm::Query && k == "X-Amz-Signature"))
        .filter(|(k, _)| token_signed || !(form == AuthForm::Query && k == "X-Amz-Security-Token"))
        .map(|(k, v)| (uri_encode(&k, false), uri_encode(&v, false)))
        .collect();
    pairs.sort();
    let mut out = String::new();
    for (i, (k, v)) in pairs.iter().enumerate() {
        if i > 0 {
            out.push('&');
        }
        out.push_str(k);
        out.push('=');
        out.push_str(v);
    }
    out
}

/// Trims and collapses runs of whitespace inside a header value, as the signer did.
fn header_value(v: &str) -> String {
    let mut out = String::with_capacity(v.len());
    for word in v.split_whitespace() {
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(word);
    }
    out
}

/// The canonical request string for one URI candidate and payload hash. Some signers of presigned URLs
/// add `X-Amz-Security-Token` after signing; `token_signed` says whether it is part of the canonical query.
pub fn request(req: &HttpRequest, signed: &SignedRequest, uri: &str, payload_hash: &str, token_signed: bool) -> String {
    let mut s = String::with_capacity(256 + req.query.len());
    s.push_str(req.method);
    s.push('\n');
    s.push_str(uri);
    s.push('\n');
    s.push_str(&canonical_query(req.query, signed.form, token_signed));
    s.push('\n');
    for name in &signed.signed_headers {
        let values: Vec<String> =
            req.headers.iter().filter(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| header_value(v)).collect();
        s.push_str(name);
        s.push(':');
        s.push_str(&values.join(","));
        s.push('\n');
    }
    s.push('\n');
    s.push_str(&signed.signed_headers.join(";"));
    s.push('\n');
    s.push_str(payload_hash);
    s
}
