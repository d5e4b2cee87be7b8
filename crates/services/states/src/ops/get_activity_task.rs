//! GetActivityTask: a worker's long poll for the next task of an activity. AWS holds the request up
//! to 60 seconds and answers without a `taskToken` when no task came (API reference, GetActivityTask).
//! Taking a task records `ActivityStarted` with the worker's name; the token it answers settles the
//! task through SendTaskSuccess/Failure and keeps it alive through SendTaskHeartbeat.

use super::{activity_check, in_scope, input};
use crate::state::{ActivityTask, TaskTokenRecord};
use crate::{Shared, arn, errors};
use sekisho_core::{AuthzRequest, AwsError, Check, OpContext, Output};
use serde::Deserialize;
use serde_json::{Value, json};
use std::sync::Arc;
use std::time::Duration;

/// How long AWS holds a poll that finds no task (API reference, GetActivityTask: 60 seconds).
pub const LONG_POLL: Duration = Duration::from_secs(60);

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Input {
    activity_arn: String,
    worker_name: Option<String>,
}

pub fn authorize(shared: &Shared, req: &AuthzRequest<'_>) -> Result<Vec<Check>, AwsError> {
    let i: Input = input(req.input)?;
    Ok(vec![activity_check(shared, "states:GetActivityTask", &i.activity_arn)?.1])
}

pub async fn handle(shared: &Arc<Shared>, ctx: OpContext, value: Value) -> Result<Output, AwsError> {
    let i: Input = input(&value)?;
    let (r, _) = activity_check(shared, "states:GetActivityTask", &i.activity_arn)?;
    let not_found = || errors::activity_does_not_exist(&i.activity_arn);
    if !in_scope(&ctx.region, &r.region) {
        return Err(not_found());
    }
    let deadline = tokio::time::Instant::now() + LONG_POLL;
    loop {
        let bell = shared.activity_bell.notified();
        tokio::pin!(bell);
        // Registered before looking, so a task scheduled in between is not missed.
        bell.as_mut().enable();
        let exists =
            shared.store.read(&r.account, &r.region, |s| s.is_some_and(|s| s.activities.contains_key(&r.name)));
        if !exists {
            return Err(not_found());
        }
        if let Some(task) = take(shared, &r.account, &r.region, &i.activity_arn) {
            let token = sekisho_core::ids::uuid_v4();
            let e = arn::parse_execution(&task.execution_arn)?;
            let now = ctx.now_ms();
            let worker = i.worker_name.clone();
            shared.store.with(&e.account, &e.region, |s| {
                s.task_tokens.insert(
                    token.clone(),
                    TaskTokenRecord { execution_arn: task.execution_arn.clone(), task: task.task },
                );
                if let Some(rec) = s.executions.get_mut(&task.execution_arn) {
                    rec.execution.activity_started(task.task, worker.as_deref(), now);
                }
            });
            shared.runs.wake(&task.execution_arn);
            return Ok(json!({"taskToken": token, "input": task.input}).into());
        }
        tokio::select! {
            _ = &mut bell => {}
            _ = tokio::time::sleep_until(deadline) => return Ok(json!({}).into()),
        }
    }
}

/// The oldest waiting task of the activity whose execution still runs it.
fn take(shared: &Shared, account: &str, region: &str, activity_arn: &str) -> Option<ActivityTask> {
    loop {
        let task = shared.store.with(account, region, |s| {
            let queue = s.activity_tasks.get_mut(activity_arn)?;
            let task = (!queue.is_empty()).then(|| queue.remove(0));
            if queue.is_empty() {
                s.activity_tasks.remove(activity_arn);
            }
            task
        })?;
        if shared.runs.is_running(&task.execution_arn) {
            return Some(task);
        }
    }
}
