//! Protocol tests against the embedded AWS models: requests as real clients send them,
//! responses and errors as AWS writes them, and the malformed inputs AWS rejects.

mod ec2;
mod json;
mod query;
mod rest;

use crate::{HttpRequest, HttpResponse, ServiceModel, load};

/// An owned request for tests; `as_request` borrows it as the wire layer's view.
pub struct TestRequest {
    pub method: String,
    pub path: String,
    pub query: String,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl TestRequest {
    pub fn new(method: &str, uri: &str) -> Self {
        let (path, query) = uri.split_once('?').unwrap_or((uri, ""));
        TestRequest {
            method: method.to_string(),
            path: path.to_string(),
            query: query.to_string(),
            headers: Vec::new(),
            body: Vec::new(),
        }
    }

    pub fn header(mut self, name: &str, value: &str) -> Self {
        self.headers.push((name.to_ascii_lowercase(), value.to_string()));
        self
    }

    pub fn body(mut self, body: impl AsRef<[u8]>) -> Self {
        self.body = body.as_ref().to_vec();
        self
    }

    /// A query-protocol POST with a form body.
    pub fn form(body: &str) -> Self {
        TestRequest::new("POST", "/")
            .header("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")
            .body(body)
    }

    /// A JSON-protocol POST to `target`.
    pub fn json(target: &str, body: &str) -> Self {
        TestRequest::new("POST", "/")
            .header("Content-Type", "application/x-amz-json-1.0")
            .header("X-Amz-Target", target)
            .body(body)
    }

    pub fn as_request(&self) -> HttpRequest<'_> {
        HttpRequest {
            method: &self.method,
            path: &self.path,
            query: &self.query,
            headers: &self.headers,
            body: &self.body,
        }
    }
}

pub fn model(name: &str) -> &'static ServiceModel {
    load(name).unwrap_or_else(|| panic!("{name} is embedded"))
}

pub fn header<'a>(response: &'a HttpResponse, name: &str) -> Option<&'a str> {
    response.headers.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
}

pub fn body_text(response: &HttpResponse) -> &str {
    std::str::from_utf8(&response.body).expect("text body")
}

pub fn body_json(response: &HttpResponse) -> serde_json::Value {
    serde_json::from_slice(&response.body).expect("json body")
}
