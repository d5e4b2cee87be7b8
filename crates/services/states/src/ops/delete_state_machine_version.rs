//! DeleteStateMachineVersion: removes a version; deleting one that does not exist succeeds.

use super::{in_scope, input, state_machine_check};
use crate::arn::Qualifier;
use crate::{Shared, errors};
use sekisho_core::{AuthzRequest, AwsError, Check, OpContext, Output};
use serde::Deserialize;
use serde_json::Value;
use std::sync::Arc;

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Input {
    state_machine_version_arn: String,
}

pub fn authorize(shared: &Shared, req: &AuthzRequest<'_>) -> Result<Vec<Check>, AwsError> {
    let i: Input = input(req.input)?;
    Ok(vec![state_machine_check(shared, "states:DeleteStateMachineVersion", &i.state_machine_version_arn)?.1])
}

pub async fn handle(shared: &Arc<Shared>, ctx: OpContext, value: Value) -> Result<Output, AwsError> {
    let i: Input = input(&value)?;
    let (r, _) = state_machine_check(shared, "states:DeleteStateMachineVersion", &i.state_machine_version_arn)?;
    let Some(Qualifier::Version(n)) = r.qualifier else {
        // [inf]
        return Err(errors::validation(format!(
            "Invalid State Machine Version Arn: '{}'",
            i.state_machine_version_arn
        )));
    };
    if in_scope(&ctx.region, &r.region) {
        shared.store.with(&r.account, &r.region, |s| {
            if let Some(m) = s.state_machines.get_mut(&r.name) {
                // A version an alias routes to cannot be deleted (API reference,
                // DeleteStateMachineVersion: ConflictException); the text is [inf].
                let referencing: Vec<String> = m
                    .aliases
                    .iter()
                    .filter(|a| a.routing.iter().any(|(v, _)| *v == n))
                    .map(|a| m.alias_arn(&a.name))
                    .collect();
                if !referencing.is_empty() {
                    return Err(errors::conflict(format!(
                        "Version to be deleted must not be referenced by an alias. Current list of aliases referencing this version: [{}]",
                        referencing.join(", ")
                    )));
                }
                m.versions.retain(|v| v.number != n);
            }
            Ok(())
        })?;
    }
    Ok(Output::empty())
}
