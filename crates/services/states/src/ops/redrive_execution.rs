//! RedriveExecution: a failed, aborted or timed-out Standard execution continues from the state it
//! ended in, with the same ARN, definition and input (API reference, RedriveExecution). The engine
//! decides whether it may and records `ExecutionRedriven`; this restarts its driver. A `clientToken`
//! already answered for the running redrive answers again (AWS keeps the last 10 tokens).

use super::{execution_check, in_scope, input};
use crate::run::driver::{self, Drive};
use crate::state::seconds;
use crate::{Shared, arn, errors};
use sekisho_asl::exec::Status;
use sekisho_core::{AuthzRequest, AwsError, Check, OpContext, Output};
use serde::Deserialize;
use serde_json::{Value, json};
use std::sync::Arc;

/// How many client tokens an execution remembers (API reference: "the last 10 client tokens").
pub const KEPT_CLIENT_TOKENS: usize = 10;

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Input {
    execution_arn: String,
    client_token: Option<String>,
}

pub fn authorize(shared: &Shared, req: &AuthzRequest<'_>) -> Result<Vec<Check>, AwsError> {
    let i: Input = input(req.input)?;
    Ok(vec![execution_check(shared, "states:RedriveExecution", &i.execution_arn)?.1])
}

pub async fn handle(shared: &Arc<Shared>, ctx: OpContext, value: Value) -> Result<Output, AwsError> {
    let i: Input = input(&value)?;
    let e = arn::parse_execution(&i.execution_arn)?;
    let not_found = || errors::execution_does_not_exist(&i.execution_arn);
    if !in_scope(&ctx.region, &e.region) {
        return Err(not_found());
    }
    let facts = shared.store.read(&e.account, &e.region, |s| {
        let rec = s.and_then(|s| s.executions.get(&i.execution_arn)).ok_or_else(not_found)?;
        Ok::<_, AwsError>((rec.kind, rec.revision.definition.clone(), rec.status()))
    })?;
    let (kind, definition, status) = facts;
    let machine = shared.machine(kind, &definition)?;
    if status != Status::Running {
        // The driver of the attempt that ended may still be winding down; a new one starts after it.
        shared.runs.ended(&i.execution_arn).await;
    }
    let now = ctx.now_ms();
    let redriven = shared.store.with(&e.account, &e.region, |s| {
        let rec = s.executions.get_mut(&i.execution_arn).ok_or_else(not_found)?;
        if let Some(token) = &i.client_token
            && rec.status() == Status::Running
            && rec.redrive_tokens.contains(token)
        {
            return Ok((rec.redrive_ms.unwrap_or(now), false));
        }
        rec.execution.redrive(&machine, now).map_err(|reason| errors::execution_not_redrivable(&reason))?;
        rec.redrive_ms = Some(now);
        if let Some(token) = i.client_token.clone() {
            rec.redrive_tokens.push(token);
            let excess = rec.redrive_tokens.len().saturating_sub(KEPT_CLIENT_TOKENS);
            rec.redrive_tokens.drain(..excess);
        }
        Ok::<_, AwsError>((now, true))
    })?;
    let (date, started) = redriven;
    if started {
        driver::spawn(Drive {
            shared: shared.clone(),
            door: ctx.door.clone(),
            account: e.account.clone(),
            region: e.region.clone(),
            arn: i.execution_arn.clone(),
            machine,
            keep_record: true,
            resumed: false,
        });
    }
    Ok(json!({"redriveDate": seconds(date)}).into())
}
