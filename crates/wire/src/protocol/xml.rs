//! XML responses of the `query` and `ec2` protocols: output documents and error documents,
//! written from the internal value in model member order.

use serde_json::Value;

use super::text::scalar_text;
use crate::AwsError;
use crate::model::{Operation, Protocol, Ref, ServiceModel, Shape, ShapeType, TimestampFormat, XmlNamespace};

const MAX_DEPTH: usize = super::json::MAX_DEPTH;

/// Appends element text with XML escaping; quotes stay as they are, as in AWS's documents.
/// Carriage returns are escaped so XML parsers keep them.
pub fn escape_into(out: &mut String, text: &str) {
    escape(out, text, false);
}

fn escape(out: &mut String, text: &str, attribute: bool) {
    let special = |b: u8| {
        matches!(b, b'&' | b'<' | b'>' | b'\r') || (b == b'"' && attribute) || (b < 0x20 && b != b'\n' && b != b'\t')
    };
    // Runs of plain text are copied whole; every character to escape is ASCII.
    let mut plain = 0;
    for (i, b) in text.bytes().enumerate() {
        if !special(b) {
            continue;
        }
        out.push_str(&text[plain..i]);
        plain = i + 1;
        match b {
            b'&' => out.push_str("&amp;"),
            b'<' => out.push_str("&lt;"),
            b'>' => out.push_str("&gt;"),
            b'"' => out.push_str("&quot;"),
            b'\r' => out.push_str("&#xD;"),
            b => {
                const HEX: &[u8; 16] = b"0123456789ABCDEF";
                out.push_str("&#x");
                if b >= 0x10 {
                    out.push(HEX[(b >> 4) as usize] as char);
                }
                out.push(HEX[(b & 0xf) as usize] as char);
                out.push(';');
            }
        }
    }
    out.push_str(&text[plain..]);
}

fn open(out: &mut String, name: &str, ns: Option<&XmlNamespace>) {
    out.push('<');
    out.push_str(name);
    if let Some(ns) = ns {
        match ns.prefix() {
            Some(prefix) => {
                out.push_str(" xmlns:");
                out.push_str(prefix);
            }
            None => out.push_str(" xmlns"),
        }
        out.push_str("=\"");
        escape(out, ns.uri(), true);
        out.push('"');
    }
    out.push('>');
}

fn close(out: &mut String, name: &str) {
    out.push_str("</");
    out.push_str(name);
    out.push('>');
}

fn text_element(out: &mut String, name: &str, text: &str) {
    open(out, name, None);
    escape_into(out, text);
    close(out, name);
}

/// Writes the members of a structure value as child elements.
pub fn write_members(model: &ServiceModel, shape: &Shape, value: &Value, out: &mut String, depth: usize) {
    let Some(object) = value.as_object() else {
        return;
    };
    if depth > MAX_DEPTH {
        return;
    }
    for r in model.members(shape) {
        if let Some(v) = object.get(r.name) {
            if !v.is_null() {
                let name = r.location_name().unwrap_or(r.name);
                write_ref(model, &r, name, v, out, depth + 1);
            }
        }
    }
}

fn write_ref(model: &ServiceModel, r: &Ref, name: &str, value: &Value, out: &mut String, depth: usize) {
    // A structure's own namespace applies only where it is the document root; members carry theirs.
    let ns = r.member.xml_namespace.as_deref();
    match r.shape.shape_type {
        _ if r.shape.document => {
            open(out, name, ns);
            escape_into(out, &value.to_string());
            close(out, name);
        }
        ShapeType::Structure | ShapeType::Union => {
            open(out, name, ns);
            write_members(model, r.shape, value, out, depth);
            close(out, name);
        }
        ShapeType::List => {
            let Some(element) = model.element("member", r.shape.member.as_deref()) else {
                return;
            };
            let items = value.as_array().map(Vec::as_slice).unwrap_or(&[]);
            if r.flattened() {
                let item_name = element.member.location_name.as_deref().unwrap_or(name);
                for item in items {
                    write_ref(model, &element, item_name, item, out, depth + 1);
                }
            } else {
                let item_name = element.location_name().unwrap_or("member");
                open(out, name, ns);
                for item in items {
                    write_ref(model, &element, item_name, item, out, depth + 1);
                }
                close(out, name);
            }
        }
        ShapeType::Map => {
            let (Some(key), Some(val)) =
                (model.element("key", r.shape.key.as_deref()), model.element("value", r.shape.value.as_deref()))
            else {
                return;
            };
            let key_name = key.location_name().unwrap_or("key");
            let value_name = val.location_name().unwrap_or("value");
            let Some(entries) = value.as_object() else {
                return;
            };
            if !r.flattened() {
                open(out, name, ns);
            }
            for (k, v) in entries {
                if r.flattened() {
                    open(out, name, ns);
                } else {
                    open(out, "entry", None);
                }
                write_ref(model, &key, key_name, &Value::String(k.clone()), out, depth + 1);
                write_ref(model, &val, value_name, v, out, depth + 1);
                close(out, if r.flattened() { name } else { "entry" });
            }
            if !r.flattened() {
                close(out, name);
            }
        }
        ty => {
            let format = r.timestamp_format().unwrap_or(TimestampFormat::Iso8601);
            if let Some(text) = scalar_text(ty, format, value) {
                open(out, name, ns);
                escape_into(out, &text);
                close(out, name);
            }
        }
    }
}

/// `<OpResponse xmlns=..><OpResult>..</OpResult><ResponseMetadata>..</ResponseMetadata></OpResponse>`
/// for query; ec2 has no result wrapper and a `requestId` element instead of the metadata block.
pub fn encode_output(
    model: &ServiceModel,
    op_name: &str,
    output: Option<(&Shape, Option<&str>)>,
    value: &Value,
    request_id: &str,
) -> String {
    let root = format!("{op_name}Response");
    let ns = model.metadata.xml_namespace.clone().map(XmlNamespace::Uri);
    let mut out = String::with_capacity(256);
    open(&mut out, &root, ns.as_ref());
    if model.protocol() == Protocol::Ec2 {
        text_element(&mut out, "requestId", request_id);
        if let Some((shape, _)) = output {
            write_members(model, shape, value, &mut out, 0);
        }
    } else {
        match output {
            Some((shape, Some(wrapper))) => {
                open(&mut out, wrapper, None);
                write_members(model, shape, value, &mut out, 0);
                close(&mut out, wrapper);
            }
            Some((shape, None)) => write_members(model, shape, value, &mut out, 0),
            None => {}
        }
        out.push_str("<ResponseMetadata>");
        text_element(&mut out, "RequestId", request_id);
        out.push_str("</ResponseMetadata>");
    }
    close(&mut out, &root);
    out
}

/// Extra members of an error (`AwsError::fields`) written through the error's shape when it is modelled.
fn write_error_fields(model: &ServiceModel, op: Option<&Operation>, err: &AwsError, out: &mut String) {
    if err.fields.is_empty() {
        return;
    }
    match model.operation_error_shape(op, &err.code) {
        Some((_, shape)) => {
            let filtered = Value::Object(
                err.fields
                    .iter()
                    .filter(|(k, _)| !k.eq_ignore_ascii_case("message"))
                    .map(|(k, v)| (k.clone(), v.clone()))
                    .collect(),
            );
            write_members(model, shape, &filtered, out, 0);
        }
        None => {
            for (k, v) in &err.fields {
                if k.eq_ignore_ascii_case("message") {
                    continue;
                }
                let text = match v {
                    Value::String(s) => s.clone(),
                    other => other.to_string(),
                };
                text_element(out, k, &text);
            }
        }
    }
}

/// The error document: query's `ErrorResponse` or ec2's `Response/Errors/Error`.
pub fn encode_error(model: &ServiceModel, op: Option<&Operation>, err: &AwsError, request_id: &str) -> String {
    let mut out = String::with_capacity(256);
    if model.protocol() == Protocol::Ec2 {
        out.push_str("<Response><Errors><Error>");
        text_element(&mut out, "Code", &err.code);
        text_element(&mut out, "Message", &err.message);
        write_error_fields(model, op, err, &mut out);
        out.push_str("</Error></Errors>");
        text_element(&mut out, "RequestID", request_id);
        out.push_str("</Response>");
    } else {
        let ns = model.metadata.xml_namespace.clone().map(XmlNamespace::Uri);
        open(&mut out, "ErrorResponse", ns.as_ref());
        out.push_str("<Error>");
        text_element(&mut out, "Type", if err.sender_fault { "Sender" } else { "Receiver" });
        text_element(&mut out, "Code", &err.code);
        if !err.message.is_empty() {
            text_element(&mut out, "Message", &err.message);
        }
        write_error_fields(model, op, err, &mut out);
        out.push_str("</Error>");
        text_element(&mut out, "RequestId", request_id);
        out.push_str("</ErrorResponse>");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::escape;

    fn escaped(text: &str, attribute: bool) -> String {
        let mut out = String::new();
        escape(&mut out, text, attribute);
        out
    }

    #[test]
    fn escapes_markup_carriage_returns_and_control_characters() {
        assert_eq!(escaped("plain 関所 text", false), "plain 関所 text");
        assert_eq!(escaped("a&b<c>d\"e", false), "a&amp;b&lt;c&gt;d\"e");
        assert_eq!(escaped("a\"b", true), "a&quot;b");
        assert_eq!(escaped("l1\r\nl2\tx", false), "l1&#xD;\nl2\tx");
        assert_eq!(escaped("\u{1}\u{1f}é", false), "&#x1;&#x1F;é");
    }
}
