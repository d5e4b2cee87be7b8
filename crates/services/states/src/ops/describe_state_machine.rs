//! DescribeStateMachine: a state machine, or one of its versions, as it is now.

use super::{in_scope, input, resolve, state_machine_check};
use crate::state::{Revision, StateMachineRecord, seconds, type_name};
use crate::{Shared, errors};
use sekisho_core::{AuthzRequest, AwsError, Check, OpContext, Output};
use serde::Deserialize;
use serde_json::{Value, json};
use std::sync::Arc;

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Input {
    state_machine_arn: String,
}

pub fn authorize(shared: &Shared, req: &AuthzRequest<'_>) -> Result<Vec<Check>, AwsError> {
    let i: Input = input(req.input)?;
    Ok(vec![state_machine_check(shared, "states:DescribeStateMachine", &i.state_machine_arn)?.1])
}

/// The members every description of a revision shares.
pub fn revision_json(m: &StateMachineRecord, r: &Revision) -> Value {
    let mut v = json!({
        "name": m.name,
        "definition": r.definition.as_str(),
        "roleArn": r.role_arn,
        "type": type_name(m.kind),
        "loggingConfiguration": r.logging.to_json(),
        "tracingConfiguration": {"enabled": r.tracing_enabled},
    });
    if let Some(id) = &r.revision_id {
        v["revisionId"] = json!(id);
    }
    v
}

pub async fn handle(shared: &Arc<Shared>, ctx: OpContext, value: Value) -> Result<Output, AwsError> {
    let i: Input = input(&value)?;
    let (r, _) = state_machine_check(shared, "states:DescribeStateMachine", &i.state_machine_arn)?;
    if !in_scope(&ctx.region, &r.region) {
        return Err(errors::state_machine_does_not_exist(&i.state_machine_arn));
    }
    shared.store.read(&r.account, &r.region, |s| {
        let s = s.ok_or_else(|| errors::state_machine_does_not_exist(&i.state_machine_arn))?;
        let (m, revision, version_arn) = resolve(s, &r, &i.state_machine_arn)?;
        let mut v = revision_json(m, &revision);
        v["stateMachineArn"] = json!(i.state_machine_arn);
        v["status"] = json!("ACTIVE");
        match version_arn
            .as_ref()
            .and_then(|_| m.versions.iter().find(|x| Some(m.version_arn(x.number)) == version_arn))
        {
            Some(version) => {
                v["creationDate"] = seconds(version.creation_ms);
                if let Some(d) = &version.description {
                    v["description"] = json!(d);
                }
            }
            None => v["creationDate"] = seconds(m.creation_ms),
        }
        Ok(v.into())
    })
}
