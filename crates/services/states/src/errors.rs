//! Step Functions' errors with AWS's codes and texts, in one place so every operation words them alike.
//! Texts marked `[inf]` were not found verbatim in a recorded AWS response; the others were (responses
//! recorded against AWS in public test snapshots, and error texts users quoted in bug reports).

use sekisho_core::AwsError;

/// Every Step Functions client error is HTTP 400 (json 1.0), AccessDenied included (ERR-5).
const STATUS: u16 = 400;

fn e(code: &str, message: impl Into<String>) -> AwsError {
    AwsError::new(code, STATUS, message)
}

pub fn state_machine_does_not_exist(arn: &str) -> AwsError {
    e("StateMachineDoesNotExist", format!("State Machine Does Not Exist: '{arn}'"))
}

pub fn state_machine_already_exists(arn: &str) -> AwsError {
    e("StateMachineAlreadyExists", format!("State Machine Already Exists: '{arn}'"))
}

pub fn execution_does_not_exist(arn: &str) -> AwsError {
    e("ExecutionDoesNotExist", format!("Execution Does Not Exist: '{arn}'"))
}

pub fn execution_already_exists(arn: &str) -> AwsError {
    e("ExecutionAlreadyExists", format!("Execution Already Exists: '{arn}'"))
}

pub fn invalid_arn(detail: &str) -> AwsError {
    e("InvalidArn", format!("Invalid Arn: '{detail}'"))
}

pub fn invalid_name(name: &str) -> AwsError {
    e("InvalidName", format!("Invalid Name: '{name}'"))
}

pub fn invalid_definition(message: String) -> AwsError {
    e("InvalidDefinition", message)
}

pub fn invalid_logging(detail: &str) -> AwsError {
    e("InvalidLoggingConfiguration", format!("Invalid Logging Configuration: {detail}"))
}

/// The execution role may not write to the log group (an AccessDeniedException, as AWS answers it).
pub fn log_destination_denied() -> AwsError {
    e("AccessDeniedException", "The state machine IAM Role is not authorized to access the Log Destination")
}

/// `states.amazonaws.com` may not assume the execution role (ERR-5).
pub fn role_not_assumable() -> AwsError {
    e(
        "AccessDeniedException",
        "Neither the global service principal states.amazonaws.com, nor the regional one is authorized to assume the provided role.",
    )
}

/// `detail` is the JSON parser's complaint, in Jackson's words where we have them.
pub fn invalid_execution_input(detail: &str) -> AwsError {
    e("InvalidExecutionInput", format!("Invalid State Machine Execution Input: '{detail}'"))
}

pub fn type_not_supported() -> AwsError {
    e("StateMachineTypeNotSupported", "This operation is not supported by this type of state machine")
}

pub fn resource_not_found(arn: &str) -> AwsError {
    e("ResourceNotFound", format!("Resource not found: '{arn}'"))
}

pub fn validation(message: impl Into<String>) -> AwsError {
    e("ValidationException", message)
}

pub fn missing_update_parameter() -> AwsError {
    e(
        "MissingRequiredParameter",
        "Either the definition, the role ARN, the LoggingConfiguration, or the TracingConfiguration must be specified",
    )
}

/// [inf]
pub fn too_many_tags(arn: &str) -> AwsError {
    e("TooManyTags", format!("Too many tags for resource '{arn}'")).with_field("resourceName", arn.into())
}

/// A task token this service never issued. [inf]
pub fn invalid_token() -> AwsError {
    e("InvalidToken", "Invalid Token: 'Invalid token'")
}

/// The token of a task that has ended (settled, timed out, or its execution ended).
pub fn task_timed_out() -> AwsError {
    e("TaskTimedOut", "Task Timed Out: 'Provided task does not exist anymore'")
}

/// [inf]
pub fn invalid_output(detail: &str) -> AwsError {
    e("InvalidOutput", format!("Invalid Output: '{detail}'"))
}

/// A paging token this service did not issue. [inf]
pub fn invalid_next_token() -> AwsError {
    e("InvalidToken", "Invalid Token: 'The token is invalid'")
}

/// The input did not have the model's shape (only reachable when the wire layer let it through).
pub fn malformed(detail: impl std::fmt::Display) -> AwsError {
    validation(format!("1 validation error detected: {detail}"))
}

/// [inf] worded like the other `*DoesNotExist` texts.
pub fn activity_does_not_exist(arn: &str) -> AwsError {
    e("ActivityDoesNotExist", format!("Activity Does Not Exist: '{arn}'"))
}

/// [inf]
pub fn activity_limit_exceeded() -> AwsError {
    e(
        "ActivityLimitExceeded",
        "The maximum number of activities has been reached. Existing activities must be deleted before a new activity can be created.",
    )
}

pub fn execution_not_redrivable(reason: &str) -> AwsError {
    e("ExecutionNotRedrivable", reason.to_string())
}

pub fn conflict(message: impl Into<String>) -> AwsError {
    e("ConflictException", message)
}

pub fn service_quota_exceeded(message: impl Into<String>) -> AwsError {
    e("ServiceQuotaExceededException", message)
}
