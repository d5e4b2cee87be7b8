//! The error every layer speaks: AWS's error code, HTTP status and message.
//! Protocols render it (query XML `ErrorResponse`, json `__type`, rest-json `x-amzn-ErrorType`).

use serde_json::{Map, Value};

/// An AWS error as a client sees it.
#[derive(Debug, Clone, PartialEq)]
pub struct AwsError {
    /// AWS's error code, e.g. `AccessDenied`, `ValidationException`.
    pub code: String,
    /// HTTP status code.
    pub status: u16,
    /// Message text, exactly as AWS writes it. May be empty (some AWS errors carry none).
    pub message: String,
    /// `Sender` or `Receiver` fault (query protocol `<Type>`).
    pub sender_fault: bool,
    /// Extra members of the modelled error shape (e.g. `reason`, `fieldList`).
    pub fields: Map<String, Value>,
}

impl AwsError {
    pub fn new(code: impl Into<String>, status: u16, message: impl Into<String>) -> Self {
        let status_code = status;
        AwsError {
            code: code.into(),
            status: status_code,
            message: message.into(),
            sender_fault: status_code < 500,
            fields: Map::new(),
        }
    }

    /// Adds an extra member of the error shape.
    pub fn with_field(mut self, name: &str, value: Value) -> Self {
        self.fields.insert(name.to_string(), value);
        self
    }

    pub fn internal(message: impl Into<String>) -> Self {
        Self::new("InternalFailure", 500, message)
    }
}

impl std::fmt::Display for AwsError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} ({}): {}", self.code, self.status, self.message)
    }
}

impl std::error::Error for AwsError {}
