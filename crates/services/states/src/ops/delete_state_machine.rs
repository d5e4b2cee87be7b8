//! DeleteStateMachine: removes the state machine and its versions. Executions keep running with the
//! revision they started with, and stay describable. Deleting one that does not exist succeeds.

use super::{in_scope, input, state_machine_check};
use crate::{Shared, errors};
use sekisho_core::{AuthzRequest, AwsError, Check, OpContext, Output};
use serde::Deserialize;
use serde_json::Value;
use std::sync::Arc;

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Input {
    state_machine_arn: String,
}

pub fn authorize(shared: &Shared, req: &AuthzRequest<'_>) -> Result<Vec<Check>, AwsError> {
    let i: Input = input(req.input)?;
    Ok(vec![state_machine_check(shared, "states:DeleteStateMachine", &i.state_machine_arn)?.1])
}

pub async fn handle(shared: &Arc<Shared>, ctx: OpContext, value: Value) -> Result<Output, AwsError> {
    let i: Input = input(&value)?;
    let (r, _) = state_machine_check(shared, "states:DeleteStateMachine", &i.state_machine_arn)?;
    if r.qualifier.is_some() {
        // [inf]
        return Err(errors::validation(format!(
            "Invalid State Machine Arn: '{}': use DeleteStateMachineVersion or DeleteStateMachineAlias",
            i.state_machine_arn
        )));
    }
    if in_scope(&ctx.region, &r.region) {
        shared.store.with(&r.account, &r.region, |s| s.state_machines.remove(&r.name));
    }
    Ok(Output::empty())
}
