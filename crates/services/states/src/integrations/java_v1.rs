//! How the optimized integrations name a service error (SFN-8): Step Functions makes those calls with the AWS
//! SDK for Java v1, so the error is `<Prefix>.<v1 exception class>` and the cause the v1 exception's message,
//! `<message> (Service: <client>; Status Code: <n>; Error Code: <code>; Request ID: <id>; Proxy: null)`.

use sekisho_wire::model::{Operation, ServiceModel};

/// A service as the optimized integrations name it.
#[derive(Debug, Clone, Copy)]
pub struct ServiceNames {
    /// The error prefix Step Functions uses (`Lambda`, `StepFunctions`).
    pub prefix: &'static str,
    /// The v1 client's service name (`AWSLambda`, `AWSStepFunctions`); codes the model does not declare
    /// become its base exception, `<client>Exception`.
    pub client: &'static str,
}

pub const LAMBDA: ServiceNames = ServiceNames { prefix: "Lambda", client: "AWSLambda" };
pub const STEP_FUNCTIONS: ServiceNames = ServiceNames { prefix: "StepFunctions", client: "AWSStepFunctions" };

/// The task error for a service error `code` of `op`: the modeled shape's v1 class (`Exception` appended
/// where the shape name lacks it), else the client's base exception.
pub fn error_name(names: ServiceNames, model: &ServiceModel, op: Option<&Operation>, code: &str) -> String {
    let prefix = names.prefix;
    match model.operation_error_shape(op, code) {
        Some((name, _)) if name.ends_with("Exception") => format!("{prefix}.{name}"),
        Some((name, _)) => format!("{prefix}.{name}Exception"),
        None => format!("{prefix}.{}Exception", names.client),
    }
}

/// The v1 exception message.
pub fn cause(names: ServiceNames, message: &str, status: u16, code: &str, request_id: &str) -> String {
    format!(
        "{message} (Service: {}; Status Code: {status}; Error Code: {code}; Request ID: {request_id}; Proxy: null)",
        names.client
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn step_functions_errors_as_sfn8_shows_them() {
        let m = sekisho_wire::load("stepfunctions").unwrap();
        let op = m.operation("StartExecution");
        assert_eq!(
            error_name(STEP_FUNCTIONS, m, op, "StateMachineDoesNotExist"),
            "StepFunctions.StateMachineDoesNotExistException"
        );
        assert_eq!(
            error_name(STEP_FUNCTIONS, m, op, "ExecutionAlreadyExists"),
            "StepFunctions.ExecutionAlreadyExistsException"
        );
        // Not in the model: the client's base exception.
        assert_eq!(error_name(STEP_FUNCTIONS, m, op, "SomethingNew"), "StepFunctions.AWSStepFunctionsException");
        let arn = "arn:aws:states:us-east-1:111111111111:stateMachine:x";
        assert_eq!(
            cause(
                STEP_FUNCTIONS,
                &format!("State Machine Does Not Exist: '{arn}'"),
                400,
                "StateMachineDoesNotExist",
                "r-1"
            ),
            format!(
                "State Machine Does Not Exist: '{arn}' (Service: AWSStepFunctions; Status Code: 400; Error Code: StateMachineDoesNotExist; Request ID: r-1; Proxy: null)"
            )
        );
    }

    #[test]
    fn lambda_errors() {
        let m = sekisho_wire::load("lambda").unwrap();
        let op = m.operation("Invoke");
        assert_eq!(error_name(LAMBDA, m, op, "ResourceNotFoundException"), "Lambda.ResourceNotFoundException");
        assert_eq!(error_name(LAMBDA, m, op, "TooManyRequestsException"), "Lambda.TooManyRequestsException");
        assert_eq!(error_name(LAMBDA, m, op, "NotInTheModel"), "Lambda.AWSLambdaException");
    }
}
