//! How the AWS SDK integration names a service error (SFN-7): `<ServicePrefix>.<ExceptionName>`, the
//! prefix from the model's service id as the Java SDK v2 spells its classes, the exception a modeled
//! error's class name, and the cause `<message> (Service: <Prefix>, Status Code: <n>, Request ID: <id>)`.

use sekisho_wire::model::{Operation, ServiceModel};

/// One word of a Java class name: acronyms keep only their first capital (`DB` -> `Db`, `SFN` -> `Sfn`).
fn java_word(word: &str) -> String {
    let chars: Vec<char> = word.chars().collect();
    let mut out = String::with_capacity(word.len());
    let mut i = 0;
    while i < chars.len() {
        if chars[i].is_ascii_uppercase() {
            let start = i;
            while i < chars.len() && chars[i].is_ascii_uppercase() {
                i += 1;
            }
            let mut end = i;
            // `HTTPServer`: the last capital starts the next word.
            if end - start > 1 && i < chars.len() && chars[i].is_ascii_lowercase() {
                end -= 1;
                i -= 1;
            }
            out.push(chars[start]);
            out.extend(chars[start + 1..end].iter().map(|c| c.to_ascii_lowercase()));
        } else {
            out.push(chars[i]);
            i += 1;
        }
    }
    let mut s = out.chars();
    match s.next() {
        Some(first) => first.to_uppercase().chain(s).collect(),
        None => out,
    }
}

/// `Bedrock Runtime` -> `BedrockRuntime`, `SFN` -> `Sfn`, `DynamoDB` -> `DynamoDb`, `CloudWatch Logs` ->
/// `CloudWatchLogs`.
pub fn service_prefix(service_id: &str) -> String {
    service_id.split([' ', '-']).filter(|w| !w.is_empty()).map(java_word).collect()
}

/// The task error for a service error `code`: the modeled exception's class, or the service's base
/// exception for codes the model does not declare.
pub fn error_name(model: &ServiceModel, op: Option<&Operation>, code: &str) -> String {
    let prefix = service_prefix(&model.metadata.service_id);
    match model.operation_error_shape(op, code) {
        Some((name, _)) if name.ends_with("Exception") => format!("{prefix}.{name}"),
        Some((name, _)) => format!("{prefix}.{name}Exception"),
        None => format!("{prefix}.{prefix}Exception"),
    }
}

pub fn cause(model: &ServiceModel, message: &str, status: u16, request_id: &str) -> String {
    let prefix = service_prefix(&model.metadata.service_id);
    format!("{message} (Service: {prefix}, Status Code: {status}, Request ID: {request_id})")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prefixes_follow_the_java_sdk() {
        for (id, prefix) in [
            ("Bedrock Runtime", "BedrockRuntime"),
            ("SFN", "Sfn"),
            ("STS", "Sts"),
            ("DynamoDB", "DynamoDb"),
            ("CloudWatch Logs", "CloudWatchLogs"),
            ("S3", "S3"),
            ("EC2", "Ec2"),
            ("Secrets Manager", "SecretsManager"),
            ("ACM PCA", "AcmPca"),
            ("Bedrock AgentCore Control", "BedrockAgentCoreControl"),
        ] {
            assert_eq!(service_prefix(id), prefix, "{id}");
        }
    }

    #[test]
    fn modeled_and_unmodeled_errors() {
        let m = sekisho_wire::load("bedrock-runtime").unwrap();
        let op = m.operation("Converse");
        assert_eq!(error_name(m, op, "AccessDeniedException"), "BedrockRuntime.AccessDeniedException");
        assert_eq!(error_name(m, op, "SomethingElse"), "BedrockRuntime.BedrockRuntimeException");
        let sfn = sekisho_wire::load("stepfunctions").unwrap();
        let op = sfn.operation("DescribeExecution");
        assert_eq!(error_name(sfn, op, "ExecutionDoesNotExist"), "Sfn.ExecutionDoesNotExistException");
        assert_eq!(
            cause(sfn, "Execution Does Not Exist: 'x'", 400, "r-1"),
            "Execution Does Not Exist: 'x' (Service: Sfn, Status Code: 400, Request ID: r-1)"
        );
    }
}
