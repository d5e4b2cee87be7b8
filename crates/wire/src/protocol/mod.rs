//! The four protocols behind one surface: `decode` a request into (operation, value),
//! `encode_output` and `encode_error` back into HTTP. Routing, malformed input and validation live here.

mod dialect;
pub(crate) mod form;
pub(crate) mod json;
mod query;
mod rest;
pub(crate) mod text;
pub(crate) mod uri;
mod xml;

use serde_json::{Map, Value};

pub use dialect::{Dialect, UnknownOperation};

use crate::model::{Operation, Protocol, ServiceModel, Shape};
use crate::validate;
use crate::{AwsError, HttpRequest, HttpResponse};
use query::capitalize;

const REQUEST_ID: &str = "x-amzn-RequestId";
const EVENT_STREAM: &str = "application/vnd.amazon.eventstream";

fn header_is(req: &HttpRequest, name: &str, wanted: &str) -> bool {
    req.header(name).is_some_and(|v| v.split(';').next().unwrap_or("").trim().eq_ignore_ascii_case(wanted))
}

impl ServiceModel {
    /// Finds the operation a request calls and reads its input, then checks the input against
    /// the model's constraints. Every failure is the error AWS would send, ready for `encode_error`.
    pub fn decode(&self, req: &HttpRequest) -> Result<(&Operation, Value), AwsError> {
        let (op, value) = self.decode_unvalidated(req)?;
        self.validate_input(op, &value)?;
        Ok((op, value))
    }

    /// `decode` without the constraint checks (types are still checked).
    pub fn decode_unvalidated(&self, req: &HttpRequest) -> Result<(&Operation, Value), AwsError> {
        match self.protocol() {
            Protocol::Query | Protocol::Ec2 => self.decode_query(req),
            Protocol::Json => self.decode_json(req),
            Protocol::RestJson | Protocol::RestXml => self.decode_rest(req),
        }
    }

    /// Checks an operation's input against required members, lengths, ranges, patterns and enums.
    /// Internal callers that build inputs themselves use this too, so both paths fail alike.
    /// The error code is the protocol's (`ValidationError`, `ValidationException`); a service that
    /// answers differently can map the error or build its own from `check_input`.
    pub fn validate_input(&self, op: &Operation, value: &Value) -> Result<(), AwsError> {
        let Some(shape) = self.input_shape(op) else {
            return Ok(());
        };
        if self.protocol() == Protocol::Ec2 {
            return self.ec2_required(shape, value);
        }
        let violations = validate::validate(self, shape, value);
        if violations.is_empty() {
            Ok(())
        } else {
            Err(AwsError::new(self.dialect().validation_code, 400, validate::message(&violations)))
        }
    }

    /// The constraint violations of an input, in AWS's order, for callers that word errors themselves.
    pub fn check_input(&self, op: &Operation, value: &Value) -> Vec<validate::Violation> {
        self.input_shape(op).map(|shape| validate::validate(self, shape, value)).unwrap_or_default()
    }

    /// Whether a REST request (`path` may carry `?query`) names an operation of this service.
    /// Tells apart services that share a signing name: bedrock and bedrock-runtime, agentcore control and data.
    pub fn matches_rest(&self, method: &str, path: &str) -> bool {
        let (path, query) = path.split_once('?').unwrap_or((path, ""));
        self.routes().iter().any(|(t, _)| t.matches(method, path, query).is_some())
    }

    /// The operation a REST request names, with its URI labels.
    fn route(&self, req: &HttpRequest) -> Option<(&Operation, uri::Labels)> {
        self.routes()
            .iter()
            .find_map(|(t, i)| t.matches(req.method, req.path, req.query).map(|labels| (self.operation_at(*i), labels)))
    }

    pub fn dialect(&self) -> &Dialect {
        &self.dialect
    }

    fn unknown_operation(&self, name: &str, version: &str) -> AwsError {
        let u = self.dialect().unknown_operation;
        let message = match (self.protocol(), u.message) {
            (_, Some(m)) => m.to_string(),
            (Protocol::Query, None) => {
                format!("Could not find operation {name} for version {version}")
            }
            (Protocol::Ec2, None) => {
                format!("The action {name} is not valid for this web service.")
            }
            (_, None) => String::new(),
        };
        AwsError::new(u.code, u.status, message)
    }

    fn malformed(&self, message: impl Into<String>) -> AwsError {
        let d = self.dialect();
        AwsError::new(d.malformed_code, d.malformed_status, message)
    }

    fn decode_query(&self, req: &HttpRequest) -> Result<(&Operation, Value), AwsError> {
        // [doc] MalformedQueryString: "The query string contains a syntax error", HTTP 404.
        let bad_encoding = || AwsError::new("MalformedQueryString", 404, "The query string contains a syntax error.");
        let mut pairs = Vec::new();
        let form_body = req.method.eq_ignore_ascii_case("POST")
            && (req.header("content-type").is_none()
                || header_is(req, "content-type", "application/x-www-form-urlencoded"));
        if form_body {
            pairs = form::parse_pairs(req.body).map_err(|_| bad_encoding())?;
        }
        pairs.extend(form::parse_pairs(req.query.as_bytes()).map_err(|_| bad_encoding())?);
        let params = query::Params::new(&pairs);
        let Some(action) = params.get("Action").filter(|a| !a.is_empty()) else {
            // [doc] MissingAction 400: "The request is missing an action or a required parameter."
            return Err(AwsError::new("MissingAction", 400, "Missing Action"));
        };
        let version = params.get("Version").unwrap_or(&self.metadata.api_version);
        let op = self
            .operation(action)
            .filter(|_| version == self.metadata.api_version || self.protocol() == Protocol::Ec2)
            .ok_or_else(|| self.unknown_operation(action, version))?;
        let value = match self.input_shape(op) {
            Some(shape) => query::decode(self, shape, &params).map_err(|e| {
                if self.protocol() == Protocol::Ec2 {
                    self.malformed(format!(
                        "Value ({}) for parameter {} is invalid. Expected {}.",
                        e.value, e.param, e.expected
                    ))
                } else {
                    self.malformed(format!(
                        "Value '{}' for parameter {} is invalid: expected {}.",
                        e.value, e.param, e.expected
                    ))
                }
            })?,
            None => Value::Object(Map::new()),
        };
        Ok((op, value))
    }

    fn decode_json(&self, req: &HttpRequest) -> Result<(&Operation, Value), AwsError> {
        let target = req.header("x-amz-target").unwrap_or("");
        let prefix = self.metadata.target_prefix.as_deref().unwrap_or("");
        let name = target.rsplit_once('.').filter(|(p, _)| *p == prefix).map(|(_, n)| n).unwrap_or(target);
        let op = self
            .operation(name)
            .filter(|_| target.rsplit_once('.').is_some_and(|(p, _)| p == prefix))
            .ok_or_else(|| self.unknown_operation(name, &self.metadata.api_version))?;
        let Some(shape) = self.input_shape(op) else {
            return Ok((op, Value::Object(Map::new())));
        };
        if req.body.iter().all(u8::is_ascii_whitespace) {
            return Ok((op, Value::Object(Map::new())));
        }
        let text = std::str::from_utf8(req.body).map_err(|_| self.malformed("Request body is not valid UTF-8"))?;
        let body: Value = serde_json::from_str(text).map_err(|e| self.malformed(format!("Invalid JSON: {e}")))?;
        let value = json::decode_shape(self, shape, &body, false, "", 0)
            .map_err(|e| self.malformed(format!("Expected {} at '{}'", e.expected, e.path)))?;
        Ok((op, value))
    }

    fn decode_rest(&self, req: &HttpRequest) -> Result<(&Operation, Value), AwsError> {
        let Some((op, labels)) = self.route(req) else {
            let name = format!("{} {}", req.method, req.path);
            return Err(self.unknown_operation(&name, &self.metadata.api_version));
        };
        let value = rest::decode(self, op, &labels, req).map_err(|e| match e {
            rest::RestError::Binding { location, name, value, expected } => {
                self.malformed(format!("Value '{value}' of {location} '{name}' is not {expected}"))
            }
            rest::RestError::Body(message) => self.malformed(message),
            rest::RestError::MalformedQuery(_) => {
                AwsError::new("MalformedQueryString", 400, "The query string contains a syntax error.")
            }
        })?;
        Ok((op, value))
    }

    /// EC2 reports absent required parameters one at a time as `MissingParameter`.
    fn ec2_required(&self, shape: &Shape, value: &Value) -> Result<(), AwsError> {
        let empty = Map::new();
        let object = value.as_object().unwrap_or(&empty);
        for r in self.members(shape) {
            if shape.is_required(r.name) && object.get(r.name).is_none_or(Value::is_null) {
                let name = r
                    .member
                    .query_name
                    .clone()
                    .or_else(|| r.location_name().map(capitalize))
                    .unwrap_or_else(|| capitalize(r.name));
                return Err(AwsError::new(
                    "MissingParameter",
                    400,
                    format!("The request must contain the parameter {name}"),
                ));
            }
        }
        Ok(())
    }

    /// Writes an operation's output (internal value) as AWS's HTTP response.
    pub fn encode_output(&self, op: &Operation, value: &Value, request_id: &str) -> HttpResponse {
        let mut headers = vec![(REQUEST_ID.to_string(), request_id.to_string())];
        let (status, body, content_type) = match self.protocol() {
            Protocol::Query | Protocol::Ec2 => {
                // Query outputs are wrapped in `<Op>Result` unless the model names the wrapper.
                let wrapper = op
                    .output
                    .as_ref()
                    .map(|o| o.result_wrapper.clone().unwrap_or_else(|| format!("{}Result", op.name)));
                let output = op.output.as_ref().and_then(|o| self.shape(&o.shape)).map(|s| (s, wrapper.as_deref()));
                let xml = xml::encode_output(self, &op.name, output, value, request_id);
                (200, xml.into_bytes(), Some(self.xml_content_type()))
            }
            Protocol::Json => match self.output_shape(op) {
                Some(shape) if self.members(shape).any(|r| r.shape.eventstream) => {
                    (200, self.json_event_stream(shape, value), Some(EVENT_STREAM))
                }
                Some(shape) => {
                    let body = json::encode_shape(self, shape, value, false, 0);
                    (200, body.to_string().into_bytes(), Some(self.json_content_type()))
                }
                None => (200, b"{}".to_vec(), Some(self.json_content_type())),
            },
            Protocol::RestJson | Protocol::RestXml => {
                let status = op.http.response_code.unwrap_or(200);
                match self.output_shape(op) {
                    Some(shape) => {
                        let encoded = rest::encode(self, shape, self.output_payload(op), value, status);
                        headers.extend(encoded.headers);
                        (encoded.status, encoded.body, encoded.content_type)
                    }
                    None => (status, Vec::new(), None),
                }
            }
        };
        if let Some(ct) = content_type {
            if !headers.iter().any(|(k, _)| k.eq_ignore_ascii_case("content-type")) {
                headers.push(("Content-Type".to_string(), ct.to_string()));
            }
        }
        HttpResponse { status, headers, body }
    }

    /// Writes an error as AWS's HTTP response for this protocol. `op` is the operation that failed,
    /// when one was found; the error's shape is looked up by code either way.
    pub fn encode_error(&self, op: Option<&Operation>, err: &AwsError, request_id: &str) -> HttpResponse {
        let mut headers = vec![(REQUEST_ID.to_string(), request_id.to_string())];
        let (status, body, content_type) = match self.protocol() {
            Protocol::Query | Protocol::Ec2 => {
                let xml = xml::encode_error(self, op, err, request_id);
                (err.status, xml.into_bytes(), self.xml_content_type())
            }
            Protocol::Json => {
                headers.push(("x-amzn-ErrorType".to_string(), err.code.clone()));
                let mut body = Map::new();
                body.insert("__type".to_string(), Value::String(err.code.clone()));
                let (shape, members) = self.error_body(op, err, false);
                if let Value::Object(members) = members {
                    body.extend(members);
                }
                if let Some(shape) = shape {
                    // Error members bound to headers travel as headers here too.
                    let raw = Value::Object(err.fields.clone());
                    headers.extend(rest::encode(self, shape, None, &raw, err.status).headers);
                }
                (err.status, Value::Object(body).to_string().into_bytes(), self.json_content_type())
            }
            Protocol::RestJson | Protocol::RestXml => {
                headers.push(("x-amzn-ErrorType".to_string(), err.code.clone()));
                let (shape, value) = self.error_body(op, err, true);
                match shape {
                    Some(shape) => {
                        let encoded = rest::encode(self, shape, shape.payload.as_deref(), &value, err.status);
                        headers.extend(encoded.headers);
                        let mut body = encoded.body;
                        if body.is_empty() {
                            body = b"{}".to_vec();
                        }
                        // The message goes in the body even when the shape does not model it.
                        let mut object: Map<String, Value> = serde_json::from_slice(&body).unwrap_or_default();
                        let key = self.message_key(&err.code);
                        if !err.message.is_empty() && !object.contains_key(key) {
                            object.insert(key.to_string(), Value::String(err.message.clone()));
                        }
                        (err.status, Value::Object(object).to_string().into_bytes(), "application/json")
                    }
                    None => (err.status, value.to_string().into_bytes(), "application/json"),
                }
            }
        };
        headers.push(("Content-Type".to_string(), content_type.to_string()));
        HttpResponse { status, headers, body }
    }

    /// The members of an error body: the message under the right key plus `fields`. With a
    /// modelled shape and `keep_raw == true` the value is returned unencoded for `rest::encode`.
    fn error_body(&self, op: Option<&Operation>, err: &AwsError, keep_raw: bool) -> (Option<&Shape>, Value) {
        let key = self.message_key(&err.code);
        let mut members = Map::new();
        if !err.message.is_empty() {
            members.insert(key.to_string(), Value::String(err.message.clone()));
        }
        for (k, v) in &err.fields {
            members.insert(k.clone(), v.clone());
        }
        let shape = self.operation_error_shape(op, &err.code).map(|(_, s)| s);
        if self.dialect().fills_type_member {
            if let Some(shape) = shape {
                if shape.member("Type").is_some() && !members.contains_key("Type") {
                    let kind = if err.sender_fault { "User" } else { "Service" };
                    members.insert("Type".to_string(), Value::String(kind.to_string()));
                }
            }
        }
        let raw = Value::Object(members);
        match shape {
            Some(shape) if keep_raw => (Some(shape), raw),
            Some(shape) => {
                let mut encoded = json::encode_shape(self, shape, &raw, false, 0);
                if let (Value::Object(object), false) = (&mut encoded, err.message.is_empty()) {
                    object.entry(key.to_string()).or_insert_with(|| Value::String(err.message.clone()));
                }
                (Some(shape), encoded)
            }
            None => (None, raw),
        }
    }

    /// A JSON RPC streaming output: an `initial-response` event with the other members, then
    /// the stream's events (the stream member holds a list of `{"EventName": {...}}`).
    fn json_event_stream(&self, shape: &Shape, value: &Value) -> Vec<u8> {
        let mut body = crate::eventstream::encode_initial_response(self, shape, value);
        for r in self.members(shape).filter(|r| r.shape.eventstream) {
            let events = value.get(r.name).and_then(Value::as_array);
            for event in events.into_iter().flatten() {
                if let Some((name, payload)) = event.as_object().and_then(|o| o.iter().next()) {
                    body.extend(crate::eventstream::encode_union_event(self, r.shape, name, payload));
                }
            }
        }
        body
    }

    /// `message` or `Message`: what the error's shape declares, else what the service's errors mostly use.
    pub fn message_key(&self, code: &str) -> &'static str {
        if self.dialect().capital_message.contains(&code) {
            return "Message";
        }
        if let Some((_, shape)) = self.error_shape(code) {
            if shape.member("Message").is_some() {
                return "Message";
            }
            if shape.member("message").is_some() {
                return "message";
            }
        }
        self.default_message_key
    }

    /// EC2 labels its XML with a charset, the query services do not.
    fn xml_content_type(&self) -> &'static str {
        if self.protocol() == Protocol::Ec2 { "text/xml;charset=UTF-8" } else { "text/xml" }
    }

    fn json_content_type(&self) -> &'static str {
        match self.metadata.json_version.as_deref() {
            Some("1.0") => "application/x-amz-json-1.0",
            _ => "application/x-amz-json-1.1",
        }
    }
}

#[cfg(test)]
mod tests;
