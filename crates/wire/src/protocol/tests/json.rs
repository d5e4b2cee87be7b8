//! Step Functions (awsJson1_0), CloudWatch Logs and Organizations (awsJson1_1).

use serde_json::json;

use super::{TestRequest, body_json, header, model};
use crate::AwsError;

const ARN: &str = "arn:aws:states:us-east-1:111111111111:stateMachine:sm";

#[test]
fn start_execution_decodes_by_target() {
    let sfn = model("stepfunctions");
    let req = TestRequest::json(
        "AWSStepFunctions.StartExecution",
        &format!(r#"{{"stateMachineArn":"{ARN}","name":"run-1","input":"{{\"a\":1}}","unknownField":true}}"#),
    );
    let (op, value) = sfn.decode(&req.as_request()).expect("valid");
    assert_eq!(op.name, "StartExecution");
    assert_eq!(value, json!({"stateMachineArn": ARN, "name": "run-1", "input": "{\"a\":1}"}));
}

#[test]
fn empty_body_is_an_empty_input() {
    let sfn = model("stepfunctions");
    let (op, value) =
        sfn.decode(&TestRequest::json("AWSStepFunctions.ListStateMachines", "").as_request()).expect("valid");
    assert_eq!(op.name, "ListStateMachines");
    assert_eq!(value, json!({}));
}

#[test]
fn output_timestamps_are_epoch_seconds() {
    let sfn = model("stepfunctions");
    let op = sfn.operation("StartExecution").expect("operation");
    let response = sfn.encode_output(
        op,
        &json!({"executionArn": "arn:aws:states:us-east-1:1:execution:sm:run-1", "startDate": 1700000000.123}),
        "rid",
    );
    assert_eq!(response.status, 200);
    assert_eq!(header(&response, "content-type"), Some("application/x-amz-json-1.0"));
    assert_eq!(header(&response, "x-amzn-requestid"), Some("rid"));
    assert_eq!(
        body_json(&response),
        json!({"executionArn": "arn:aws:states:us-east-1:1:execution:sm:run-1", "startDate": 1700000000.123})
    );
}

#[test]
fn modelled_errors_carry_type_and_declared_message_casing() {
    let sfn = model("stepfunctions");
    let err = AwsError::new("StateMachineDoesNotExist", 400, format!("State Machine Does Not Exist: '{ARN}'"));
    let response = sfn.encode_error(sfn.operation("StartExecution"), &err, "rid");
    assert_eq!(response.status, 400);
    assert_eq!(header(&response, "x-amzn-errortype"), Some("StateMachineDoesNotExist"));
    assert_eq!(
        body_json(&response),
        json!({"__type": "StateMachineDoesNotExist", "message": format!("State Machine Does Not Exist: '{ARN}'")})
    );
    // Organizations declares `Message`.
    let orgs = model("organizations");
    let err = AwsError::new("AccessDeniedException", 400, "denied");
    let response = orgs.encode_error(None, &err, "rid");
    assert_eq!(header(&response, "content-type"), Some("application/x-amz-json-1.1"));
    assert_eq!(body_json(&response), json!({"__type": "AccessDeniedException", "Message": "denied"}));
    // Logs' AccessDeniedException declares no message; the service's usual casing is used.
    let logs = model("logs");
    let response = logs.encode_error(None, &AwsError::new("AccessDeniedException", 400, "no"), "rid");
    assert_eq!(body_json(&response), json!({"__type": "AccessDeniedException", "message": "no"}));
}

#[test]
fn extra_error_members_come_from_fields() {
    let logs = model("logs");
    let err =
        AwsError::new("DataAlreadyAcceptedException", 400, "seen").with_field("expectedSequenceToken", json!("49590"));
    let response = logs.encode_error(logs.operation("PutLogEvents"), &err, "rid");
    assert_eq!(
        body_json(&response),
        json!({"__type": "DataAlreadyAcceptedException", "expectedSequenceToken": "49590", "message": "seen"})
    );
}

#[test]
fn validation_uses_lower_camel_paths_and_hides_sensitive_values() {
    let sfn = model("stepfunctions");
    let err = sfn
        .decode(&TestRequest::json("AWSStepFunctions.StartExecution", r#"{"name":""}"#).as_request())
        .expect_err("invalid");
    assert_eq!(err.code, "ValidationException");
    assert_eq!(
        err.message,
        "2 validation errors detected: Value null at 'stateMachineArn' failed to satisfy constraint: \
         Member must not be null; Value '' at 'name' failed to satisfy constraint: Member must have \
         length greater than or equal to 1"
    );
    let big = "x".repeat(262_145);
    let err = sfn
        .decode(
            &TestRequest::json(
                "AWSStepFunctions.StartExecution",
                &format!(r#"{{"stateMachineArn":"{ARN}","input":"{big}"}}"#),
            )
            .as_request(),
        )
        .expect_err("too big");
    assert_eq!(
        err.message,
        "1 validation error detected: Value at 'input' failed to satisfy constraint: Member must have length less than or equal to 262144"
    );
}

#[test]
fn list_of_structures_with_timestamps_decodes() {
    let logs = model("logs");
    let req = TestRequest::json(
        "Logs_20140328.PutLogEvents",
        r#"{"logGroupName":"/aws/lambda/f","logStreamName":"s","logEvents":[{"timestamp":1700000000000,"message":"hi"}]}"#,
    );
    let (_, value) = logs.decode(&req.as_request()).expect("valid");
    assert_eq!(value["logEvents"], json!([{"timestamp": 1700000000000i64, "message": "hi"}]));
    let req =
        TestRequest::json("Logs_20140328.PutLogEvents", r#"{"logGroupName":"g","logStreamName":"s","logEvents":[]}"#);
    let err = logs.decode(&req.as_request()).expect_err("empty list");
    assert_eq!(
        err.message,
        "1 validation error detected: Value '[]' at 'logEvents' failed to satisfy constraint: Member must have length greater than or equal to 1"
    );
}

#[test]
fn unknown_targets_are_unknown_operations() {
    let sfn = model("stepfunctions");
    for target in ["AWSStepFunctions.Nope", "Other.StartExecution", "StartExecution", ""] {
        let err = sfn.decode(&TestRequest::json(target, "{}").as_request()).expect_err("unknown");
        assert_eq!((err.code.as_str(), err.status), ("UnknownOperationException", 400), "{target}");
        let response = sfn.encode_error(None, &err, "rid");
        assert_eq!(body_json(&response), json!({"__type": "UnknownOperationException"}));
    }
}

#[test]
fn malformed_bodies_are_serialization_exceptions() {
    let sfn = model("stepfunctions");
    let cases: [&[u8]; 5] = [
        b"{not json",
        b"[1,2]",
        b"\xff\xfe{}",
        br#"{"stateMachineArn": 5}"#,
        br#"{"stateMachineArn": "a", "name": ["x"]}"#,
    ];
    for body in cases {
        let req = TestRequest::json("AWSStepFunctions.StartExecution", "").body(body);
        let err = sfn.decode(&req.as_request()).expect_err("malformed");
        assert_eq!((err.code.as_str(), err.status), ("SerializationException", 400), "{body:?}");
    }
    let orgs = model("organizations");
    let req = TestRequest::json("AWSOrganizationsV20161128.ListAccounts", r#"{"MaxResults": 1.5}"#);
    assert_eq!(orgs.decode(&req.as_request()).expect_err("not integral").code, "SerializationException");
    let req = TestRequest::json("AWSOrganizationsV20161128.ListAccounts", r#"{"MaxResults": 4294967296}"#);
    assert_eq!(orgs.decode(&req.as_request()).expect_err("out of range").code, "SerializationException");
}

#[test]
fn organizations_patterns_apply() {
    let orgs = model("organizations");
    let req = TestRequest::json("AWSOrganizationsV20161128.DescribeAccount", r#"{"AccountId":"12345"}"#);
    let err = orgs.decode(&req.as_request()).expect_err("bad id");
    assert_eq!(
        err.message,
        r"1 validation error detected: Value '12345' at 'accountId' failed to satisfy constraint: Member must satisfy regular expression pattern: ^\d{12}$"
    );
}

#[test]
fn live_tail_streams_with_an_initial_response() {
    use crate::eventstream::decode_message;
    let logs = model("logs");
    let op = logs.operation("StartLiveTail").expect("operation");
    let response = logs.encode_output(
        op,
        &json!({"responseStream": [{"sessionStart": {"requestId": "r", "sessionId": "s"}}]}),
        "rid",
    );
    assert_eq!(header(&response, "content-type"), Some("application/vnd.amazon.eventstream"));
    let (first, used) = decode_message(&response.body).expect("frame");
    assert_eq!(first.header_str(":event-type"), Some("initial-response"));
    let (second, _) = decode_message(&response.body[used..]).expect("frame");
    assert_eq!(second.header_str(":event-type"), Some("sessionStart"));
    let payload: serde_json::Value = serde_json::from_slice(&second.payload).expect("json");
    assert_eq!(payload, json!({"requestId": "r", "sessionId": "s"}));
}

#[test]
fn timestamps_out_of_range_are_rejected() {
    let cw = crate::model::ServiceModel::from_json(
        "t",
        r#"{"metadata":{"protocol":"json","targetPrefix":"T","jsonVersion":"1.1"},
            "operations":{"Op":{"name":"Op","http":{"method":"POST","requestUri":"/"},"input":{"shape":"In"}}},
            "shapes":{"In":{"type":"structure","members":{"At":{"shape":"Ts"}}},"Ts":{"type":"timestamp"}}}"#,
    )
    .expect("model");
    let ok = TestRequest::json("T.Op", r#"{"At": 1700000000.5}"#);
    assert_eq!(cw.decode(&ok.as_request()).expect("valid").1, json!({"At": 1700000000.5}));
    for bad in [r#"{"At": 1e300}"#, r#"{"At": "tomorrow"}"#, r#"{"At": true}"#] {
        let req = TestRequest::json("T.Op", bad);
        assert_eq!(cw.decode(&req.as_request()).expect_err(bad).code, "SerializationException");
    }
}
