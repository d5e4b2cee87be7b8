//! Task integrations: what a Task state's `Resource` does. The dispatcher assumes a `Credentials` role when
//! the task names one, picks the integration that accepts the resource, and applies the pattern
//! (`.waitForTaskToken` hands the result to the callback). Every call goes through the door.
//!
//! An integration is an [`Integration`]: `accepts` looks at the engine's [`TaskRequest`] (resource type,
//! resource, pattern), `invoke` performs it as the [`TaskContext`]'s caller. The optimized integrations
//! (`lambda:invoke` and Lambda function ARNs, `states:startExecution[.sync|.sync:2]`,
//! `bedrock:invokeModel`) sit beside the generic `aws-sdk:<service>:<action>` one; a resource no
//! integration accepts fails the task with error `NotImplemented`, never with a made-up result.

pub mod aws_sdk;
pub mod bedrock;
mod casing;
pub mod java_v1;
pub mod lambda;
pub mod sdk_errors;
pub mod sdk_metadata;
pub mod start_execution;

use crate::names;
use crate::run::session;
use async_trait::async_trait;
use sekisho_asl::exec::{ExecutionContext, TaskPattern, TaskRequest};
use sekisho_core::{Caller, Door};
use serde_json::Value;
use std::sync::Arc;

/// How a task ended, in the engine's words.
#[derive(Debug, Clone, PartialEq)]
pub enum TaskOutcome {
    Succeeded(Value),
    Failed { error: String, cause: String },
}

impl TaskOutcome {
    pub fn failed(error: impl Into<String>, cause: impl Into<String>) -> Self {
        TaskOutcome::Failed { error: error.into(), cause: cause.into() }
    }
}

/// What the driver does with a performed task.
#[derive(Debug, Clone, PartialEq)]
pub enum Dispatched {
    /// The task is over.
    Done(TaskOutcome),
    /// `.waitForTaskToken`: the request went out (`TaskSubmitted` with this output); SendTaskSuccess or
    /// SendTaskFailure with the token ends the task.
    AwaitingCallback(Value),
}

/// Everything an integration may use besides the request.
#[derive(Clone)]
pub struct TaskContext {
    pub door: Arc<Door>,
    /// Who the task calls as: the execution role's session, or the `Credentials` role's session.
    pub caller: Caller,
    pub execution: ExecutionContext,
    /// The request that started the execution (for `sekisho explain`).
    pub parent_request_id: Option<String>,
    pub hooks: TaskHooks,
}

impl TaskContext {
    /// Records `TaskSubmitted`: a `.sync` job was started and the task now waits for it.
    pub fn submitted(&self, output: Value) {
        if let Some(f) = &self.hooks.submitted {
            f(output);
        }
    }

    /// Resolves once the execution `arn` of this service no longer runs; at once when there is no way to
    /// know (the caller polls then).
    pub async fn execution_ended(&self, arn: &str) {
        if let Some(w) = &self.hooks.executions {
            w.ended(arn).await;
        }
    }
}

/// What the driver lends a running task.
#[derive(Clone, Default)]
pub struct TaskHooks {
    pub submitted: Option<Arc<dyn Fn(Value) + Send + Sync>>,
    pub executions: Option<Arc<dyn ExecutionWatch>>,
    /// `TaskSubmitted`'s output when a restarted sekisho dispatches a `.sync` task again: the job it
    /// started before, to follow rather than start again.
    pub resumed: Option<Value>,
}

/// Lets a `.sync` task wait for a child execution without asking DescribeExecution in a tight loop.
#[async_trait]
pub trait ExecutionWatch: Send + Sync {
    async fn ended(&self, execution_arn: &str);
}

#[async_trait]
pub trait Integration: Send + Sync {
    /// Whether this integration performs the request's resource.
    fn accepts(&self, request: &TaskRequest) -> bool;

    /// Performs the request. For `.waitForTaskToken` the outcome is the service call's; the dispatcher
    /// turns a success into a wait for the callback.
    async fn invoke(&self, request: &TaskRequest, cx: &TaskContext) -> TaskOutcome;
}

/// The integrations an execution may use, tried in order.
#[derive(Clone, Default)]
pub struct Integrations {
    list: Vec<Arc<dyn Integration>>,
}

impl Integrations {
    /// The integrations sekisho has: `aws-sdk:<service>:<action>` and the optimized ones.
    pub fn standard() -> Self {
        let mut i = Integrations::default();
        i.register(Arc::new(aws_sdk::AwsSdk));
        i.register(Arc::new(lambda::LambdaInvoke));
        i.register(Arc::new(start_execution::StartExecution));
        i.register(Arc::new(bedrock::InvokeModel));
        i
    }

    /// Adds an integration, tried before the ones already registered.
    pub fn register(&mut self, integration: Arc<dyn Integration>) {
        self.list.insert(0, integration);
    }

    /// Performs a task: `Credentials` first, then the integration, then the pattern.
    pub async fn perform(&self, request: &TaskRequest, cx: &TaskContext) -> Dispatched {
        let mut cx = cx.clone();
        if let Some(role) = &request.role_arn {
            let rule = names::task_role_session(&cx.execution.state_machine_name, &cx.execution.state_machine_arn);
            let assumed = session::assume(
                &cx.door,
                &cx.caller,
                role,
                &rule.session_name,
                rule.external_id.as_deref(),
                &request.region,
                cx.parent_request_id.as_deref(),
            )
            .await;
            match assumed {
                Ok(s) => cx.caller = s.caller,
                Err(_) => {
                    // SFN-5: AWS's text, naming the execution role and the task's role.
                    let cause = format!(
                        "The role {} is not authorized to assume the task state's role, {role}.",
                        cx.execution.role_arn
                    );
                    return Dispatched::Done(TaskOutcome::failed("States.TaskFailed", cause));
                }
            }
        }
        let Some(integration) = self.list.iter().find(|i| i.accepts(request)) else {
            let cause = format!("sekisho does not implement the integration {} yet", request.resource_arn);
            return Dispatched::Done(TaskOutcome::failed("NotImplemented", cause));
        };
        let outcome = integration.invoke(request, &cx).await;
        match (request.pattern, outcome) {
            (TaskPattern::WaitForTaskToken, TaskOutcome::Succeeded(v)) => Dispatched::AwaitingCallback(v),
            (_, outcome) => Dispatched::Done(outcome),
        }
    }
}

/// The parameters of an optimized integration: an object with only `allowed` fields and every one of
/// `required`; otherwise the `States.Runtime` failure Step Functions answers.
pub(crate) fn parameters<'p>(
    request: &'p TaskRequest,
    allowed: &[&str],
    required: &[&str],
) -> Result<&'p serde_json::Map<String, Value>, TaskOutcome> {
    let Value::Object(params) = &request.parameters else {
        // [inf]
        return Err(TaskOutcome::failed("States.Runtime", "The parameters of the task must be a JSON object"));
    };
    if let Some(unknown) = params.keys().find(|k| !allowed.contains(&k.as_str())) {
        return Err(TaskOutcome::failed(
            "States.Runtime",
            format!("The field \"{unknown}\" is not supported by Step Functions"),
        ));
    }
    if let Some(missing) = required.iter().find(|r| params.get(**r).is_none_or(Value::is_null)) {
        // [inf] The wording of the definition check, at run time.
        return Err(TaskOutcome::failed(
            "States.Runtime",
            format!("The field '{missing}' is required but was missing"),
        ));
    }
    Ok(params)
}

/// A JSON value as the text a service receives: strings as they are, anything else serialized.
pub(crate) fn as_text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// Text that is JSON becomes that JSON; other text stays a string.
pub(crate) fn parse_or_string(text: &str) -> Value {
    serde_json::from_str(text).unwrap_or_else(|_| Value::String(text.to_string()))
}
