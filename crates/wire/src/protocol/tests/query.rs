//! STS and IAM over the query protocol.

use serde_json::json;

use super::{TestRequest, body_text, header, model};
use crate::AwsError;

const STS_NS: &str = "https://sts.amazonaws.com/doc/2011-06-15/";

fn assume_role(extra: &str) -> TestRequest {
    TestRequest::form(&format!(
        "Action=AssumeRole&Version=2011-06-15&RoleArn=arn%3Aaws%3Aiam%3A%3A222222222222%3Arole%2Fexternal-role{extra}"
    ))
}

#[test]
fn assume_role_request_decodes_nested_members() {
    let sts = model("sts");
    let req = assume_role(
        "&RoleSessionName=seed-d&DurationSeconds=3600&ExternalId=ext-1\
         &PolicyArns.member.1.arn=arn%3Aaws%3Aiam%3A%3Aaws%3Apolicy%2FReadOnlyAccess\
         &Tags.member.1.Key=team&Tags.member.1.Value=a+b\
         &Tags.member.2.Key=env&Tags.member.2.Value=dev\
         &TransitiveTagKeys.member.1=team",
    );
    let (op, value) = sts.decode(&req.as_request()).expect("valid request");
    assert_eq!(op.name, "AssumeRole");
    assert_eq!(
        value,
        json!({
            "RoleArn": "arn:aws:iam::222222222222:role/external-role",
            "RoleSessionName": "seed-d",
            "PolicyArns": [{"arn": "arn:aws:iam::aws:policy/ReadOnlyAccess"}],
            "DurationSeconds": 3600,
            "Tags": [{"Key": "team", "Value": "a b"}, {"Key": "env", "Value": "dev"}],
            "TransitiveTagKeys": ["team"],
            "ExternalId": "ext-1"
        })
    );
}

#[test]
fn parameters_in_the_url_query_work_like_form_parameters() {
    let sts = model("sts");
    let req = TestRequest::new("GET", "/?Action=GetCallerIdentity&Version=2011-06-15");
    let (op, value) = sts.decode(&req.as_request()).expect("valid request");
    assert_eq!(op.name, "GetCallerIdentity");
    assert_eq!(value, json!({}));
}

#[test]
fn get_caller_identity_response_is_wrapped_xml() {
    let sts = model("sts");
    let op = sts.operation("GetCallerIdentity").expect("operation");
    let response = sts.encode_output(
        op,
        &json!({"UserId": "AIDAEXAMPLE", "Account": "111111111111", "Arn": "arn:aws:iam::111111111111:user/alice"}),
        "req-1",
    );
    assert_eq!(response.status, 200);
    assert_eq!(header(&response, "content-type"), Some("text/xml"));
    assert_eq!(header(&response, "x-amzn-requestid"), Some("req-1"));
    assert_eq!(
        body_text(&response),
        format!(
            "<GetCallerIdentityResponse xmlns=\"{STS_NS}\"><GetCallerIdentityResult>\
             <UserId>AIDAEXAMPLE</UserId><Account>111111111111</Account>\
             <Arn>arn:aws:iam::111111111111:user/alice</Arn></GetCallerIdentityResult>\
             <ResponseMetadata><RequestId>req-1</RequestId></ResponseMetadata></GetCallerIdentityResponse>"
        )
    );
}

#[test]
fn assume_role_response_writes_timestamps_as_iso8601() {
    let sts = model("sts");
    let op = sts.operation("AssumeRole").expect("operation");
    let response = sts.encode_output(
        op,
        &json!({
            "Credentials": {
                "AccessKeyId": "ASIAEXAMPLE", "SecretAccessKey": "secret",
                "SessionToken": "token", "Expiration": 1700003600
            },
            "AssumedRoleUser": {"AssumedRoleId": "AROAEXAMPLE:s", "Arn": "arn:aws:sts::222222222222:assumed-role/r/s"},
            "PackedPolicySize": 6
        }),
        "req-2",
    );
    let body = body_text(&response);
    assert!(body.contains("<Credentials><AccessKeyId>ASIAEXAMPLE</AccessKeyId><SecretAccessKey>secret</SecretAccessKey><SessionToken>token</SessionToken><Expiration>2023-11-14T23:13:20Z</Expiration></Credentials>"), "{body}");
    assert!(body.contains("<PackedPolicySize>6</PackedPolicySize>"), "{body}");
    assert!(
        body.starts_with("<AssumeRoleResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\"><AssumeRoleResult>")
    );
}

#[test]
fn access_denied_renders_as_sts_error_response() {
    // spec ERR-2: the whole document as STS sends it.
    let sts = model("sts");
    let message = "User: arn:aws:sts::111111111111:assumed-role/lambda-role/fn is not authorized to perform: sts:AssumeRole on resource: arn:aws:iam::222222222222:role/external-role";
    let err = AwsError::new("AccessDenied", 403, message);
    let response = sts.encode_error(None, &err, "req-3");
    assert_eq!(response.status, 403);
    assert_eq!(
        body_text(&response),
        format!(
            "<ErrorResponse xmlns=\"{STS_NS}\"><Error><Type>Sender</Type><Code>AccessDenied</Code>\
             <Message>{message}</Message></Error><RequestId>req-3</RequestId></ErrorResponse>"
        )
    );
    let server = AwsError::new("InternalFailure", 500, "x & <y>");
    let body = sts.encode_error(None, &server, "r").body;
    let body = String::from_utf8(body).expect("utf-8");
    assert!(body.contains("<Type>Receiver</Type>"), "{body}");
    assert!(body.contains("<Message>x &amp; &lt;y&gt;</Message>"), "{body}");
}

#[test]
fn session_name_pattern_is_checked_with_aws_message() {
    // spec STS-2, observed text.
    let sts = model("sts");
    let err = sts.decode(&assume_role("&RoleSessionName=bedrock+role").as_request()).expect_err("invalid name");
    assert_eq!(err.code, "ValidationError");
    assert_eq!(err.status, 400);
    assert!(err.sender_fault);
    assert_eq!(
        err.message,
        r"1 validation error detected: Value 'bedrock role' at 'roleSessionName' failed to satisfy constraint: Member must satisfy regular expression pattern: [\w+=,.@-]*"
    );
}

#[test]
fn maxima_and_ranges_are_checked_server_side() {
    // Clients check only minima (STS-2), so maxima must be caught here.
    let sts = model("sts");
    let long = "a".repeat(76);
    let err = sts.decode(&assume_role(&format!("&RoleSessionName={long}")).as_request()).expect_err("too long");
    assert_eq!(
        err.message,
        format!(
            "1 validation error detected: Value '{long}' at 'roleSessionName' failed to satisfy constraint: Member must have length less than or equal to 64"
        )
    );
    let err = sts
        .decode(&assume_role("&RoleSessionName=s&DurationSeconds=43201").as_request())
        .expect_err("too long and too short");
    assert_eq!(
        err.message,
        "2 validation errors detected: Value 's' at 'roleSessionName' failed to satisfy constraint: \
         Member must have length greater than or equal to 2; Value '43201' at 'durationSeconds' \
         failed to satisfy constraint: Member must have value less than or equal to 43200"
    );
}

#[test]
fn empty_and_missing_members_are_reported_in_model_order() {
    let sts = model("sts");
    let req = TestRequest::form("Action=AssumeRole&Version=2011-06-15&RoleArn=");
    let err = sts.decode(&req.as_request()).expect_err("invalid");
    assert_eq!(
        err.message,
        r"3 validation errors detected: Value '' at 'roleArn' failed to satisfy constraint: Member must satisfy regular expression pattern: [\u0009\u000A\u000D\u0020-\u007E\u0085\u00A0-\uD7FF\uE000-\uFFFD\u10000-\u10FFFF]+; Value '' at 'roleArn' failed to satisfy constraint: Member must have length greater than or equal to 20; Value null at 'roleSessionName' failed to satisfy constraint: Member must not be null"
    );
}

#[test]
fn nested_list_members_use_member_paths() {
    let sts = model("sts");
    let long_key = "k".repeat(129);
    let err = sts
        .decode(&assume_role(&format!("&RoleSessionName=ok-name&Tags.member.1.Key=a&Tags.member.1.Value=b&Tags.member.2.Key={long_key}&Tags.member.2.Value=c&PolicyArns.member.1.arn=short")).as_request())
        .expect_err("invalid");
    assert_eq!(
        err.message,
        format!(
            "2 validation errors detected: Value 'short' at 'policyArns.1.member.arn' failed to satisfy constraint: \
             Member must have length greater than or equal to 20; Value '{long_key}' at 'tags.2.member.key' \
             failed to satisfy constraint: Member must have length less than or equal to 128"
        )
    );
}

#[test]
fn scalar_list_elements_are_judged_together() {
    let sts = model("sts");
    let err = sts
        .decode(
            &assume_role("&RoleSessionName=ok-name&TransitiveTagKeys.member.1=good&TransitiveTagKeys.member.2=")
                .as_request(),
        )
        .expect_err("invalid");
    assert_eq!(
        err.message,
        r"1 validation error detected: Value '[good, ]' at 'transitiveTagKeys' failed to satisfy constraint: Member must satisfy constraint: [Member must have length less than or equal to 128, Member must have length greater than or equal to 1, Member must satisfy regular expression pattern: [\p{L}\p{Z}\p{N}_.:/=+\-@]+]"
    );
}

#[test]
fn unknown_and_missing_actions() {
    let sts = model("sts");
    let err =
        sts.decode(&TestRequest::form("Action=AssumeRoot2&Version=2011-06-15").as_request()).expect_err("unknown");
    assert_eq!(err.code, "InvalidAction");
    assert_eq!(err.status, 400);
    assert_eq!(err.message, "Could not find operation AssumeRoot2 for version 2011-06-15");
    let err = sts
        .decode(&TestRequest::form("Action=GetCallerIdentity&Version=2010-05-08").as_request())
        .expect_err("wrong version");
    assert_eq!(err.message, "Could not find operation GetCallerIdentity for version 2010-05-08");
    let err = sts.decode(&TestRequest::form("Version=2011-06-15").as_request()).expect_err("missing");
    assert_eq!((err.code.as_str(), err.status), ("MissingAction", 400));
}

#[test]
fn malformed_forms_and_values_are_4xx() {
    let sts = model("sts");
    for body in [&b"Action=GetCallerIdentity&Version=2011-06-15&x=%zz"[..], b"Action=GetCallerIdentity&x=%ff%fe"] {
        let err = sts.decode(&TestRequest::form("").body(body).as_request()).expect_err("malformed");
        assert_eq!((err.code.as_str(), err.status), ("MalformedQueryString", 404));
    }
    let err = sts
        .decode(&assume_role("&RoleSessionName=ok-name&DurationSeconds=abc").as_request())
        .expect_err("not a number");
    assert_eq!((err.code.as_str(), err.status), ("MalformedInput", 400));
    assert!(err.message.contains("DurationSeconds"), "{}", err.message);
    let err = sts
        .decode(&assume_role("&RoleSessionName=ok-name&DurationSeconds=99999999999").as_request())
        .expect_err("out of int range");
    assert_eq!(err.code, "MalformedInput");
}

#[test]
fn iam_lists_encode_as_member_elements() {
    let iam = model("iam");
    let op = iam.operation("ListRoles").expect("operation");
    let response = iam.encode_output(
        op,
        &json!({
            "Roles": [
                {"Path": "/", "RoleName": "a", "RoleId": "AROA1", "Arn": "arn:aws:iam::1:role/a", "CreateDate": 0},
                {"Path": "/x/", "RoleName": "b", "RoleId": "AROA2", "Arn": "arn:aws:iam::1:role/x/b", "CreateDate": 1.5}
            ],
            "IsTruncated": false
        }),
        "r",
    );
    let body = body_text(&response);
    assert!(body.contains("<ListRolesResult><Roles><member><Path>/</Path><RoleName>a</RoleName><RoleId>AROA1</RoleId><Arn>arn:aws:iam::1:role/a</Arn><CreateDate>1970-01-01T00:00:00Z</CreateDate></member><member>"), "{body}");
    assert!(body.contains("<CreateDate>1970-01-01T00:00:01.500Z</CreateDate>"), "{body}");
    assert!(body.contains("</Roles><IsTruncated>false</IsTruncated></ListRolesResult>"), "{body}");
}

#[test]
fn iam_create_role_with_tags_and_empty_list() {
    let iam = model("iam");
    let req = TestRequest::form(
        "Action=CreateRole&Version=2010-05-08&RoleName=r&AssumeRolePolicyDocument=%7B%7D\
         &Tags.member.1.Key=k&Tags.member.1.Value=v",
    );
    let (_, value) = iam.decode(&req.as_request()).expect("valid");
    assert_eq!(value["Tags"], json!([{"Key": "k", "Value": "v"}]));
    let req =
        TestRequest::form("Action=CreateRole&Version=2010-05-08&RoleName=r&AssumeRolePolicyDocument=%7B%7D&Tags=");
    let (_, value) = iam.decode(&req.as_request()).expect("valid");
    assert_eq!(value["Tags"], json!([]));
}
