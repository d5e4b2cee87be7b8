//! GetExecutionHistory events as AWS shapes them: type, id, previousEventId and one details member.
//! Payloads (`input`, `output`, `parameters`) are JSON text with `*Details.truncated` flags.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};

use crate::json::to_text;

/// AWS's per-payload limit (256 KiB); longer payloads are cut and flagged `truncated`.
pub const PAYLOAD_LIMIT: usize = 262_144;

/// One history event.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HistoryEvent {
    pub id: u64,
    pub previous_event_id: u64,
    pub timestamp_ms: i64,
    /// The event type (`PassStateEntered`, `TaskScheduled`, ...).
    pub kind: String,
    /// `{"<member>EventDetails": {...}}`, or `{}` for events without details, as compact JSON text: a long
    /// history is mostly these, and text takes a fraction of the memory of a parsed value (a Map over
    /// 10,000 items keeps 40,000 events for as long as the execution is kept).
    details: Box<str>,
}

impl HistoryEvent {
    /// `details` is `{"<member>EventDetails": {...}}` or `{}`.
    pub fn new(id: u64, previous_event_id: u64, timestamp_ms: i64, kind: &str, details: &Value) -> Self {
        HistoryEvent {
            id,
            previous_event_id,
            timestamp_ms,
            kind: kind.to_string(),
            details: details.to_string().into_boxed_str(),
        }
    }

    /// `{"<member>EventDetails": {...}}`, or `{}` for events without details.
    pub fn details(&self) -> Value {
        serde_json::from_str(&self.details).unwrap_or_else(|_| Value::Object(Map::new()))
    }

    /// The event as the GetExecutionHistory API returns it (timestamp left to the caller).
    pub fn to_api_json(&self) -> Value {
        let mut map = Map::new();
        map.insert("id".into(), json!(self.id));
        map.insert("previousEventId".into(), json!(self.previous_event_id));
        map.insert("type".into(), json!(self.kind));
        if let Value::Object(details) = self.details() {
            map.extend(details);
        }
        Value::Object(map)
    }

    /// The details member, whatever its name.
    pub fn detail(&self) -> Option<Value> {
        match self.details() {
            Value::Object(m) => m.into_iter().next().map(|(_, v)| v),
            _ => None,
        }
    }
}

/// A payload as history shows it: text plus its truncation flag.
pub fn payload(value: &Value) -> (Value, Value) {
    payload_text(to_text(value))
}

/// A payload already in text form, cut to the history's payload limit.
pub fn payload_text(mut text: String) -> (Value, Value) {
    let truncated = text.len() > PAYLOAD_LIMIT;
    if truncated {
        let mut cut = PAYLOAD_LIMIT;
        while !text.is_char_boundary(cut) {
            cut -= 1;
        }
        text.truncate(cut);
    }
    (Value::String(text), json!({ "truncated": truncated }))
}

/// The member name that holds a type's details (`TaskStateEntered` -> `stateEnteredEventDetails`).
pub fn details_member(kind: &str) -> Option<&'static str> {
    if kind.ends_with("StateEntered") {
        return Some("stateEnteredEventDetails");
    }
    if kind.ends_with("StateExited") {
        return Some("stateExitedEventDetails");
    }
    Some(match kind {
        "ExecutionStarted" => "executionStartedEventDetails",
        "ExecutionSucceeded" => "executionSucceededEventDetails",
        "ExecutionFailed" => "executionFailedEventDetails",
        "ExecutionAborted" => "executionAbortedEventDetails",
        "ExecutionTimedOut" => "executionTimedOutEventDetails",
        "TaskScheduled" => "taskScheduledEventDetails",
        "TaskStarted" => "taskStartedEventDetails",
        "TaskSubmitted" => "taskSubmittedEventDetails",
        "TaskSucceeded" => "taskSucceededEventDetails",
        "TaskFailed" => "taskFailedEventDetails",
        "TaskTimedOut" => "taskTimedOutEventDetails",
        "TaskStartFailed" => "taskStartFailedEventDetails",
        "TaskSubmitFailed" => "taskSubmitFailedEventDetails",
        "LambdaFunctionScheduled" => "lambdaFunctionScheduledEventDetails",
        "LambdaFunctionSucceeded" => "lambdaFunctionSucceededEventDetails",
        "LambdaFunctionFailed" => "lambdaFunctionFailedEventDetails",
        "LambdaFunctionTimedOut" => "lambdaFunctionTimedOutEventDetails",
        "LambdaFunctionScheduleFailed" => "lambdaFunctionScheduleFailedEventDetails",
        "LambdaFunctionStartFailed" => "lambdaFunctionStartFailedEventDetails",
        "ActivityScheduled" => "activityScheduledEventDetails",
        "ActivityStarted" => "activityStartedEventDetails",
        "ActivitySucceeded" => "activitySucceededEventDetails",
        "ActivityFailed" => "activityFailedEventDetails",
        "ActivityTimedOut" => "activityTimedOutEventDetails",
        "ActivityScheduleFailed" => "activityScheduleFailedEventDetails",
        "MapStateStarted" => "mapStateStartedEventDetails",
        "MapIterationStarted" => "mapIterationStartedEventDetails",
        "MapIterationSucceeded" => "mapIterationSucceededEventDetails",
        "MapIterationFailed" => "mapIterationFailedEventDetails",
        "MapIterationAborted" => "mapIterationAbortedEventDetails",
        "MapRunStarted" => "mapRunStartedEventDetails",
        "MapRunFailed" => "mapRunFailedEventDetails",
        "MapRunRedriven" => "mapRunRedrivenEventDetails",
        "EvaluationFailed" => "evaluationFailedEventDetails",
        "ExecutionRedriven" => "executionRedrivenEventDetails",
        _ => return None,
    })
}

/// Builds the details value for `kind` from a details object (empty objects stay absent).
pub fn details(kind: &str, body: Option<Value>) -> Value {
    match (details_member(kind), body) {
        (Some(member), Some(body)) => json!({ member: body }),
        _ => json!({}),
    }
}

/// `{error?, cause?}` for the failure-shaped details; absent parts are left out, as AWS does.
pub fn error_cause(error: Option<&str>, cause: Option<&str>) -> Map<String, Value> {
    let mut map = Map::new();
    if let Some(e) = error {
        map.insert("error".into(), json!(e));
    }
    if let Some(c) = cause {
        map.insert("cause".into(), json!(c));
    }
    map
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn member_names_follow_aws() {
        assert_eq!(details_member("PassStateEntered"), Some("stateEnteredEventDetails"));
        assert_eq!(details_member("MapStateExited"), Some("stateExitedEventDetails"));
        assert_eq!(details_member("TaskScheduled"), Some("taskScheduledEventDetails"));
        assert_eq!(details_member("ParallelStateStarted"), None);
    }

    #[test]
    fn payloads_are_text_with_flags() {
        let (text, flag) = payload(&json!({"a": [1, 2]}));
        assert_eq!(text, json!("{\"a\":[1,2]}"));
        assert_eq!(flag, json!({"truncated": false}));
        let big = Value::String("x".repeat(PAYLOAD_LIMIT + 10));
        let (text, flag) = payload(&big);
        assert_eq!(text.as_str().unwrap().len(), PAYLOAD_LIMIT);
        assert_eq!(flag, json!({"truncated": true}));
    }

    #[test]
    fn api_json_flattens_details() {
        let e =
            HistoryEvent::new(2, 0, 0, "PassStateEntered", &details("PassStateEntered", Some(json!({"name": "S"}))));
        assert_eq!(
            e.to_api_json(),
            json!({"id": 2, "previousEventId": 0, "type": "PassStateEntered", "stateEnteredEventDetails": {"name": "S"}})
        );
    }
}
