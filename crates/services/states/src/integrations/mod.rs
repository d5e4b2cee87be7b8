//! Task integrations: what a Task state's `Resource` does. The dispatcher assumes a `Credentials` role when
//! the task names one, picks the integration that accepts the resource, and applies the pattern
//! (`.waitForTaskToken` hands the result to the callback). Every call goes through the door.
//!
//! An integration is an [`Integration`]: `accepts` looks at the engine's [`TaskRequest`] (resource type,
//! resource, pattern), `invoke` performs it as the [`TaskContext`]'s caller. Optimized integrations
//! (`lambda:invoke`, `states:startExecution.sync`, ...) and mocks register the same way; a resource no
//! integration accepts fails the task with error `NotImplemented`, never with a made-up result.

pub mod aws_sdk;
mod casing;
pub mod sdk_errors;

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
    /// The integrations sekisho has: `aws-sdk:<service>:<action>`.
    pub fn standard() -> Self {
        let mut i = Integrations::default();
        i.register(Arc::new(aws_sdk::AwsSdk));
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
