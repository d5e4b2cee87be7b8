//! AgentCore's errors as its model names them (spec AGC-4): codes and HTTP statuses from the
//! `bedrock-agentcore-control` model; message texts are inferred (AWS documents none).

use sekisho_core::AwsError;
use serde_json::json;

/// `ValidationException` with the model's `reason` member (`FieldValidationFailed`, ...).
pub fn validation(message: impl Into<String>, field: Option<&str>) -> AwsError {
    let message = message.into();
    let mut e = AwsError::new("ValidationException", 400, message.clone());
    e.fields.insert("reason".into(), json!(if field.is_some() { "FieldValidationFailed" } else { "CannotParse" }));
    if let Some(f) = field {
        e.fields.insert("fieldList".into(), json!([{ "name": f, "message": message }]));
    }
    e
}

pub fn not_found(message: impl Into<String>) -> AwsError {
    AwsError::new("ResourceNotFoundException", 404, message)
}

pub fn gateway_not_found(id: &str) -> AwsError {
    not_found(format!("Gateway not found: {id}"))
}

pub fn target_not_found(id: &str) -> AwsError {
    not_found(format!("Target not found: {id}"))
}

pub fn conflict(message: impl Into<String>) -> AwsError {
    AwsError::new("ConflictException", 409, message)
}

pub fn quota(message: impl Into<String>) -> AwsError {
    // The model's ServiceQuotaExceededException is HTTP 402 (spec AGC-4).
    AwsError::new("ServiceQuotaExceededException", 402, message)
}
