//! SendTaskHeartbeat: tells a `.waitForTaskToken` task (or activity) with `HeartbeatSeconds` that its
//! worker is alive, by its token.

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
}

pub fn authorize(_shared: &Shared, _req: &AuthzRequest<'_>) -> Result<Vec<Check>, AwsError> {
    star("states:SendTaskHeartbeat")
}

pub async fn handle(shared: &Arc<Shared>, ctx: OpContext, value: Value) -> Result<Output, AwsError> {
    let i: Input = input(&value)?;
    let arn = task_token::touch(shared, &i.task_token, ctx.now_ms(), |e, id, now| e.task_heartbeat(id, now))?;
    shared.settled(&arn).await;
    Ok(Output::empty())
}
