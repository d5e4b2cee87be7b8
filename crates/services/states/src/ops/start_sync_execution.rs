//! StartSyncExecution: runs an Express execution to its end within the request and answers its result.
//! Nothing of it remains afterwards but its logs, as with AWS.

use super::start_execution::{Input, begin, test_case};
use super::{input, state_machine_check};
use crate::Shared;
use crate::run::driver;
use crate::state::{seconds, status_name};
use sekisho_asl::json::to_text;
use sekisho_core::{AuthzRequest, AwsError, Check, OpContext, Output};
use serde_json::{Value, json};
use std::sync::Arc;

pub fn authorize(shared: &Shared, req: &AuthzRequest<'_>) -> Result<Vec<Check>, AwsError> {
    let i: Input = input(req.input)?;
    let (arn, _) = test_case(shared, &i.state_machine_arn);
    Ok(vec![state_machine_check(shared, "states:StartSyncExecution", arn)?.1])
}

/// Express executions are billed per 100 ms started, with 64 MB as the smallest memory. [inf]
fn billed_ms(duration_ms: i64) -> i64 {
    (duration_ms.max(1) + 99) / 100 * 100
}

pub async fn handle(shared: &Arc<Shared>, ctx: OpContext, value: Value) -> Result<Output, AwsError> {
    let i: Input = input(&value)?;
    let started = begin(shared, &ctx, &i, true)?;
    let (account, region, arn) = (started.drive.account.clone(), started.drive.region.clone(), started.arn.clone());
    driver::drive(started.drive).await;
    let record = shared.store.with(&account, &region, |s| s.executions.remove(&arn));
    let Some(rec) = record else {
        return Err(AwsError::internal("the execution record vanished while it ran"));
    };
    let stop = rec.stop_ms().unwrap_or_else(|| ctx.now_ms());
    let mut out = json!({
        "executionArn": rec.arn,
        "stateMachineArn": rec.state_machine_arn,
        "name": rec.name,
        "startDate": seconds(rec.start_ms),
        "stopDate": seconds(stop),
        "status": status_name(rec.status()),
        "input": rec.input_text,
        "inputDetails": {"included": true},
        "billingDetails": {"billedMemoryUsedInMB": 64, "billedDurationInMilliseconds": billed_ms(stop - rec.start_ms)},
    });
    if let Some(o) = rec.execution.output() {
        out["output"] = json!(to_text(o));
        out["outputDetails"] = json!({"included": true});
    }
    if let Some(e) = rec.execution.error() {
        out["error"] = json!(e);
    }
    if let Some(c) = rec.execution.cause() {
        out["cause"] = json!(c);
    }
    Ok(out.into())
}

#[cfg(test)]
mod tests {
    #[test]
    fn billing_rounds_up_to_100_ms() {
        assert_eq!((super::billed_ms(0), super::billed_ms(100), super::billed_ms(101)), (100, 100, 200));
    }
}
