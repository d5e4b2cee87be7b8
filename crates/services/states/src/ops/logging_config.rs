//! `loggingConfiguration` of CreateStateMachine and UpdateStateMachine: its shape rules (exactly one
//! destination unless OFF, `:*` qualifier) and the destination check made as the execution role.

use crate::errors;
use crate::run::logging::GroupArn;
use crate::state::LoggingConfiguration;
use sekisho_core::{AwsError, Call, Caller, Check, Door};
use serde_json::{Value, json};

/// Reads and checks the configuration's shape; `None` input means "not given".
pub fn parse(value: Option<&Value>) -> Result<Option<LoggingConfiguration>, AwsError> {
    let Some(v) = value else { return Ok(None) };
    let level = v.get("level").and_then(Value::as_str).unwrap_or("OFF").to_string();
    let include_execution_data = v.get("includeExecutionData").and_then(Value::as_bool).unwrap_or(false);
    let destinations = match v.get("destinations") {
        None | Some(Value::Null) => None,
        Some(Value::Array(list)) => Some(
            list.iter()
                .map(|d| d.pointer("/cloudWatchLogsLogGroup/logGroupArn").and_then(Value::as_str).map(str::to_string))
                .collect::<Option<Vec<String>>>()
                .ok_or_else(|| errors::invalid_logging("Must specify exactly one Log Destination."))?,
        ),
        Some(_) => return Err(errors::malformed("destinations must be a list")),
    };
    let count = destinations.as_ref().map_or(0, Vec::len);
    if count > 1 || (level != "OFF" && count != 1) {
        return Err(errors::invalid_logging("Must specify exactly one Log Destination."));
    }
    if let Some(arn) = destinations.as_ref().and_then(|d| d.first()) {
        if !arn.ends_with(":*") {
            return Err(errors::invalid_logging("Log Group ARN must be provided with '*' qualifier."));
        }
        if GroupArn::parse(arn).is_none() {
            // [inf]
            return Err(errors::invalid_logging("Log Destination not found."));
        }
    }
    Ok(Some(LoggingConfiguration { level, include_execution_data, destinations }))
}

/// The destination must exist and the execution role must be able to deliver to it. Made as the execution
/// role's session (`role`), through the door, so the role's own policies decide.
pub async fn check_destination(
    door: &Door,
    role: &Caller,
    config: &LoggingConfiguration,
    parent: &str,
) -> Result<(), AwsError> {
    let Some(arn) = config.destinations.as_ref().and_then(|d| d.first()) else { return Ok(()) };
    let Some(group) = GroupArn::parse(arn) else {
        return Err(errors::invalid_logging("Log Destination not found."));
    };
    let checks = [
        Check::new("logs:CreateLogDelivery", "*"),
        Check::new("logs:CreateLogStream", group.stream_arn("*")),
        Check::new("logs:PutLogEvents", group.stream_arn("*")),
    ];
    door.check(role, &checks, ("logs", "CreateLogDelivery"), &group.region, Some(parent))
        .map_err(|_| errors::log_destination_denied())?;
    let call =
        Call::new("logs", "DescribeLogGroups", json!({"logGroupNamePrefix": group.name}), &group.region).parent(parent);
    let found = match door.call(role, call).await {
        Ok(out) => out.body["logGroups"]
            .as_array()
            .is_some_and(|groups| groups.iter().any(|g| g["logGroupName"].as_str() == Some(group.name.as_str()))),
        Err(e) if e.code.contains("AccessDenied") => return Err(errors::log_destination_denied()),
        Err(_) => false,
    };
    if !found {
        return Err(errors::invalid_logging("Log Destination not found."));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    const GROUP: &str = "arn:aws:logs:us-east-1:111111111111:log-group:/aws/vendedlogs/states/x:*";

    #[test]
    fn shapes_aws_accepts() {
        assert_eq!(parse(None).unwrap(), None);
        let off = parse(Some(&json!({}))).unwrap().unwrap();
        assert_eq!(off.to_json(), json!({"level": "OFF", "includeExecutionData": false}));
        let empty = parse(Some(&json!({"destinations": []}))).unwrap().unwrap();
        assert_eq!(empty.to_json()["destinations"], json!([]));
        let all = json!({"level": "ALL", "includeExecutionData": true,
                         "destinations": [{"cloudWatchLogsLogGroup": {"logGroupArn": GROUP}}]});
        let cfg = parse(Some(&all)).unwrap().unwrap();
        assert_eq!(cfg.destination(), Some(GROUP));
        assert_eq!(cfg.to_json(), all);
    }

    #[test]
    fn shapes_aws_refuses() {
        let one = "Invalid Logging Configuration: Must specify exactly one Log Destination.";
        for bad in [json!({"level": "ALL"}), json!({"level": "ERROR", "destinations": []})] {
            let e = parse(Some(&bad)).unwrap_err();
            assert_eq!((e.code.as_str(), e.message.as_str()), ("InvalidLoggingConfiguration", one));
        }
        let d = |arn: &str| json!({"cloudWatchLogsLogGroup": {"logGroupArn": arn}});
        let two = json!({"level": "ALL", "destinations": [d(GROUP), d(GROUP)]});
        assert_eq!(parse(Some(&two)).unwrap_err().message, one);
        let unqualified = json!({"level": "ALL", "destinations": [d(GROUP.trim_end_matches(":*"))]});
        assert_eq!(
            parse(Some(&unqualified)).unwrap_err().message,
            "Invalid Logging Configuration: Log Group ARN must be provided with '*' qualifier."
        );
    }
}
