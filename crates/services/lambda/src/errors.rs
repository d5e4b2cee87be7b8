//! Lambda's errors as AWS words them: codes, HTTP statuses and message texts.
//! The wire layer adds the `Type: User` member the Lambda model carries.

use sekisho_core::AwsError;

pub fn invalid_parameter(message: impl Into<String>) -> AwsError {
    AwsError::new("InvalidParameterValueException", 400, message)
}

pub fn not_found(message: impl Into<String>) -> AwsError {
    AwsError::new("ResourceNotFoundException", 404, message)
}

pub fn conflict(message: impl Into<String>) -> AwsError {
    AwsError::new("ResourceConflictException", 409, message)
}

pub fn function_not_found(arn: &str) -> AwsError {
    not_found(format!("Function not found: {arn}"))
}

pub fn resource_not_found() -> AwsError {
    not_found("The resource you requested does not exist.")
}

pub fn role_cannot_be_assumed() -> AwsError {
    invalid_parameter("The role defined for the function cannot be assumed by Lambda.")
}

pub fn precondition_failed() -> AwsError {
    AwsError::new(
        "PreconditionFailedException",
        412,
        "The Revision Id provided does not match the latest Revision Id. Call the GetFunction/GetAlias API to retrieve the latest Revision Id",
    )
}

pub fn invalid_request_content(message: impl Into<String>) -> AwsError {
    AwsError::new("InvalidRequestContentException", 400, message)
}

pub fn request_too_large(limit: usize) -> AwsError {
    AwsError::new(
        "RequestTooLargeException",
        413,
        format!("Request must be smaller than {limit} bytes for the InvokeFunction operation"),
    )
}

/// A direct upload larger than Lambda takes.
pub fn request_entity_too_large(limit: usize, operation: &str) -> AwsError {
    AwsError::new(
        "RequestEntityTooLargeException",
        413,
        format!("Request must be smaller than {limit} bytes for the {operation} operation"),
    )
}

pub fn invalid_runtime(runtime: &str) -> AwsError {
    AwsError::new(
        "InvalidRuntimeException",
        502,
        format!("The runtime parameter of {runtime} is not supported by sekisho's local execution environments."),
    )
}

pub fn service(message: impl Into<String>) -> AwsError {
    AwsError::new("ServiceException", 500, message)
}
