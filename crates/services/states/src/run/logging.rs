//! Execution logs in CloudWatch Logs: which history events a level lets through (SFN-16), the record AWS
//! writes for each (SFN-17), the stream name, and delivery through the door as the execution role.

use sekisho_asl::history::HistoryEvent;
use sekisho_core::{Call, Caller, Door};
use serde_json::{Map, Value, json};

/// A log group ARN as Step Functions takes it: `arn:aws:logs:<region>:<account>:log-group:<name>:*`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GroupArn {
    pub region: String,
    pub account: String,
    pub name: String,
}

impl GroupArn {
    pub fn parse(arn: &str) -> Option<GroupArn> {
        let rest = arn.strip_prefix("arn:")?;
        let mut parts = rest.splitn(5, ':');
        let (_partition, service, region, account, resource) =
            (parts.next()?, parts.next()?, parts.next()?, parts.next()?, parts.next()?);
        if service != "logs" || region.is_empty() || account.is_empty() {
            return None;
        }
        let name = resource.strip_prefix("log-group:")?;
        let name = name.strip_suffix(":*").unwrap_or(name);
        (!name.is_empty()).then(|| GroupArn {
            region: region.to_string(),
            account: account.to_string(),
            name: name.to_string(),
        })
    }

    pub fn stream_arn(&self, stream: &str) -> String {
        format!("arn:aws:logs:{}:{}:log-group:{}:log-stream:{stream}", self.region, self.account, self.name)
    }
}

/// Whether a level logs an event type (SFN-16).
pub fn level_includes(level: &str, kind: &str) -> bool {
    match level {
        "ALL" => true,
        "FATAL" => matches!(kind, "ExecutionAborted" | "ExecutionFailed" | "ExecutionTimedOut"),
        "ERROR" => {
            matches!(
                kind,
                "ExecutionAborted"
                    | "ExecutionFailed"
                    | "ExecutionTimedOut"
                    | "FailStateEntered"
                    | "TaskFailed"
                    | "TaskStartFailed"
                    | "TaskSubmitFailed"
                    | "TaskTimedOut"
                    | "TaskStateAborted"
                    | "LambdaFunctionFailed"
                    | "LambdaFunctionScheduleFailed"
                    | "LambdaFunctionStartFailed"
                    | "LambdaFunctionTimedOut"
                    | "ActivityFailed"
                    | "ActivityScheduleFailed"
                    | "ActivityTimedOut"
                    | "WaitStateAborted"
                    | "EvaluationFailed"
            ) || (kind.starts_with("Map") || kind.starts_with("Parallel"))
                && (kind.ends_with("Failed") || kind.ends_with("Aborted"))
        }
        _ => false,
    }
}

/// Detail members that carry execution data, left out unless `includeExecutionData` is set.
const DATA_MEMBERS: &[&str] = &["input", "inputDetails", "output", "outputDetails", "parameters", "assignedVariables"];

/// One log record, all scalar top-level values as strings, in AWS's member order.
pub fn record(event: &HistoryEvent, execution_arn: &str, include_data: bool, redrive_count: u32) -> String {
    let mut details = match event.detail() {
        Some(Value::Object(m)) => m,
        _ => Map::new(),
    };
    if !include_data {
        details.retain(|k, _| !DATA_MEMBERS.contains(&k.as_str()) && k != "assignedVariablesDetails");
    }
    json!({
        "id": event.id.to_string(),
        "type": event.kind,
        "details": details,
        "previous_event_id": event.previous_event_id.to_string(),
        "event_timestamp": event.timestamp_ms.to_string(),
        "execution_arn": execution_arn,
        "redrive_count": redrive_count.to_string(),
    })
    .to_string()
}

/// `states/<state machine>/<yyyy-mm-dd-HH-MM>/<8 hex>` [inf].
pub fn stream_name(state_machine_name: &str, start_ms: i64, suffix: &str) -> String {
    let iso = sekisho_core::clock::iso8601(start_ms.div_euclid(1000));
    // 2024-01-02T03:04:05Z -> 2024-01-02-03-04
    let minute = format!("{}-{}-{}", &iso[0..10], &iso[11..13], &iso[14..16]);
    format!("states/{state_machine_name}/{minute}/{suffix}")
}

/// Writes records to the group: the stream first when it is new. Delivery failures do not touch the
/// execution (AWS keeps running an execution whose log group was deleted); the door records them.
pub async fn deliver(
    door: &Door,
    caller: &Caller,
    group: &GroupArn,
    stream: &str,
    create_stream: bool,
    records: Vec<(i64, String)>,
    parent: &str,
) {
    if create_stream {
        let input = json!({"logGroupName": group.name, "logStreamName": stream});
        let call = Call::new("logs", "CreateLogStream", input, &group.region).parent(parent);
        if door.call(caller, call).await.is_err() {
            return;
        }
    }
    // PutLogEvents takes at most 10,000 events a call.
    for chunk in records.chunks(10_000) {
        let events: Vec<Value> = chunk.iter().map(|(t, m)| json!({"timestamp": t, "message": m})).collect();
        let input = json!({"logGroupName": group.name, "logStreamName": stream, "logEvents": events});
        let call = Call::new("logs", "PutLogEvents", input, &group.region).parent(parent);
        if door.call(caller, call).await.is_err() {
            return;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event(kind: &str, details: Value) -> HistoryEvent {
        HistoryEvent::new(3, 2, 1_700_000_000_123, kind, &details)
    }

    #[test]
    fn records_as_aws_writes_them() {
        let e = event(
            "PassStateExited",
            json!({"stateExitedEventDetails": {"name": "S", "output": "{\"a\":1}", "outputDetails": {"truncated": false}}}),
        );
        let arn = "arn:aws:states:us-east-1:111111111111:execution:m:e";
        assert_eq!(
            record(&e, arn, false, 0),
            format!(
                r#"{{"id":"3","type":"PassStateExited","details":{{"name":"S"}},"previous_event_id":"2","event_timestamp":"1700000000123","execution_arn":"{arn}","redrive_count":"0"}}"#
            )
        );
        let with: Value = serde_json::from_str(&record(&e, arn, true, 0)).unwrap();
        assert_eq!(with["details"]["output"], json!("{\"a\":1}"));
        let failed = event("ExecutionFailed", json!({"executionFailedEventDetails": {"error": "E", "cause": "C"}}));
        let v: Value = serde_json::from_str(&record(&failed, arn, false, 0)).unwrap();
        assert_eq!(v["details"], json!({"error": "E", "cause": "C"}));
    }

    #[test]
    fn levels() {
        assert!(level_includes("ALL", "PassStateEntered"));
        assert!(!level_includes("ERROR", "PassStateEntered"));
        assert!(level_includes("ERROR", "FailStateEntered") && level_includes("ERROR", "MapIterationFailed"));
        assert!(level_includes("FATAL", "ExecutionFailed") && !level_includes("FATAL", "FailStateEntered"));
        assert!(!level_includes("OFF", "ExecutionFailed"));
    }

    #[test]
    fn group_arns_and_streams() {
        let g = GroupArn::parse("arn:aws:logs:ap-northeast-1:111111111111:log-group:/aws/stepfunctions/x:*").unwrap();
        assert_eq!((g.region.as_str(), g.name.as_str()), ("ap-northeast-1", "/aws/stepfunctions/x"));
        assert_eq!(
            g.stream_arn("s"),
            "arn:aws:logs:ap-northeast-1:111111111111:log-group:/aws/stepfunctions/x:log-stream:s"
        );
        assert!(GroupArn::parse("arn:aws:s3:::bucket").is_none());
        assert_eq!(stream_name("m", 1_440_938_160_123, "0a1b2c3d"), "states/m/2015-08-30-12-36/0a1b2c3d");
    }
}
