//! CreateStateMachineAlias: a name for one or two versions of a state machine, with the share of
//! executions each gets. Idempotent on (state machine, name, description, routing); the same name with
//! anything else is a ConflictException (API reference, CreateStateMachineAlias).

use super::{in_scope, input, state_machine_check};
use crate::aliases::{self, MAX_ALIASES, RouteInput};
use crate::arn::{self, Qualifier};
use crate::state::{AliasRecord, seconds};
use crate::{Shared, errors, names};
use sekisho_core::{AuthzRequest, AwsError, Check, OpContext, Output};
use serde::Deserialize;
use serde_json::{Value, json};
use std::sync::Arc;

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Input {
    name: String,
    description: Option<String>,
    routing_configuration: Vec<RouteInput>,
}

/// The state machine the routing's first version belongs to (the alias is created on it).
fn machine_arn(i: &Input) -> Result<arn::StateMachineRef, AwsError> {
    let first = i
        .routing_configuration
        .first()
        .ok_or_else(|| errors::validation("Routing configuration must contain one or two versions"))?;
    arn::parse_state_machine(&first.state_machine_version_arn)
}

/// An alias name: AWS's name rules, and not a version number (API reference: "can't be a number").
fn valid_alias_name(name: &str) -> bool {
    names::is_valid_name(name) && !name.chars().all(|c| c.is_ascii_digit())
}

pub fn authorize(shared: &Shared, req: &AuthzRequest<'_>) -> Result<Vec<Check>, AwsError> {
    let i: Input = input(req.input)?;
    let m = machine_arn(&i)?;
    let alias_arn = format!("{}:{}", m.base_arn(), i.name);
    let mut checks = vec![state_machine_check(shared, "states:CreateStateMachineAlias", &alias_arn)?.1];
    for r in &i.routing_configuration {
        checks.push(state_machine_check(shared, "states:CreateStateMachineAlias", &r.state_machine_version_arn)?.1);
    }
    Ok(checks)
}

pub async fn handle(shared: &Arc<Shared>, ctx: OpContext, value: Value) -> Result<Output, AwsError> {
    let i: Input = input(&value)?;
    if !valid_alias_name(&i.name) {
        return Err(errors::invalid_name(&i.name));
    }
    let r = machine_arn(&i)?;
    if !matches!(r.qualifier, Some(Qualifier::Version(_))) {
        return Err(errors::validation(format!(
            "Invalid State Machine Version Arn: '{}'",
            i.routing_configuration.first().map_or("", |f| f.state_machine_version_arn.as_str())
        )));
    }
    let base = r.base_arn();
    if !in_scope(&ctx.region, &r.region) {
        return Err(errors::state_machine_does_not_exist(&base));
    }
    let now = ctx.now_ms();
    shared.store.with(&r.account, &r.region, |s| {
        let m = s.state_machines.get_mut(&r.name).ok_or_else(|| errors::state_machine_does_not_exist(&base))?;
        let routing = aliases::routing(m, &i.routing_configuration)?;
        let alias_arn = m.alias_arn(&i.name);
        if let Some(existing) = m.alias(&i.name) {
            if existing.description == i.description && existing.routing == routing {
                return Ok(json!({"stateMachineAliasArn": alias_arn, "creationDate": seconds(existing.creation_ms)}).into());
            }
            // [inf]
            return Err(errors::conflict(format!(
                "Failed to create alias because an alias with the same name and a different routing configuration already exists: '{alias_arn}'"
            )));
        }
        if m.aliases.len() >= MAX_ALIASES {
            // [inf]
            return Err(errors::service_quota_exceeded(format!(
                "Too many aliases for state machine '{}': the quota is {MAX_ALIASES}",
                m.arn
            )));
        }
        m.aliases.push(AliasRecord {
            name: i.name.clone(),
            description: i.description.clone(),
            routing,
            creation_ms: now,
            update_ms: now,
        });
        Ok(json!({"stateMachineAliasArn": alias_arn, "creationDate": seconds(now)}).into())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn alias_names_cannot_be_version_numbers() {
        assert!(valid_alias_name("prod"));
        assert!(valid_alias_name("v2"));
        assert!(!valid_alias_name("2"));
        assert!(!valid_alias_name("a:b"));
    }
}
