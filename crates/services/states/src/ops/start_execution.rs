//! StartExecution: a new execution of a state machine (or of one of its versions), driven on its own
//! tokio task. Standard names are unique per state machine; restarting a running execution with the same
//! name and input answers the running one (AWS's idempotency), anything else ExecutionAlreadyExists.

use super::{in_scope, input, resolve_start, state_machine_check};
use crate::run::driver::{self, Drive};
use crate::state::{ExecutionRecord, MockRun, seconds};
use crate::{Shared, arn, errors, names};
use sekisho_asl::definition::{StateMachine, StateMachineType};
use sekisho_asl::env::SeededEnv;
use sekisho_asl::exec::{Execution, ExecutionContext, Status};
use sekisho_core::{AuthzRequest, AwsError, Check, OpContext, Output};
use serde::Deserialize;
use serde_json::{Value, json};
use std::sync::Arc;

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Input {
    pub state_machine_arn: String,
    pub name: Option<String>,
    pub input: Option<String>,
}

pub fn authorize(shared: &Shared, req: &AuthzRequest<'_>) -> Result<Vec<Check>, AwsError> {
    let i: Input = input(req.input)?;
    let (arn, _) = test_case(shared, &i.state_machine_arn);
    Ok(vec![state_machine_check(shared, "states:StartExecution", arn)?.1])
}

/// `<state machine ARN>#<test case>` (Step Functions Local's way to pick a mock test case) when a mock
/// configuration is loaded; otherwise the ARN as given.
pub fn test_case<'a>(shared: &Shared, arn: &'a str) -> (&'a str, Option<&'a str>) {
    match (&shared.mock, arn.split_once('#')) {
        (Some(_), Some((base, case))) => (base, Some(case)),
        _ => (arn, None),
    }
}

/// AWS answers unreadable input in the words of its JSON parser (Jackson); the common cases are worded
/// as it words them, the rest with our parser's description.
pub fn input_error(text: &str, e: &serde_json::Error) -> AwsError {
    let trimmed = text.trim_start();
    let detail = match trimmed.chars().next() {
        None => "Invalid execution input.".to_string(),
        Some(c) if c.is_alphabetic() => {
            let token: String = trimmed.chars().take_while(|c| c.is_alphanumeric() || *c == '_').collect();
            format!(
                "Unrecognized token '{token}': was expecting (JSON String, Number, Array, Object or token 'null', 'true' or 'false')"
            )
        }
        Some('{') => match trimmed[1..].trim_start().chars().next() {
            Some(k) if k != '"' && k != '}' => {
                format!(
                    "Unexpected character ('{k}' (code {})): was expecting double-quote to start field name",
                    k as u32
                )
            }
            _ => e.to_string(),
        },
        _ => e.to_string(),
    };
    errors::invalid_execution_input(&detail)
}

/// A started execution: its record is stored and its driver is ready to run.
pub struct Started {
    pub arn: String,
    pub start_ms: i64,
    pub drive: Drive,
    /// `false` when StartExecution answered an execution that was already running.
    pub new: bool,
}

/// Creates the execution record. `sync` marks a StartSyncExecution (Express only).
pub fn begin(shared: &Arc<Shared>, ctx: &OpContext, i: &Input, sync: bool) -> Result<Started, AwsError> {
    let (machine_arn, case) = test_case(shared, &i.state_machine_arn);
    let r = arn::parse_state_machine(machine_arn)?;
    if !in_scope(&ctx.region, &r.region) {
        return Err(errors::state_machine_does_not_exist(machine_arn));
    }
    let generated = sekisho_core::ids::uuid_v4();
    let name = i.name.clone().unwrap_or_else(|| generated.clone());
    if !names::is_valid_name(&name) {
        return Err(errors::invalid_name(&name));
    }
    let input_text = i.input.clone().unwrap_or_else(|| "{}".to_string());
    serde_json::from_str::<Value>(&input_text).map_err(|e| input_error(&input_text, &e))?;
    let now = ctx.now_ms();
    // The alias routing's roll, from the same random bits as the execution's name.
    let roll = (u32::from_str_radix(&generated.replace('-', "")[16..24], 16).unwrap_or(0)) % 100;
    let found = shared.store.read(&r.account, &r.region, |s| {
        let s = s.ok_or_else(|| errors::state_machine_does_not_exist(machine_arn))?;
        let found = resolve_start(s, &r, machine_arn, roll)?;
        let m = found.machine;
        Ok::<_, AwsError>((m.arn.clone(), m.name.clone(), m.kind, found.revision, found.version_arn, found.alias_arn))
    })?;
    let (sm_arn, sm_name, kind, revision, version_arn, alias_arn) = found;
    let mock = match (case, &shared.mock) {
        (Some(case), Some(config)) if config.test_case(&sm_name, case).is_some() => {
            Some(MockRun { test_case: case.to_string(), invocations: Default::default() })
        }
        // [inf] Step Functions Local's answer is not documented.
        (Some(case), _) => {
            return Err(errors::validation(format!(
                "The mock configuration has no test case {case} for the state machine {sm_name}"
            )));
        }
        (None, _) => None,
    };
    if sync && kind != StateMachineType::Express {
        return Err(errors::type_not_supported());
    }
    let machine: Arc<StateMachine> = shared.machine(kind, &revision.definition)?;
    let execution_arn = match kind {
        StateMachineType::Standard => arn::execution(&r.region, &r.account, &sm_name, &name),
        StateMachineType::Express => {
            arn::express_execution(&r.region, &r.account, &sm_name, &name, &sekisho_core::ids::uuid_v4())
        }
    };
    let mut context = ExecutionContext::new(&sm_arn, &name, &revision.role_arn, now);
    context.execution_arn = execution_arn.clone();
    context.state_machine_version_arn = version_arn.clone();
    context.state_machine_alias_arn = alias_arn.clone();
    let seed = u64::from_str_radix(&generated.replace('-', "")[..16], 16).unwrap_or(1);
    let mut env = SeededEnv::new(seed);
    let execution =
        Execution::start_text(&machine, &input_text, context, &mut env).map_err(|e| input_error(&input_text, &e))?;
    let drive = |arn: &str| Drive {
        shared: shared.clone(),
        door: ctx.door.clone(),
        account: r.account.clone(),
        region: r.region.clone(),
        arn: arn.to_string(),
        machine: machine.clone(),
        keep_record: kind == StateMachineType::Standard || sync,
        resumed: false,
    };
    shared.store.with(&r.account, &r.region, |s| {
        if let Some(existing) = s.executions.get(&execution_arn) {
            // Idempotent restart of a running Standard execution with the same input.
            if existing.status() == Status::Running && existing.input_text == input_text && !sync {
                return Ok(Started {
                    arn: execution_arn.clone(),
                    start_ms: existing.start_ms,
                    drive: drive(&execution_arn),
                    new: false,
                });
            }
            return Err(errors::execution_already_exists(&execution_arn));
        }
        let sequence = s.next_sequence;
        s.next_sequence += 1;
        s.executions.insert(
            execution_arn.clone(),
            ExecutionRecord {
                arn: execution_arn.clone(),
                name: name.clone(),
                state_machine_arn: sm_arn.clone(),
                state_machine_name: sm_name.clone(),
                version_arn: version_arn.clone(),
                kind,
                revision: revision.clone(),
                input_text: input_text.clone(),
                start_ms: now,
                sequence,
                execution,
                env,
                request_id: ctx.request_id.clone(),
                logged_events: 0,
                log_stream: None,
                mock: mock.clone(),
                alias_arn: alias_arn.clone(),
                redrive_ms: None,
                redrive_tokens: Vec::new(),
                tasks: Default::default(),
                resting: None,
            },
        );
        Ok(Started { arn: execution_arn.clone(), start_ms: now, drive: drive(&execution_arn), new: true })
    })
}

pub async fn handle(shared: &Arc<Shared>, ctx: OpContext, value: Value) -> Result<Output, AwsError> {
    let i: Input = input(&value)?;
    let started = begin(shared, &ctx, &i, false)?;
    let out = json!({"executionArn": started.arn, "startDate": seconds(started.start_ms)});
    if started.new {
        driver::spawn(started.drive);
    }
    Ok(out.into())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn message(text: &str) -> String {
        let e = serde_json::from_str::<Value>(text).unwrap_err();
        input_error(text, &e).message
    }

    #[test]
    fn input_errors_in_aws_words() {
        assert_eq!(
            message("not json"),
            "Invalid State Machine Execution Input: 'Unrecognized token 'not': was expecting (JSON String, Number, Array, Object or token 'null', 'true' or 'false')'"
        );
        assert_eq!(
            message("{'not': 'json'}"),
            "Invalid State Machine Execution Input: 'Unexpected character (''' (code 39)): was expecting double-quote to start field name'"
        );
        assert_eq!(message(""), "Invalid State Machine Execution Input: 'Invalid execution input.'");
    }
}
