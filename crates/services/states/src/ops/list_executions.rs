//! ListExecutions: a Standard state machine's executions (or a version's), newest first, by status.

use super::paging::{decode, encode, page_size};
use super::{in_scope, input, resolve, state_machine_check};
use crate::arn::Qualifier;
use crate::state::{ExecutionRecord, seconds, status_name};
use crate::{Shared, arn, errors};
use sekisho_asl::definition::StateMachineType;
use sekisho_core::{AuthzRequest, AwsError, Check, OpContext, Output};
use serde::Deserialize;
use serde_json::{Value, json};
use std::sync::Arc;

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Input {
    state_machine_arn: Option<String>,
    status_filter: Option<String>,
    max_results: Option<i64>,
    next_token: Option<String>,
    map_run_arn: Option<String>,
    redrive_filter: Option<String>,
}

pub fn authorize(shared: &Shared, req: &AuthzRequest<'_>) -> Result<Vec<Check>, AwsError> {
    let i: Input = input(req.input)?;
    match (&i.state_machine_arn, &i.map_run_arn) {
        (Some(a), _) => Ok(vec![state_machine_check(shared, "states:ListExecutions", a)?.1]),
        (None, Some(m)) => Ok(vec![Check::new("states:ListExecutions", m)]),
        // [inf]
        (None, None) => Err(errors::validation("Must provide a StateMachine ARN or MapRun ARN")),
    }
}

fn item(rec: &ExecutionRecord) -> Value {
    let mut v = json!({
        "executionArn": rec.arn,
        "stateMachineArn": rec.state_machine_arn,
        "name": rec.name,
        "status": status_name(rec.status()),
        "startDate": seconds(rec.start_ms),
        "redriveCount": rec.execution.context().redrive_count,
    });
    if let Some(at) = rec.redrive_ms {
        v["redriveDate"] = seconds(at);
    }
    if let Some(a) = &rec.alias_arn {
        v["stateMachineAliasArn"] = json!(a);
    }
    if let Some(stop) = rec.stop_ms() {
        v["stopDate"] = seconds(stop);
    }
    if let Some(version) = &rec.version_arn {
        v["stateMachineVersionArn"] = json!(version);
    }
    v
}

pub async fn handle(shared: &Arc<Shared>, ctx: OpContext, value: Value) -> Result<Output, AwsError> {
    let i: Input = input(&value)?;
    let Some(sm_arn) = &i.state_machine_arn else {
        let map_run = i.map_run_arn.unwrap_or_default();
        return Err(errors::resource_not_found(&map_run));
    };
    let r = arn::parse_state_machine(sm_arn)?;
    if !in_scope(&ctx.region, &r.region) {
        return Err(errors::state_machine_does_not_exist(sm_arn));
    }
    let before: u64 = match &i.next_token {
        Some(t) => decode("executions", t)?.parse().map_err(|_| errors::invalid_next_token())?,
        None => u64::MAX,
    };
    let size = page_size(i.max_results);
    shared.store.read(&r.account, &r.region, |s| {
        let s = s.ok_or_else(|| errors::state_machine_does_not_exist(sm_arn))?;
        let (m, _, version_arn) = resolve(s, &r, sm_arn)?;
        if m.kind == StateMachineType::Express {
            return Err(errors::type_not_supported());
        }
        let mut matching: Vec<&ExecutionRecord> = s
            .executions
            .values()
            .filter(|e| e.state_machine_arn == m.arn && e.sequence < before)
            .filter(|e| match &r.qualifier {
                Some(Qualifier::Version(_)) => e.version_arn == version_arn,
                Some(Qualifier::Alias(a)) => e.alias_arn.as_deref() == Some(m.alias_arn(a).as_str()),
                None => true,
            })
            // `redriveFilter`: REDRIVEN or NOT_REDRIVEN (API reference, ListExecutions).
            .filter(|e| match i.redrive_filter.as_deref() {
                Some("REDRIVEN") => e.redrive_ms.is_some(),
                Some("NOT_REDRIVEN") => e.redrive_ms.is_none(),
                _ => true,
            })
            .filter(|e| i.status_filter.as_deref().is_none_or(|f| status_name(e.status()) == f))
            .collect();
        matching.sort_by_key(|e| std::cmp::Reverse(e.sequence));
        let page: Vec<Value> = matching.iter().take(size).map(|e| item(e)).collect();
        let mut out = json!({"executions": page});
        if matching.len() > size {
            out["nextToken"] = json!(encode("executions", &matching[size - 1].sequence.to_string()));
        }
        Ok(out.into())
    })
}
