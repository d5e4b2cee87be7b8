//! UpdateStateMachine: a new definition, role, logging or tracing configuration for the latest revision;
//! running executions keep the revision they started with. `publish` makes the result a version.

use super::create_state_machine::{check_role_arn, pass_role, verify_trust};
use super::publish_state_machine_version::publish;
use super::{input, logging_config, state_machine_check};
use crate::state::seconds;
use crate::{Shared, errors};
use sekisho_core::{AuthzRequest, AwsError, Check, OpContext, Output};
use serde::Deserialize;
use serde_json::{Value, json};
use std::sync::Arc;

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Input {
    state_machine_arn: String,
    definition: Option<String>,
    role_arn: Option<String>,
    logging_configuration: Option<Value>,
    tracing_configuration: Option<Value>,
    #[serde(default)]
    publish: bool,
    version_description: Option<String>,
}

pub fn authorize(shared: &Shared, req: &AuthzRequest<'_>) -> Result<Vec<Check>, AwsError> {
    let i: Input = input(req.input)?;
    let (_, check) = state_machine_check(shared, "states:UpdateStateMachine", &i.state_machine_arn)?;
    let mut checks = vec![check];
    if let Some(role) = &i.role_arn {
        checks.push(pass_role(role));
    }
    if i.publish {
        checks.push(Check::new("states:PublishStateMachineVersion", &i.state_machine_arn));
    }
    Ok(checks)
}

pub async fn handle(shared: &Arc<Shared>, ctx: OpContext, value: Value) -> Result<Output, AwsError> {
    let i: Input = input(&value)?;
    let (r, _) = state_machine_check(shared, "states:UpdateStateMachine", &i.state_machine_arn)?;
    if r.qualifier.is_some() {
        // [inf]
        return Err(errors::validation("Updating a state machine version or alias is not supported."));
    }
    if i.definition.is_none()
        && i.role_arn.is_none()
        && i.logging_configuration.is_none()
        && i.tracing_configuration.is_none()
    {
        return Err(errors::missing_update_parameter());
    }
    if i.version_description.is_some() && !i.publish {
        // [inf]
        return Err(errors::validation("Version description can only be set when publish is true"));
    }
    let not_found = || errors::state_machine_does_not_exist(&i.state_machine_arn);
    let current = shared
        .store
        .read(&r.account, &r.region, |s| {
            s.and_then(|s| s.state_machines.get(&r.name)).map(|m| (m.kind, m.current.clone()))
        })
        .filter(|_| r.region == ctx.region)
        .ok_or_else(not_found)?;
    let (kind, mut revision) = current;
    let before = revision.clone();
    if let Some(d) = i.definition {
        let definition = Arc::new(d);
        shared.machine(kind, &definition)?;
        revision.definition = definition;
    }
    if let Some(logging) = logging_config::parse(i.logging_configuration.as_ref())? {
        revision.logging = logging;
    }
    if let Some(t) = &i.tracing_configuration {
        revision.tracing_enabled = t.get("enabled").and_then(Value::as_bool).unwrap_or(false);
    }
    if let Some(role) = &i.role_arn {
        check_role_arn(role)?;
        revision.role_arn = role.clone();
    }
    let base_arn = r.base_arn();
    if revision.role_arn != before.role_arn
        || (revision.logging != before.logging && revision.logging.destination().is_some())
    {
        let role = verify_trust(&ctx, &base_arn, &r.name, &revision.role_arn).await?;
        if revision.logging.destination().is_some() {
            logging_config::check_destination(&ctx.door, &role, &revision.logging, &ctx.request_id).await?;
        }
    }
    let now = ctx.now_ms();
    shared.store.with(&r.account, &r.region, |s| {
        let m = s.state_machines.get_mut(&r.name).ok_or_else(not_found)?;
        let changed = m.current.differs(&revision);
        if changed {
            revision.revision_id = Some(sekisho_core::ids::uuid_v4());
            revision.updated_ms = now;
            m.current = revision;
            m.update_ms = now;
        }
        let mut out = json!({"updateDate": seconds(m.update_ms)});
        if let Some(id) = &m.current.revision_id {
            out["revisionId"] = json!(id);
        }
        if i.publish {
            let number = publish(m, i.version_description.clone(), now);
            out["stateMachineVersionArn"] = json!(m.version_arn(number));
        }
        Ok(out.into())
    })
}
