//! Step Functions' state per (account, region) as plain, serializable data: state machines with their
//! versions, aliases and tags, executions with the engine's explicit execution state, outstanding task
//! tokens, activities and the activity tasks waiting for a worker.

use sekisho_asl::definition::StateMachineType;
use sekisho_asl::env::SeededEnv;
use sekisho_asl::exec::{Execution, Status, TaskId};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::sync::Arc;

#[derive(Debug, Default, Serialize, Deserialize)]
pub struct StatesState {
    /// By state machine name.
    pub state_machines: BTreeMap<String, StateMachineRecord>,
    /// By execution ARN (Standard executions, and Express ones while they run).
    pub executions: BTreeMap<String, ExecutionRecord>,
    /// Names used by executions of each state machine (reusable after 90 days), by state machine ARN.
    pub execution_names: BTreeMap<String, BTreeMap<String, i64>>,
    /// Outstanding task tokens (`.waitForTaskToken`, activities).
    pub task_tokens: BTreeMap<String, TaskTokenRecord>,
    /// Tokens of tasks that have ended, by the execution they belonged to.
    pub closed_tokens: BTreeMap<String, String>,
    /// Orders executions started in the same millisecond.
    pub next_sequence: u64,
    /// By activity name.
    #[serde(default)]
    pub activities: BTreeMap<String, ActivityRecord>,
    /// Activity tasks scheduled and not yet taken by a worker, oldest first, by activity ARN.
    #[serde(default)]
    pub activity_tasks: BTreeMap<String, Vec<ActivityTask>>,
}

/// An activity: a queue of tasks that workers poll with GetActivityTask.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ActivityRecord {
    pub name: String,
    pub arn: String,
    pub creation_ms: i64,
    /// Tags in the order they were first set.
    pub tags: Vec<(String, String)>,
    /// `encryptionConfiguration` as given (stored, not applied).
    pub encryption: Option<Value>,
}

/// A scheduled activity task waiting for a worker.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ActivityTask {
    pub execution_arn: String,
    pub task: TaskId,
    /// The task's input as JSON text (GetActivityTask `input`).
    pub input: String,
}

/// A state machine alias: one or two versions with the share of executions each gets.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AliasRecord {
    pub name: String,
    pub description: Option<String>,
    /// (version number, weight); the weights add up to 100.
    pub routing: Vec<(u32, u32)>,
    pub creation_ms: i64,
    pub update_ms: i64,
}

/// `loggingConfiguration`, as the caller gave it (AWS echoes `destinations: []` back when it was sent).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LoggingConfiguration {
    pub level: String,
    pub include_execution_data: bool,
    /// `None` when the caller sent no `destinations` member.
    pub destinations: Option<Vec<String>>,
}

impl Default for LoggingConfiguration {
    fn default() -> Self {
        LoggingConfiguration { level: "OFF".into(), include_execution_data: false, destinations: None }
    }
}

impl LoggingConfiguration {
    /// The API shape.
    pub fn to_json(&self) -> Value {
        let mut v = json!({"level": self.level, "includeExecutionData": self.include_execution_data});
        if let Some(d) = &self.destinations {
            let list: Vec<Value> =
                d.iter().map(|arn| json!({"cloudWatchLogsLogGroup": {"logGroupArn": arn}})).collect();
            v["destinations"] = Value::Array(list);
        }
        v
    }

    /// The log group to deliver to, when logging is on.
    pub fn destination(&self) -> Option<&str> {
        if self.level == "OFF" {
            return None;
        }
        self.destinations.as_ref()?.first().map(String::as_str)
    }
}

/// What a version or the latest revision of a state machine runs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Revision {
    pub definition: Arc<String>,
    pub role_arn: String,
    pub logging: LoggingConfiguration,
    pub tracing_enabled: bool,
    /// `None` until the first update (AWS shows no `revisionId` before).
    pub revision_id: Option<String>,
    /// When this revision became the latest (DescribeStateMachineForExecution `updateDate`).
    pub updated_ms: i64,
}

impl Revision {
    /// Whether two revisions run differently (their revision ids aside).
    pub fn differs(&self, other: &Revision) -> bool {
        self.definition != other.definition
            || self.role_arn != other.role_arn
            || self.logging != other.logging
            || self.tracing_enabled != other.tracing_enabled
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct VersionRecord {
    pub number: u32,
    pub revision: Revision,
    pub description: Option<String>,
    pub creation_ms: i64,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct StateMachineRecord {
    pub name: String,
    pub arn: String,
    pub kind: StateMachineType,
    pub current: Revision,
    pub creation_ms: i64,
    pub update_ms: i64,
    /// Tags in the order they were first set.
    pub tags: Vec<(String, String)>,
    pub versions: Vec<VersionRecord>,
    pub next_version: u32,
    #[serde(default)]
    pub aliases: Vec<AliasRecord>,
}

impl StateMachineRecord {
    pub fn version(&self, number: u32) -> Option<&VersionRecord> {
        self.versions.iter().find(|v| v.number == number)
    }

    pub fn version_arn(&self, number: u32) -> String {
        format!("{}:{number}", self.arn)
    }

    pub fn alias(&self, name: &str) -> Option<&AliasRecord> {
        self.aliases.iter().find(|a| a.name == name)
    }

    pub fn alias_arn(&self, name: &str) -> String {
        format!("{}:{name}", self.arn)
    }
}

/// One execution: who and what it runs, the engine's state, and how far its logs were delivered.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ExecutionRecord {
    pub arn: String,
    pub name: String,
    pub state_machine_arn: String,
    pub state_machine_name: String,
    pub version_arn: Option<String>,
    pub kind: StateMachineType,
    pub revision: Revision,
    pub input_text: String,
    pub start_ms: i64,
    pub sequence: u64,
    pub execution: Execution,
    pub env: SeededEnv,
    /// The StartExecution request, for `sekisho explain` to link the execution's calls to it.
    pub request_id: String,
    /// Events already handed to CloudWatch Logs.
    pub logged_events: usize,
    pub log_stream: Option<String>,
    /// The mock test case the execution was started with (`<state machine ARN>#<test case>`).
    #[serde(default)]
    pub mock: Option<MockRun>,
    /// The alias the execution was started through (`stateMachineAliasArn`).
    #[serde(default)]
    pub alias_arn: Option<String>,
    /// When it was last redriven (`redriveDate`).
    #[serde(default)]
    pub redrive_ms: Option<i64>,
    /// RedriveExecution `clientToken`s already answered, for idempotent retries.
    #[serde(default)]
    pub redrive_tokens: Vec<String>,
}

/// An execution's mock test case and how often each of its mocked states was invoked.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct MockRun {
    pub test_case: String,
    pub invocations: BTreeMap<String, u32>,
}

impl ExecutionRecord {
    pub fn status(&self) -> Status {
        self.execution.status()
    }

    /// When the execution stopped (its last event), if it did.
    pub fn stop_ms(&self) -> Option<i64> {
        (self.status() != Status::Running).then(|| self.execution.last_event_ms())
    }
}

/// Where a task token leads: the execution and the engine's task.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct TaskTokenRecord {
    pub execution_arn: String,
    pub task: TaskId,
}

/// `status` as the API spells it.
pub fn status_name(status: Status) -> &'static str {
    match status {
        Status::Running => "RUNNING",
        Status::Succeeded => "SUCCEEDED",
        Status::Failed => "FAILED",
        Status::TimedOut => "TIMED_OUT",
        Status::Aborted => "ABORTED",
    }
}

pub fn type_name(kind: StateMachineType) -> &'static str {
    match kind {
        StateMachineType::Standard => "STANDARD",
        StateMachineType::Express => "EXPRESS",
    }
}

/// Epoch milliseconds as the wire convention's epoch seconds (with millisecond fractions).
pub fn seconds(ms: i64) -> Value {
    if ms % 1000 == 0 { json!(ms / 1000) } else { json!(ms as f64 / 1000.0) }
}
