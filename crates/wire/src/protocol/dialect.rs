//! What AWS answers when a request cannot be routed or read, per protocol and per service.
//! Kept as data, each entry with its evidence: [doc] AWS documentation, [obs] observed responses, [inf] inferred.

use crate::model::Protocol;

/// The error for a request that names no known operation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UnknownOperation {
    pub code: &'static str,
    pub status: u16,
    /// `None`: no message at all (json services send a bare `__type`).
    pub message: Option<&'static str>,
}

/// Per-service answers to requests that fail before any handler runs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Dialect {
    /// Code of constraint violations ("1 validation error detected: ...").
    pub validation_code: &'static str,
    /// Code and status for a body or parameter that cannot be read as its shape.
    pub malformed_code: &'static str,
    pub malformed_status: u16,
    pub unknown_operation: UnknownOperation,
    /// Error codes whose message member AWS writes as `Message` although the model says `message`.
    pub capital_message: &'static [&'static str],
    /// Lambda's errors carry `Type: User|Service` next to the message.
    pub fills_type_member: bool,
}

impl Dialect {
    /// The dialect of a service by botocore name, falling back to its protocol's defaults.
    pub fn for_service(name: &str, protocol: Protocol) -> Dialect {
        let mut d = Dialect::for_protocol(protocol);
        match name {
            // [obs] boto3 on the wrong Bedrock endpoint: "An error occurred (ValidationException) when
            // calling the InvokeModel operation: The requested operation is not recognized by the service."
            // (aws-samples/aws-genai-llm-chatbot#246; Kibana's Bedrock connector matches the same 400 text).
            "bedrock" => {
                d.unknown_operation = UnknownOperation {
                    code: "ValidationException",
                    status: 400,
                    message: Some("The requested operation is not recognized by the service."),
                }
            }
            // [obs] same report: ListCustomModels sent to bedrock-runtime -> "(ValidationException) ... Operation unknown".
            // [obs] ERR-3: IAM denials from Bedrock Runtime carry a capital `Message`.
            "bedrock-runtime" => {
                d.unknown_operation =
                    UnknownOperation { code: "ValidationException", status: 400, message: Some("Operation unknown") };
                d.capital_message = &["AccessDeniedException"];
            }
            // [obs] Lambda answers unreadable JSON with InvalidRequestContentException
            // ("Could not parse request body into json: ...") and writes `Type` in its errors.
            "lambda" => {
                d.malformed_code = "InvalidRequestContentException";
                d.fills_type_member = true;
            }
            _ => {}
        }
        d
    }

    pub fn for_protocol(protocol: Protocol) -> Dialect {
        match protocol {
            // [doc] Common errors of query APIs: InvalidAction 400, MissingAction 400, ValidationError 400;
            // [obs] "Could not find operation <X> for version <V>"; [inf] MalformedInput for values of the wrong type
            // (observed for SES's "boolean must follow xsd1.1 definition").
            Protocol::Query => Dialect {
                validation_code: "ValidationError",
                malformed_code: "MalformedInput",
                malformed_status: 400,
                unknown_operation: UnknownOperation { code: "InvalidAction", status: 400, message: None },
                capital_message: &[],
                fills_type_member: false,
            },
            // [obs] EC2: "The action X is not valid for this web service." (cognitect-labs/aws-api#6);
            // [obs] "Value (x) for parameter y is invalid." for bad values; MissingParameter for absent ones.
            Protocol::Ec2 => Dialect {
                validation_code: "MissingParameter",
                malformed_code: "InvalidParameterValue",
                malformed_status: 400,
                unknown_operation: UnknownOperation { code: "InvalidAction", status: 400, message: None },
                capital_message: &[],
                fills_type_member: false,
            },
            // [obs] CloudWatch Logs: HTTP 400 with body {"__type":"UnknownOperationException"} (aws/aws-sdk-net#1536).
            Protocol::Json => Dialect {
                validation_code: "ValidationException",
                malformed_code: "SerializationException",
                malformed_status: 400,
                unknown_operation: UnknownOperation { code: "UnknownOperationException", status: 400, message: None },
                capital_message: &[],
                fills_type_member: false,
            },
            // [inf] rest-json services without a recorded answer: 404 UnknownOperationException.
            Protocol::RestJson | Protocol::RestXml => Dialect {
                validation_code: "ValidationException",
                malformed_code: "SerializationException",
                malformed_status: 400,
                unknown_operation: UnknownOperation {
                    code: "UnknownOperationException",
                    status: 404,
                    message: Some("Unknown operation"),
                },
                capital_message: &[],
                fills_type_member: false,
            },
        }
    }
}
