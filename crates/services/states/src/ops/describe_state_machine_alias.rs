//! DescribeStateMachineAlias: an alias's routing, description and dates.

use super::{alias_lookup, input, state_machine_check};
use crate::Shared;
use crate::aliases;
use crate::state::seconds;
use sekisho_core::{AuthzRequest, AwsError, Check, OpContext, Output};
use serde::Deserialize;
use serde_json::{Value, json};
use std::sync::Arc;

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Input {
    state_machine_alias_arn: String,
}

pub fn authorize(shared: &Shared, req: &AuthzRequest<'_>) -> Result<Vec<Check>, AwsError> {
    let i: Input = input(req.input)?;
    Ok(vec![state_machine_check(shared, "states:DescribeStateMachineAlias", &i.state_machine_alias_arn)?.1])
}

pub async fn handle(shared: &Arc<Shared>, ctx: OpContext, value: Value) -> Result<Output, AwsError> {
    let i: Input = input(&value)?;
    let arn_text = &i.state_machine_alias_arn;
    let (r, name) = alias_lookup(&ctx.region, arn_text)?;
    shared.store.read(&r.account, &r.region, |s| {
        let not_found = || crate::errors::resource_not_found(arn_text);
        let m = s.and_then(|s| s.state_machines.get(&r.name)).ok_or_else(not_found)?;
        let a = m.alias(&name).ok_or_else(not_found)?;
        let mut out = json!({
            "stateMachineAliasArn": m.alias_arn(&name),
            "name": a.name,
            "routingConfiguration": aliases::to_json(m, &a.routing),
            "creationDate": seconds(a.creation_ms),
            "updateDate": seconds(a.update_ms),
        });
        if let Some(d) = &a.description {
            out["description"] = json!(d);
        }
        Ok(out.into())
    })
}
