//! TestState: runs one state (alone, or picked by `stateName` from a whole definition) on an input, with an
//! optional mocked task result. An unmocked Task is performed for real, through the door, as a session of
//! `roleArn` assumed by `states.amazonaws.com`.

use super::create_state_machine::pass_role;
use super::start_execution::input_error;
use super::{input, star};
use crate::integrations::{Dispatched, TaskContext, TaskOutcome};
use crate::run::evaluate::off_the_workers;
use crate::run::session;
use crate::{Shared, errors, names};
use sekisho_asl::env::SeededEnv;
use sekisho_asl::exec::ExecutionContext;
use sekisho_asl::test_state::{Mock, TestRun, TestStatus};
use sekisho_core::{AuthzRequest, AwsError, Check, OpContext, Output};
use serde::Deserialize;
use serde_json::{Map, Value, json};
use std::sync::Arc;

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Input {
    definition: String,
    role_arn: Option<String>,
    input: Option<String>,
    inspection_level: Option<String>,
    #[serde(default)]
    reveal_secrets: bool,
    variables: Option<String>,
    state_name: Option<String>,
    mock: Option<MockInput>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct MockInput {
    result: Option<String>,
    error_output: Option<MockError>,
}

#[derive(Deserialize)]
struct MockError {
    error: Option<String>,
    cause: Option<String>,
}

pub fn authorize(_shared: &Shared, req: &AuthzRequest<'_>) -> Result<Vec<Check>, AwsError> {
    let i: Input = input(req.input)?;
    let mut checks = star("states:TestState")?;
    if let Some(role) = &i.role_arn {
        checks.push(pass_role(role));
    }
    if i.reveal_secrets {
        checks.push(Check::new("states:RevealSecrets", "*"));
    }
    Ok(checks)
}

/// The state to test: the definition itself, or `stateName` of a whole state machine (inheriting its
/// top-level `QueryLanguage`).
fn state_text(definition: &str, state_name: Option<&str>) -> Result<String, AwsError> {
    let Some(name) = state_name else { return Ok(definition.to_string()) };
    let whole: Value = serde_json::from_str(definition).map_err(|e| {
        errors::invalid_definition(format!("Invalid State Machine Definition: 'INVALID_JSON_DESCRIPTION: {e}'"))
    })?;
    let mut state = whole
        .get("States")
        .and_then(|s| s.get(name))
        .cloned()
        // [inf]
        .ok_or_else(|| errors::validation(format!("State '{name}' is not found in the definition")))?;
    if let (Some(ql), Some(obj)) = (whole.get("QueryLanguage"), state.as_object_mut()) {
        obj.entry("QueryLanguage").or_insert_with(|| ql.clone());
    }
    Ok(state.to_string())
}

fn json_text(text: Option<&str>, default: &str) -> Result<Value, AwsError> {
    let text = text.unwrap_or(default);
    serde_json::from_str(text).map_err(|e| input_error(text, &e))
}

pub async fn handle(shared: &Arc<Shared>, ctx: OpContext, value: Value) -> Result<Output, AwsError> {
    let i: Input = input(&value)?;
    let state = state_text(&i.definition, i.state_name.as_deref())?;
    let state_input = json_text(i.input.as_deref(), "{}")?;
    let variables: Map<String, Value> = match json_text(i.variables.as_deref(), "{}")? {
        Value::Object(m) => m,
        // [inf]
        _ => return Err(errors::validation("Variables must be a JSON object")),
    };
    let mock = match i.mock {
        Some(MockInput { result: Some(r), .. }) => Some(Mock::Result(
            serde_json::from_str(&r).map_err(|e| errors::validation(format!("Invalid mock result: {e}")))?,
        )),
        Some(MockInput { error_output: Some(e), .. }) => {
            Some(Mock::Error { error: e.error.unwrap_or_default(), cause: e.cause.unwrap_or_default() })
        }
        _ => None,
    };
    let now = ctx.now_ms();
    let account = ctx.account().to_string();
    let sm_arn = crate::arn::state_machine(&ctx.region, &account, "TestStateMachine");
    let role = i.role_arn.clone().unwrap_or_default();
    let name = sekisho_core::ids::uuid_v4();
    let context = ExecutionContext::new(&sm_arn, &name, &role, now);
    let mut env = SeededEnv::new(now as u64);
    let watch = shared.watch();
    let mut run = TestRun::start(&state, state_input, variables, mock, context.clone(), &mut env)
        .map_err(|e| errors::invalid_definition(e.to_string()))?
        .with_watch(watch.clone());
    loop {
        // The state's expressions run off the async workers, under the expression budget.
        let (back, env_back, task) = off_the_workers(watch.clone(), shared.expression_timeout, move |_| {
            let task = run.next_task(&mut env);
            (run, env, task)
        })
        .await
        .map_err(|_| AwsError::internal("the state could not be run"))?;
        (run, env) = (back, env_back);
        let Some(task) = task else { break };
        let Some(role_arn) = &i.role_arn else {
            // [inf]
            return Err(errors::validation("A roleArn is required to test a Task state without a mock"));
        };
        let service = session::service_caller(&sm_arn, &account);
        let session_name = names::execution_session_name(&name);
        let caller =
            session::assume(&ctx.door, &service, role_arn, &session_name, None, &ctx.region, Some(&ctx.request_id))
                .await
                .map_err(|_| errors::role_not_assumable())?
                .caller;
        let cx = TaskContext {
            door: ctx.door.clone(),
            caller,
            execution: context.clone(),
            parent_request_id: Some(ctx.request_id.clone()),
            hooks: Default::default(),
        };
        let outcome = match shared.integrations.perform(&task, &cx).await {
            Dispatched::Done(TaskOutcome::Succeeded(v)) | Dispatched::AwaitingCallback(v) => Ok(v),
            Dispatched::Done(TaskOutcome::Failed { error, cause }) => Err((error, cause)),
        };
        run.complete(task.id, outcome);
    }
    let result = run.finish();
    let status = match result.status {
        TestStatus::Succeeded => "SUCCEEDED",
        TestStatus::Failed => "FAILED",
        TestStatus::Retriable => "RETRIABLE",
        TestStatus::CaughtError => "CAUGHT_ERROR",
    };
    let mut out = json!({"status": status});
    if let Some(o) = &result.output {
        out["output"] = json!(sekisho_asl::json::to_text(o));
    }
    if let Some(e) = result.error {
        out["error"] = json!(e);
    }
    if let Some(c) = result.cause {
        out["cause"] = json!(c);
    }
    if let Some(n) = result.next_state {
        out["nextState"] = json!(n);
    }
    if matches!(i.inspection_level.as_deref(), Some("DEBUG") | Some("TRACE")) {
        out["inspectionData"] = result.inspection_data;
    }
    Ok(out.into())
}
