//! Lambda, Bedrock, Bedrock Runtime and AgentCore over rest-json.

use serde_json::json;

use super::{TestRequest, body_json, body_text, header, model};
use crate::AwsError;

#[test]
fn lambda_invoke_binds_labels_headers_query_and_blob_payload() {
    let lambda = model("lambda");
    let req = TestRequest::new("POST", "/2015-03-31/functions/my-fn/invocations?Qualifier=live")
        .header("X-Amz-Invocation-Type", "RequestResponse")
        .header("X-Amz-Client-Context", "eyJjdXN0b20iOnt9fQ==")
        .body(br#"{"k":"v"}"#);
    let (op, value) = lambda.decode(&req.as_request()).expect("valid");
    assert_eq!(op.name, "Invoke");
    assert_eq!(
        value,
        json!({
            "FunctionName": "my-fn",
            "InvocationType": "RequestResponse",
            "ClientContext": "eyJjdXN0b20iOnt9fQ==",
            "Payload": "eyJrIjoidiJ9",
            "Qualifier": "live"
        })
    );
}

#[test]
fn lambda_invoke_response_uses_status_member_headers_and_raw_payload() {
    let lambda = model("lambda");
    let op = lambda.operation("Invoke").expect("operation");
    let response = lambda.encode_output(
        op,
        &json!({"StatusCode": 200, "FunctionError": "Unhandled", "ExecutedVersion": "$LATEST", "Payload": "eyJrIjoidiJ9"}),
        "rid",
    );
    assert_eq!(response.status, 200);
    assert_eq!(header(&response, "X-Amz-Function-Error"), Some("Unhandled"));
    assert_eq!(header(&response, "X-Amz-Executed-Version"), Some("$LATEST"));
    assert_eq!(header(&response, "x-amzn-RequestId"), Some("rid"));
    assert_eq!(body_text(&response), r#"{"k":"v"}"#);
    let event = lambda.encode_output(op, &json!({"StatusCode": 202}), "rid");
    assert_eq!(event.status, 202);
    assert!(event.body.is_empty());
}

#[test]
fn lambda_errors_have_type_and_model_casing() {
    let lambda = model("lambda");
    let err = AwsError::new(
        "ResourceNotFoundException",
        404,
        "Function not found: arn:aws:lambda:us-east-1:111111111111:function:nope",
    );
    let response = lambda.encode_error(lambda.operation("GetFunction"), &err, "rid");
    assert_eq!(response.status, 404);
    assert_eq!(header(&response, "x-amzn-ErrorType"), Some("ResourceNotFoundException"));
    assert_eq!(header(&response, "content-type"), Some("application/json"));
    assert_eq!(
        body_json(&response),
        json!({"Type": "User", "Message": "Function not found: arn:aws:lambda:us-east-1:111111111111:function:nope"})
    );
}

#[test]
fn lambda_validation_is_validation_exception() {
    // Observed: "An error occurred (ValidationException) when calling the CreateFunction operation:
    // 1 validation error detected: Value '' at 'role' failed to satisfy constraint: ..."
    let lambda = model("lambda");
    let req = TestRequest::new("POST", "/2015-03-31/functions")
        .header("Content-Type", "application/json")
        .body(r#"{"FunctionName":"f","Role":"","Code":{"ZipFile":"UEsDBA=="},"Timeout":9000}"#);
    let err = lambda.decode(&req.as_request()).expect_err("invalid");
    assert_eq!((err.code.as_str(), err.status), ("ValidationException", 400));
    assert_eq!(
        err.message,
        r"2 validation errors detected: Value '' at 'role' failed to satisfy constraint: Member must satisfy regular expression pattern: arn:(aws[a-zA-Z-]*)?:iam::\d{12}:role/?[a-zA-Z_0-9+=,.@\-_/]+; Value '9000' at 'timeout' failed to satisfy constraint: Member must have value less than or equal to 5400"
    );
}

#[test]
fn lambda_bad_json_is_invalid_request_content() {
    let lambda = model("lambda");
    let req = TestRequest::new("POST", "/2015-03-31/functions").body("{oops");
    let err = lambda.decode(&req.as_request()).expect_err("bad json");
    assert_eq!((err.code.as_str(), err.status), ("InvalidRequestContentException", 400));
    assert!(err.message.starts_with("Could not parse request body into json"), "{}", err.message);
}

#[test]
fn most_specific_template_wins() {
    let lambda = model("lambda");
    let list = TestRequest::new("GET", "/2015-03-31/functions/");
    assert_eq!(lambda.decode(&list.as_request()).expect("valid").0.name, "ListFunctions");
    let get = TestRequest::new("GET", "/2015-03-31/functions/my-fn");
    assert_eq!(lambda.decode(&get.as_request()).expect("valid").0.name, "GetFunction");
    let config = TestRequest::new("GET", "/2015-03-31/functions/my-fn/configuration");
    assert_eq!(lambda.decode(&config.as_request()).expect("valid").0.name, "GetFunctionConfiguration");
    let pc = TestRequest::new("GET", "/2019-09-30/functions/my-fn/provisioned-concurrency?List=ALL");
    assert_eq!(lambda.decode(&pc.as_request()).expect("valid").0.name, "ListProvisionedConcurrencyConfigs");
}

#[test]
fn converse_request_and_response() {
    let runtime = model("bedrock-runtime");
    let req = TestRequest::new("POST", "/model/jp.anthropic.claude-sonnet-4-5-20250929-v1%3A0/converse")
        .header("Content-Type", "application/json")
        .body(r#"{"messages":[{"role":"user","content":[{"text":"hi"}]}],"inferenceConfig":{"maxTokens":512,"temperature":0.5}}"#);
    let (op, value) = runtime.decode(&req.as_request()).expect("valid");
    assert_eq!(op.name, "Converse");
    assert_eq!(value["modelId"], "jp.anthropic.claude-sonnet-4-5-20250929-v1:0");
    assert_eq!(value["messages"][0]["content"][0]["text"], "hi");
    let response = runtime.encode_output(
        op,
        &json!({
            "output": {"message": {"role": "assistant", "content": [{"text": "hello"}]}},
            "stopReason": "end_turn",
            "usage": {"inputTokens": 3, "outputTokens": 1, "totalTokens": 4},
            "metrics": {"latencyMs": 120}
        }),
        "rid",
    );
    assert_eq!(response.status, 200);
    assert_eq!(header(&response, "content-type"), Some("application/json"));
    assert_eq!(body_json(&response)["output"]["message"]["content"][0]["text"], "hello");
}

#[test]
fn converse_validation_reports_enum_and_nested_paths() {
    let runtime = model("bedrock-runtime");
    let req = TestRequest::new("POST", "/model/m/converse")
        .body(r#"{"messages":[{"role":"robot","content":[]}],"inferenceConfig":{"maxTokens":0}}"#);
    let err = runtime.decode(&req.as_request()).expect_err("invalid");
    assert_eq!(err.code, "ValidationException");
    assert!(
        err.message.starts_with("2 validation errors detected: Value 'robot' at 'messages.1.member.role' failed to satisfy constraint: Member must satisfy enum value set: [user, assistant, system]"),
        "{}",
        err.message
    );
    assert!(err.message.ends_with("Value '0' at 'inferenceConfig.maxTokens' failed to satisfy constraint: Member must have value greater than or equal to 1"), "{}", err.message);
}

#[test]
fn runtime_access_denied_uses_capital_message() {
    // spec ERR-3: {"Message":"User: ... is not authorized to perform: bedrock:InvokeModel ..."}
    let runtime = model("bedrock-runtime");
    let err = AwsError::new("AccessDeniedException", 403, "User: x is not authorized to perform: bedrock:InvokeModel");
    let response = runtime.encode_error(runtime.operation("Converse"), &err, "rid");
    assert_eq!(response.status, 403);
    assert_eq!(header(&response, "x-amzn-ErrorType"), Some("AccessDeniedException"));
    assert_eq!(body_json(&response), json!({"Message": "User: x is not authorized to perform: bedrock:InvokeModel"}));
    let err = AwsError::new("ThrottlingException", 429, "Too many requests");
    assert_eq!(body_json(&runtime.encode_error(None, &err, "rid")), json!({"message": "Too many requests"}));
}

#[test]
fn invoke_model_passes_the_body_through() {
    let runtime = model("bedrock-runtime");
    let req = TestRequest::new("POST", "/model/anthropic.claude-3-haiku-20240307-v1%3A0/invoke")
        .header("Content-Type", "application/json")
        .header("Accept", "application/json")
        .body(r#"{"anthropic_version":"bedrock-2023-05-31"}"#);
    let (op, value) = runtime.decode(&req.as_request()).expect("valid");
    assert_eq!(op.name, "InvokeModel");
    assert_eq!(value["contentType"], "application/json");
    let response =
        runtime.encode_output(op, &json!({"body": value["body"].clone(), "contentType": "application/json"}), "rid");
    assert_eq!(body_text(&response), r#"{"anthropic_version":"bedrock-2023-05-31"}"#);
    assert_eq!(header(&response, "content-type"), Some("application/json"));
}

#[test]
fn converse_stream_output_is_an_event_stream() {
    use crate::eventstream::decode_message;
    let runtime = model("bedrock-runtime");
    let op = runtime.operation("ConverseStream").expect("operation");
    let response = runtime.encode_output(
        op,
        &json!({"stream": [
            {"messageStart": {"role": "assistant"}},
            {"contentBlockDelta": {"delta": {"text": "He"}, "contentBlockIndex": 0}},
            {"messageStop": {"stopReason": "end_turn"}}
        ]}),
        "rid",
    );
    assert_eq!(header(&response, "content-type"), Some("application/vnd.amazon.eventstream"));
    let mut rest = &response.body[..];
    let mut types = Vec::new();
    while !rest.is_empty() {
        let (message, used) = decode_message(rest).expect("frame");
        types.push(message.header_str(":event-type").map(str::to_string));
        rest = &rest[used..];
    }
    assert_eq!(types, vec![Some("messageStart".into()), Some("contentBlockDelta".into()), Some("messageStop".into())]);
}

#[test]
fn routes_tell_control_and_data_planes_apart() {
    let control = model("bedrock");
    let runtime = model("bedrock-runtime");
    assert!(runtime.matches_rest("POST", "/model/anthropic.claude-3-haiku-20240307-v1%3A0/converse"));
    assert!(!control.matches_rest("POST", "/model/anthropic.claude-3-haiku-20240307-v1%3A0/converse"));
    assert!(control.matches_rest("GET", "/inference-profiles/jp.anthropic.claude-sonnet-4-5-20250929-v1%3A0"));
    assert!(!runtime.matches_rest("GET", "/inference-profiles/x"));
    assert!(control.matches_rest("GET", "/foundation-models?byProvider=anthropic"));
    let ac_control = model("bedrock-agentcore-control");
    let ac_data = model("bedrock-agentcore");
    assert!(ac_control.matches_rest("GET", "/gateways/gw-123/"));
    assert!(!ac_data.matches_rest("GET", "/gateways/gw-123/"));
    let invoke = "/runtimes/arn%3Aaws%3Abedrock-agentcore%3Aus-west-2%3A1%3Aruntime%2Fa/invocations";
    assert!(ac_data.matches_rest("POST", invoke));
    assert!(!ac_control.matches_rest("POST", invoke));
}

#[test]
fn unknown_paths_answer_per_service() {
    let control = model("bedrock");
    let err = control
        .decode(&TestRequest::new("POST", "/model/m/converse").as_request())
        .expect_err("not a control-plane path");
    assert_eq!((err.code.as_str(), err.status), ("ValidationException", 400));
    assert_eq!(err.message, "The requested operation is not recognized by the service.");
    let runtime = model("bedrock-runtime");
    let err = runtime.decode(&TestRequest::new("GET", "/custom-models").as_request()).expect_err("not a runtime path");
    assert_eq!((err.code.as_str(), err.message.as_str()), ("ValidationException", "Operation unknown"));
    let agentcore = model("bedrock-agentcore-control");
    let err = agentcore.decode(&TestRequest::new("DELETE", "/nothing/here").as_request()).expect_err("unknown");
    assert_eq!((err.code.as_str(), err.status), ("UnknownOperationException", 404));
}

#[test]
fn agentcore_invoke_runtime_headers_and_payload() {
    let data = model("bedrock-agentcore");
    let arn = "arn:aws:bedrock-agentcore:us-west-2:222222222222:runtime/agent-1";
    let req = TestRequest::new(
        "POST",
        "/runtimes/arn%3Aaws%3Abedrock-agentcore%3Aus-west-2%3A222222222222%3Aruntime%2Fagent-1/invocations?qualifier=DEFAULT",
    )
    .header("Content-Type", "application/json")
    .header("X-Amzn-Bedrock-AgentCore-Runtime-Session-Id", "s".repeat(33).as_str())
    .body(br#"{"prompt":"hi"}"#);
    let (op, value) = data.decode(&req.as_request()).expect("valid");
    assert_eq!(op.name, "InvokeAgentRuntime");
    assert_eq!(value["agentRuntimeArn"], arn);
    assert_eq!(value["qualifier"], "DEFAULT");
    assert_eq!(value["payload"], "eyJwcm9tcHQiOiJoaSJ9");
    assert_eq!(value["contentType"], "application/json");
}

#[test]
fn malformed_rest_inputs_are_4xx() {
    let lambda = model("lambda");
    let req = TestRequest::new("GET", "/2015-03-31/functions/?MaxItems=lots");
    let err = lambda.decode(&req.as_request()).expect_err("not a number");
    assert_eq!(err.status, 400);
    let req = TestRequest::new("GET", "/2015-03-31/functions/?Marker=%zz");
    assert_eq!(lambda.decode(&req.as_request()).expect_err("bad escape").status, 400);
    let runtime = model("bedrock-runtime");
    let req = TestRequest::new("POST", "/model/m/converse").body(b"\xff{}");
    assert_eq!(runtime.decode(&req.as_request()).expect_err("not utf-8").code, "SerializationException");
    let req = TestRequest::new("POST", "/model/m/converse").body(r#"{"messages":"nope"}"#);
    assert_eq!(runtime.decode(&req.as_request()).expect_err("wrong type").code, "SerializationException");
}

#[test]
fn union_members_are_validated_inside() {
    // Observed: "Value null at 'toolConfig.tools.1.member.toolSpec.name' failed to satisfy
    // constraint: Member must not be null" (Bedrock Converse).
    let runtime = model("bedrock-runtime");
    let body = r#"{"messages":[{"role":"user","content":[{"text":"hi"}]}],
        "toolConfig":{"tools":[{"toolSpec":{"inputSchema":{"json":{}}}},{"toolSpec":{"name":"bad name","inputSchema":{"json":{}}}}]}}"#;
    let err = runtime
        .decode(&TestRequest::new("POST", "/model/m/converse").body(body).as_request())
        .expect_err("invalid tools");
    assert_eq!(
        err.message,
        "2 validation errors detected: Value null at 'toolConfig.tools.1.member.toolSpec.name' failed to satisfy \
         constraint: Member must not be null; Value 'bad name' at 'toolConfig.tools.2.member.toolSpec.name' failed \
         to satisfy constraint: Member must satisfy regular expression pattern: [a-zA-Z0-9_-]+"
    );
}
