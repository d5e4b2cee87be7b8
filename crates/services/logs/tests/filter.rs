//! FilterLogEvents through the door: events of several streams interleaved by time, stream selection,
//! time ranges, filter patterns (terms and JSON), direction and pages.

mod common;

use common::*;
use serde_json::{Value, json};

/// Streams `app/1` and `app/2` and `other`, with events interleaved one second apart; returns the first time.
async fn setup(h: &Harness) -> i64 {
    h.ok("CreateLogGroup", json!({"logGroupName": "g"})).await;
    for s in ["app/1", "app/2", "other"] {
        h.ok("CreateLogStream", json!({"logGroupName": "g", "logStreamName": s})).await;
    }
    let t0 = h.now() - 600_000;
    let put = |stream: &str, events: Vec<(i64, &str)>| {
        let events: Vec<Value> =
            events.into_iter().map(|(t, m)| json!({"timestamp": t0 + t * 1000, "message": m})).collect();
        json!({"logGroupName": "g", "logStreamName": stream, "logEvents": events})
    };
    h.ok(
        "PutLogEvents",
        put("app/1", vec![(0, "ERROR disk full"), (2, "INFO started"), (4, r#"{"level":"WARN","latency":120}"#)]),
    )
    .await;
    h.ok(
        "PutLogEvents",
        put(
            "app/2",
            vec![
                (1, "WARN slow"),
                (3, "ERROR Exception in MainThread"),
                (5, r#"{"level":"ERROR","latency":900,"user":{"id":7}}"#),
            ],
        ),
    )
    .await;
    h.ok("PutLogEvents", put("other", vec![(6, "DEBUG noise")])).await;
    t0
}

async fn filter(h: &Harness, extra: Value) -> Value {
    let mut input = json!({"logGroupName": "g"});
    if let (Some(o), Some(e)) = (input.as_object_mut(), extra.as_object()) {
        o.extend(e.clone());
    }
    h.ok("FilterLogEvents", input).await
}

#[tokio::test]
async fn interleaves_streams_by_time() {
    let h = Harness::new();
    let t0 = setup(&h).await;
    let out = filter(&h, json!({})).await;
    assert_eq!(
        messages(&out["events"]),
        [
            "ERROR disk full",
            "WARN slow",
            "INFO started",
            "ERROR Exception in MainThread",
            r#"{"level":"WARN","latency":120}"#,
            r#"{"level":"ERROR","latency":900,"user":{"id":7}}"#,
            "DEBUG noise"
        ]
    );
    let first = &out["events"][0];
    assert_eq!(first["logStreamName"], "app/1");
    assert_eq!(first["timestamp"], t0);
    assert!(first["eventId"].as_str().is_some_and(|id| id.len() == 56 && id.bytes().all(|b| b.is_ascii_digit())));
    assert!(first["ingestionTime"].is_i64());
    assert_eq!(out["searchedLogStreams"], json!([]));
    assert!(out.get("nextToken").is_none());
    assert_eq!(
        h.last_checks(),
        [("logs:FilterLogEvents".into(), format!("arn:aws:logs:{REGION}:{A}:log-group:g:log-stream:"))]
    );
}

#[tokio::test]
async fn selects_streams_and_times() {
    let h = Harness::new();
    let t0 = setup(&h).await;
    let by = |v: &Value| messages(&v["events"]);
    assert_eq!(by(&filter(&h, json!({"logStreamNames": ["other", "missing"]})).await), ["DEBUG noise"]);
    assert_eq!(by(&filter(&h, json!({"logStreamNamePrefix": "app/2"})).await).len(), 3);
    // Both ends inclusive.
    assert_eq!(
        by(&filter(&h, json!({"startTime": t0 + 1000, "endTime": t0 + 3000})).await),
        ["WARN slow", "INFO started", "ERROR Exception in MainThread"]
    );
    let e = h
        .err("FilterLogEvents", json!({"logGroupName": "g", "logStreamNames": ["a"], "logStreamNamePrefix": "a"}))
        .await;
    assert_eq!((e.code.as_str(), e.status), ("InvalidParameterException", 400));
}

#[tokio::test]
async fn filter_patterns() {
    let h = Harness::new();
    setup(&h).await;
    let with = |p: &'static str| {
        let h = &h;
        async move { messages(&filter(h, json!({"filterPattern": p})).await["events"]) }
    };
    assert_eq!(with("ERROR").await.len(), 3, "the JSON event contains ERROR too");
    assert_eq!(with("ERROR Exception").await, ["ERROR Exception in MainThread"]);
    assert_eq!(with("?WARN ?DEBUG").await, ["WARN slow", r#"{"level":"WARN","latency":120}"#, "DEBUG noise"]);
    assert_eq!(with("ERROR -full -latency").await, ["ERROR Exception in MainThread"]);
    assert_eq!(with("\"disk full\"").await, ["ERROR disk full"]);
    assert_eq!(with("\"full disk\"").await, Vec::<String>::new());
    assert_eq!(with(r#"{ $.level = "ERROR" }"#).await, [r#"{"level":"ERROR","latency":900,"user":{"id":7}}"#]);
    assert_eq!(with("{ $.latency > 100 }").await.len(), 2);
    assert_eq!(with("{ $.latency > 100 && $.user.id = 7 }").await.len(), 1);
    assert_eq!(with("{ $.level = W* || $.latency >= 900 }").await.len(), 2);
    assert_eq!(with("{ $.user NOT EXISTS }").await, [r#"{"level":"WARN","latency":120}"#]);

    let e = h.err("FilterLogEvents", json!({"logGroupName": "g", "filterPattern": "{ $.level = 1"})).await;
    assert_error(&e, "InvalidParameterException", "If a filter pattern starts with '{' it must end with '}'");
    let e = h.err("FilterLogEvents", json!({"logGroupName": "g", "filterPattern": "{ $.level > abc }"})).await;
    assert_error(&e, "InvalidParameterException", "Invalid filter pattern");
}

#[tokio::test]
async fn pages_forward_and_newest_first() {
    let h = Harness::new();
    setup(&h).await;
    let all = messages(&filter(&h, json!({})).await["events"]);
    for (start_from_head, expected) in [(true, all.clone()), (false, all.iter().rev().cloned().collect())] {
        let mut input = json!({"limit": 2, "startFromHead": start_from_head});
        let mut seen = Vec::new();
        let mut pages = 0;
        loop {
            let out = filter(&h, input.clone()).await;
            pages += 1;
            seen.extend(messages(&out["events"]));
            match out.get("nextToken") {
                // The token keeps the first request's direction even if startFromHead changes.
                Some(t) => {
                    input["nextToken"] = t.clone();
                    input["startFromHead"] = json!(!start_from_head);
                }
                None => break,
            }
            assert!(pages < 10);
        }
        assert_eq!(seen, expected, "startFromHead={start_from_head}");
        assert_eq!(pages, 4);
    }
    // Pages count matching events, not scanned ones.
    let out = filter(&h, json!({"filterPattern": "ERROR", "limit": 2})).await;
    assert_eq!(messages(&out["events"]).len(), 2);
    let rest = filter(&h, json!({"filterPattern": "ERROR", "limit": 2, "nextToken": out["nextToken"]})).await;
    assert_eq!(messages(&rest["events"]), [r#"{"level":"ERROR","latency":900,"user":{"id":7}}"#]);
    assert!(rest.get("nextToken").is_none());

    assert_error(
        &h.err("FilterLogEvents", json!({"logGroupName": "g", "nextToken": "invalid-token"})).await,
        "InvalidParameterException",
        "The specified nextToken is invalid.",
    );
    // Newest first needs a startTime on or after 2024 when one is given.
    let e = h
        .err("FilterLogEvents", json!({"logGroupName": "g", "startFromHead": false, "startTime": 1_600_000_000_000i64}))
        .await;
    assert_eq!(e.code, "InvalidParameterException");
}

#[tokio::test]
async fn by_identifier_and_missing_groups() {
    let h = Harness::new();
    setup(&h).await;
    let arn = format!("arn:aws:logs:{REGION}:{A}:log-group:g");
    let out = h.ok("FilterLogEvents", json!({"logGroupIdentifier": arn, "filterPattern": "DEBUG"})).await;
    assert_eq!(messages(&out["events"]), ["DEBUG noise"]);
    assert_error(
        &h.err("FilterLogEvents", json!({"logGroupName": "nope"})).await,
        "ResourceNotFoundException",
        "The specified log group does not exist.",
    );
    assert_error(
        &h.err("FilterLogEvents", json!({"logGroupName": "g", "logGroupIdentifier": "g"})).await,
        "ValidationException",
        "LogGroup name and LogGroup ARN are mutually exclusive parameters.",
    );
    // Account B reading account A's group by ARN needs a policy allowing it.
    let e = h.call_as(B, REGION, "FilterLogEvents", json!({"logGroupIdentifier": arn})).await.err();
    assert_eq!(e.map(|e| e.code), Some("AccessDeniedException".to_string()));
}

#[tokio::test]
async fn newest_first_within_a_time_range_across_pages() {
    let h = Harness::new();
    let t0 = setup(&h).await;
    let mut input = json!({"startFromHead": false, "startTime": t0 + 1000, "endTime": t0 + 5000, "limit": 2});
    let mut seen = Vec::new();
    loop {
        let out = filter(&h, input.clone()).await;
        seen.extend(out["events"].as_array().into_iter().flatten().map(|e| e["timestamp"].as_i64().unwrap_or(0) - t0));
        match out.get("nextToken") {
            Some(t) => input["nextToken"] = t.clone(),
            None => break,
        }
    }
    assert_eq!(seen, [5000, 4000, 3000, 2000, 1000]);
}
