//! FilterLogEvents: the events of a log group's streams, interleaved by time, that match a filter pattern
//! in a time range; oldest first by default, newest first with `startFromHead` false.

use super::get_log_events::take_page;
use super::{Store, input, read_group, with_resource_tags};
use crate::errors;
use crate::event_id::EventKey;
use crate::filter_pattern::FilterPattern;
use crate::names::resolve_group;
use crate::paging::EventCursor;
use crate::state::StoredEvent;
use sekisho_core::{AuthzRequest, AwsError, Check, OpContext, Output};
use serde::Deserialize;
use serde_json::{Map, Value, json};
use std::cmp::Reverse;
use std::collections::BinaryHeap;

const DEFAULT_LIMIT: usize = 10_000;
/// Newest-first reading needs a startTime on or after 2024-01-01T00:00:00Z (documented).
const NEWEST_FIRST_SINCE_MS: i64 = 1_704_067_200_000;

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Input {
    log_group_name: Option<String>,
    log_group_identifier: Option<String>,
    log_stream_names: Option<Vec<String>>,
    log_stream_name_prefix: Option<String>,
    start_time: Option<i64>,
    end_time: Option<i64>,
    filter_pattern: Option<String>,
    next_token: Option<String>,
    limit: Option<usize>,
    start_from_head: Option<bool>,
}

pub fn authorize(store: &Store, req: &AuthzRequest<'_>) -> Result<Vec<Check>, AwsError> {
    let i: Input = input(req.input)?;
    let g = resolve_group(req.caller, req.region, i.log_group_name.as_deref(), i.log_group_identifier.as_deref())?;
    Ok(vec![with_resource_tags(store, &g, Check::new("logs:FilterLogEvents", g.authz_resource()))])
}

pub fn handle(store: &Store, ctx: &OpContext, value: &Value) -> Result<Output, AwsError> {
    let i: Input = input(value)?;
    let g = resolve_group(&ctx.caller, &ctx.region, i.log_group_name.as_deref(), i.log_group_identifier.as_deref())?;
    if i.log_stream_names.is_some() && i.log_stream_name_prefix.is_some() {
        // Documented as an InvalidParameterException. [inf: message]
        return Err(errors::invalid_parameter(
            "logStreamNames and logStreamNamePrefix are mutually exclusive parameters.",
        ));
    }
    if i.start_from_head == Some(false) && i.start_time.is_some_and(|t| t < NEWEST_FIRST_SINCE_MS) {
        // [inf: message]
        return Err(errors::invalid_parameter(
            "startFromHead=false is supported only when startTime is on or after 1704067200000 (2024-01-01T00:00:00Z).",
        ));
    }
    let pattern = FilterPattern::parse(i.filter_pattern.as_deref().unwrap_or(""))?;
    // A token keeps the direction of the first request.
    let cursor = match i.next_token.as_deref() {
        Some(t) => EventCursor::parse_filter_token(t)?,
        None if i.start_from_head.unwrap_or(true) => EventCursor::Forward(EventKey::ZERO),
        None => EventCursor::Backward(EventKey { timestamp: i64::MAX, seq: u64::MAX }),
    };
    let limit = i.limit.unwrap_or(DEFAULT_LIMIT).max(1);
    read_group(store, &g, |group| {
        let selected = group.streams.values().filter(|s| {
            i.log_stream_names.as_ref().is_none_or(|names| names.contains(&s.name))
                && i.log_stream_name_prefix.as_ref().is_none_or(|p| s.name.starts_with(p.as_str()))
        });
        // Both ends of the time range are inclusive here (documented), unlike GetLogEvents. Each stream is
        // sorted, so its part in range and past the cursor is a slice.
        let slices = selected.map(|s| {
            let ev = &s.events[..];
            let mut lo = i.start_time.map_or(0, |t| ev.partition_point(|e| e.key.timestamp < t));
            let mut hi = i.end_time.map_or(ev.len(), |t| ev.partition_point(|e| e.key.timestamp <= t));
            match cursor {
                EventCursor::Forward(from) => lo = lo.max(ev.partition_point(|e| e.key < from)),
                EventCursor::Backward(before) => hi = hi.min(ev.partition_point(|e| e.key < before)),
            }
            (s.name.as_str(), ev.get(lo..hi).unwrap_or(&[]))
        });
        let candidates = Interleave::new(slices.collect(), matches!(cursor, EventCursor::Forward(_)));
        let matching = candidates.filter(|(e, _)| pattern.matches(&e.message));
        let (page, more) = take_page(matching, limit, |(e, _)| e);
        let events: Vec<Value> = page
            .iter()
            .map(|(e, stream)| {
                json!({
                    "logStreamName": stream,
                    "timestamp": e.key.timestamp,
                    "message": e.message,
                    "ingestionTime": e.ingestion_time,
                    "eventId": e.key.to_decimal(),
                })
            })
            .collect();
        let mut out = Map::new();
        out.insert("events".into(), Value::Array(events));
        // Deprecated: always an empty list (documented).
        out.insert("searchedLogStreams".into(), json!([]));
        if let (true, Some((last, _))) = (more, page.last()) {
            let next = match cursor {
                EventCursor::Forward(_) => EventCursor::Forward(last.key.successor()),
                EventCursor::Backward(_) => EventCursor::Backward(last.key),
            };
            out.insert("nextToken".into(), next.filter_token().into());
        }
        Ok(Output::new(Value::Object(out)))
    })
}

/// Merges sorted streams into one sequence by event key, oldest first or newest first, lazily: a page
/// costs about its own length, not the size of the group.
struct Interleave<'a> {
    streams: Vec<(&'a str, &'a [StoredEvent])>,
    /// The next event of each stream that has one, best first.
    heap: BinaryHeap<(Priority, usize)>,
    forward: bool,
}

/// Heap order for one direction (a heap only ever holds one variant): the oldest key first going
/// forward, the newest first going back.
#[derive(PartialEq, Eq, PartialOrd, Ord)]
enum Priority {
    Oldest(Reverse<EventKey>),
    Newest(EventKey),
}

impl<'a> Interleave<'a> {
    fn new(streams: Vec<(&'a str, &'a [StoredEvent])>, forward: bool) -> Self {
        let mut me = Interleave { streams, heap: BinaryHeap::new(), forward };
        for idx in 0..me.streams.len() {
            me.queue(idx);
        }
        me
    }

    fn queue(&mut self, idx: usize) {
        let (_, events) = self.streams[idx];
        let next = if self.forward { events.first() } else { events.last() };
        if let Some(e) = next {
            let p = if self.forward { Priority::Oldest(Reverse(e.key)) } else { Priority::Newest(e.key) };
            self.heap.push((p, idx));
        }
    }
}

impl<'a> Iterator for Interleave<'a> {
    type Item = (&'a StoredEvent, &'a str);

    fn next(&mut self) -> Option<Self::Item> {
        let (_, idx) = self.heap.pop()?;
        let (name, events) = self.streams[idx];
        let (event, rest) = if self.forward { events.split_first()? } else { events.split_last()? };
        self.streams[idx] = (name, rest);
        self.queue(idx);
        Some((event, name))
    }
}
