//! GetLogEvents: a page of one stream's events in a time range, from the head or the tail, with forward
//! (`f/...`) and backward (`b/...`) tokens; at the end of the stream the token passed in comes back unchanged.

use super::{Store, input, read_group, with_resource_tags};
use crate::errors;
use crate::event_id::EventKey;
use crate::names::resolve_group;
use crate::paging::EventCursor;
use crate::state::StoredEvent;
use sekisho_core::{AuthzRequest, AwsError, Check, OpContext, Output};
use serde::Deserialize;
use serde_json::{Value, json};

const DEFAULT_LIMIT: usize = 10_000;
/// A page holds at most 1 MB of events (documented), counted as PutLogEvents counts them.
pub const PAGE_BYTES: usize = 1_048_576;
pub const EVENT_OVERHEAD: usize = 26;

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Input {
    log_group_name: Option<String>,
    log_group_identifier: Option<String>,
    log_stream_name: String,
    start_time: Option<i64>,
    end_time: Option<i64>,
    next_token: Option<String>,
    limit: Option<usize>,
    start_from_head: Option<bool>,
}

pub fn authorize(store: &Store, req: &AuthzRequest<'_>) -> Result<Vec<Check>, AwsError> {
    let i: Input = input(req.input)?;
    let g = resolve_group(req.caller, req.region, i.log_group_name.as_deref(), i.log_group_identifier.as_deref())?;
    Ok(vec![with_resource_tags(store, &g, Check::new("logs:GetLogEvents", g.stream_arn(&i.log_stream_name)))])
}

pub fn handle(store: &Store, ctx: &OpContext, value: &Value) -> Result<Output, AwsError> {
    let i: Input = input(value)?;
    let g = resolve_group(&ctx.caller, &ctx.region, i.log_group_name.as_deref(), i.log_group_identifier.as_deref())?;
    let cursor = i.next_token.as_deref().map(EventCursor::parse_stream_token).transpose()?;
    let limit = i.limit.unwrap_or(DEFAULT_LIMIT).max(1);
    read_group(store, &g, |group| {
        let stream = group.streams.get(&i.log_stream_name).ok_or_else(errors::stream_not_found)?;
        // startTime is inclusive, endTime exclusive (documented).
        let in_range = |e: &&StoredEvent| {
            i.start_time.is_none_or(|s| e.key.timestamp >= s) && i.end_time.is_none_or(|t| e.key.timestamp < t)
        };
        // Where reading starts when no token says: the head, or just past the newest event (the default).
        let cursor = cursor.unwrap_or(if i.start_from_head.unwrap_or(false) {
            EventCursor::Forward(EventKey::ZERO)
        } else {
            EventCursor::Backward(stream.events.last().map_or(EventKey::ZERO, |e| e.key.successor()))
        });
        let page: Vec<&StoredEvent> = match cursor {
            EventCursor::Forward(from) => {
                let start = stream.events.partition_point(|e| e.key < from);
                take_page(stream.events[start..].iter().filter(in_range), limit, |e| e).0
            }
            EventCursor::Backward(before) => {
                let end = stream.events.partition_point(|e| e.key < before);
                let (mut page, _) = take_page(stream.events[..end].iter().rev().filter(in_range), limit, |e| e);
                page.reverse();
                page
            }
        };
        let (forward, backward) = match (page.first(), page.last()) {
            (Some(first), Some(last)) => (EventCursor::Forward(last.key.successor()), EventCursor::Backward(first.key)),
            // Nothing more this way: both tokens stay where reading stood, so the one passed comes back.
            _ => {
                let at = match cursor {
                    EventCursor::Forward(k) | EventCursor::Backward(k) => k,
                };
                (EventCursor::Forward(at), EventCursor::Backward(at))
            }
        };
        let events: Vec<Value> = page
            .iter()
            .map(|e| json!({ "timestamp": e.key.timestamp, "message": e.message, "ingestionTime": e.ingestion_time }))
            .collect();
        Ok(Output::new(json!({
            "events": events,
            "nextForwardToken": forward.stream_token(),
            "nextBackwardToken": backward.stream_token(),
        })))
    })
}

/// Up to `limit` events and at most a page's bytes (always at least one event if there is one), and whether
/// any event is left after them.
pub fn take_page<T>(
    events: impl Iterator<Item = T>,
    limit: usize,
    event: impl Fn(&T) -> &StoredEvent,
) -> (Vec<T>, bool) {
    let mut events = events.peekable();
    let mut bytes = 0;
    let mut page = Vec::new();
    while page.len() < limit {
        let Some(next) = events.peek() else { break };
        bytes += event(next).message.len() + EVENT_OVERHEAD;
        if bytes > PAGE_BYTES && !page.is_empty() {
            break;
        }
        page.extend(events.next());
    }
    let more = events.peek().is_some();
    (page, more)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event(seq: u64, size: usize) -> StoredEvent {
        StoredEvent { key: EventKey { timestamp: 1, seq }, ingestion_time: 1, message: "x".repeat(size) }
    }

    #[test]
    fn pages_stop_at_the_limit_or_a_megabyte_and_tell_what_is_left() {
        let small: Vec<StoredEvent> = (0..5).map(|n| event(n, 10)).collect();
        let (page, more) = take_page(small.iter(), 3, |e| e);
        assert_eq!((page.len(), more), (3, true));
        let (page, more) = take_page(small.iter(), 5, |e| e);
        assert_eq!((page.len(), more), (5, false));

        let big: Vec<StoredEvent> = (0..3).map(|n| event(n, 400_000)).collect();
        let (page, more) = take_page(big.iter(), 10, |e| e);
        assert_eq!((page.len(), more), (2, true), "a third 400 KB event would pass 1 MB");
        let huge = [event(0, PAGE_BYTES)];
        assert_eq!(take_page(huge.iter(), 10, |e| e).0.len(), 1, "one event always fits");
    }
}
