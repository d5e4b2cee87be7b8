//! PublishStateMachineVersion: the latest revision as a numbered, immutable version. Publishing a revision
//! that already is the newest version answers that version.

use super::{in_scope, input, state_machine_check};
use crate::state::{StateMachineRecord, VersionRecord, seconds};
use crate::{Shared, errors};
use sekisho_core::{AuthzRequest, AwsError, Check, OpContext, Output};
use serde::Deserialize;
use serde_json::{Value, json};
use std::sync::Arc;

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Input {
    state_machine_arn: String,
    revision_id: Option<String>,
    description: Option<String>,
}

pub fn authorize(shared: &Shared, req: &AuthzRequest<'_>) -> Result<Vec<Check>, AwsError> {
    let i: Input = input(req.input)?;
    Ok(vec![state_machine_check(shared, "states:PublishStateMachineVersion", &i.state_machine_arn)?.1])
}

/// Publishes the current revision; the version number.
pub fn publish(m: &mut StateMachineRecord, description: Option<String>, now: i64) -> u32 {
    if let Some(last) = m.versions.last()
        && !last.revision.differs(&m.current)
        && last.revision.revision_id == m.current.revision_id
    {
        return last.number;
    }
    let number = m.next_version;
    m.next_version += 1;
    m.versions.push(VersionRecord { number, revision: m.current.clone(), description, creation_ms: now });
    number
}

pub async fn handle(shared: &Arc<Shared>, ctx: OpContext, value: Value) -> Result<Output, AwsError> {
    let i: Input = input(&value)?;
    let (r, _) = state_machine_check(shared, "states:PublishStateMachineVersion", &i.state_machine_arn)?;
    let not_found = || errors::state_machine_does_not_exist(&i.state_machine_arn);
    if r.qualifier.is_some() || !in_scope(&ctx.region, &r.region) {
        return Err(not_found());
    }
    let now = ctx.now_ms();
    shared.store.with(&r.account, &r.region, |s| {
        let m = s.state_machines.get_mut(&r.name).ok_or_else(not_found)?;
        if let Some(wanted) = &i.revision_id
            && m.current.revision_id.as_deref().unwrap_or(&m.arn) != wanted
        {
            // [inf]
            return Err(AwsError::new(
                "ConflictException",
                400,
                format!("Failed to publish the State Machine version for revision {wanted}. The current State Machine revision is {}.", m.current.revision_id.as_deref().unwrap_or("INITIAL")),
            ));
        }
        let number = publish(m, i.description.clone(), now);
        let created = m.version(number).map_or(now, |v| v.creation_ms);
        Ok(json!({"stateMachineVersionArn": m.version_arn(number), "creationDate": seconds(created)}).into())
    })
}
