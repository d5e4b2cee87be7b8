//! DeleteStateMachineAlias: removes an alias; executions started through it keep their alias ARN.
//! Deleting one that does not exist succeeds [inf].

use super::{alias_lookup, input, state_machine_check};
use crate::Shared;
use sekisho_core::{AuthzRequest, AwsError, Check, OpContext, Output};
use serde::Deserialize;
use serde_json::Value;
use std::sync::Arc;

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Input {
    state_machine_alias_arn: String,
}

pub fn authorize(shared: &Shared, req: &AuthzRequest<'_>) -> Result<Vec<Check>, AwsError> {
    let i: Input = input(req.input)?;
    Ok(vec![state_machine_check(shared, "states:DeleteStateMachineAlias", &i.state_machine_alias_arn)?.1])
}

pub async fn handle(shared: &Arc<Shared>, ctx: OpContext, value: Value) -> Result<Output, AwsError> {
    let i: Input = input(&value)?;
    let (r, name) = alias_lookup(&ctx.region, &i.state_machine_alias_arn)?;
    shared.store.with(&r.account, &r.region, |s| {
        if let Some(m) = s.state_machines.get_mut(&r.name) {
            m.aliases.retain(|a| a.name != name);
        }
    });
    Ok(Output::empty())
}
