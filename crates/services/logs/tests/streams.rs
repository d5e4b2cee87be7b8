//! Log streams through the door: create, describe (prefix, order by name or last event time, descending,
//! pages, by name or identifier), delete, and their errors.

mod common;

use common::*;
use serde_json::{Value, json};

async fn setup(h: &Harness, streams: &[&str]) {
    h.ok("CreateLogGroup", json!({"logGroupName": "g"})).await;
    for s in streams {
        h.ok("CreateLogStream", json!({"logGroupName": "g", "logStreamName": s})).await;
    }
}

fn stream_names(out: &Value) -> Vec<String> {
    out["logStreams"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|s| s["logStreamName"].as_str().map(str::to_string))
        .collect()
}

#[tokio::test]
async fn create_describe_delete() {
    let h = Harness::new();
    h.ok("CreateLogGroup", json!({"logGroupName": "g"})).await;
    let before = h.now();
    h.ok("CreateLogStream", json!({"logGroupName": "g", "logStreamName": "2024/01/01/[$LATEST]abc"})).await;
    let after = h.now();
    let arn = format!("arn:aws:logs:{REGION}:{A}:log-group:g:log-stream:2024/01/01/[$LATEST]abc");
    assert_eq!(h.last_checks(), [("logs:CreateLogStream".to_string(), arn.clone())]);
    let out = h.ok("DescribeLogStreams", json!({"logGroupName": "g"})).await;
    assert_between(&out["logStreams"][0]["creationTime"], before, after);
    let t = out["logStreams"][0]["creationTime"].clone();
    assert_eq!(
        out,
        json!({"logStreams": [{"logStreamName": "2024/01/01/[$LATEST]abc", "creationTime": t, "arn": arn, "storedBytes": 0}]})
    );
    assert_eq!(
        h.last_checks()[0],
        ("logs:DescribeLogStreams".into(), format!("arn:aws:logs:{REGION}:{A}:log-group:g:log-stream:"))
    );

    assert_error(
        &h.err("CreateLogStream", json!({"logGroupName": "g", "logStreamName": "2024/01/01/[$LATEST]abc"})).await,
        "ResourceAlreadyExistsException",
        "The specified log stream already exists",
    );
    assert_error(
        &h.err("CreateLogStream", json!({"logGroupName": "nope", "logStreamName": "s"})).await,
        "ResourceNotFoundException",
        "The specified log group does not exist.",
    );
    h.ok("DeleteLogStream", json!({"logGroupName": "g", "logStreamName": "2024/01/01/[$LATEST]abc"})).await;
    assert_eq!(h.last_checks()[0], ("logs:DeleteLogStream".to_string(), arn));
    assert_eq!(h.ok("DescribeLogStreams", json!({"logGroupName": "g"})).await, json!({"logStreams": []}));
    assert_error(
        &h.err("DeleteLogStream", json!({"logGroupName": "g", "logStreamName": "2024/01/01/[$LATEST]abc"})).await,
        "ResourceNotFoundException",
        "The specified log stream does not exist.",
    );
    assert_error(
        &h.err("DeleteLogStream", json!({"logGroupName": "nope", "logStreamName": "s"})).await,
        "ResourceNotFoundException",
        "The specified log group does not exist.",
    );
}

#[tokio::test]
async fn deleting_a_group_deletes_its_streams() {
    let h = Harness::new();
    setup(&h, &["s"]).await;
    h.ok("DeleteLogGroup", json!({"logGroupName": "g"})).await;
    h.ok("CreateLogGroup", json!({"logGroupName": "g"})).await;
    assert_eq!(h.ok("DescribeLogStreams", json!({"logGroupName": "g"})).await, json!({"logStreams": []}));
}

#[tokio::test]
async fn ordering_prefix_and_pages() {
    let h = Harness::new();
    setup(&h, &["b", "a2", "c", "a1"]).await;
    // Events make `b` the most recent stream and `c` the oldest one with events.
    let now = h.now();
    for (stream, ts) in [("c", now - 3000), ("a1", now - 2000), ("b", now - 1000)] {
        h.ok(
            "PutLogEvents",
            json!({"logGroupName": "g", "logStreamName": stream, "logEvents": [{"timestamp": ts, "message": "m"}]}),
        )
        .await;
    }
    let h = &h;
    let by = |input: Value| async move { stream_names(&h.ok("DescribeLogStreams", input).await) };
    assert_eq!(by(json!({"logGroupName": "g"})).await, ["a1", "a2", "b", "c"]);
    assert_eq!(by(json!({"logGroupName": "g", "descending": true})).await, ["c", "b", "a2", "a1"]);
    assert_eq!(by(json!({"logGroupName": "g", "logStreamNamePrefix": "a"})).await, ["a1", "a2"]);
    // A stream without events sorts as if its last event were at time zero.
    assert_eq!(by(json!({"logGroupName": "g", "orderBy": "LastEventTime"})).await, ["a2", "c", "a1", "b"]);
    assert_eq!(
        by(json!({"logGroupName": "g", "orderBy": "LastEventTime", "descending": true})).await,
        ["b", "a1", "c", "a2"]
    );
    assert_error(
        &h.err(
            "DescribeLogStreams",
            json!({"logGroupName": "g", "orderBy": "LastEventTime", "logStreamNamePrefix": "a"}),
        )
        .await,
        "InvalidParameterException",
        "Cannot order by LastEventTime with a logStreamNamePrefix.",
    );

    for (order, descending) in [("LogStreamName", false), ("LogStreamName", true), ("LastEventTime", true)] {
        let all = by(json!({"logGroupName": "g", "orderBy": order, "descending": descending})).await;
        let mut seen = Vec::new();
        let mut input = json!({"logGroupName": "g", "orderBy": order, "descending": descending, "limit": 3});
        loop {
            let out = h.ok("DescribeLogStreams", input.clone()).await;
            seen.extend(stream_names(&out));
            match out.get("nextToken") {
                Some(t) => input["nextToken"] = t.clone(),
                None => break,
            }
        }
        assert_eq!(seen, all, "{order} descending={descending}");
    }
    assert_error(
        &h.err("DescribeLogStreams", json!({"logGroupName": "g", "nextToken": "bm9wZQ"})).await,
        "InvalidParameterException",
        "The specified nextToken is invalid.",
    );
}

#[tokio::test]
async fn stream_members_after_events() {
    let h = Harness::new();
    setup(&h, &["s"]).await;
    let now = h.now();
    let put = json!({"logGroupName": "g", "logStreamName": "s",
        "logEvents": [{"timestamp": now - 50, "message": "a"}, {"timestamp": now - 10, "message": "b"}]});
    let token = h.ok("PutLogEvents", put).await["nextSequenceToken"].clone();
    let after = h.now();
    let s = &h.ok("DescribeLogStreams", json!({"logGroupName": "g"})).await["logStreams"][0];
    assert_eq!(s["firstEventTimestamp"], now - 50);
    assert_eq!(s["lastEventTimestamp"], now - 10);
    assert_between(&s["lastIngestionTime"], now, after);
    assert_eq!(s["uploadSequenceToken"], token);
    assert_eq!(s["storedBytes"], 0);
    let g = &h.ok("DescribeLogGroups", json!({})).await["logGroups"][0];
    assert_eq!(g["storedBytes"], 2);
}

#[tokio::test]
async fn by_identifier() {
    let h = Harness::new();
    setup(&h, &["s"]).await;
    let arn = format!("arn:aws:logs:{REGION}:{A}:log-group:g");
    for input in [json!({"logGroupIdentifier": "g"}), json!({"logGroupIdentifier": arn})] {
        assert_eq!(stream_names(&h.ok("DescribeLogStreams", input).await), ["s"]);
    }
    assert_error(
        &h.err("DescribeLogStreams", json!({"logGroupName": "g", "logGroupIdentifier": arn})).await,
        "ValidationException",
        "LogGroup name and LogGroup ARN are mutually exclusive parameters.",
    );
    assert_eq!(h.err("DescribeLogStreams", json!({})).await.code, "InvalidParameterException");
    assert_eq!(
        h.err("DescribeLogStreams", json!({"logGroupIdentifier": "arn:aws:logs:x"})).await.code,
        "InvalidParameterException"
    );
    // An ARN naming another region of the same account finds nothing there.
    let elsewhere = format!("arn:aws:logs:eu-west-1:{A}:log-group:g");
    assert_error(
        &h.err("DescribeLogStreams", json!({"logGroupIdentifier": elsewhere})).await,
        "ResourceNotFoundException",
        "The specified log group does not exist.",
    );
}
