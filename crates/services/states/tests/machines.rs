//! State machines through the door: create (idempotent, already exists, names, roles), describe, update,
//! list, delete, versions, tags, and the authorization Step Functions adds (iam:PassRole, the trust check).

mod common;

use common::*;
use serde_json::{Value, json};

fn pass() -> Value {
    json!({"StartAt": "P", "States": {"P": {"Type": "Pass", "Result": {"Arg1": "argument1"}, "End": true}}})
}

#[tokio::test]
async fn create_describe_list_delete() {
    let h = Harness::new();
    let arn = h.create("machine-1", pass()).await;
    assert_eq!(arn, "arn:aws:states:us-east-1:111111111111:stateMachine:machine-1");
    let d = h.ok("DescribeStateMachine", json!({"stateMachineArn": arn})).await;
    assert_eq!(d["status"], "ACTIVE");
    assert_eq!(d["type"], "STANDARD");
    assert_eq!(d["loggingConfiguration"], json!({"level": "OFF", "includeExecutionData": false}));
    assert_eq!(d["tracingConfiguration"], json!({"enabled": false}));
    assert_eq!(d["definition"], pass().to_string());
    assert!(d.get("revisionId").is_none());
    let list = h.ok("ListStateMachines", json!({})).await;
    assert_eq!(list["stateMachines"][0]["name"], "machine-1");
    h.ok("DeleteStateMachine", json!({"stateMachineArn": arn})).await;
    // Deleting what does not exist succeeds.
    h.ok("DeleteStateMachine", json!({"stateMachineArn": arn})).await;
    let e = h.err("DescribeStateMachine", json!({"stateMachineArn": arn})).await;
    assert_error(&e, "StateMachineDoesNotExist", &format!("State Machine Does Not Exist: '{arn}'"));
    let e = h.err("DescribeStateMachine", json!({"stateMachineArn": "not_a_valid_arn"})).await;
    assert_error(&e, "InvalidArn", "Invalid Arn: 'Invalid ARN prefix: not_a_valid_arn'");
}

#[tokio::test]
async fn create_is_idempotent_for_the_same_request_only() {
    let h = Harness::new();
    let role = h.execution_role();
    let create = |definition: Value| json!({"name": "m", "definition": definition.to_string(), "roleArn": role});
    let first = h.ok("CreateStateMachine", create(pass())).await;
    let again = h.ok("CreateStateMachine", create(pass())).await;
    assert_eq!(first, again);
    let other = json!({"StartAt": "P", "States": {"P": {"Type": "Pass", "End": true}}});
    let e = h.err("CreateStateMachine", create(other)).await;
    assert_error(
        &e,
        "StateMachineAlreadyExists",
        &format!("State Machine Already Exists: '{}'", first["stateMachineArn"].as_str().unwrap()),
    );
}

#[tokio::test]
async fn names_and_roles_are_checked() {
    let h = Harness::new();
    let role = h.execution_role();
    let e =
        h.err("CreateStateMachine", json!({"name": "a b", "definition": pass().to_string(), "roleArn": role})).await;
    assert_error(&e, "InvalidName", "Invalid Name: 'a b'");
    let e =
        h.err("CreateStateMachine", json!({"name": "m", "definition": pass().to_string(), "roleArn": "role"})).await;
    assert_error(&e, "InvalidArn", "Invalid Arn: 'Invalid ARN prefix: role'");
}

#[tokio::test]
async fn states_must_be_able_to_assume_the_role() {
    let h = Harness::new();
    let untrusting = h.role(
        A,
        "no-trust",
        r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"lambda.amazonaws.com"},"Action":"sts:AssumeRole"}]}"#,
        None,
    );
    let e = h
        .err("CreateStateMachine", json!({"name": "m", "definition": pass().to_string(), "roleArn": untrusting}))
        .await;
    assert_error(
        &e,
        "AccessDeniedException",
        "Neither the global service principal states.amazonaws.com, nor the regional one is authorized to assume the provided role.",
    );
    // A role that does not exist reads the same: STS does not tell.
    let missing = "arn:aws:iam::111111111111:role/missing";
    let e =
        h.err("CreateStateMachine", json!({"name": "m", "definition": pass().to_string(), "roleArn": missing})).await;
    assert_eq!(e.code, "AccessDeniedException");
}

#[tokio::test]
async fn creating_needs_pass_role() {
    let h = Harness::new();
    let role = h.execution_role();
    // A user who may create state machines but not pass roles.
    let dev = h.user(
        A,
        "dev",
        r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"states:*","Resource":"*"}]}"#,
    );
    let e = h
        .call_by(
            &dev,
            "stepfunctions",
            "CreateStateMachine",
            json!({"name": "m", "definition": pass().to_string(), "roleArn": role}),
        )
        .await
        .unwrap_err();
    assert_error(
        &e,
        "AccessDeniedException",
        &format!(
            "User: arn:aws:iam::111111111111:user/dev is not authorized to perform: iam:PassRole on resource: {role} because no identity-based policy allows the iam:PassRole action"
        ),
    );
}

#[tokio::test]
async fn update_keeps_revisions() {
    let h = Harness::new();
    let arn = h.create("m", pass()).await;
    let e = h.err("UpdateStateMachine", json!({"stateMachineArn": arn})).await;
    assert_error(
        &e,
        "MissingRequiredParameter",
        "Either the definition, the role ARN, the LoggingConfiguration, or the TracingConfiguration must be specified",
    );
    let changed =
        json!({"StartAt": "P", "States": {"P": {"Type": "Pass", "Result": {"Arg1": "AfterUpdate1"}, "End": true}}});
    let u1 = h.ok("UpdateStateMachine", json!({"stateMachineArn": arn, "definition": changed.to_string()})).await;
    let u2 = h.ok("UpdateStateMachine", json!({"stateMachineArn": arn, "definition": changed.to_string()})).await;
    assert!(u1["revisionId"].is_string());
    assert_eq!(u1["revisionId"], u2["revisionId"], "an update that changes nothing keeps the revision");
    let d = h.ok("DescribeStateMachine", json!({"stateMachineArn": arn})).await;
    assert_eq!(
        (d["definition"].clone(), d["revisionId"].clone()),
        (json!(changed.to_string()), u1["revisionId"].clone())
    );
}

#[tokio::test]
async fn versions() {
    let h = Harness::new();
    let role = h.execution_role();
    let out = h
        .ok(
            "CreateStateMachine",
            json!({"name": "v", "definition": pass().to_string(), "roleArn": role, "publish": true}),
        )
        .await;
    let v1 = out["stateMachineVersionArn"].as_str().unwrap().to_string();
    assert_eq!(v1, "arn:aws:states:us-east-1:111111111111:stateMachine:v:1");
    let arn = out["stateMachineArn"].as_str().unwrap();
    let changed = json!({"StartAt": "P", "States": {"P": {"Type": "Pass", "Result": 2, "End": true}}});
    let u = h
        .ok("UpdateStateMachine", json!({"stateMachineArn": arn, "definition": changed.to_string(), "publish": true}))
        .await;
    assert_eq!(u["stateMachineVersionArn"], "arn:aws:states:us-east-1:111111111111:stateMachine:v:2");
    let listed = h.ok("ListStateMachineVersions", json!({"stateMachineArn": arn})).await;
    let arns: Vec<&str> = listed["stateMachineVersions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["stateMachineVersionArn"].as_str().unwrap())
        .collect();
    assert_eq!(arns, [format!("{arn}:2"), format!("{arn}:1")]);
    let d1 = h.ok("DescribeStateMachine", json!({"stateMachineArn": v1})).await;
    assert_eq!(d1["definition"], pass().to_string());
    let run = h.run(&v1, json!({})).await;
    assert_eq!(
        (run["output"].clone(), run["stateMachineVersionArn"].clone()),
        (json!("{\"Arg1\":\"argument1\"}"), json!(v1))
    );
    h.ok("DeleteStateMachineVersion", json!({"stateMachineVersionArn": v1})).await;
    let e = h.err("DescribeStateMachine", json!({"stateMachineArn": v1})).await;
    assert_eq!(e.code, "StateMachineDoesNotExist");
}

#[tokio::test]
async fn tags() {
    let h = Harness::new();
    let role = h.execution_role();
    let out = h
        .ok(
            "CreateStateMachine",
            json!({"name": "t", "definition": pass().to_string(), "roleArn": role, "tags": [{"key": "env", "value": "dev"}]}),
        )
        .await;
    let arn = out["stateMachineArn"].as_str().unwrap();
    h.ok(
        "TagResource",
        json!({"resourceArn": arn, "tags": [{"key": "key1", "value": "value1"}, {"key": "env", "value": "prod"}]}),
    )
    .await;
    let t = h.ok("ListTagsForResource", json!({"resourceArn": arn})).await;
    assert_eq!(t["tags"], json!([{"key": "env", "value": "prod"}, {"key": "key1", "value": "value1"}]));
    h.ok("UntagResource", json!({"resourceArn": arn, "tagKeys": ["env", "absent"]})).await;
    let t = h.ok("ListTagsForResource", json!({"resourceArn": arn})).await;
    assert_eq!(t["tags"], json!([{"key": "key1", "value": "value1"}]));
    let e = h.err("TagResource", json!({"resourceArn": format!("{arn}:1"), "tags": []})).await;
    assert_error(&e, "ResourceNotFound", &format!("Resource not found: '{arn}:1'"));
}

#[tokio::test]
async fn validate_state_machine_definition() {
    let h = Harness::new();
    let ok = h.ok("ValidateStateMachineDefinition", json!({"definition": pass().to_string()})).await;
    assert_eq!(ok, json!({"result": "OK", "diagnostics": [], "truncated": false}));
    let bad = h.ok("ValidateStateMachineDefinition", json!({"definition": "{}"})).await;
    assert_eq!(
        bad,
        json!({"result": "FAIL", "truncated": false, "diagnostics": [
            {"severity": "ERROR", "code": "SCHEMA_VALIDATION_FAILED", "message": "These fields are required: [States, StartAt]", "location": "/"}
        ]})
    );
}
