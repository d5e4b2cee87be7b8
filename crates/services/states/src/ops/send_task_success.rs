//! SendTaskSuccess: the result of a `.waitForTaskToken` task (or activity), by its token.

use super::{input, star, task_token};
use crate::{Shared, errors};
use sekisho_core::{AuthzRequest, AwsError, Check, OpContext, Output};
use serde::Deserialize;
use serde_json::Value;
use std::sync::Arc;

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Input {
    task_token: String,
    output: String,
}

pub fn authorize(_shared: &Shared, _req: &AuthzRequest<'_>) -> Result<Vec<Check>, AwsError> {
    star("states:SendTaskSuccess")
}

pub async fn handle(shared: &Arc<Shared>, ctx: OpContext, value: Value) -> Result<Output, AwsError> {
    let i: Input = input(&value)?;
    let output: Value = serde_json::from_str(&i.output).map_err(|e| errors::invalid_output(&e.to_string()))?;
    let arn = task_token::settle(shared, &i.task_token, ctx.now_ms(), |e, id, now| e.task_succeeded(id, output, now))?;
    shared.settled(&arn).await;
    Ok(Output::empty())
}
