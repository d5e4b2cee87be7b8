//! PutLogEvents and GetLogEvents through the door: batch rules and rejections, reading from the head or the
//! tail, time ranges, and the forward/backward tokens that come back unchanged at the end of the stream.

mod common;

use common::*;
use serde_json::{Value, json};

const HOUR: i64 = 3_600_000;
const DAY: i64 = 24 * HOUR;

async fn stream(h: &Harness) {
    h.ok("CreateLogGroup", json!({"logGroupName": "g"})).await;
    h.ok("CreateLogStream", json!({"logGroupName": "g", "logStreamName": "s"})).await;
}

async fn put(h: &Harness, events: Vec<(i64, &str)>) -> Value {
    let events: Vec<Value> = events.into_iter().map(|(t, m)| json!({"timestamp": t, "message": m})).collect();
    h.ok("PutLogEvents", json!({"logGroupName": "g", "logStreamName": "s", "logEvents": events})).await
}

async fn put_err(h: &Harness, events: Vec<(i64, String)>) -> sekisho_core::AwsError {
    let events: Vec<Value> = events.into_iter().map(|(t, m)| json!({"timestamp": t, "message": m})).collect();
    h.err("PutLogEvents", json!({"logGroupName": "g", "logStreamName": "s", "logEvents": events})).await
}

async fn get(h: &Harness, extra: Value) -> Value {
    let mut input = json!({"logGroupName": "g", "logStreamName": "s"});
    if let (Some(o), Some(e)) = (input.as_object_mut(), extra.as_object()) {
        o.extend(e.clone());
    }
    h.ok("GetLogEvents", input).await
}

/// Ten events one second apart, ending a minute ago; messages "e0".."e9".
async fn ten(h: &Harness) -> i64 {
    let t0 = h.now() - 60_000 - 9_000;
    let names: Vec<String> = (0..10).map(|n| format!("e{n}")).collect();
    put(h, names.iter().enumerate().map(|(n, m)| (t0 + n as i64 * 1000, m.as_str())).collect()).await;
    t0
}

#[tokio::test]
async fn put_then_get() {
    let h = Harness::new();
    stream(&h).await;
    let now = h.now();
    let out = put(&h, vec![(now - 10, "hello"), (now - 10, "world"), (now, "🙀 - 日本語")]).await;
    let after = h.now();
    assert!(out["nextSequenceToken"].as_str().is_some_and(|t| t.len() == 56), "{out}");
    assert!(out.get("rejectedLogEventsInfo").is_none());
    assert_eq!(
        h.last_checks(),
        [("logs:PutLogEvents".into(), format!("arn:aws:logs:{REGION}:{A}:log-group:g:log-stream:s"))]
    );
    let got = get(&h, json!({})).await;
    assert_eq!(messages(&got["events"]), ["hello", "world", "🙀 - 日本語"]);
    assert_eq!((&got["events"][0]["timestamp"], &got["events"][0]["message"]), (&json!(now - 10), &json!("hello")));
    assert_between(&got["events"][0]["ingestionTime"], now, after);
    assert_eq!(h.last_checks()[0].1, format!("arn:aws:logs:{REGION}:{A}:log-group:g:log-stream:s"));
    // A later batch may hold older events; reads stay in timestamp order.
    let token2 = put(&h, vec![(now - 20, "earlier")]).await["nextSequenceToken"].clone();
    assert_ne!(token2, out["nextSequenceToken"]);
    assert_eq!(messages(&get(&h, json!({})).await["events"]), ["earlier", "hello", "world", "🙀 - 日本語"]);
}

#[tokio::test]
async fn forward_pages_end_with_the_same_token() {
    let h = Harness::new();
    stream(&h).await;
    ten(&h).await;
    let mut seen = Vec::new();
    let mut input = json!({"startFromHead": true, "limit": 3});
    let mut pages = 0;
    loop {
        let out = get(&h, input.clone()).await;
        pages += 1;
        let token = out["nextForwardToken"].as_str().unwrap_or_default().to_string();
        assert!(token.starts_with("f/") && out["nextBackwardToken"].as_str().is_some_and(|b| b.starts_with("b/")));
        seen.extend(messages(&out["events"]));
        if input.get("nextToken").and_then(Value::as_str) == Some(token.as_str()) {
            assert_eq!(out["events"], json!([]), "the end of the stream repeats the token passed in");
            break;
        }
        input["nextToken"] = json!(token);
        assert!(pages < 10, "paging must end");
    }
    assert_eq!(seen, (0..10).map(|n| format!("e{n}")).collect::<Vec<_>>());
    assert_eq!(pages, 5, "4 pages of events (3+3+3+1) and one empty page");

    // New events show up behind the token that had reached the end (tailing).
    let end = input["nextToken"].clone();
    put(&h, vec![(h.now(), "late")]).await;
    let out = get(&h, json!({"nextToken": end})).await;
    assert_eq!(messages(&out["events"]), ["late"]);
}

#[tokio::test]
async fn the_default_reads_from_the_tail_and_pages_backward() {
    let h = Harness::new();
    stream(&h).await;
    ten(&h).await;
    let first = get(&h, json!({"limit": 3})).await;
    assert_eq!(messages(&first["events"]), ["e7", "e8", "e9"]);
    let mut seen = messages(&first["events"]);
    let mut token = first["nextBackwardToken"].clone();
    loop {
        let out = get(&h, json!({"limit": 3, "nextToken": token})).await;
        if out["nextBackwardToken"] == token {
            assert_eq!(out["events"], json!([]));
            break;
        }
        let mut page = messages(&out["events"]);
        page.extend(seen);
        seen = page;
        token = out["nextBackwardToken"].clone();
    }
    assert_eq!(seen, (0..10).map(|n| format!("e{n}")).collect::<Vec<_>>());

    // Going forward from the tail's first page continues after its last event.
    let fwd = get(&h, json!({"nextToken": first["nextForwardToken"]})).await;
    assert_eq!(fwd["events"], json!([]));
    assert_eq!(fwd["nextForwardToken"], first["nextForwardToken"]);
    // And backward from the head's first page finds nothing before it.
    let head = get(&h, json!({"startFromHead": true, "limit": 2})).await;
    let back = get(&h, json!({"nextToken": head["nextBackwardToken"]})).await;
    assert_eq!(
        (back["events"].clone(), back["nextBackwardToken"].clone()),
        (json!([]), head["nextBackwardToken"].clone())
    );
}

#[tokio::test]
async fn time_range_is_start_inclusive_end_exclusive() {
    let h = Harness::new();
    stream(&h).await;
    let t0 = ten(&h).await;
    let out = get(&h, json!({"startTime": t0 + 2000, "endTime": t0 + 5000, "startFromHead": true})).await;
    assert_eq!(messages(&out["events"]), ["e2", "e3", "e4"]);
    let out = get(&h, json!({"startTime": t0 + 2000, "endTime": t0 + 5000})).await;
    assert_eq!(messages(&out["events"]), ["e2", "e3", "e4"]);
    let out = get(&h, json!({"startTime": t0 + 100_000})).await;
    assert_eq!(out["events"], json!([]));
}

#[tokio::test]
async fn an_empty_stream_gives_tokens_that_do_not_move() {
    let h = Harness::new();
    stream(&h).await;
    let out = get(&h, json!({})).await;
    assert_eq!(out["events"], json!([]));
    let again = get(&h, json!({"nextToken": out["nextForwardToken"]})).await;
    assert_eq!(again["nextForwardToken"], out["nextForwardToken"]);
    let back = get(&h, json!({"nextToken": out["nextBackwardToken"]})).await;
    assert_eq!(back["nextBackwardToken"], out["nextBackwardToken"]);
}

#[tokio::test]
async fn get_errors() {
    let h = Harness::new();
    assert_error(
        &h.err("GetLogEvents", json!({"logGroupName": "g", "logStreamName": "s"})).await,
        "ResourceNotFoundException",
        "The specified log group does not exist.",
    );
    h.ok("CreateLogGroup", json!({"logGroupName": "g"})).await;
    assert_error(
        &h.err("GetLogEvents", json!({"logGroupName": "g", "logStreamName": "s"})).await,
        "ResourceNotFoundException",
        "The specified log stream does not exist.",
    );
    h.ok("CreateLogStream", json!({"logGroupName": "g", "logStreamName": "s"})).await;
    assert_error(
        &h.err("GetLogEvents", json!({"logGroupName": "g", "logStreamName": "s", "nextToken": "invalid-token"})).await,
        "InvalidParameterException",
        "The specified nextToken is invalid.",
    );
    let arn = format!("arn:aws:logs:{REGION}:{A}:log-group:g");
    assert_error(
        &h.err("GetLogEvents", json!({"logGroupName": "g", "logGroupIdentifier": arn, "logStreamName": "s"})).await,
        "ValidationException",
        "LogGroup name and LogGroup ARN are mutually exclusive parameters.",
    );
    put(&h, vec![(h.now(), "x")]).await;
    for id in [json!("g"), json!(arn)] {
        let out = h.ok("GetLogEvents", json!({"logGroupIdentifier": id, "logStreamName": "s"})).await;
        assert_eq!(messages(&out["events"]), ["x"]);
    }
}

#[tokio::test]
async fn put_errors() {
    let h = Harness::new();
    let now = h.now();
    let one = || vec![(now, "m".to_string())];
    assert_error(&put_err(&h, one()).await, "ResourceNotFoundException", "The specified log group does not exist.");
    h.ok("CreateLogGroup", json!({"logGroupName": "g"})).await;
    assert_error(&put_err(&h, one()).await, "ResourceNotFoundException", "The specified log stream does not exist.");
    h.ok("CreateLogStream", json!({"logGroupName": "g", "logStreamName": "s"})).await;

    assert_error(
        &put_err(&h, vec![(now, "0".into()), (now - 2 * DAY, "1".into())]).await,
        "InvalidParameterException",
        "Log events in a single PutLogEvents request must be in chronological order.",
    );
    assert_error(
        &put_err(&h, vec![(now - 2 * DAY, "a".into()), (now, "b".into())]).await,
        "InvalidParameterException",
        "The batch of log events in a single PutLogEvents request cannot span more than 24 hours.",
    );
    let big = "x".repeat(600_000);
    assert_error(
        &put_err(&h, vec![(now, big.clone()), (now, big)]).await,
        "InvalidParameterException",
        "Upload too large: 1200052 bytes exceeds limit of 1048576",
    );
    assert_error(
        &put_err(&h, vec![(now, "x".repeat(1_048_551))]).await,
        "InvalidParameterException",
        "Log event too large: 1048577 bytes exceeds limit of 1048576",
    );
    // Nothing of the failed batches was stored.
    assert_eq!(get(&h, json!({})).await["events"], json!([]));
}

#[tokio::test]
async fn too_old_too_new_and_expired_events_are_reported_not_stored() {
    let h = Harness::new();
    stream(&h).await;
    let now = h.now();
    let out = put(
        &h,
        vec![(now - 15 * DAY, "ancient"), (now - 15 * DAY + 1, "ancient2"), (now, "fine"), (now + 3 * HOUR, "future")],
    )
    .await;
    // The 24-hour span counts only events inside the accepted window.
    assert_eq!(out["rejectedLogEventsInfo"], json!({"tooOldLogEventEndIndex": 1, "tooNewLogEventStartIndex": 3}));
    assert_eq!(messages(&get(&h, json!({})).await["events"]), ["fine"]);

    h.ok("PutRetentionPolicy", json!({"logGroupName": "g", "retentionInDays": 1})).await;
    let out = put(&h, vec![(now - 2 * DAY, "expired"), (now - 1000, "kept")]).await;
    assert_eq!(out["rejectedLogEventsInfo"], json!({"expiredLogEventEndIndex": 0}));
    assert_eq!(messages(&get(&h, json!({})).await["events"]), ["kept", "fine"]);
    // An event exactly two hours ahead is still accepted.
    assert!(put(&h, vec![(now + 2 * HOUR, "edge")]).await.get("rejectedLogEventsInfo").is_none());
}

#[tokio::test]
async fn virtual_time_moves_the_acceptance_window() {
    let h = Harness::new();
    stream(&h).await;
    let then = h.now();
    // Three hours ahead is too new now, and fine once the clock has moved on.
    let early = put(&h, vec![(then + 3 * HOUR, "b")]).await;
    assert_eq!(early["rejectedLogEventsInfo"], json!({"tooNewLogEventStartIndex": 0}));
    h.advance(3 * HOUR);
    let out = put(&h, vec![(then, "a"), (then + 3 * HOUR, "b")]).await;
    assert!(out.get("rejectedLogEventsInfo").is_none());
    let after = h.now();
    let ingested = get(&h, json!({})).await["events"][0]["ingestionTime"].clone();
    assert_between(&ingested, then + 3 * HOUR, after);
}
