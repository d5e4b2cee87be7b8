//! CreateStateMachine: a Standard or Express state machine from an ASL definition. Needs `iam:PassRole`
//! on the execution role, and `states.amazonaws.com` must be able to assume it (checked through STS).
//! Idempotent for an identical request (name, definition, type, logging, tracing, publish, description).

use super::{Tag, input, logging_config, with_request_tags};
use crate::run::session;
use crate::state::{Revision, StateMachineRecord, VersionRecord, seconds};
use crate::{SERVICE_PRINCIPAL, Shared, arn, errors, names};
use sekisho_asl::definition::StateMachineType;
use sekisho_core::{AuthzRequest, AwsError, Caller, Check, OpContext, Output};
use serde::Deserialize;
use serde_json::{Value, json};
use std::sync::Arc;

/// AWS's limit of tags per resource.
pub const MAX_TAGS: usize = 50;

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Input {
    name: String,
    definition: String,
    role_arn: String,
    #[serde(rename = "type")]
    kind: Option<String>,
    logging_configuration: Option<Value>,
    #[serde(default)]
    tags: Vec<Tag>,
    tracing_configuration: Option<Value>,
    #[serde(default)]
    publish: bool,
    version_description: Option<String>,
}

pub fn parse_type(kind: Option<&str>) -> StateMachineType {
    match kind {
        Some("EXPRESS") => StateMachineType::Express,
        _ => StateMachineType::Standard,
    }
}

/// `iam:PassRole` on the role, for Step Functions (CreateStateMachine, UpdateStateMachine, TestState).
pub fn pass_role(role_arn: &str) -> Check {
    Check::new("iam:PassRole", role_arn).with_context("iam:PassedToService", SERVICE_PRINCIPAL)
}

pub fn authorize(_shared: &Shared, req: &AuthzRequest<'_>) -> Result<Vec<Check>, AwsError> {
    let i: Input = input(req.input)?;
    let sm_arn = arn::state_machine(req.region, req.caller.account(), &i.name);
    let mut checks = vec![with_request_tags(Check::new("states:CreateStateMachine", &sm_arn), &i.tags)];
    checks.push(pass_role(&i.role_arn));
    if i.publish {
        checks.push(Check::new("states:PublishStateMachineVersion", &sm_arn));
    }
    Ok(checks)
}

/// The role ARN's shape, before STS is asked. [inf] texts.
pub fn check_role_arn(role_arn: &str) -> Result<(), AwsError> {
    if !role_arn.starts_with("arn:") {
        return Err(errors::invalid_arn(&format!("Invalid ARN prefix: {role_arn}")));
    }
    let parts: Vec<&str> = role_arn.splitn(6, ':').collect();
    match parts.as_slice() {
        [_, _, "iam", _, _, resource] if resource.starts_with("role/") => Ok(()),
        [_, _, _, _, _, resource] => {
            let kind = resource.split('/').next().unwrap_or(resource);
            Err(errors::invalid_arn(&format!("Resource type not valid in this context: {kind}")))
        }
        _ => Err(errors::invalid_arn(&format!("Invalid ARN: {role_arn}"))),
    }
}

/// Asks STS, as `states.amazonaws.com` for this state machine, to assume the role (ERR-5 when it may not).
/// Returns the session, with which the logging destination is checked.
pub async fn verify_trust(ctx: &OpContext, sm_arn: &str, sm_name: &str, role_arn: &str) -> Result<Caller, AwsError> {
    let service = session::service_caller(sm_arn, ctx.account());
    let session_name = names::trust_check_session_name(sm_name);
    match session::assume(&ctx.door, &service, role_arn, &session_name, None, &ctx.region, Some(&ctx.request_id)).await
    {
        Ok(s) => Ok(s.caller),
        Err(e) if e.code == "AccessDenied" => Err(errors::role_not_assumable()),
        Err(e) if e.code == "ValidationError" => Err(errors::invalid_arn(&format!("Invalid ARN: {role_arn}"))),
        Err(e) => Err(e),
    }
}

fn tracing(v: Option<&Value>) -> bool {
    v.and_then(|t| t.get("enabled")).and_then(Value::as_bool).unwrap_or(false)
}

pub async fn handle(shared: &Arc<Shared>, ctx: OpContext, value: Value) -> Result<Output, AwsError> {
    let i: Input = input(&value)?;
    if !names::is_valid_name(&i.name) {
        return Err(errors::invalid_name(&i.name));
    }
    let kind = parse_type(i.kind.as_deref());
    let definition = Arc::new(i.definition);
    shared.machine(kind, &definition)?;
    let logging = logging_config::parse(i.logging_configuration.as_ref())?.unwrap_or_default();
    check_role_arn(&i.role_arn)?;
    if i.tags.len() > MAX_TAGS {
        return Err(errors::too_many_tags(&i.name));
    }
    let account = ctx.account().to_string();
    let sm_arn = arn::state_machine(&ctx.region, &account, &i.name);
    let revision = Revision {
        definition,
        role_arn: i.role_arn.clone(),
        logging,
        tracing_enabled: tracing(i.tracing_configuration.as_ref()),
        revision_id: None,
        updated_ms: ctx.now_ms(),
    };
    let existing = shared.store.read(&account, &ctx.region, |s| {
        s.and_then(|s| s.state_machines.get(&i.name))
            .map(|m| identical(m, &revision, kind, i.publish, &i.version_description))
    });
    match existing {
        Some(Some(out)) => return Ok(out.into()),
        Some(None) => return Err(errors::state_machine_already_exists(&sm_arn)),
        None => {}
    }
    let role = verify_trust(&ctx, &sm_arn, &i.name, &i.role_arn).await?;
    if revision.logging.destination().is_some() {
        logging_config::check_destination(&ctx.door, &role, &revision.logging, &ctx.request_id).await?;
    }
    let now = ctx.now_ms();
    let mut tags: Vec<(String, String)> = Vec::new();
    for t in i.tags {
        match tags.iter_mut().find(|(k, _)| *k == t.key) {
            Some(existing) => existing.1 = t.value,
            None => tags.push((t.key, t.value)),
        }
    }
    let mut record = StateMachineRecord {
        name: i.name.clone(),
        arn: sm_arn.clone(),
        kind,
        current: revision,
        creation_ms: now,
        update_ms: now,
        tags,
        versions: Vec::new(),
        next_version: 1,
        aliases: Vec::new(),
    };
    let mut out = json!({"stateMachineArn": sm_arn, "creationDate": seconds(now)});
    if i.publish {
        record.versions.push(VersionRecord {
            number: 1,
            revision: record.current.clone(),
            description: i.version_description,
            creation_ms: now,
        });
        record.next_version = 2;
        out["stateMachineVersionArn"] = json!(record.version_arn(1));
    }
    shared.store.with(&account, &ctx.region, |s| {
        if s.state_machines.contains_key(&i.name) {
            return Err(errors::state_machine_already_exists(&sm_arn));
        }
        s.state_machines.insert(i.name, record);
        Ok(())
    })?;
    Ok(out.into())
}

/// The answer to a repeated CreateStateMachine: the existing machine when the request is the same one,
/// `None` when it differs (roleArn and tags do not count, as AWS documents).
fn identical(
    m: &StateMachineRecord,
    revision: &Revision,
    kind: StateMachineType,
    publish: bool,
    description: &Option<String>,
) -> Option<Value> {
    let same = m.kind == kind
        && m.current.definition == revision.definition
        && m.current.logging == revision.logging
        && m.current.tracing_enabled == revision.tracing_enabled
        && (!publish || m.versions.last().is_some_and(|v| v.description == *description));
    if !same {
        return None;
    }
    let mut out = json!({"stateMachineArn": m.arn, "creationDate": seconds(m.creation_ms)});
    if publish && let Some(v) = m.versions.last() {
        out["stateMachineVersionArn"] = json!(m.version_arn(v.number));
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn role_arn_shapes() {
        assert!(check_role_arn("arn:aws:iam::111111111111:role/r").is_ok());
        assert!(check_role_arn("arn:aws:iam::111111111111:role/path/r").is_ok());
        assert_eq!(check_role_arn("r").unwrap_err().message, "Invalid Arn: 'Invalid ARN prefix: r'");
        assert_eq!(
            check_role_arn("arn:aws:iam::111111111111:user/u").unwrap_err().message,
            "Invalid Arn: 'Resource type not valid in this context: user'"
        );
    }

    #[test]
    fn types() {
        assert_eq!(parse_type(Some("EXPRESS")), StateMachineType::Express);
        assert_eq!(parse_type(None), StateMachineType::Standard);
    }
}
