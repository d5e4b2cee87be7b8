//! SendTaskFailure: fails a `.waitForTaskToken` task (or activity) with an error and cause, by its token.

use super::{input, star, task_token};
use crate::Shared;
use sekisho_core::{AuthzRequest, AwsError, Check, OpContext, Output};
use serde::Deserialize;
use serde_json::Value;
use std::sync::Arc;

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Input {
    task_token: String,
    error: Option<String>,
    cause: Option<String>,
}

pub fn authorize(_shared: &Shared, _req: &AuthzRequest<'_>) -> Result<Vec<Check>, AwsError> {
    star("states:SendTaskFailure")
}

pub async fn handle(shared: &Arc<Shared>, ctx: OpContext, value: Value) -> Result<Output, AwsError> {
    let i: Input = input(&value)?;
    let arn = task_token::settle(shared, &i.task_token, ctx.now_ms(), |e, id, now| {
        e.task_failure(id, i.error.as_deref(), i.cause.as_deref(), now)
    })?;
    shared.settled(&arn).await;
    Ok(Output::empty())
}
