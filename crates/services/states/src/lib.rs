//! AWS Step Functions (json 1.0, `AWSStepFunctions.<Op>`, signing name `states`): state machines,
//! executions driven by the ASL engine on tokio tasks, history, CloudWatch Logs delivery, task integrations.
//!
//! Implemented (state per account and region, plain data in [`StatesState`]):
//! - State machines: CreateStateMachine (Standard and Express, AWS's `InvalidDefinition` texts from the
//!   engine, logging configuration checks, tags, `publish`, idempotent re-create), DescribeStateMachine
//!   (versions too), UpdateStateMachine, DeleteStateMachine, ListStateMachines, ValidateStateMachineDefinition,
//!   PublishStateMachineVersion, ListStateMachineVersions, DeleteStateMachineVersion.
//! - Executions: StartExecution (name reuse rules, idempotent restart, input checks), StartSyncExecution
//!   (Express), StopExecution, DescribeExecution, ListExecutions, GetExecutionHistory (paging, reverse
//!   order, `includeExecutionData`), DescribeStateMachineForExecution, TestState.
//! - Tags (state machines and activities): TagResource, UntagResource, ListTagsForResource. Callbacks:
//!   SendTaskSuccess, SendTaskFailure, SendTaskHeartbeat.
//! - Activities: CreateActivity (idempotent by name), DescribeActivity, DeleteActivity, ListActivities,
//!   GetActivityTask (a 60-second long poll; the task's `ActivityStarted` names the worker). An activity Task
//!   is queued for workers by the driver (`run/driver.rs`) instead of being performed, and withdrawn when it
//!   times out or its execution ends.
//! - RedriveExecution (the engine continues from the state the execution ended in, `ExecutionRedriven`;
//!   `redriveCount`, `redriveDate`, `redriveStatus` in DescribeExecution and ListExecutions' `redriveFilter`).
//! - Map runs of distributed Map states: ListMapRuns, DescribeMapRun, UpdateMapRun (the runs live in the
//!   execution's engine state; their children are iterations of the engine, not executions of their own).
//! - Aliases: Create/Describe/Update/Delete/ListStateMachineAliases; StartExecution with an alias ARN picks a
//!   version by the routing's weights (`aliases.rs`) and records `stateMachineAliasArn`.
//!
//! Who acts: CreateStateMachine checks `iam:PassRole` and asks STS, through the door and as
//! `states.amazonaws.com`, to assume the execution role. An execution acts as a session of its execution
//! role, opened the same way and renewed before it expires; tasks and log delivery call other services
//! through the door as that session (a Task's `Credentials` role is assumed from it, ExternalId = the
//! state machine ARN). CloudWatch Logs delivery is made as the execution role's session because AWS's log
//! delivery acts for that role (the role's policy must allow `logs:CreateLogStream` and `logs:PutLogEvents`
//! on the group, which the delivery permissions AWS documents include).
//!
//! Task integrations (`integrations/`): `aws-sdk:<service>:<action>`, and the optimized `lambda:invoke`
//! (and Lambda function ARNs), `states:startExecution` (`.sync`, `.sync:2`, `.waitForTaskToken`) and
//! `bedrock:invokeModel`; any of them with `.waitForTaskToken`. Mocked integrations (`mock.rs`) in Step
//! Functions Local's format come from `[states] mock_config` in `sekisho.toml`.
//!
//! Not implemented: KMS encryption (stored, not applied), X-Ray tracing (stored), the other optimized
//! integrations (SQS, SNS, DynamoDB, ECS, ...): a task naming one fails with error `NotImplemented`;
//! ItemReader/ResultWriter (they need S3); map run child executions (ListExecutions by `mapRunArn`,
//! DescribeExecution of a child) and map run redrive; redriving only the failed branches of a Parallel or
//! iterations of an inline Map (the whole state runs again).

// AwsError is the whole error vocabulary of the door; boxing it per crate would only add noise.
#![allow(clippy::result_large_err)]

pub mod aliases;
pub mod arn;
mod errors;
pub mod integrations;
pub mod memory;
pub mod mock;
pub mod names;
mod ops;
mod run;
pub mod state;

use integrations::Integrations;
use sekisho_asl::definition::{StateMachine, StateMachineType};
use sekisho_core::service::not_implemented;
use sekisho_core::state::Regional;
use sekisho_core::{AuthzRequest, AwsError, Check, OpContext, Output, Service};
use sekisho_wire::sigv4::ErrorStyle;
use serde_json::Value;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

pub use state::StatesState;

/// The service principal Step Functions acts as.
pub const SERVICE_PRINCIPAL: &str = "states.amazonaws.com";

/// `[states]` in `sekisho.toml`.
#[derive(Debug, Default, serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct StatesConfig {
    /// A mock configuration file in Step Functions Local's format (relative to the working directory).
    mock_config: Option<String>,
    /// How long one JSONata expression may evaluate before it fails (`States.QueryEvaluationError`).
    expression_timeout_ms: Option<u64>,
}

/// Parsed definitions by machine type and definition text.
type MachineCache = HashMap<(StateMachineType, Arc<String>), Arc<StateMachine>>;

/// Everything the operations and the running executions share.
pub(crate) struct Shared {
    pub store: Regional<StatesState>,
    /// Parsed definitions by definition text and type: executions of one machine share one parse.
    machines: Mutex<MachineCache>,
    pub runs: run::Runs,
    pub integrations: Integrations,
    /// Step Functions Local's mock configuration, when `[states] mock_config` names one.
    pub mock: Option<Arc<mock::MockConfig>>,
    /// How long one expression may evaluate (`[states] expression_timeout_ms`).
    pub expression_timeout: std::time::Duration,
    /// How much one expression may allocate (counted when the binary installs the metered allocator).
    pub expression_memory: Arc<memory::MemoryBudget>,
    /// Rung when an activity task is scheduled: GetActivityTask polls look again.
    pub activity_bell: tokio::sync::Notify,
}

impl Shared {
    /// A watch for one engine step: its expressions are timed by the caller's watchdog and metered.
    pub fn watch(&self) -> sekisho_asl::budget::Watch {
        sekisho_asl::budget::Watch::with_meter(self.expression_memory.clone())
    }
}

/// How long a call that reported to an execution waits for an engine step in flight to end (steps are
/// short; expressions are bounded by their own budget).
const SETTLE_WAIT: std::time::Duration = std::time::Duration::from_secs(10);

impl Shared {
    /// Returns once no engine step holds the execution `arn`: while one does, the store keeps the
    /// execution as it was before the step, so what a call just reported (a task's success, a stop) is
    /// durable only once the step is put back. The door commits after the handler returns.
    pub async fn settled(&self, arn: &str) {
        let deadline = std::time::Instant::now() + SETTLE_WAIT;
        while std::time::Instant::now() < deadline {
            let stepping = self
                .store
                .read_all(|all| all.values().any(|s| s.executions.get(arn).is_some_and(|r| r.resting.is_some())));
            if !stepping {
                return;
            }
            tokio::time::sleep(std::time::Duration::from_millis(1)).await;
        }
    }
}

impl Shared {
    /// The parsed machine for a definition that was valid when it was stored.
    pub fn machine(&self, kind: StateMachineType, definition: &Arc<String>) -> Result<Arc<StateMachine>, AwsError> {
        let key = (kind, definition.clone());
        if let Some(sm) = self.machines.lock().unwrap_or_else(|e| e.into_inner()).get(&key) {
            return Ok(sm.clone());
        }
        let engine = Arc::new(sekisho_asl::query::JsonataEngine);
        let sm = StateMachine::parse_with(definition, kind, engine)
            .map_err(|e| errors::invalid_definition(e.to_string()))?;
        let sm = Arc::new(sm);
        let mut cache = self.machines.lock().unwrap_or_else(|e| e.into_inner());
        // Definitions change rarely; a full cache is simply started again.
        if cache.len() >= 256 {
            cache.clear();
        }
        cache.insert(key, sm.clone());
        Ok(sm)
    }
}

/// The Step Functions service, registered into the door as `stepfunctions`.
pub struct StepFunctions {
    shared: Arc<Shared>,
}

impl Default for StepFunctions {
    fn default() -> Self {
        Self::new()
    }
}

impl StepFunctions {
    /// With the standard task integrations.
    pub fn new() -> Self {
        Self::with_integrations(Integrations::standard())
    }

    pub fn with_integrations(integrations: Integrations) -> Self {
        Self::build(integrations, None, None)
    }

    /// With the standard integrations and the `[states]` section of the world's configuration.
    pub fn from_config(world: &sekisho_core::World) -> Result<Self, String> {
        let cfg: StatesConfig = world.config.section("states")?;
        let mock = match cfg.mock_config {
            Some(path) => Some(mock::MockConfig::load(&path)?),
            None => None,
        };
        Ok(Self::build(Integrations::standard(), mock, cfg.expression_timeout_ms))
    }

    /// With the standard integrations and a mock configuration.
    pub fn with_mock_config(mock: mock::MockConfig) -> Self {
        Self::build(Integrations::standard(), Some(mock), None)
    }

    /// With the standard integrations and this time budget per expression.
    pub fn with_expression_timeout(timeout: std::time::Duration) -> Self {
        Self::build(Integrations::standard(), None, Some(timeout.as_millis() as u64))
    }

    fn build(integrations: Integrations, mock: Option<mock::MockConfig>, timeout_ms: Option<u64>) -> Self {
        let timeout_ms = timeout_ms.unwrap_or(run::evaluate::DEFAULT_EXPRESSION_TIMEOUT_MS).max(1);
        StepFunctions {
            shared: Arc::new(Shared {
                store: Regional::default(),
                machines: Mutex::new(HashMap::new()),
                runs: run::Runs::default(),
                integrations,
                mock: mock.map(Arc::new),
                expression_timeout: std::time::Duration::from_millis(timeout_ms),
                expression_memory: Arc::new(memory::MemoryBudget { bytes: memory::DEFAULT_EXPRESSION_MEMORY_BYTES }),
                activity_bell: tokio::sync::Notify::new(),
            }),
        }
    }

    /// The state of every (account, region), for persistence.
    pub fn state(&self) -> &Regional<StatesState> {
        &self.shared.store
    }
}

/// Routes an operation name to its module's `authorize` and `handle`.
macro_rules! operations {
    ($($name:literal => $module:ident),* $(,)?) => {
        fn authorize_op(shared: &Shared, req: &AuthzRequest<'_>) -> Result<Vec<Check>, AwsError> {
            match req.operation {
                $($name => ops::$module::authorize(shared, req),)*
                other => Err(not_implemented("stepfunctions", other)),
            }
        }

        async fn handle_op(shared: &Arc<Shared>, ctx: OpContext, operation: &str, input: Value) -> Result<Output, AwsError> {
            match operation {
                $($name => ops::$module::handle(shared, ctx, input).await,)*
                other => Err(not_implemented("stepfunctions", other)),
            }
        }
    };
}

operations! {
    "CreateStateMachine" => create_state_machine,
    "DescribeStateMachine" => describe_state_machine,
    "UpdateStateMachine" => update_state_machine,
    "DeleteStateMachine" => delete_state_machine,
    "ListStateMachines" => list_state_machines,
    "ValidateStateMachineDefinition" => validate_state_machine_definition,
    "PublishStateMachineVersion" => publish_state_machine_version,
    "ListStateMachineVersions" => list_state_machine_versions,
    "DeleteStateMachineVersion" => delete_state_machine_version,
    "StartExecution" => start_execution,
    "StartSyncExecution" => start_sync_execution,
    "StopExecution" => stop_execution,
    "DescribeExecution" => describe_execution,
    "ListExecutions" => list_executions,
    "GetExecutionHistory" => get_execution_history,
    "DescribeStateMachineForExecution" => describe_state_machine_for_execution,
    "TestState" => test_state,
    "TagResource" => tag_resource,
    "UntagResource" => untag_resource,
    "ListTagsForResource" => list_tags_for_resource,
    "SendTaskSuccess" => send_task_success,
    "SendTaskFailure" => send_task_failure,
    "SendTaskHeartbeat" => send_task_heartbeat,
    "CreateActivity" => create_activity,
    "DescribeActivity" => describe_activity,
    "DeleteActivity" => delete_activity,
    "ListActivities" => list_activities,
    "GetActivityTask" => get_activity_task,
    "RedriveExecution" => redrive_execution,
    "ListMapRuns" => list_map_runs,
    "DescribeMapRun" => describe_map_run,
    "UpdateMapRun" => update_map_run,
    "CreateStateMachineAlias" => create_state_machine_alias,
    "DescribeStateMachineAlias" => describe_state_machine_alias,
    "UpdateStateMachineAlias" => update_state_machine_alias,
    "DeleteStateMachineAlias" => delete_state_machine_alias,
    "ListStateMachineAliases" => list_state_machine_aliases,
}

#[async_trait::async_trait]
impl Service for StepFunctions {
    fn name(&self) -> &'static str {
        "stepfunctions"
    }

    fn error_style(&self) -> ErrorStyle {
        ErrorStyle::Json
    }

    fn authorize(&self, req: &AuthzRequest<'_>) -> Result<Vec<Check>, AwsError> {
        authorize_op(&self.shared, req)
    }

    async fn call(&self, ctx: OpContext, operation: &str, input: Value) -> Result<Output, AwsError> {
        handle_op(&self.shared, ctx, operation, input).await
    }

    /// Forgets every state machine and execution; running drivers find their record gone and stop.
    fn reset(&self) {
        self.shared.store.lock().clear();
        self.shared.machines.lock().unwrap_or_else(|e| e.into_inner()).clear();
        self.shared.runs.stop_all();
    }

    /// State machines, versions, Standard executions with their histories, task tokens (see
    /// `StatesState`'s `Records`).
    fn durable(&self) -> Vec<Arc<dyn sekisho_core::persist::Durable>> {
        vec![self.shared.store.durable("states")]
    }

    /// Every running Standard execution is driven again (`run::driver::resume`).
    fn resume(&self, door: &Arc<sekisho_core::Door>) {
        run::driver::resume(&self.shared, door);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use sekisho_core::config::Config;

    fn world(toml: &str) -> sekisho_core::World {
        sekisho_core::World::new(Config::parse(toml).expect("valid TOML"))
    }

    #[test]
    fn the_states_section_names_a_mock_configuration() {
        assert!(StepFunctions::from_config(&world("")).unwrap().shared.mock.is_none());
        let path = std::env::temp_dir().join(format!("sekisho-mock-{}.json", std::process::id()));
        std::fs::write(&path, r#"{"StateMachines": {}, "MockedResponses": {}}"#).unwrap();
        let cfg = format!("[states]\nmock_config = {:?}\n", path.display().to_string());
        assert!(StepFunctions::from_config(&world(&cfg)).unwrap().shared.mock.is_some());
        std::fs::write(&path, "[]").unwrap();
        let e = StepFunctions::from_config(&world(&cfg)).err().unwrap();
        assert!(
            e.starts_with("[states] mock_config ") && e.ends_with("the mock configuration must be a JSON object"),
            "{e}"
        );
        std::fs::remove_file(&path).unwrap();
        let e = StepFunctions::from_config(&world("[states]\nmock = 1\n")).err().unwrap();
        assert!(e.starts_with("[states]: unknown field `mock`"), "{e}");
    }
}
