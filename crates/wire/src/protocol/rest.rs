//! HTTP bindings of `rest-json`: URI labels, query string, headers, header-prefix maps, payload
//! members (blobs, strings, structures, event streams) and the JSON body of the remaining members.

use base64::Engine;
use serde_json::{Map, Value};

use super::form::{FormError, parse_pairs};
use super::json::{self, TypeError};
use super::text::{join_header_list, parse_scalar, scalar_text, split_header_list, split_http_date_list};
use super::uri::Labels;
use crate::HttpRequest;
use crate::model::{Location, Operation, Ref, ServiceModel, Shape, ShapeType, TimestampFormat};

const B64: base64::engine::GeneralPurpose = base64::engine::general_purpose::STANDARD;

/// Why a rest-json request could not be read.
#[derive(Debug, Clone, PartialEq)]
pub enum RestError {
    /// A label, query parameter or header whose text does not fit its shape.
    Binding {
        location: &'static str,
        name: String,
        value: String,
        expected: &'static str,
    },
    /// A body that is not JSON, or JSON that does not fit the shape.
    Body(String),
    MalformedQuery(FormError),
}

fn binding(location: &'static str, name: &str, value: &str, expected: &'static str) -> RestError {
    RestError::Binding { location, name: name.to_string(), value: value.to_string(), expected }
}

fn body_type_error(e: TypeError) -> RestError {
    RestError::Body(format!("Expected {} at '{}'", e.expected, e.path))
}

fn parse_json_body(body: &[u8]) -> Result<Value, RestError> {
    let text = std::str::from_utf8(body).map_err(|_| RestError::Body("Request body is not valid UTF-8".into()))?;
    serde_json::from_str(text).map_err(|e| RestError::Body(format!("Could not parse request body into json: {e}")))
}

/// Reads an operation's input from a matched request.
pub fn decode(model: &ServiceModel, op: &Operation, labels: &Labels, req: &HttpRequest) -> Result<Value, RestError> {
    let Some(shape) = model.input_shape(op) else {
        return Ok(Value::Object(Map::new()));
    };
    let query = parse_pairs(req.query.as_bytes()).map_err(RestError::MalformedQuery)?;
    let payload = model.input_payload(op);
    let mut out = Map::new();
    let mut has_body_members = false;
    for r in model.members(shape) {
        let wire = r.location_name().unwrap_or(r.name);
        let value = match r.location() {
            Some(Location::Uri) => match labels.iter().find(|(n, _)| n == wire) {
                Some((_, text)) => {
                    Some(scalar(&r, TimestampFormat::Iso8601, text).map_err(|e| binding("uri", wire, text, e))?)
                }
                None => None,
            },
            Some(Location::QueryString) => query_member(model, &r, wire, &query)?,
            Some(Location::Header) => match req.header(&wire.to_ascii_lowercase()) {
                Some(text) => Some(header_member(model, &r, text).map_err(|e| binding("header", wire, text, e))?),
                None => None,
            },
            Some(Location::Headers) => {
                let prefix = wire.to_ascii_lowercase();
                let map: Map<String, Value> = req
                    .headers
                    .iter()
                    .filter_map(|(k, v)| {
                        k.strip_prefix(prefix.as_str()).map(|s| (s.to_string(), Value::String(v.clone())))
                    })
                    .collect();
                (!map.is_empty()).then_some(Value::Object(map))
            }
            Some(Location::StatusCode) => None,
            None | Some(Location::Unknown) if Some(r.name) == payload => payload_member(model, &r, req.body)?,
            None | Some(Location::Unknown) => {
                has_body_members = true;
                None
            }
        };
        if let Some(v) = value {
            out.insert(r.name.to_string(), v);
        }
    }
    if has_body_members && payload.is_none() && !req.body.iter().all(u8::is_ascii_whitespace) {
        let body = parse_json_body(req.body)?;
        let decoded = json::decode_shape(model, shape, &body, true, "", 0).map_err(body_type_error)?;
        if let Value::Object(members) = decoded {
            // Keep model order: body members interleave with bound ones.
            let mut ordered = Map::new();
            for (name, _) in &shape.members {
                if let Some(v) = out.remove(name).or_else(|| members.get(name).cloned()) {
                    ordered.insert(name.clone(), v);
                }
            }
            out = ordered;
        }
    }
    Ok(Value::Object(out))
}

fn scalar(r: &Ref, default_format: TimestampFormat, text: &str) -> Result<Value, &'static str> {
    let format = r.timestamp_format().unwrap_or(default_format);
    parse_scalar(r.shape.shape_type, format, text).map_err(|e| e.expected)
}

fn query_member(
    model: &ServiceModel,
    r: &Ref,
    wire: &str,
    query: &[(String, String)],
) -> Result<Option<Value>, RestError> {
    match r.shape.shape_type {
        ShapeType::Map => {
            // A query map (`httpQueryParams`) sees every parameter, named members' ones included.
            let list_values =
                model.element("value", r.shape.value.as_deref()).is_some_and(|v| v.shape.shape_type == ShapeType::List);
            let mut map = Map::new();
            for (k, v) in query {
                if list_values {
                    let entry = map.entry(k.clone()).or_insert_with(|| Value::Array(Vec::new()));
                    if let Value::Array(items) = entry {
                        items.push(Value::String(v.clone()));
                    }
                } else {
                    map.entry(k.clone()).or_insert_with(|| Value::String(v.clone()));
                }
            }
            Ok((!map.is_empty()).then_some(Value::Object(map)))
        }
        ShapeType::List => {
            let Some(element) = model.element("member", r.shape.member.as_deref()) else {
                return Ok(None);
            };
            let mut items = Vec::new();
            for (k, v) in query.iter().filter(|(k, _)| k == wire) {
                let value =
                    scalar(&element, TimestampFormat::Iso8601, v).map_err(|e| binding("querystring", k, v, e))?;
                items.push(value);
            }
            Ok((!items.is_empty()).then_some(Value::Array(items)))
        }
        _ => match query.iter().find(|(k, _)| k == wire) {
            Some((_, v)) => {
                Ok(Some(scalar(r, TimestampFormat::Iso8601, v).map_err(|e| binding("querystring", wire, v, e))?))
            }
            None => Ok(None),
        },
    }
}

fn header_member(model: &ServiceModel, r: &Ref, text: &str) -> Result<Value, &'static str> {
    if r.member.jsonvalue {
        // A `jsonvalue` header is base64 of a JSON document; the value is the document.
        let bytes = B64.decode(text.trim()).map_err(|_| "base64-encoded JSON")?;
        return serde_json::from_slice(&bytes).map_err(|_| "base64-encoded JSON");
    }
    if r.shape.shape_type == ShapeType::List {
        let element = model.element("member", r.shape.member.as_deref()).ok_or("a modelled list")?;
        let format = element.timestamp_format().unwrap_or(TimestampFormat::Rfc822);
        let http_dates = element.shape.shape_type == ShapeType::Timestamp && format == TimestampFormat::Rfc822;
        let items = if http_dates { split_http_date_list(text) } else { split_header_list(text) };
        return items
            .iter()
            .map(|item| scalar(&element, TimestampFormat::Rfc822, item))
            .collect::<Result<Vec<_>, _>>()
            .map(Value::Array);
    }
    scalar(r, TimestampFormat::Rfc822, text)
}

fn payload_member(model: &ServiceModel, r: &Ref, body: &[u8]) -> Result<Option<Value>, RestError> {
    if body.is_empty() {
        return Ok(None);
    }
    match r.shape.shape_type {
        ShapeType::Blob => Ok(Some(Value::String(B64.encode(body)))),
        ShapeType::String => std::str::from_utf8(body)
            .map(|s| Some(Value::String(s.to_string())))
            .map_err(|_| RestError::Body("Request body is not valid UTF-8".into())),
        _ => {
            let json = parse_json_body(body)?;
            // SDKs send `{}` for an absent structure payload, so an empty object means absent.
            if json.as_object().is_some_and(Map::is_empty) && !r.shape.document {
                return Ok(None);
            }
            json::decode_shape(model, r.shape, &json, false, r.name, 0).map(Some).map_err(body_type_error)
        }
    }
}

/// A rest-json response before request ids and content types are settled.
pub struct Encoded {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
    pub content_type: Option<&'static str>,
}

/// Writes a structure (an output or an error) to status, headers and body. Without a payload
/// member the body is a JSON object, `{}` when no body member is set, as AWS's services answer.
pub fn encode(model: &ServiceModel, shape: &Shape, payload: Option<&str>, value: &Value, status: u16) -> Encoded {
    let mut encoded = Encoded { status, headers: Vec::new(), body: Vec::new(), content_type: None };
    let empty = Map::new();
    let object = value.as_object().unwrap_or(&empty);
    for r in model.members(shape) {
        let wire = r.location_name().unwrap_or(r.name);
        let v = object.get(r.name).filter(|v| !v.is_null());
        match r.location() {
            Some(Location::Header) => {
                if let Some(text) = v.and_then(|v| header_text(model, &r, v)) {
                    encoded.headers.push((wire.to_string(), text));
                }
            }
            Some(Location::Headers) => {
                if let Some(map) = v.and_then(Value::as_object) {
                    for (k, item) in map {
                        if let Some(text) = item.as_str() {
                            encoded.headers.push((format!("{wire}{k}"), text.to_string()));
                        }
                    }
                }
            }
            Some(Location::StatusCode) => {
                if let Some(code) = v.and_then(Value::as_u64).and_then(|c| u16::try_from(c).ok()) {
                    encoded.status = code;
                }
            }
            Some(Location::Uri) | Some(Location::QueryString) => {}
            None | Some(Location::Unknown) if Some(r.name) == payload => {
                if let Some(v) = v {
                    encode_payload(model, &r, v, &mut encoded);
                }
            }
            None | Some(Location::Unknown) => {}
        }
    }
    if payload.is_none() {
        let body = json::encode_shape(model, shape, value, true, 0);
        encoded.body = body.to_string().into_bytes();
        encoded.content_type = Some("application/json");
    }
    encoded
}

fn encode_payload(model: &ServiceModel, r: &Ref, value: &Value, encoded: &mut Encoded) {
    match r.shape.shape_type {
        _ if r.shape.eventstream => {
            let events = value.as_array().map(Vec::as_slice).unwrap_or(&[]);
            for event in events {
                if let Some((name, body)) = event.as_object().and_then(|o| o.iter().next()) {
                    encoded.body.extend(crate::eventstream::encode_union_event(model, r.shape, name, body));
                }
            }
            encoded.content_type = Some("application/vnd.amazon.eventstream");
        }
        ShapeType::Blob => {
            encoded.body = value.as_str().and_then(|s| B64.decode(s).ok()).unwrap_or_default();
            encoded.content_type = Some("application/octet-stream");
        }
        ShapeType::String => {
            encoded.body = value.as_str().unwrap_or_default().as_bytes().to_vec();
            encoded.content_type = Some("text/plain");
        }
        _ => {
            encoded.body = json::encode_shape(model, r.shape, value, false, 0).to_string().into_bytes();
            encoded.content_type = Some("application/json");
        }
    }
}

fn header_text(model: &ServiceModel, r: &Ref, value: &Value) -> Option<String> {
    if r.member.jsonvalue {
        return Some(B64.encode(value.to_string()));
    }
    match (r.shape.shape_type, value) {
        (ShapeType::List, Value::Array(items)) => {
            let element = model.element("member", r.shape.member.as_deref())?;
            let format = element.timestamp_format().unwrap_or(TimestampFormat::Rfc822);
            let texts: Vec<String> =
                items.iter().filter_map(|item| scalar_text(element.shape.shape_type, format, item)).collect();
            if element.shape.shape_type == ShapeType::Timestamp {
                // HTTP dates are never quoted although they contain commas.
                Some(texts.join(", "))
            } else {
                Some(join_header_list(&texts))
            }
        }
        (ty, v) => scalar_text(ty, r.timestamp_format().unwrap_or(TimestampFormat::Rfc822), v),
    }
}
