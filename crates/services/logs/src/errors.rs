//! CloudWatch Logs' errors with AWS's codes and texts, in one place so every operation words them alike.
//! Texts marked `[inf]` were not found verbatim in a recorded AWS response; the rest were (AWS responses
//! recorded in public test snapshots and quoted in users' bug reports).

use sekisho_core::AwsError;

/// Every CloudWatch Logs client error is HTTP 400 (json 1.1).
const STATUS: u16 = 400;

pub fn invalid_parameter(message: impl Into<String>) -> AwsError {
    AwsError::new("InvalidParameterException", STATUS, message)
}

pub fn group_not_found() -> AwsError {
    AwsError::new("ResourceNotFoundException", STATUS, "The specified log group does not exist.")
}

pub fn stream_not_found() -> AwsError {
    AwsError::new("ResourceNotFoundException", STATUS, "The specified log stream does not exist.")
}

/// No trailing period, unlike the not-found texts.
pub fn group_exists() -> AwsError {
    AwsError::new("ResourceAlreadyExistsException", STATUS, "The specified log group already exists")
}

pub fn stream_exists() -> AwsError {
    AwsError::new("ResourceAlreadyExistsException", STATUS, "The specified log stream already exists")
}

/// `logGroupName` and `logGroupIdentifier` together. AWS answers ValidationException here, not
/// InvalidParameterException.
pub fn name_and_identifier() -> AwsError {
    AwsError::new("ValidationException", STATUS, "LogGroup name and LogGroup ARN are mutually exclusive parameters.")
}

/// Neither `logGroupName` nor `logGroupIdentifier`. [inf]
pub fn no_name_or_identifier() -> AwsError {
    invalid_parameter("Should provide either name or ARN of the log group.")
}

pub fn invalid_next_token() -> AwsError {
    invalid_parameter("The specified nextToken is invalid.")
}

pub fn policy_not_found(name: &str) -> AwsError {
    AwsError::new("ResourceNotFoundException", STATUS, format!("Policy with name [{name}] does not exist."))
}

pub fn limit_exceeded() -> AwsError {
    AwsError::new("LimitExceededException", STATUS, "Resource limit exceeded.")
}

/// A log group ARN that does not parse. [inf]
pub fn invalid_arn(arn: &str) -> AwsError {
    invalid_parameter(format!("Invalid ARN: {arn}"))
}

/// The input did not have the model's shape (only reachable when the wire layer let it through).
pub fn malformed(detail: impl std::fmt::Display) -> AwsError {
    invalid_parameter(format!("1 validation error detected: {detail}"))
}
