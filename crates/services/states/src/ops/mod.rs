//! One module per Step Functions operation, each with its authorization entry (`authorize`) beside its
//! handler (`handle`), and the helpers they share: typed input, lookups by ARN, condition-key context.

pub mod create_activity;
pub mod create_state_machine;
pub mod create_state_machine_alias;
pub mod delete_activity;
pub mod delete_state_machine;
pub mod delete_state_machine_alias;
pub mod delete_state_machine_version;
pub mod describe_activity;
pub mod describe_execution;
pub mod describe_map_run;
pub mod describe_state_machine;
pub mod describe_state_machine_alias;
pub mod describe_state_machine_for_execution;
pub mod get_activity_task;
pub mod get_execution_history;
pub mod list_activities;
pub mod list_executions;
pub mod list_map_runs;
pub mod list_state_machine_aliases;
pub mod list_state_machine_versions;
pub mod list_state_machines;
pub mod list_tags_for_resource;
pub mod publish_state_machine_version;
pub mod redrive_execution;
pub mod send_task_failure;
pub mod send_task_heartbeat;
pub mod send_task_success;
pub mod start_execution;
pub mod start_sync_execution;
pub mod stop_execution;
pub mod tag_resource;
pub mod test_state;
pub mod untag_resource;
pub mod update_map_run;
pub mod update_state_machine;
pub mod update_state_machine_alias;
pub mod validate_state_machine_definition;

mod logging_config;
mod map_runs;
mod paging;
mod task_token;

use crate::Shared;
use crate::arn::{self, ActivityRef, ExecutionRef, Qualifier, StateMachineRef};
use crate::errors;
use crate::state::{ExecutionRecord, Revision, StateMachineRecord, StatesState};
use sekisho_core::{AwsError, Check};
use serde::Deserialize;
use serde::de::DeserializeOwned;
use serde_json::Value;

/// The operation's input as its typed shape.
pub fn input<T: DeserializeOwned>(value: &Value) -> Result<T, AwsError> {
    T::deserialize(value).map_err(errors::malformed)
}

#[derive(Deserialize, Clone)]
pub struct Tag {
    pub key: String,
    #[serde(default)]
    pub value: String,
}

/// `aws:RequestTag/<key>` for each tag and `aws:TagKeys`, for operations that set tags.
pub fn with_request_tags(mut check: Check, tags: &[Tag]) -> Check {
    if tags.is_empty() {
        return check;
    }
    for t in tags {
        check = check.with_context(&format!("aws:RequestTag/{}", t.key), t.value.clone());
    }
    check.with_context_values("aws:TagKeys", tags.iter().map(|t| t.key.clone()).collect())
}

/// `aws:ResourceTag/<key>` for each tag of the state machine, so tag-based conditions see them.
pub fn with_resource_tags(shared: &Shared, r: &StateMachineRef, mut check: Check) -> Check {
    let tags = shared.store.read(&r.account, &r.region, |s| {
        s.and_then(|s| s.state_machines.get(&r.name)).map(|m| m.tags.clone()).unwrap_or_default()
    });
    for (k, v) in tags {
        check = check.with_context(&format!("aws:ResourceTag/{k}"), v);
    }
    check
}

/// The tags of a state machine or activity.
pub fn tags_of<'s>(s: &'s StatesState, t: &arn::Taggable) -> Option<&'s Vec<(String, String)>> {
    match t {
        arn::Taggable::StateMachine(r) => s.state_machines.get(&r.name).map(|m| &m.tags),
        arn::Taggable::Activity(a) => s.activities.get(&a.name).map(|a| &a.tags),
    }
}

pub fn tags_of_mut<'s>(s: &'s mut StatesState, t: &arn::Taggable) -> Option<&'s mut Vec<(String, String)>> {
    match t {
        arn::Taggable::StateMachine(r) => s.state_machines.get_mut(&r.name).map(|m| &mut m.tags),
        arn::Taggable::Activity(a) => s.activities.get_mut(&a.name).map(|a| &mut a.tags),
    }
}

/// The check of a tagging action on a state machine or activity, with its tags as `aws:ResourceTag`.
pub fn taggable_check(shared: &Shared, action: &str, arn_text: &str) -> Result<(arn::Taggable, Check), AwsError> {
    let t = arn::parse_taggable(arn_text)?;
    let (account, region) = t.scope();
    let tags = shared.store.read(account, region, |s| s.and_then(|s| tags_of(s, &t)).cloned().unwrap_or_default());
    let mut check = Check::new(action, arn_text);
    for (k, v) in tags {
        check = check.with_context(&format!("aws:ResourceTag/{k}"), v);
    }
    Ok((t, check))
}

/// `states:StateMachineQualifier` for qualified ARNs.
pub fn with_qualifier(check: Check, r: &StateMachineRef) -> Check {
    match &r.qualifier {
        Some(Qualifier::Version(n)) => check.with_context("states:StateMachineQualifier", n.to_string()),
        Some(Qualifier::Alias(a)) => check.with_context("states:StateMachineQualifier", a.clone()),
        None => check,
    }
}

/// The check of an action on a state machine ARN as the caller wrote it (qualifier included).
pub fn state_machine_check(
    shared: &Shared,
    action: &str,
    arn_text: &str,
) -> Result<(StateMachineRef, Check), AwsError> {
    let r = arn::parse_state_machine(arn_text)?;
    let check = with_qualifier(with_resource_tags(shared, &r, Check::new(action, arn_text)), &r);
    Ok((r, check))
}

/// The check of an action on an activity ARN, with the activity's tags as `aws:ResourceTag`.
pub fn activity_check(shared: &Shared, action: &str, arn_text: &str) -> Result<(ActivityRef, Check), AwsError> {
    let r = arn::parse_activity(arn_text)?;
    let tags = shared.store.read(&r.account, &r.region, |s| {
        s.and_then(|s| s.activities.get(&r.name)).map(|a| a.tags.clone()).unwrap_or_default()
    });
    let mut check = Check::new(action, arn_text);
    for (k, v) in tags {
        check = check.with_context(&format!("aws:ResourceTag/{k}"), v);
    }
    Ok((r, check))
}

/// The check of an action on an execution ARN; `aws:ResourceTag` are the state machine's tags.
pub fn execution_check(shared: &Shared, action: &str, arn_text: &str) -> Result<(ExecutionRef, Check), AwsError> {
    let e = arn::parse_execution(arn_text)?;
    let machine = StateMachineRef {
        region: e.region.clone(),
        account: e.account.clone(),
        name: e.state_machine.clone(),
        qualifier: None,
    };
    let check = with_resource_tags(shared, &machine, Check::new(action, arn_text));
    Ok((e, check))
}

pub fn star(action: &str) -> Result<Vec<Check>, AwsError> {
    Ok(vec![Check::new(action, "*")])
}

/// Resources live in the ARN's account and region; an ARN of another region names nothing here.
pub fn in_scope(req_region: &str, arn_region: &str) -> bool {
    req_region == arn_region
}

/// The state machine an ARN names in `state`, with the revision it selects (a version's, or the latest).
pub fn resolve<'s>(
    state: &'s StatesState,
    r: &StateMachineRef,
    arn_text: &str,
) -> Result<(&'s StateMachineRecord, Revision, Option<String>), AwsError> {
    let m = state.state_machines.get(&r.name).ok_or_else(|| errors::state_machine_does_not_exist(arn_text))?;
    match &r.qualifier {
        None => Ok((m, m.current.clone(), None)),
        Some(Qualifier::Version(n)) => {
            let v = m.version(*n).ok_or_else(|| errors::state_machine_does_not_exist(arn_text))?;
            Ok((m, v.revision.clone(), Some(m.version_arn(*n))))
        }
        // Reads through an alias name the alias's first version (starts pick one: `resolve_start`).
        Some(Qualifier::Alias(a)) => {
            let alias = m.alias(a).ok_or_else(|| errors::resource_not_found(arn_text))?;
            let n = alias.routing.first().map(|(v, _)| *v).ok_or_else(|| errors::resource_not_found(arn_text))?;
            let v = m.version(n).ok_or_else(|| errors::state_machine_does_not_exist(arn_text))?;
            Ok((m, v.revision.clone(), Some(m.version_arn(n))))
        }
    }
}

/// What a start runs.
pub struct Resolved<'s> {
    pub machine: &'s StateMachineRecord,
    pub revision: Revision,
    pub version_arn: Option<String>,
    pub alias_arn: Option<String>,
}

/// What a start runs: like [`resolve`], and through an alias the version its routing picks with `roll`
/// (uniform in 0..100), with the alias ARN.
pub fn resolve_start<'s>(
    state: &'s StatesState,
    r: &StateMachineRef,
    arn_text: &str,
    roll: u32,
) -> Result<Resolved<'s>, AwsError> {
    let m = state.state_machines.get(&r.name).ok_or_else(|| errors::state_machine_does_not_exist(arn_text))?;
    let Some(Qualifier::Alias(a)) = &r.qualifier else {
        let (machine, revision, version_arn) = resolve(state, r, arn_text)?;
        return Ok(Resolved { machine, revision, version_arn, alias_arn: None });
    };
    let alias = m.alias(a).ok_or_else(|| errors::resource_not_found(arn_text))?;
    let n = crate::aliases::pick(&alias.routing, roll).ok_or_else(|| errors::resource_not_found(arn_text))?;
    let v = m.version(n).ok_or_else(|| errors::state_machine_does_not_exist(arn_text))?;
    let (revision, version_arn, alias_arn) = (v.revision.clone(), Some(m.version_arn(n)), Some(m.alias_arn(a)));
    Ok(Resolved { machine: m, revision, version_arn, alias_arn })
}

/// An alias ARN's state machine and alias name; anything else (or another region) is ResourceNotFound,
/// as AWS answers alias operations [inf].
pub fn alias_lookup(region: &str, arn_text: &str) -> Result<(StateMachineRef, String), AwsError> {
    let r = arn::parse_state_machine(arn_text)?;
    match &r.qualifier {
        Some(Qualifier::Alias(a)) if in_scope(region, &r.region) => {
            let name = a.clone();
            Ok((r, name))
        }
        Some(Qualifier::Alias(_)) => Err(errors::resource_not_found(arn_text)),
        // [inf]
        _ => Err(errors::validation(format!("Invalid State Machine Alias Arn: '{arn_text}'"))),
    }
}

/// Runs `f` on the execution an ARN names, or answers that it does not exist.
pub fn read_execution<R>(
    shared: &Shared,
    region: &str,
    arn_text: &str,
    f: impl FnOnce(&ExecutionRecord) -> Result<R, AwsError>,
) -> Result<R, AwsError> {
    let e = arn::parse_execution(arn_text)?;
    if !in_scope(region, &e.region) {
        return Err(errors::execution_does_not_exist(arn_text));
    }
    shared.store.read(&e.account, &e.region, |s| {
        let rec =
            s.and_then(|s| s.executions.get(arn_text)).ok_or_else(|| errors::execution_does_not_exist(arn_text))?;
        f(rec)
    })
}
