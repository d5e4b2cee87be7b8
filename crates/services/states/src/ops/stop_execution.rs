//! StopExecution: aborts a running Standard execution (`ExecutionAborted` with the given error and cause);
//! its driver wakes to cancel outstanding tasks and deliver the last logs.

use super::{execution_check, in_scope, input};
use crate::state::seconds;
use crate::{Shared, errors};
use sekisho_asl::exec::Status;
use sekisho_core::{AuthzRequest, AwsError, Check, OpContext, Output};
use serde::Deserialize;
use serde_json::{Value, json};
use std::sync::Arc;

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Input {
    execution_arn: String,
    error: Option<String>,
    cause: Option<String>,
}

pub fn authorize(shared: &Shared, req: &AuthzRequest<'_>) -> Result<Vec<Check>, AwsError> {
    let i: Input = input(req.input)?;
    Ok(vec![execution_check(shared, "states:StopExecution", &i.execution_arn)?.1])
}

pub async fn handle(shared: &Arc<Shared>, ctx: OpContext, value: Value) -> Result<Output, AwsError> {
    let i: Input = input(&value)?;
    let (e, _) = execution_check(shared, "states:StopExecution", &i.execution_arn)?;
    let not_found = || errors::execution_does_not_exist(&i.execution_arn);
    if !in_scope(&ctx.region, &e.region) {
        return Err(not_found());
    }
    let now = ctx.now_ms();
    let stop = shared.store.with(&e.account, &e.region, |s| {
        let rec = s.executions.get_mut(&i.execution_arn).ok_or_else(not_found)?;
        if rec.status() == Status::Running {
            rec.execution.stop(i.error.as_deref(), i.cause.as_deref(), now);
        }
        Ok::<_, AwsError>(rec.stop_ms().unwrap_or(now))
    })?;
    // An engine step in flight (an expression still evaluating) winds down; the stop is recorded already.
    shared.runs.stop(&i.execution_arn);
    // The store keeps the stop once the step is put back; the door's commit must come after that.
    shared.settled(&i.execution_arn).await;
    Ok(json!({"stopDate": seconds(stop)}).into())
}
