//! Step Functions' state per (account, region) as plain, serializable data: state machines with their
//! versions, aliases and tags, executions with the engine's explicit execution state, outstanding task
//! tokens, activities and the activity tasks waiting for a worker.

use sekisho_asl::definition::StateMachineType;
use sekisho_asl::env::SeededEnv;
use sekisho_asl::exec::{Execution, Status, TaskId, TaskRequest};
use sekisho_asl::history::HistoryEvent;
use sekisho_core::persist::{Record, decode};
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
    /// Stored without its history's events: they are `history` records of their own (see `Records`).
    #[serde(serialize_with = "history_apart")]
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
    /// The tasks the engine scheduled and has not seen end, with what a restarted driver needs to
    /// dispatch them again (`run::resume`), by task id.
    #[serde(default)]
    pub tasks: BTreeMap<u64, TaskInFlight>,
    /// While a driver advances the execution, `execution` is the engine's stand-in: the execution as it
    /// was before the step (without its history), which is what the store keeps meanwhile.
    #[serde(skip)]
    pub resting: Option<Box<Execution>>,
}

/// A scheduled task as the driver saw it, so a restarted sekisho can dispatch it again.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct TaskInFlight {
    pub request: TaskRequest,
    /// The answer the execution's mock test case gave (mocked tasks are answered, not performed).
    #[serde(default)]
    pub mocked: Option<MockedAnswer>,
    /// `TaskSubmitted`'s output of a `.sync` task: the job (child execution) a restarted driver follows
    /// instead of starting another.
    #[serde(default)]
    pub submitted: Option<Value>,
    /// A `.waitForTaskToken` task whose request went out: it waits for its token, nothing is dispatched.
    #[serde(default)]
    pub awaiting_callback: bool,
    /// The task's end was reported (the engine takes it at its next step): nothing is dispatched.
    #[serde(default)]
    pub ended: bool,
}

/// A mocked task's answer, as stored.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub enum MockedAnswer {
    Succeeded(Value),
    Failed { error: String, cause: String },
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

fn history_apart<S: serde::Serializer>(execution: &Execution, s: S) -> Result<S::Ok, S::Error> {
    execution.without_history().serialize(s)
}

/// History events per `history` record: a commit while an execution runs rewrites its last chunk and the
/// execution's small image, never the whole history.
pub const HISTORY_CHUNK: usize = 100;

/// The id of an execution's `history` record holding events from `first` (0-based) on.
fn chunk_id(arn: &str, first: usize) -> String {
    format!("{arn}#{:08}", first / HISTORY_CHUNK)
}

/// Records per (account, region): `machine` (a state machine with its versions and tags), `execution`
/// (one per Standard execution: the engine's state without the history, the tasks in flight), `history`
/// (the execution's events, [`HISTORY_CHUNK`] per record, id `<execution ARN>#<chunk>`), `names` (the
/// execution names of one state machine), `token` and `closed_token`, and `meta` (the sequence counter).
/// Express executions are not stored, as AWS keeps none. Every value is the serde form of the state's
/// own structs, so a field added to them is stored without a change here.
impl sekisho_core::state::Records for StatesState {
    fn records(&self, out: &mut sekisho_core::state::RecordSink<'_>) -> Result<(), String> {
        for (name, m) in &self.state_machines {
            out.put("machine", name, m)?;
        }
        for (arn, rec) in &self.executions {
            if rec.kind == StateMachineType::Express {
                continue;
            }
            let kept = match &rec.resting {
                // A driver is advancing it: the store keeps the execution as it was before the step.
                Some(resting) => {
                    let mut v = serde_json::to_value(rec).map_err(|e| e.to_string())?;
                    v["execution"] = serde_json::to_value(resting.as_ref()).map_err(|e| e.to_string())?;
                    out.put("execution", arn, &v)?;
                    resting.history_len() as usize
                }
                None => {
                    out.put("execution", arn, rec)?;
                    usize::MAX
                }
            };
            let events = rec.execution.events();
            let events = &events[..kept.min(events.len())];
            for (i, chunk) in events.chunks(HISTORY_CHUNK).enumerate() {
                // History only grows: a chunk changes exactly when its length does.
                out.put_versioned("history", &chunk_id(arn, i * HISTORY_CHUNK), chunk.len() as u64, chunk)?;
            }
        }
        for (machine, names) in &self.execution_names {
            out.put("names", machine, names)?;
        }
        for (token, t) in &self.task_tokens {
            out.put("token", token, t)?;
        }
        for (token, arn) in &self.closed_tokens {
            out.put("closed_token", token, arn)?;
        }
        for (name, a) in &self.activities {
            out.put("activity", name, a)?;
        }
        // `activity_tasks` is not stored: a resumed driver offers its executions' activity tasks again.
        out.put("meta", "", &self.next_sequence)?;
        Ok(())
    }

    fn restore(records: Vec<Record>) -> Result<Self, String> {
        let mut st = StatesState::default();
        let mut histories: BTreeMap<String, BTreeMap<String, Vec<HistoryEvent>>> = BTreeMap::new();
        for r in &records {
            match r.kind.as_str() {
                "machine" => {
                    st.state_machines.insert(r.id.clone(), decode(r)?);
                }
                "execution" => {
                    st.executions.insert(r.id.clone(), decode(r)?);
                }
                "history" => {
                    let arn = r.id.rsplit_once('#').map_or(r.id.as_str(), |(arn, _)| arn);
                    histories.entry(arn.to_string()).or_default().insert(r.id.clone(), decode(r)?);
                }
                "names" => {
                    st.execution_names.insert(r.id.clone(), decode(r)?);
                }
                "token" => {
                    st.task_tokens.insert(r.id.clone(), decode(r)?);
                }
                "closed_token" => {
                    st.closed_tokens.insert(r.id.clone(), decode(r)?);
                }
                "activity" => {
                    st.activities.insert(r.id.clone(), decode(r)?);
                }
                "meta" => st.next_sequence = decode(r)?,
                other => return Err(format!("states: unknown record kind {other:?}")),
            }
        }
        for (arn, rec) in st.executions.iter_mut() {
            let chunks = histories.remove(arn).unwrap_or_default();
            let events: Vec<HistoryEvent> = chunks.into_values().flatten().collect();
            rec.execution.restore_history(events).map_err(|e| format!("states: execution {arn}: {e}"))?;
        }
        Ok(st)
    }
}

#[cfg(test)]
mod records_tests {
    use super::*;
    use sekisho_asl::definition::StateMachine;
    use sekisho_asl::exec::ExecutionContext;
    use sekisho_core::state::Records;

    fn running(n: usize) -> (StateMachine, ExecutionRecord) {
        let states: Vec<String> = (0..n)
            .map(|i| {
                format!(
                    r#""P{i}": {{"Type": "Pass", {}}}"#,
                    if i + 1 < n { format!(r#""Next": "P{}""#, i + 1) } else { r#""Next": "W""#.into() }
                )
            })
            .collect();
        let def = format!(
            r#"{{"StartAt": "P0", "States": {{{}, "W": {{"Type": "Wait", "Seconds": 60, "End": true}}}}}}"#,
            states.join(",")
        );
        let sm = StateMachine::parse(&def).unwrap();
        let arn = "arn:aws:states:us-east-1:111111111111:stateMachine:m";
        let cx = ExecutionContext::new(arn, "e", "arn:aws:iam::111111111111:role/r", 1_000);
        let mut env = SeededEnv::new(1);
        let mut execution = Execution::start(&sm, json!({"a": 1}), cx.clone(), &mut env);
        execution.run(&sm, 1_000, &mut env);
        let revision = Revision {
            definition: Arc::new(def),
            role_arn: cx.role_arn.clone(),
            logging: LoggingConfiguration::default(),
            tracing_enabled: false,
            revision_id: None,
            updated_ms: 1_000,
        };
        let rec = ExecutionRecord {
            arn: cx.execution_arn.clone(),
            name: "e".into(),
            state_machine_arn: arn.into(),
            state_machine_name: "m".into(),
            version_arn: None,
            kind: StateMachineType::Standard,
            revision,
            input_text: "{\"a\":1}".into(),
            start_ms: 1_000,
            sequence: 0,
            execution,
            env,
            request_id: "r".into(),
            logged_events: 0,
            log_stream: None,
            mock: None,
            tasks: BTreeMap::new(),
            resting: None,
            alias_arn: None,
            redrive_ms: None,
            redrive_tokens: Vec::new(),
        };
        (sm, rec)
    }

    fn to_records(st: &StatesState) -> Vec<Record> {
        let out = sekisho_core::state::all_records(st).unwrap();
        out.into_iter()
            .map(|(kind, id, value)| Record {
                part: "states".into(),
                account: "111111111111".into(),
                region: "us-east-1".into(),
                kind,
                id,
                value,
            })
            .collect()
    }

    #[test]
    fn a_running_execution_comes_back_with_its_history_in_chunks() {
        let (sm, rec) = running(120);
        let arn = rec.arn.clone();
        let events = rec.execution.events().to_vec();
        assert!(events.len() > HISTORY_CHUNK);
        let mut st = StatesState::default();
        st.executions.insert(arn.clone(), rec);
        let records = to_records(&st);
        let head = records.iter().find(|r| r.kind == "execution").unwrap();
        assert!(!String::from_utf8_lossy(&head.value).contains("PassStateEntered"), "no events in the image");
        assert_eq!(records.iter().filter(|r| r.kind == "history").count(), events.len().div_ceil(HISTORY_CHUNK));
        let mut back = StatesState::restore(records).unwrap();
        let rec = back.executions.get_mut(&arn).unwrap();
        assert_eq!(rec.execution.events(), &events[..]);
        // It goes on from where it was: the Wait ends and the execution succeeds, ids following on.
        let mut env = rec.env.clone();
        assert_eq!(rec.execution.run(&sm, 61_000, &mut env), sekisho_asl::exec::Progress::Done);
        assert_eq!(rec.status(), Status::Succeeded);
        let ids: Vec<u64> = rec.execution.events().iter().map(|e| e.id).collect();
        assert_eq!(ids, (1..=ids.len() as u64).collect::<Vec<_>>());
    }

    #[test]
    fn an_execution_being_advanced_is_stored_as_it_was_before_the_step() {
        let (sm, mut rec) = running(3);
        let before = rec.execution.events().len();
        rec.resting = Some(Box::new(rec.execution.without_history()));
        let stand_in = rec.execution.stand_in();
        let mut stepping = std::mem::replace(&mut rec.execution, stand_in);
        stepping.stop(None, None, 2_000);
        let arn = rec.arn.clone();
        let mut st = StatesState::default();
        st.executions.insert(arn.clone(), rec);
        let mut back = StatesState::restore(to_records(&st)).unwrap();
        let rec = back.executions.get_mut(&arn).unwrap();
        assert_eq!(rec.status(), Status::Running);
        assert_eq!(rec.execution.events().len(), before);
        // The engine's state came back too (a stand-in's would never end).
        let mut env = rec.env.clone();
        rec.execution.run(&sm, 61_000, &mut env);
        assert_eq!(rec.status(), Status::Succeeded);
    }
}
