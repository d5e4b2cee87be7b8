//! Log groups through the door: create, describe (prefix, pattern, class, identifiers, pages), retention,
//! delete, and the errors AWS answers; each account and region sees only its own groups.

mod common;

use common::*;
use serde_json::json;

#[tokio::test]
async fn create_describe_delete() {
    let h = Harness::new();
    let before = h.now();
    assert_eq!(h.ok("CreateLogGroup", json!({"logGroupName": "/aws/lambda/f"})).await, json!({}));
    let after = h.now();
    assert_eq!(
        h.last_checks(),
        [("logs:CreateLogGroup".into(), format!("arn:aws:logs:{REGION}:{A}:log-group:/aws/lambda/f:log-stream:"))]
    );
    let out = h.ok("DescribeLogGroups", json!({})).await;
    assert_between(&out["logGroups"][0]["creationTime"], before, after);
    let created_at = out["logGroups"][0]["creationTime"].clone();
    let arn = format!("arn:aws:logs:{REGION}:{A}:log-group:/aws/lambda/f");
    assert_eq!(
        out,
        json!({"logGroups": [{
            "logGroupName": "/aws/lambda/f",
            "creationTime": created_at,
            "metricFilterCount": 0,
            "arn": format!("{arn}:*"),
            "logGroupClass": "STANDARD",
            "logGroupArn": arn,
            "storedBytes": 0,
            "deletionProtectionEnabled": false,
        }]})
    );
    assert_eq!(h.last_checks()[0].1, format!("arn:aws:logs:{REGION}:{A}:log-group::log-stream:"));

    assert_error(
        &h.err("CreateLogGroup", json!({"logGroupName": "/aws/lambda/f"})).await,
        "ResourceAlreadyExistsException",
        "The specified log group already exists",
    );
    h.ok("DeleteLogGroup", json!({"logGroupName": "/aws/lambda/f"})).await;
    assert_eq!(h.ok("DescribeLogGroups", json!({})).await, json!({"logGroups": []}));
    assert_error(
        &h.err("DeleteLogGroup", json!({"logGroupName": "/aws/lambda/f"})).await,
        "ResourceNotFoundException",
        "The specified log group does not exist.",
    );
}

#[tokio::test]
async fn create_options_are_kept() {
    let h = Harness::new();
    h.ok(
        "CreateLogGroup",
        json!({"logGroupName": "g", "kmsKeyId": "arn:aws:kms:us-east-1:111111111111:key/k",
               "logGroupClass": "INFREQUENT_ACCESS", "deletionProtectionEnabled": true, "tags": {"env": "dev"}}),
    )
    .await;
    // Tags at creation need logs:TagResource too, on the ARN without `:*`.
    assert_eq!(
        h.last_checks(),
        [
            ("logs:CreateLogGroup".into(), format!("arn:aws:logs:{REGION}:{A}:log-group:g:log-stream:")),
            ("logs:TagResource".into(), format!("arn:aws:logs:{REGION}:{A}:log-group:g")),
        ]
    );
    let g = &h.ok("DescribeLogGroups", json!({})).await["logGroups"][0];
    assert_eq!(g["kmsKeyId"], "arn:aws:kms:us-east-1:111111111111:key/k");
    assert_eq!(g["logGroupClass"], "INFREQUENT_ACCESS");
    assert_eq!(g["deletionProtectionEnabled"], true);
    assert_eq!(h.ok("ListTagsLogGroup", json!({"logGroupName": "g"})).await, json!({"tags": {"env": "dev"}}));

    let e = h.err("DeleteLogGroup", json!({"logGroupName": "g"})).await;
    assert_eq!((e.code.as_str(), e.status), ("ValidationException", 400));
    assert_eq!(h.ok("DescribeLogGroups", json!({})).await["logGroups"].as_array().map(Vec::len), Some(1));

    let e = h.err("CreateLogGroup", json!({"logGroupName": "aws/reserved"})).await;
    assert_eq!(e.code, "InvalidParameterException");
}

async fn names(h: &Harness, input: serde_json::Value) -> (Vec<String>, Option<String>) {
    let out = h.ok("DescribeLogGroups", input).await;
    let names = out["logGroups"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|g| g["logGroupName"].as_str().unwrap_or("").to_string())
        .collect();
    (names, out["nextToken"].as_str().map(str::to_string))
}

#[tokio::test]
async fn describe_filters_and_pages() {
    let h = Harness::new();
    for n in ["b/two", "a/one", "DataLogs", "aws2/DataLogs", "GroupDataLogs", "datalogs", "a/three"] {
        h.ok("CreateLogGroup", json!({"logGroupName": n})).await;
    }
    // ASCII order: upper case before lower case.
    let (all, none) = names(&h, json!({})).await;
    assert_eq!(all, ["DataLogs", "GroupDataLogs", "a/one", "a/three", "aws2/DataLogs", "b/two", "datalogs"]);
    assert_eq!(none, None);

    assert_eq!(names(&h, json!({"logGroupNamePrefix": "a/"})).await.0, ["a/one", "a/three"]);
    // The documented example: a case-sensitive substring search.
    let (by_pattern, _) = names(&h, json!({"logGroupNamePattern": "DataLogs"})).await;
    assert_eq!(by_pattern, ["DataLogs", "GroupDataLogs", "aws2/DataLogs"]);
    let reduced = &h.ok("DescribeLogGroups", json!({"logGroupNamePattern": "GroupData"})).await["logGroups"][0];
    assert!(reduced.get("storedBytes").is_none() && reduced.get("arn").is_some(), "{reduced}");

    assert_error(
        &h.err("DescribeLogGroups", json!({"logGroupNamePrefix": "a", "logGroupNamePattern": "b"})).await,
        "InvalidParameterException",
        "LogGroup name prefix and LogGroup name pattern are mutually exclusive parameters.",
    );

    // Pages of two, following nextToken to the end.
    let mut seen = Vec::new();
    let mut token: Option<String> = None;
    loop {
        let mut input = json!({"limit": 2});
        if let Some(t) = &token {
            input["nextToken"] = json!(t);
        }
        let (page, next) = names(&h, input).await;
        assert!(page.len() <= 2);
        seen.extend(page);
        match next {
            Some(t) => token = Some(t),
            None => break,
        }
    }
    assert_eq!(seen, all);
    assert_error(
        &h.err("DescribeLogGroups", json!({"nextToken": "not a token"})).await,
        "InvalidParameterException",
        "The specified nextToken is invalid.",
    );

    let arn = format!("arn:aws:logs:{REGION}:{A}:log-group:b/two");
    assert_eq!(names(&h, json!({"logGroupIdentifiers": [arn, "datalogs", "nope"]})).await.0, ["b/two", "datalogs"]);
}

#[tokio::test]
async fn describe_by_class() {
    let h = Harness::new();
    h.ok("CreateLogGroup", json!({"logGroupName": "std"})).await;
    h.ok("CreateLogGroup", json!({"logGroupName": "ia", "logGroupClass": "INFREQUENT_ACCESS"})).await;
    h.ok("CreateLogGroup", json!({"logGroupName": "ess", "logGroupClass": "ESSENTIALS"})).await;
    assert_eq!(names(&h, json!({"logGroupClass": "STANDARD"})).await.0, ["std"]);
    // Either cheaper class lists both (documented).
    assert_eq!(names(&h, json!({"logGroupClass": "ESSENTIALS"})).await.0, ["ess", "ia"]);
}

#[tokio::test]
async fn retention() {
    let h = Harness::new();
    h.ok("CreateLogGroup", json!({"logGroupName": "g"})).await;
    h.ok("PutRetentionPolicy", json!({"logGroupName": "g", "retentionInDays": 14})).await;
    assert_eq!(h.ok("DescribeLogGroups", json!({})).await["logGroups"][0]["retentionInDays"], 14);
    let e = h.err("PutRetentionPolicy", json!({"logGroupName": "g", "retentionInDays": 2})).await;
    assert_eq!(e.code, "InvalidParameterException");
    assert!(e.message.starts_with("1 validation error detected: Value '2' at 'retentionInDays'"), "{}", e.message);
    h.ok("DeleteRetentionPolicy", json!({"logGroupName": "g"})).await;
    assert!(h.ok("DescribeLogGroups", json!({})).await["logGroups"][0].get("retentionInDays").is_none());
    for op in ["PutRetentionPolicy", "DeleteRetentionPolicy"] {
        assert_error(
            &h.err(op, json!({"logGroupName": "missing", "retentionInDays": 1})).await,
            "ResourceNotFoundException",
            "The specified log group does not exist.",
        );
    }
}

#[tokio::test]
async fn accounts_and_regions_are_separate() {
    let h = Harness::new();
    h.ok("CreateLogGroup", json!({"logGroupName": "shared-name"})).await;
    // Another account and another region see nothing, and may create the same name.
    for (account, region) in [(B, REGION), (A, "ap-northeast-1")] {
        let out = h.call_as(account, region, "DescribeLogGroups", json!({})).await;
        assert_eq!(out.ok(), Some(json!({"logGroups": []})));
        let e = h.call_as(account, region, "DescribeLogStreams", json!({"logGroupName": "shared-name"})).await;
        assert_eq!(e.map_err(|e| e.message), Err("The specified log group does not exist.".to_string()));
        assert!(h.call_as(account, region, "CreateLogGroup", json!({"logGroupName": "shared-name"})).await.is_ok());
    }
    h.ok("DeleteLogGroup", json!({"logGroupName": "shared-name"})).await;
    let left = h.call_as(B, REGION, "DescribeLogGroups", json!({})).await.ok();
    assert_eq!(left.map(|v| v["logGroups"].as_array().map(Vec::len)), Some(Some(1)));
}

#[tokio::test]
async fn another_accounts_group_by_arn_is_denied_for_a_root_user() {
    let h = Harness::new();
    h.ok("CreateLogGroup", json!({"logGroupName": "g"})).await;
    let arn = format!("arn:aws:logs:{REGION}:{A}:log-group:g");
    let e = h.call_as(B, REGION, "DescribeLogStreams", json!({"logGroupIdentifier": arn})).await.err();
    let e = e.expect("cross-account access needs a policy");
    assert_eq!((e.code.as_str(), e.status), ("AccessDeniedException", 400));
    assert!(e.message.contains(&format!("{arn}:log-stream:")), "{}", e.message);
}
