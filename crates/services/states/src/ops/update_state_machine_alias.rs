//! UpdateStateMachineAlias: a new description or routing for an alias; at least one must be given
//! (API reference, UpdateStateMachineAlias).

use super::{alias_lookup, input, state_machine_check};
use crate::aliases::{self, RouteInput};
use crate::state::seconds;
use crate::{Shared, errors};
use sekisho_core::{AuthzRequest, AwsError, Check, OpContext, Output};
use serde::Deserialize;
use serde_json::{Value, json};
use std::sync::Arc;

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Input {
    state_machine_alias_arn: String,
    description: Option<String>,
    routing_configuration: Option<Vec<RouteInput>>,
}

pub fn authorize(shared: &Shared, req: &AuthzRequest<'_>) -> Result<Vec<Check>, AwsError> {
    let i: Input = input(req.input)?;
    let mut checks = vec![state_machine_check(shared, "states:UpdateStateMachineAlias", &i.state_machine_alias_arn)?.1];
    for r in i.routing_configuration.iter().flatten() {
        checks.push(state_machine_check(shared, "states:UpdateStateMachineAlias", &r.state_machine_version_arn)?.1);
    }
    Ok(checks)
}

pub async fn handle(shared: &Arc<Shared>, ctx: OpContext, value: Value) -> Result<Output, AwsError> {
    let i: Input = input(&value)?;
    let arn_text = &i.state_machine_alias_arn;
    let (r, name) = alias_lookup(&ctx.region, arn_text)?;
    if i.description.is_none() && i.routing_configuration.is_none() {
        // [inf]
        return Err(errors::validation("Either the description or the routing configuration must be specified"));
    }
    let now = ctx.now_ms();
    shared.store.with(&r.account, &r.region, |s| {
        let not_found = || errors::resource_not_found(arn_text);
        let m = s.state_machines.get_mut(&r.name).ok_or_else(not_found)?;
        let routing = match &i.routing_configuration {
            Some(routes) => Some(aliases::routing(m, routes)?),
            None => None,
        };
        let a = m.aliases.iter_mut().find(|a| a.name == name).ok_or_else(not_found)?;
        if let Some(d) = i.description {
            a.description = Some(d);
        }
        if let Some(routing) = routing {
            a.routing = routing;
        }
        a.update_ms = now;
        Ok(json!({"updateDate": seconds(now)}).into())
    })
}
