//! Tags (TagResource family by ARN, TagLogGroup family by name) and resource policies (account and log-group
//! scope) through the door, with the resources and condition keys the door is asked to authorize.

mod common;

use common::*;
use serde_json::{Value, json};

fn arn(name: &str) -> String {
    format!("arn:aws:logs:{REGION}:{A}:log-group:{name}")
}

#[tokio::test]
async fn tag_resource_family() {
    let h = Harness::new();
    h.ok("CreateLogGroup", json!({"logGroupName": "g", "tags": {"env": "testing1"}})).await;
    h.ok("TagResource", json!({"resourceArn": arn("g"), "tags": {"test1": "val1", "test2": "val2"}})).await;
    assert_eq!(h.last_checks(), [("logs:TagResource".to_string(), arn("g"))]);
    let all = json!({"tags": {"env": "testing1", "test1": "val1", "test2": "val2"}});
    assert_eq!(h.ok("ListTagsForResource", json!({"resourceArn": arn("g")})).await, all);
    assert_eq!(h.ok("ListTagsLogGroup", json!({"logGroupName": "g"})).await, all);

    h.ok("TagLogGroup", json!({"logGroupName": "g", "tags": {"test3": "val3", "env": "prod"}})).await;
    assert_eq!(h.last_checks()[0], ("logs:TagLogGroup".to_string(), format!("{}:log-stream:", arn("g"))));
    h.ok("UntagResource", json!({"resourceArn": arn("g"), "tagKeys": ["test1", "absent"]})).await;
    h.ok("UntagLogGroup", json!({"logGroupName": "g", "tags": ["test3", "env"]})).await;
    assert_eq!(h.ok("ListTagsForResource", json!({"resourceArn": arn("g")})).await, json!({"tags": {"test2": "val2"}}));

    // The ARN with `:*` that DescribeLogGroups prints is accepted too.
    assert_eq!(
        h.ok("ListTagsForResource", json!({"resourceArn": format!("{}:*", arn("g"))})).await["tags"]["test2"],
        "val2"
    );
}

#[tokio::test]
async fn denials_name_the_group_arn_without_star() {
    let h = Harness::new();
    h.ok("CreateLogGroup", json!({"logGroupName": "g", "tags": {"team": "a"}})).await;
    let e = h.call_as(B, REGION, "TagResource", json!({"resourceArn": arn("g"), "tags": {"x": "y"}})).await.err();
    let e = e.expect("another account's root is not allowed");
    assert_eq!((e.code.as_str(), e.status), ("AccessDeniedException", 400));
    assert!(e.message.contains(&format!("logs:TagResource on resource: {} ", arn("g"))), "{}", e.message);
}

#[tokio::test]
async fn tag_errors() {
    let h = Harness::new();
    for (op, input) in [
        ("TagResource", json!({"resourceArn": arn("missing"), "tags": {"a": "b"}})),
        ("UntagResource", json!({"resourceArn": arn("missing"), "tagKeys": ["a"]})),
        ("ListTagsForResource", json!({"resourceArn": arn("missing")})),
        ("TagLogGroup", json!({"logGroupName": "missing", "tags": {"a": "b"}})),
        ("UntagLogGroup", json!({"logGroupName": "missing", "tags": ["a"]})),
        ("ListTagsLogGroup", json!({"logGroupName": "missing"})),
    ] {
        assert_error(&h.err(op, input).await, "ResourceNotFoundException", "The specified log group does not exist.");
    }
    let e = h.err("ListTagsForResource", json!({"resourceArn": "arn:aws:s3:::bucket"})).await;
    assert_eq!(e.code, "InvalidParameterException");

    h.ok("CreateLogGroup", json!({"logGroupName": "g"})).await;
    let fifty: serde_json::Map<String, Value> = (0..50).map(|n| (format!("k{n}"), json!("v"))).collect();
    h.ok("TagResource", json!({"resourceArn": arn("g"), "tags": fifty})).await;
    // Replacing an existing key is not an addition.
    h.ok("TagResource", json!({"resourceArn": arn("g"), "tags": {"k0": "w"}})).await;
    let e = h.err("TagResource", json!({"resourceArn": arn("g"), "tags": {"one-more": "v"}})).await;
    assert_eq!((e.code.as_str(), e.status), ("TooManyTagsException", 400));
    assert_eq!(e.fields.get("resourceName"), Some(&json!(arn("g"))));
}

const DOC: &str = r#"{"Version":"2012-10-17","Statement":[{"Sid":"AWSLogDeliveryWrite","Effect":"Allow","Principal":{"Service":"delivery.logs.amazonaws.com"},"Action":["logs:CreateLogStream","logs:PutLogEvents"],"Resource":"*"}]}"#;

#[tokio::test]
async fn account_resource_policies() {
    let h = Harness::new();
    let before = h.now();
    let out =
        h.ok("PutResourcePolicy", json!({"policyName": "AWSLogDeliveryWrite20150319", "policyDocument": DOC})).await;
    assert_between(&out["resourcePolicy"]["lastUpdatedTime"], before, h.now());
    let t = out["resourcePolicy"]["lastUpdatedTime"].as_i64().unwrap_or_default();
    let expected = json!({"policyName": "AWSLogDeliveryWrite20150319", "policyDocument": DOC, "lastUpdatedTime": t, "policyScope": "ACCOUNT"});
    assert_eq!(out, json!({"resourcePolicy": expected}));
    assert_eq!(h.last_checks(), [("logs:PutResourcePolicy".to_string(), "*".to_string())]);
    assert_eq!(h.ok("DescribeResourcePolicies", json!({})).await, json!({"resourcePolicies": [expected]}));

    // Same name replaces; up to ten names per account.
    h.advance(60_000);
    let replaced =
        h.ok("PutResourcePolicy", json!({"policyName": "AWSLogDeliveryWrite20150319", "policyDocument": "{}"})).await;
    assert_between(&replaced["resourcePolicy"]["lastUpdatedTime"], t + 60_000, h.now());
    for n in 1..10 {
        h.ok("PutResourcePolicy", json!({"policyName": format!("p{n}"), "policyDocument": DOC})).await;
    }
    assert_error(
        &h.err("PutResourcePolicy", json!({"policyName": "p10", "policyDocument": DOC})).await,
        "LimitExceededException",
        "Resource limit exceeded.",
    );
    // Pages.
    let first = h.ok("DescribeResourcePolicies", json!({"limit": 4})).await;
    let mut names: Vec<Value> = first["resourcePolicies"].as_array().cloned().unwrap_or_default();
    let mut token = first["nextToken"].clone();
    while token.is_string() {
        let out = h.ok("DescribeResourcePolicies", json!({"limit": 4, "nextToken": token})).await;
        names.extend(out["resourcePolicies"].as_array().cloned().unwrap_or_default());
        token = out["nextToken"].clone();
    }
    assert_eq!(names.len(), 10);

    h.ok("DeleteResourcePolicy", json!({"policyName": "p1"})).await;
    assert_error(
        &h.err("DeleteResourcePolicy", json!({"policyName": "non-existent"})).await,
        "ResourceNotFoundException",
        "Policy with name [non-existent] does not exist.",
    );
    assert_eq!(
        h.err("PutResourcePolicy", json!({"policyName": "x", "policyDocument": "not json"})).await.code,
        "InvalidParameterException"
    );
    // Another account has none.
    let other = h.call_as(B, REGION, "DescribeResourcePolicies", json!({})).await.ok();
    assert_eq!(other, Some(json!({"resourcePolicies": []})));
}

#[tokio::test]
async fn log_group_resource_policies() {
    let h = Harness::new();
    assert_error(
        &h.err("PutResourcePolicy", json!({"policyName": "p", "policyDocument": DOC, "resourceArn": arn("g")})).await,
        "ResourceNotFoundException",
        "The specified log group does not exist.",
    );
    h.ok("CreateLogGroup", json!({"logGroupName": "g"})).await;
    let out =
        h.ok("PutResourcePolicy", json!({"policyName": "p", "policyDocument": DOC, "resourceArn": arn("g")})).await;
    let rev = out["revisionId"].clone();
    assert_eq!(out["resourcePolicy"]["policyScope"], "RESOURCE");
    assert_eq!(out["resourcePolicy"]["resourceArn"], arn("g"));
    assert_eq!(out["resourcePolicy"]["revisionId"], rev);

    // Replacing needs the current revision id.
    let stale = json!({"policyName": "p", "policyDocument": DOC, "resourceArn": arn("g"), "expectedRevisionId": "old"});
    assert_eq!(h.err("PutResourcePolicy", stale).await.code, "OperationAbortedException");
    let fresh = json!({"policyName": "p", "policyDocument": DOC, "resourceArn": arn("g"), "expectedRevisionId": rev});
    let rev2 = h.ok("PutResourcePolicy", fresh).await["revisionId"].clone();
    assert_ne!(rev2, rev);

    let by_arn = h.ok("DescribeResourcePolicies", json!({"resourceArn": arn("g")})).await;
    assert_eq!(by_arn["resourcePolicies"][0]["revisionId"], rev2);
    let by_scope = h.ok("DescribeResourcePolicies", json!({"policyScope": "RESOURCE"})).await;
    assert_eq!(by_scope["resourcePolicies"].as_array().map(Vec::len), Some(1));
    assert_eq!(h.ok("DescribeResourcePolicies", json!({})).await, json!({"resourcePolicies": []}));

    assert_error(
        &h.err("DeleteResourcePolicy", json!({"policyName": "other", "resourceArn": arn("g")})).await,
        "ResourceNotFoundException",
        "Policy with name [other] does not exist.",
    );
    h.ok("DeleteResourcePolicy", json!({"policyName": "p", "resourceArn": arn("g"), "expectedRevisionId": rev2})).await;
    assert_eq!(
        h.ok("DescribeResourcePolicies", json!({"resourceArn": arn("g")})).await,
        json!({"resourcePolicies": []})
    );
}

#[tokio::test]
async fn service_principals_are_decided_by_the_door() {
    let h = Harness::new();
    h.ok("CreateLogGroup", json!({"logGroupName": "g"})).await;
    h.ok("CreateLogStream", json!({"logGroupName": "g", "logStreamName": "s"})).await;
    h.ok("PutResourcePolicy", json!({"policyName": "delivery", "policyDocument": DOC})).await;
    // A service principal writes into the account it acts for; the door makes the decision (the handler
    // never does), and records the stream it was asked about.
    let svc = sekisho_core::Caller::service("delivery.logs.amazonaws.com", None, Some(A.to_string()));
    let input =
        json!({"logGroupName": "g", "logStreamName": "s", "logEvents": [{"timestamp": h.now(), "message": "m"}]});
    let outcome = h.call_by(&svc, REGION, "PutLogEvents", input).await;
    assert_eq!(h.last_checks(), [("logs:PutLogEvents".into(), format!("{}:log-stream:s", arn("g")))]);
    let stored = messages(&h.ok("GetLogEvents", json!({"logGroupName": "g", "logStreamName": "s"})).await["events"]);
    assert_eq!(stored.is_empty(), outcome.is_err(), "events are stored exactly when the door allowed the call");
}
