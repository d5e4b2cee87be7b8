//! Semantic equality of wire messages: JSON by value (nulls absent, error codes sanitized), XML by
//! element tree (siblings of different names unordered, request ids ignored), event streams frame by frame.

use std::collections::BTreeSet;

use base64::Engine;
use quick_xml::events::Event;
use sekisho_wire::timestamp;
use serde_json::{Map, Value};

use super::B64;

/// Event streams compare message by message: same headers, and payloads equal as JSON or as bytes.
/// The vectors hold the binary stream base64-encoded.
pub fn event_streams_same(got: &[u8], want_base64: &str) -> bool {
    use sekisho_wire::eventstream::{Message, decode_message};
    fn messages(mut bytes: &[u8]) -> Option<Vec<Message>> {
        let mut out = Vec::new();
        while !bytes.is_empty() {
            let (m, used) = decode_message(bytes).ok()?;
            out.push(m);
            bytes = &bytes[used..];
        }
        Some(out)
    }
    let (Ok(want), Some(got)) = (B64.decode(want_base64.trim()), messages(got)) else {
        return false;
    };
    let Some(want) = messages(&want) else {
        return false;
    };
    got.len() == want.len()
        && got.iter().zip(&want).all(|(g, w)| {
            let mut gh = g.headers.clone();
            let mut wh = w.headers.clone();
            gh.sort_by(|a, b| a.0.cmp(&b.0));
            wh.sort_by(|a, b| a.0.cmp(&b.0));
            let payload_same =
                match (serde_json::from_slice::<Value>(&g.payload), serde_json::from_slice::<Value>(&w.payload)) {
                    (Ok(a), Ok(b)) => same(&a, &b),
                    _ => g.payload == w.payload,
                };
            gh == wh && payload_same
        })
}

pub fn describe_stream(mut bytes: &[u8]) -> Vec<String> {
    let mut out = Vec::new();
    while let Ok((m, used)) = sekisho_wire::eventstream::decode_message(bytes) {
        out.push(format!("{:?} {}", m.headers, String::from_utf8_lossy(&m.payload)));
        bytes = &bytes[used..];
    }
    out
}

/// An error code as clients read it: without a `namespace#` prefix or a `:uri` suffix.
pub fn sanitize_code(code: &str) -> &str {
    let code = code.rsplit_once('#').map(|(_, c)| c).unwrap_or(code);
    code.split_once(':').map(|(c, _)| c).unwrap_or(code)
}

/// JSON equality where numbers compare by value, `null` members count as absent and
/// `__type` values compare as clients read them.
pub fn same(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Object(x), Value::Object(y)) => {
            let present = |m: &Map<String, Value>| -> Vec<(String, Value)> {
                m.iter()
                    .filter(|(_, v)| !v.is_null())
                    .map(|(k, v)| match (k.as_str(), v) {
                        ("__type", Value::String(code)) => (k.clone(), Value::String(sanitize_code(code).to_string())),
                        _ => (k.clone(), v.clone()),
                    })
                    .collect()
            };
            let (x, y) = (present(x), present(y));
            x.len() == y.len() && x.iter().all(|(k, v)| y.iter().any(|(k2, w)| k == k2 && same(v, w)))
        }
        (Value::Number(x), Value::Number(y)) => x.as_f64() == y.as_f64(),
        (Value::Array(x), Value::Array(y)) => x.len() == y.len() && x.iter().zip(y).all(|(p, q)| same(p, q)),
        (Value::String(x), Value::String(y)) => text_same(x, y),
        _ => a == b,
    }
}

/// Text equality that also accepts the same number or the same instant written differently.
pub fn text_same(a: &str, b: &str) -> bool {
    let (a, b) = (a.trim(), b.trim());
    if a == b {
        return true;
    }
    if let (Ok(x), Ok(y)) = (a.parse::<f64>(), b.parse::<f64>()) {
        return x == y;
    }
    let instant = |s: &str| timestamp::parse_iso8601(s).or_else(|| timestamp::parse_http_date(s));
    matches!((instant(a), instant(b)), (Some(x), Some(y)) if x == y)
}

pub fn json_body_same(got: &str, want: &str) -> bool {
    let empty = |s: &str| s.trim().is_empty() || s.trim() == "{}";
    if empty(want) && empty(got) {
        return true;
    }
    match (serde_json::from_str::<Value>(got), serde_json::from_str::<Value>(want)) {
        (Ok(g), Ok(w)) => same(&g, &w),
        _ => got == want,
    }
}

#[derive(Debug)]
pub struct Element {
    name: String,
    attrs: Vec<(String, String)>,
    text: String,
    children: Vec<Element>,
}

pub fn element_of(e: &quick_xml::events::BytesStart) -> Element {
    Element {
        name: String::from_utf8_lossy(e.name().as_ref()).to_string(),
        attrs: e
            .attributes()
            .filter_map(Result::ok)
            .map(|a| {
                (
                    String::from_utf8_lossy(a.key.as_ref()).to_string(),
                    a.unescape_value().map(|v| v.to_string()).unwrap_or_default(),
                )
            })
            .collect(),
        text: String::new(),
        children: Vec::new(),
    }
}

pub fn parse_xml(text: &str) -> Option<Element> {
    let mut reader = quick_xml::Reader::from_str(text);
    let mut stack: Vec<Element> = Vec::new();
    let mut root = None;
    let finish = |element: Element, stack: &mut Vec<Element>, root: &mut Option<Element>| match stack.last_mut() {
        Some(parent) => parent.children.push(element),
        None => *root = Some(element),
    };
    loop {
        match reader.read_event().ok()? {
            Event::Start(e) => stack.push(element_of(&e)),
            Event::Empty(e) => finish(element_of(&e), &mut stack, &mut root),
            Event::End(_) => {
                let element = stack.pop()?;
                finish(element, &mut stack, &mut root);
            }
            Event::Text(t) => {
                if let Some(top) = stack.last_mut() {
                    top.text.push_str(&t.decode().ok()?);
                }
            }
            Event::CData(t) => {
                if let Some(top) = stack.last_mut() {
                    top.text.push_str(&String::from_utf8_lossy(&t));
                }
            }
            Event::GeneralRef(r) => {
                let c = if r.is_char_ref() {
                    r.resolve_char_ref().ok()??.to_string()
                } else {
                    match r.decode().ok()?.as_ref() {
                        "amp" => "&".into(),
                        "lt" => "<".into(),
                        "gt" => ">".into(),
                        "quot" => "\"".into(),
                        "apos" => "'".into(),
                        _ => return None,
                    }
                };
                if let Some(top) = stack.last_mut() {
                    top.text.push_str(&c);
                }
            }
            Event::Eof => break,
            _ => {}
        }
    }
    root
}

/// Metadata the vectors often leave out of their bodies.
pub fn is_metadata(e: &Element) -> bool {
    matches!(e.name.as_str(), "ResponseMetadata" | "requestId" | "RequestId" | "RequestID")
}

pub fn element_same(got: &Element, want: &Element) -> bool {
    if got.name != want.name {
        return false;
    }
    let mut got_attrs = got.attrs.clone();
    let mut want_attrs = want.attrs.clone();
    got_attrs.sort();
    want_attrs.sort();
    if got_attrs != want_attrs {
        return false;
    }
    // Request ids are compared by the request, not the body: vectors put them in odd places.
    let want_children: Vec<&Element> = want.children.iter().filter(|c| !is_metadata(c)).collect();
    let got_children: Vec<&Element> = got.children.iter().filter(|c| !is_metadata(c)).collect();
    if got_children.is_empty() && want_children.is_empty() {
        return text_same(&got.text, &want.text);
    }
    // Siblings of different names may come in any order; same-named ones keep theirs.
    let names: BTreeSet<&str> = got_children.iter().chain(want_children.iter()).map(|c| c.name.as_str()).collect();
    names.into_iter().all(|name| {
        let g: Vec<&&Element> = got_children.iter().filter(|c| c.name == name).collect();
        let w: Vec<&&Element> = want_children.iter().filter(|c| c.name == name).collect();
        g.len() == w.len() && g.iter().zip(w).all(|(a, b)| element_same(a, b))
    })
}

pub fn xml_same(got: &str, want: &str, ignore_root_namespace: bool) -> bool {
    if want.trim().is_empty() {
        // An empty body parses to an empty result; ours may carry only metadata.
        return parse_xml(got).is_some_and(|root| {
            root.children.iter().all(|c| is_metadata(c) || c.children.is_empty() && c.text.is_empty())
        });
    }
    match (parse_xml(got), parse_xml(want)) {
        (Some(mut g), Some(mut w)) => {
            if ignore_root_namespace {
                g.attrs.retain(|(k, _)| k != "xmlns");
                w.attrs.retain(|(k, _)| k != "xmlns");
            }
            element_same(&g, &w)
        }
        _ => false,
    }
}
