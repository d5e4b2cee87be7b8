//! ValidateStateMachineDefinition: the engine's diagnostics for a definition, errors first, filtered by
//! severity and cut at `maxResults`.

use super::create_state_machine::parse_type;
use super::{input, star};
use crate::Shared;
use sekisho_asl::definition::{Severity, StateMachine};
use sekisho_core::{AuthzRequest, AwsError, Check, OpContext, Output};
use serde::Deserialize;
use serde_json::{Value, json};
use std::sync::Arc;

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Input {
    definition: String,
    #[serde(rename = "type")]
    kind: Option<String>,
    severity: Option<String>,
    max_results: Option<i64>,
}

pub fn authorize(_shared: &Shared, _req: &AuthzRequest<'_>) -> Result<Vec<Check>, AwsError> {
    star("states:ValidateStateMachineDefinition")
}

pub async fn handle(_shared: &Arc<Shared>, _ctx: OpContext, value: Value) -> Result<Output, AwsError> {
    let i: Input = input(&value)?;
    let mut diagnostics = StateMachine::validate(&i.definition, parse_type(i.kind.as_deref()));
    let failed = diagnostics.iter().any(|d| d.severity == Severity::Error);
    if i.severity.as_deref() != Some("WARNING") {
        diagnostics.retain(|d| d.severity == Severity::Error);
    }
    diagnostics.sort_by_key(|d| d.severity != Severity::Error);
    let limit = match i.max_results {
        Some(n) if n > 0 => n as usize,
        _ => 100,
    };
    let truncated = diagnostics.len() > limit;
    diagnostics.truncate(limit);
    let list: Vec<Value> = diagnostics.iter().map(|d| serde_json::to_value(d).unwrap_or(Value::Null)).collect();
    Ok(json!({"result": if failed { "FAIL" } else { "OK" }, "diagnostics": list, "truncated": truncated}).into())
}
