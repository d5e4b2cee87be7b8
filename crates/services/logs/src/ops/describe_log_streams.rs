//! DescribeLogStreams: a log group's streams ordered by name or by last event time, ascending or
//! descending, filtered by name prefix, a page at a time.

use super::{Store, input, read_group, with_resource_tags};
use crate::errors;
use crate::names::{GroupRef, resolve_group};
use crate::paging;
use crate::state::LogStream;
use sekisho_core::{AuthzRequest, AwsError, Check, OpContext, Output};
use serde::Deserialize;
use serde_json::{Map, Value, json};

const DEFAULT_LIMIT: usize = 50;

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Input {
    log_group_name: Option<String>,
    log_group_identifier: Option<String>,
    log_stream_name_prefix: Option<String>,
    order_by: Option<String>,
    #[serde(default)]
    descending: bool,
    next_token: Option<String>,
    limit: Option<usize>,
}

pub fn authorize(store: &Store, req: &AuthzRequest<'_>) -> Result<Vec<Check>, AwsError> {
    let i: Input = input(req.input)?;
    let g = resolve_group(req.caller, req.region, i.log_group_name.as_deref(), i.log_group_identifier.as_deref())?;
    Ok(vec![with_resource_tags(store, &g, Check::new("logs:DescribeLogStreams", g.authz_resource()))])
}

pub fn handle(store: &Store, ctx: &OpContext, value: &Value) -> Result<Output, AwsError> {
    let i: Input = input(value)?;
    let g = resolve_group(&ctx.caller, &ctx.region, i.log_group_name.as_deref(), i.log_group_identifier.as_deref())?;
    let by_time = i.order_by.as_deref() == Some("LastEventTime");
    if by_time && i.log_stream_name_prefix.is_some() {
        return Err(errors::invalid_parameter("Cannot order by LastEventTime with a logStreamNamePrefix."));
    }
    let after = i.next_token.as_deref().map(|t| parse_cursor(&paging::decode(t)?)).transpose()?;
    let limit = i.limit.unwrap_or(DEFAULT_LIMIT).max(1);
    let key = |s: &LogStream| (if by_time { s.last_event_timestamp().unwrap_or(0) } else { 0 }, s.name.clone());
    read_group(store, &g, |group| {
        let mut streams: Vec<(SortKey, &LogStream)> = group
            .streams
            .values()
            .filter(|s| i.log_stream_name_prefix.as_ref().is_none_or(|p| s.name.starts_with(p.as_str())))
            .map(|s| (key(s), s))
            .collect();
        streams.sort_by(|a, b| a.0.cmp(&b.0));
        if i.descending {
            streams.reverse();
        }
        let mut rest = streams.into_iter().filter(|(k, _)| match &after {
            None => true,
            Some(a) if i.descending => k < a,
            Some(a) => k > a,
        });
        let page: Vec<(SortKey, &LogStream)> = rest.by_ref().take(limit).collect();
        let mut out = Map::new();
        out.insert("logStreams".into(), page.iter().map(|(_, s)| stream_json(&g, s)).collect());
        if let (Some((last, _)), Some(_)) = (page.last(), rest.next()) {
            out.insert("nextToken".into(), paging::encode(&format!("{}:{}", last.0, last.1)).into());
        }
        Ok(Output::new(Value::Object(out)))
    })
}

/// (last event time, or 0 when ordering by name; name). Stream names cannot contain `:`.
type SortKey = (i64, String);

fn parse_cursor(cursor: &str) -> Result<SortKey, AwsError> {
    let (ts, name) = cursor.split_once(':').ok_or_else(errors::invalid_next_token)?;
    Ok((ts.parse().map_err(|_| errors::invalid_next_token())?, name.to_string()))
}

/// A `LogStream` as AWS prints it; the event members appear once the stream has events.
fn stream_json(g: &GroupRef, s: &LogStream) -> Value {
    let mut v = json!({
        "logStreamName": s.name,
        "creationTime": s.creation_time,
        "arn": g.stream_arn(&s.name),
        // Documented: always zero for log streams since 2019.
        "storedBytes": 0,
    });
    let o = v.as_object_mut().expect("built as an object above");
    if let (Some(first), Some(last)) = (s.first_event_timestamp(), s.last_event_timestamp()) {
        o.insert("firstEventTimestamp".into(), first.into());
        o.insert("lastEventTimestamp".into(), last.into());
    }
    if let Some(t) = s.last_ingestion_time {
        o.insert("lastIngestionTime".into(), t.into());
        o.insert("uploadSequenceToken".into(), s.sequence_token().into());
    }
    v
}
