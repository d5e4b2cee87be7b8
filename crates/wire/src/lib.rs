//! AWS wire protocols, driven by the service models of botocore.
//! Pure: no IO, no clock reads, no async. Callers hand in request parts and get typed values back.
//!
//! ```text
//! let sts = sekisho_wire::load("sts").unwrap();          // parsed on first use
//! let (op, input) = sts.decode(&request)?;               // routing, types, constraints
//! let response = sts.encode_output(op, &output, rid);    // or sts.encode_error(Some(op), &err, rid)
//! ```
//!
//! Everything above the wire speaks one value convention, whatever the protocol: a
//! `serde_json::Value` object keyed by the model's member names (`RoleArn`, `stateMachineArn`,
//! `modelId`), timestamps as epoch seconds (numbers, fractions allowed), blobs as base64 strings,
//! documents and `jsonvalue` members as JSON, non-finite floats as the strings `NaN`, `Infinity`,
//! `-Infinity`, and absent members absent. A streaming output member holds a list of events,
//! each `{"eventName": {...}}`; `ServiceModel::encode_event` frames one event at a time.

// `AwsError` carries AWS's code, message and extra members by value; errors are the cold path.
#![allow(clippy::result_large_err)]

pub mod error;
pub mod eventstream;
pub mod model;
pub mod protocol;
pub mod sigv4;
pub mod timestamp;
pub mod validate;

pub use error::AwsError;
pub use model::{Operation, ServiceModel, load};

/// An HTTP request as the wire layer sees it: raw, undecoded parts.
#[derive(Debug, Clone, Copy)]
pub struct HttpRequest<'a> {
    pub method: &'a str,
    /// Raw path as received (still percent-encoded), without the query string.
    pub path: &'a str,
    /// Raw query string without the leading `?` (may be empty).
    pub query: &'a str,
    /// Header names lower-case, values as received.
    pub headers: &'a [(String, String)],
    pub body: &'a [u8],
}

impl<'a> HttpRequest<'a> {
    /// First header with this (lower-case) name.
    pub fn header(&self, name: &str) -> Option<&'a str> {
        self.headers.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
    }
}

/// An HTTP response produced by the wire layer.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct HttpResponse {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}
