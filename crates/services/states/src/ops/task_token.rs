//! Task tokens: finding the execution and task a token belongs to, in any account and region (a token is
//! a capability: whoever holds it may answer, if IAM lets them call), and applying the answer.

use crate::{Shared, errors};
use sekisho_asl::exec::{Execution, TaskId};
use sekisho_core::AwsError;

/// Applies `f` to the token's task and closes the token (SendTaskSuccess, SendTaskFailure).
pub fn settle(
    shared: &Shared,
    token: &str,
    now: i64,
    f: impl FnOnce(&mut Execution, TaskId, i64),
) -> Result<String, AwsError> {
    apply(shared, token, now, true, f)
}

/// Applies `f` to the token's task; the token stays open (SendTaskHeartbeat).
pub fn touch(
    shared: &Shared,
    token: &str,
    now: i64,
    f: impl FnOnce(&mut Execution, TaskId, i64),
) -> Result<String, AwsError> {
    apply(shared, token, now, false, f)
}

fn apply(
    shared: &Shared,
    token: &str,
    now: i64,
    close: bool,
    f: impl FnOnce(&mut Execution, TaskId, i64),
) -> Result<String, AwsError> {
    let arn = {
        let mut all = shared.store.lock();
        let mut outcome = Err(errors::invalid_token());
        for s in all.values_mut() {
            if let Some(t) = s.task_tokens.get(token).cloned() {
                if let Some(rec) = s.executions.get_mut(&t.execution_arn) {
                    f(&mut rec.execution, t.task, now);
                }
                if close {
                    s.task_tokens.remove(token);
                    s.closed_tokens.insert(token.to_string(), t.execution_arn.clone());
                }
                outcome = Ok(t.execution_arn);
                break;
            }
            if s.closed_tokens.contains_key(token) {
                outcome = Err(errors::task_timed_out());
                break;
            }
        }
        outcome?
    };
    shared.runs.wake(&arn);
    Ok(arn)
}
