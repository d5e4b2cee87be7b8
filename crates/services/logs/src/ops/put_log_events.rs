//! PutLogEvents: stores a chronological batch in a log stream. Events too far in the future, older than
//! 14 days or than the group's retention are left out and reported; a malformed batch fails whole.

use super::{Store, input, with_group, with_resource_policies, with_resource_tags};
use crate::errors;
use crate::names::own_group;
use sekisho_core::{AuthzRequest, AwsError, Check, OpContext, Output};
use serde::Deserialize;
use serde_json::{Map, Value, json};

/// Per-event overhead AWS adds to the message size when it measures a batch.
const EVENT_OVERHEAD: usize = 26;
const MAX_BATCH_BYTES: usize = 1_048_576;
/// Raised from 262,144 to 1 MiB in 2025; AWS counts the overhead in, as for batches. [inf]
const MAX_EVENT_BYTES: usize = 1_048_576;
const HOUR_MS: i64 = 3_600_000;
const DAY_MS: i64 = 24 * HOUR_MS;
const TOO_NEW_MS: i64 = 2 * HOUR_MS;
const TOO_OLD_MS: i64 = 14 * DAY_MS;
const MAX_SPAN_MS: i64 = DAY_MS;

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Input {
    log_group_name: String,
    log_stream_name: String,
    log_events: Vec<InputLogEvent>,
}

#[derive(Deserialize)]
struct InputLogEvent {
    timestamp: i64,
    message: String,
}

pub fn authorize(store: &Store, req: &AuthzRequest<'_>) -> Result<Vec<Check>, AwsError> {
    let i: Input = input(req.input)?;
    let g = own_group(req.caller, req.region, &i.log_group_name);
    let check = Check::new("logs:PutLogEvents", g.stream_arn(&i.log_stream_name));
    Ok(vec![with_resource_policies(store, req.caller, &g, with_resource_tags(store, &g, check))])
}

pub fn handle(store: &Store, ctx: &OpContext, value: &Value) -> Result<Output, AwsError> {
    let i: Input = input(value)?;
    let mut batch_bytes = 0;
    for e in &i.log_events {
        let size = e.message.len() + EVENT_OVERHEAD;
        if size > MAX_EVENT_BYTES {
            return Err(errors::invalid_parameter(format!(
                "Log event too large: {size} bytes exceeds limit of {MAX_EVENT_BYTES}"
            )));
        }
        batch_bytes += size;
    }
    if batch_bytes > MAX_BATCH_BYTES {
        return Err(errors::invalid_parameter(format!(
            "Upload too large: {batch_bytes} bytes exceeds limit of {MAX_BATCH_BYTES}"
        )));
    }
    if i.log_events.windows(2).any(|w| w[1].timestamp < w[0].timestamp) {
        return Err(errors::invalid_parameter(
            "Log events in a single PutLogEvents request must be in chronological order.",
        ));
    }
    let now = ctx.now_ms();
    let too_new = |ts: i64| ts > now + TOO_NEW_MS;
    let too_old = |ts: i64| ts < now - TOO_OLD_MS;
    let g = own_group(&ctx.caller, &ctx.region, &i.log_group_name);
    with_group(store, &g, |group| {
        if !group.streams.contains_key(&i.log_stream_name) {
            return Err(errors::stream_not_found());
        }
        let retention = group.retention_in_days;
        let expired = |ts: i64| retention.is_some_and(|d| ts < now - i64::from(d) * DAY_MS);
        // Events are sorted, so each kind of rejection is a prefix or a suffix of the batch.
        let last_index = |f: &dyn Fn(i64) -> bool| i.log_events.iter().rposition(|e| f(e.timestamp));
        let too_old_end = last_index(&too_old);
        let expired_end = last_index(&expired);
        let too_new_start = i.log_events.iter().position(|e| too_new(e.timestamp));
        let accepted: Vec<(i64, String)> = i
            .log_events
            .into_iter()
            .filter(|e| !too_new(e.timestamp) && !too_old(e.timestamp) && !expired(e.timestamp))
            .map(|e| (e.timestamp, e.message))
            .collect();
        // The span rule applies to the events that would be stored (documented for "valid events").
        // [inf: that expired events are left out of it too]
        if let (Some(first), Some(last)) = (accepted.first(), accepted.last())
            && last.0 - first.0 > MAX_SPAN_MS
        {
            return Err(errors::invalid_parameter(
                "The batch of log events in a single PutLogEvents request cannot span more than 24 hours.",
            ));
        }
        if !accepted.is_empty() {
            group.append(&i.log_stream_name, accepted, now);
        }
        let stream = group.streams.get(&i.log_stream_name).ok_or_else(errors::stream_not_found)?;
        let mut out = Map::new();
        out.insert("nextSequenceToken".into(), stream.sequence_token().into());
        let mut rejected = Map::new();
        if let Some(idx) = too_new_start {
            rejected.insert("tooNewLogEventStartIndex".into(), json!(idx));
        }
        if let Some(idx) = too_old_end {
            rejected.insert("tooOldLogEventEndIndex".into(), json!(idx));
        }
        if let Some(idx) = expired_end {
            rejected.insert("expiredLogEventEndIndex".into(), json!(idx));
        }
        if !rejected.is_empty() {
            out.insert("rejectedLogEventsInfo".into(), Value::Object(rejected));
        }
        Ok(Output::new(Value::Object(out)))
    })
}
