//! Executions: an explicit, serializable execution state advanced by its driver.
//! The engine never waits; it returns task requests and a wake-up time, and is told what happened.

mod choice;
mod data;
mod log;
mod map;
pub mod map_runs;
mod parallel;
mod states;
mod task;
mod thread;

use std::collections::BTreeMap;
use std::sync::Arc;

use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use crate::budget::{UNWATCHED, Watch};
use crate::definition::StateMachine;
use crate::env::Env;
use crate::history::{self, HistoryEvent};

pub use task::{TaskId, TaskKind, TaskPattern, TaskRequest};
pub use thread::error_matches;

use log::EventLog;
use map_runs::{MapRunStats, MapRunUpdate};
use thread::Thread;

/// Who and what an execution is: the values behind `$$.Execution` and `$$.StateMachine`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ExecutionContext {
    pub execution_arn: String,
    pub name: String,
    pub state_machine_arn: String,
    pub state_machine_name: String,
    pub role_arn: String,
    pub start_time_ms: i64,
    pub redrive_count: u32,
    /// The region tasks run in (from the state machine ARN when built with [`Self::new`]).
    pub region: String,
    pub state_machine_alias_arn: Option<String>,
    pub state_machine_version_arn: Option<String>,
}

impl ExecutionContext {
    /// Derives the execution ARN, machine name and region from the state machine ARN.
    pub fn new(state_machine_arn: &str, name: &str, role_arn: &str, start_time_ms: i64) -> Self {
        let parts: Vec<&str> = state_machine_arn.split(':').collect();
        let region = parts.get(3).copied().unwrap_or("").to_string();
        let machine = parts.get(6).copied().unwrap_or("").to_string();
        let execution_arn = if parts.len() >= 7 {
            format!("{}:execution:{machine}:{name}", parts[..5].join(":"))
        } else {
            format!("{state_machine_arn}:{name}")
        };
        ExecutionContext {
            execution_arn,
            name: name.to_string(),
            state_machine_arn: state_machine_arn.to_string(),
            state_machine_name: machine,
            role_arn: role_arn.to_string(),
            start_time_ms,
            redrive_count: 0,
            region,
            state_machine_alias_arn: None,
            state_machine_version_arn: None,
        }
    }
}

/// DescribeExecution `status`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Status {
    Running,
    Succeeded,
    Failed,
    TimedOut,
    Aborted,
}

/// RedriveExecution is possible within 14 days of the execution's end (API reference, RedriveExecution).
pub const REDRIVABLE_PERIOD_MS: i64 = 14 * 24 * 3600 * 1000;

/// AWS's quota of redrives per execution (Step Functions service quotas: 1,000).
pub const MAX_REDRIVES: u32 = 1000;

fn status_text(status: Status) -> &'static str {
    match status {
        Status::Running => "RUNNING",
        Status::Succeeded => "SUCCEEDED",
        Status::Failed => "FAILED",
        Status::TimedOut => "TIMED_OUT",
        Status::Aborted => "ABORTED",
    }
}

/// What the driver must do next.
#[derive(Debug, Clone, PartialEq)]
pub enum Progress {
    /// The execution has ended; see [`Execution::status`].
    Done,
    Waiting {
        /// Tasks scheduled since the last call: the driver runs them and reports back.
        tasks: Vec<TaskRequest>,
        /// Tasks the engine gave up on (timed out, or their branch was aborted).
        cancelled: Vec<TaskId>,
        /// Call [`Execution::run`] again at this time (Wait states, retries, timeouts).
        wake_at_ms: Option<i64>,
    },
}

/// What a driver reports about a task.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) enum TaskReport {
    Started,
    /// An activity worker took the task (GetActivityTask), naming itself or not.
    WorkerStarted(Option<String>),
    Submitted(Value),
    Heartbeat,
    Succeeded(Value),
    Failed {
        error: Option<String>,
        cause: Option<String>,
    },
    TimedOut {
        error: Option<String>,
        cause: Option<String>,
    },
}

/// One execution. Serialize it to persist; resume it with the same [`StateMachine`].
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Execution {
    context: ExecutionContext,
    /// Shared with stand-ins (see [`Execution::stand_in`]) rather than copied.
    input: Arc<Value>,
    status: Status,
    log: EventLog,
    root: Thread,
    output: Option<Value>,
    error: Option<String>,
    cause: Option<String>,
    next_task: u64,
    /// Reports received since the last `run`, per task, with their times.
    inbox: BTreeMap<u64, Vec<(TaskReport, i64)>>,
    outbox: Vec<TaskRequest>,
    cancelled: Vec<TaskId>,
    deadline_ms: Option<i64>,
    /// The runs of its distributed Map states, in the order they started.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    map_runs: Vec<MapRunStats>,
    /// UpdateMapRun changes not yet seen by a run (one made while a stand-in answered is taken back by
    /// [`Execution::absorb`]).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    map_run_updates: Vec<(String, MapRunUpdate)>,
}

/// Everything a step of the interpreter may touch besides the thread it advances.
pub(crate) struct Run<'a> {
    pub sm: &'a StateMachine,
    pub env: &'a mut dyn Env,
    pub now: i64,
    pub log: &'a mut EventLog,
    pub context: &'a ExecutionContext,
    pub input: &'a Value,
    pub inbox: &'a mut BTreeMap<u64, Vec<(TaskReport, i64)>>,
    pub outbox: &'a mut Vec<TaskRequest>,
    pub cancelled: &'a mut Vec<TaskId>,
    pub next_task: &'a mut u64,
    pub map_runs: &'a mut Vec<MapRunStats>,
    /// The earliest time anything waits for.
    pub wake: Option<i64>,
    /// Who watches this run: expressions honour it, and threads stop at their next state once it is
    /// stopped.
    pub watch: &'a Watch,
}

impl Run<'_> {
    pub fn wake_at(&mut self, at: i64) {
        self.wake = Some(self.wake.map_or(at, |w| w.min(at)));
    }
}

impl Execution {
    /// Starts an execution: records `ExecutionStarted`. Call [`Execution::run`] to advance it.
    pub fn start(sm: &StateMachine, input: Value, context: ExecutionContext, env: &mut dyn Env) -> Execution {
        Self::begin(sm, input, context, env)
    }

    /// Starts from the input text as StartExecution received it. The history shows the input as AWS
    /// renders any payload (compact JSON, members in their order), not the text as sent: AWS kept the
    /// text verbatim in recordings up to early 2024 (`["Hello", "World"]` in ExecutionStarted and the
    /// first StateEntered, test_map_state_legacy_config_distributed, 2024-02) and no longer does in the
    /// newer ones (issue 16 [inf]; the dated evidence is listed in scripts/conformance-sfn-known-failures.txt).
    pub fn start_text(
        sm: &StateMachine,
        input: &str,
        context: ExecutionContext,
        env: &mut dyn Env,
    ) -> Result<Execution, serde_json::Error> {
        let value: Value = serde_json::from_str(input)?;
        Ok(Self::begin(sm, value, context, env))
    }

    fn begin(sm: &StateMachine, input: Value, context: ExecutionContext, env: &mut dyn Env) -> Execution {
        let _ = env;
        let mut log = EventLog::default();
        let (text, flag) = history::payload(&input);
        let mut details = json!({"input": text, "inputDetails": flag, "roleArn": context.role_arn});
        if let Some(alias) = &context.state_machine_alias_arn {
            details["stateMachineAliasArn"] = json!(alias);
        }
        if let Some(version) = &context.state_machine_version_arn {
            details["stateMachineVersionArn"] = json!(version);
        }
        let mut last = 0;
        log.emit(&mut last, true, context.start_time_ms, "ExecutionStarted", Some(details));
        let root = Thread::new(StateMachine::ROOT, sm, input.clone(), 0, true);
        Execution {
            deadline_ms: sm.timeout_seconds.map(|s| context.start_time_ms + (s as i64) * 1000),
            context,
            input: Arc::new(input),
            status: Status::Running,
            log,
            root,
            output: None,
            error: None,
            cause: None,
            next_task: 1,
            inbox: BTreeMap::new(),
            outbox: Vec::new(),
            cancelled: Vec::new(),
            map_runs: Vec::new(),
            map_run_updates: Vec::new(),
        }
    }

    /// Advances until the execution ends or must wait for a task or a time.
    pub fn run(&mut self, sm: &StateMachine, now_ms: i64, env: &mut dyn Env) -> Progress {
        self.run_watched(sm, now_ms, env, &UNWATCHED)
    }

    /// [`Execution::run`] under the caller's [`Watch`]: an expression the watch expires fails with
    /// `States.QueryEvaluationError`; once the watch is stopped, threads stop before their next state and
    /// the run returns, asking to be called again at once (a stop applied with [`Execution::absorb`]
    /// then ends the execution).
    pub fn run_watched(&mut self, sm: &StateMachine, now_ms: i64, env: &mut dyn Env, watch: &Watch) -> Progress {
        if self.status != Status::Running {
            return Progress::Done;
        }
        if let Some(deadline) = self.deadline_ms.filter(|d| now_ms >= *d) {
            self.time_out(deadline.max(now_ms));
            return Progress::Done;
        }
        for (arn, update) in std::mem::take(&mut self.map_run_updates) {
            if let Some(stats) = self.map_runs.iter_mut().find(|s| s.arn == arn) {
                update.apply(stats);
            }
        }
        let mut run = Run {
            sm,
            env,
            now: now_ms,
            log: &mut self.log,
            context: &self.context,
            input: &self.input,
            inbox: &mut self.inbox,
            outbox: &mut self.outbox,
            cancelled: &mut self.cancelled,
            next_task: &mut self.next_task,
            map_runs: &mut self.map_runs,
            wake: None,
            watch,
        };
        thread::advance(&mut run, &mut self.root, None);
        let wake = run.wake;
        if self.log.is_full(sm.history_limit()) && matches!(self.root.outcome(), thread::Outcome::Running) {
            self.fail_history_full(sm.history_limit(), now_ms);
            return Progress::Done;
        }
        // Reports for tasks nobody waits on any more (aborted, timed out) are dropped.
        if !self.inbox.is_empty() {
            let pending = self.pending_tasks();
            self.inbox.retain(|id, _| pending.contains(&TaskId(*id)));
        }
        match self.root.outcome() {
            thread::Outcome::Succeeded(output) => {
                let output = output.clone();
                let (text, flag) = history::payload(&output);
                self.log.emit(
                    &mut self.root.last,
                    true,
                    now_ms,
                    "ExecutionSucceeded",
                    Some(json!({"output": text, "outputDetails": flag})),
                );
                self.output = Some(output);
                self.status = Status::Succeeded;
                self.finish_tasks();
                self.end_map_runs(now_ms);
                Progress::Done
            }
            thread::Outcome::Failed(failure) => {
                let failure = failure.clone();
                let details = history::error_cause(failure.error.as_deref(), failure.cause.as_deref());
                self.log.emit(
                    &mut self.root.last,
                    true,
                    now_ms,
                    "ExecutionFailed",
                    Some(serde_json::Value::Object(details)),
                );
                self.error = failure.error;
                self.cause = failure.cause;
                self.status = Status::Failed;
                self.finish_tasks();
                self.end_map_runs(now_ms);
                Progress::Done
            }
            thread::Outcome::Running => {
                let wake = match (wake, self.deadline_ms) {
                    (Some(w), Some(d)) => Some(w.min(d)),
                    (w, d) => w.or(d),
                };
                Progress::Waiting {
                    tasks: std::mem::take(&mut self.outbox),
                    cancelled: std::mem::take(&mut self.cancelled),
                    wake_at_ms: wake,
                }
            }
        }
    }

    /// For a driver that advances the execution away from where others read it: a stand-in to leave in
    /// its place. It answers readers as this execution did (status, history, input, context) and takes
    /// task reports and a stop; [`Execution::absorb`] takes them back. The history moves into the
    /// stand-in rather than being copied, so this costs the same for a long history as for a short one.
    pub fn stand_in(&mut self) -> Execution {
        Execution {
            context: self.context.clone(),
            input: self.input.clone(),
            status: self.status,
            log: self.log.lend(),
            root: Thread::halted(),
            output: self.output.clone(),
            error: self.error.clone(),
            cause: self.cause.clone(),
            next_task: self.next_task,
            inbox: BTreeMap::new(),
            outbox: Vec::new(),
            cancelled: Vec::new(),
            deadline_ms: self.deadline_ms,
            map_runs: self.map_runs.clone(),
            map_run_updates: Vec::new(),
        }
    }

    /// Takes back from `stand_in` (made by [`Execution::stand_in`] before this execution was advanced)
    /// its history and what it received meanwhile. Task reports join the inbox. A stop wins over the
    /// advance: the advance's events are forgotten and the stop is applied as the stand-in recorded it,
    /// so the history is what readers already saw. Returns whether the execution was stopped.
    pub fn absorb(&mut self, stand_in: Execution) -> bool {
        let Execution { log, inbox, status, error, cause, map_run_updates, .. } = stand_in;
        self.map_run_updates.extend(map_run_updates);
        if status == Status::Aborted {
            let at = log.events().last().map_or(self.context.start_time_ms, |e| e.timestamp_ms);
            self.log.forget_new();
            self.log.take_back(log);
            // The advance may have ended the execution (its evaluation cut short by the stop).
            self.status = Status::Running;
            self.output = None;
            self.stop(error.as_deref(), cause.as_deref(), at);
            return true;
        }
        self.log.take_back(log);
        if self.status == Status::Running {
            for (id, mut reports) in inbox {
                self.inbox.entry(id).or_default().append(&mut reports);
            }
        }
        false
    }

    fn report(&mut self, id: TaskId, report: TaskReport, now_ms: i64) {
        if self.status == Status::Running {
            self.inbox.entry(id.0).or_default().push((report, now_ms));
        }
    }

    /// The task began (`TaskStarted`, `LambdaFunctionStarted`, `ActivityStarted`).
    pub fn task_started(&mut self, id: TaskId, now_ms: i64) {
        self.report(id, TaskReport::Started, now_ms);
    }

    /// An activity worker took the task with GetActivityTask: `ActivityStarted`, with the
    /// `workerName` it gave (ActivityStartedEventDetails, API reference).
    pub fn activity_started(&mut self, id: TaskId, worker_name: Option<&str>, now_ms: i64) {
        self.report(id, TaskReport::WorkerStarted(worker_name.map(str::to_string)), now_ms);
    }

    /// A `.sync` task submitted its job (`TaskSubmitted`).
    pub fn task_submitted(&mut self, id: TaskId, output: Value, now_ms: i64) {
        self.report(id, TaskReport::Submitted(output), now_ms);
    }

    /// A heartbeat (SendTaskHeartbeat) resets the heartbeat timer.
    pub fn task_heartbeat(&mut self, id: TaskId, now_ms: i64) {
        self.report(id, TaskReport::Heartbeat, now_ms);
    }

    pub fn task_succeeded(&mut self, id: TaskId, output: Value, now_ms: i64) {
        self.report(id, TaskReport::Succeeded(output), now_ms);
    }

    pub fn task_failed(&mut self, id: TaskId, error: &str, cause: &str, now_ms: i64) {
        let report = TaskReport::Failed { error: Some(error.to_string()), cause: Some(cause.to_string()) };
        self.report(id, report, now_ms);
    }

    /// SendTaskFailure: either part may be absent, and history leaves it out then.
    pub fn task_failure(&mut self, id: TaskId, error: Option<&str>, cause: Option<&str>, now_ms: i64) {
        let report = TaskReport::Failed { error: error.map(str::to_string), cause: cause.map(str::to_string) };
        self.report(id, report, now_ms);
    }

    /// The task ended by timing out on the driver's side.
    pub fn task_timed_out(&mut self, id: TaskId, error: Option<&str>, cause: Option<&str>, now_ms: i64) {
        let report = TaskReport::TimedOut { error: error.map(str::to_string), cause: cause.map(str::to_string) };
        self.report(id, report, now_ms);
    }

    /// StopExecution: `ExecutionAborted` alone, linked to no event, as AWS records it (a stop during a Wait
    /// shows no `WaitStateAborted`); outstanding tasks are cancelled.
    pub fn stop(&mut self, error: Option<&str>, cause: Option<&str>, now_ms: i64) {
        if self.status != Status::Running {
            return;
        }
        thread::halt(&mut self.root, &mut self.cancelled);
        let details = history::error_cause(error, cause);
        self.log.emit_after(0, true, now_ms, "ExecutionAborted", Some(Value::Object(details)));
        self.error = error.map(str::to_string);
        self.cause = cause.map(str::to_string);
        self.status = Status::Aborted;
        self.end_map_runs(now_ms);
    }

    /// The history reached AWS's quota before the execution ended: it fails, as AWS fails it.
    fn fail_history_full(&mut self, limit: u64, now_ms: i64) {
        thread::halt(&mut self.root, &mut self.cancelled);
        let (error, cause) = (crate::messages::STATES_RUNTIME, crate::messages::history_limit_reached(limit));
        let details = history::error_cause(Some(error), Some(&cause));
        self.log.emit(&mut self.root.last, true, now_ms, "ExecutionFailed", Some(Value::Object(details)));
        self.error = Some(error.to_string());
        self.cause = Some(cause);
        self.status = Status::Failed;
        self.end_map_runs(now_ms);
    }

    fn time_out(&mut self, now_ms: i64) {
        thread::abort(&mut self.log, &mut self.root, now_ms, &mut self.cancelled);
        let details = history::error_cause(Some(crate::messages::STATES_TIMEOUT), None);
        self.log.emit(&mut self.root.last, true, now_ms, "ExecutionTimedOut", Some(Value::Object(details)));
        self.error = Some(crate::messages::STATES_TIMEOUT.to_string());
        self.status = Status::TimedOut;
        self.end_map_runs(now_ms);
    }

    /// Why RedriveExecution would refuse this execution now (`None`: it may be redriven). The texts are
    /// the `redriveStatusReason`s AWS documents for DescribeExecution (API reference,
    /// DescribeExecution `redriveStatusReason`); the conditions are RedriveExecution's (API reference:
    /// not SUCCEEDED nor RUNNING, stopped within the last 14 days, fewer than 24,999 history events).
    /// The redrive count bound is AWS's quota of 1,000 redrives per execution (Step Functions quotas).
    pub fn redrive_refusal(&self, sm: &StateMachine, now_ms: i64) -> Option<String> {
        match self.status {
            Status::Running | Status::Succeeded => {
                let status = if self.status == Status::Running { "RUNNING" } else { "SUCCEEDED" };
                return Some(format!("Execution is {status} and cannot be redriven"));
            }
            Status::Failed | Status::TimedOut | Status::Aborted => {}
        }
        if now_ms - self.last_event_ms() > REDRIVABLE_PERIOD_MS {
            return Some("Execution redrivable period exceeded".into());
        }
        if self.log.is_full(sm.history_limit()) {
            return Some("Execution history event limit exceeded".into());
        }
        if self.context.redrive_count >= MAX_REDRIVES {
            // [inf] AWS documents the quota, not the reason text.
            return Some("Execution redrive limit exceeded".into());
        }
        None
    }

    /// RedriveExecution: the execution continues from the state it failed in (or was stopped or timed
    /// out in) with that state's input, its variables kept; earlier states are not run again.
    /// `ExecutionRedriven` (with the new `redriveCount`) follows the last event and the state is
    /// entered after it. The execution's `TimeoutSeconds` counts again from now [inf]. A Parallel or
    /// Map it failed in runs again whole (AWS reruns only their unsuccessful branches and iterations).
    pub fn redrive(&mut self, sm: &StateMachine, now_ms: i64) -> Result<u32, String> {
        if let Some(reason) = self.redrive_refusal(sm, now_ms) {
            return Err(reason);
        }
        if !self.root.redrive() {
            // [inf] Nothing to continue from (the engine failed before entering the first state).
            return Err(format!("Execution is {} and cannot be redriven", status_text(self.status)));
        }
        self.context.redrive_count += 1;
        let count = self.context.redrive_count;
        let previous = self.log.len();
        self.root.last = previous;
        self.log.emit(&mut self.root.last, true, now_ms, "ExecutionRedriven", Some(json!({"redriveCount": count})));
        self.status = Status::Running;
        self.output = None;
        self.error = None;
        self.cause = None;
        self.deadline_ms = sm.timeout_seconds.map(|s| now_ms + (s as i64) * 1000);
        Ok(count)
    }

    /// The execution ended: map runs still running are aborted with it.
    fn end_map_runs(&mut self, now_ms: i64) {
        for stats in &mut self.map_runs {
            stats.abort(now_ms);
        }
    }

    /// The runs of the execution's distributed Map states, in the order they started.
    pub fn map_runs(&self) -> &[MapRunStats] {
        &self.map_runs
    }

    /// UpdateMapRun: changes a running map run's settings; the Map reads them at its next step.
    /// `false` when the execution has no such map run.
    pub fn update_map_run(&mut self, arn: &str, update: MapRunUpdate) -> bool {
        let Some(stats) = self.map_runs.iter_mut().find(|s| s.arn == arn) else {
            return false;
        };
        update.apply(stats);
        self.map_run_updates.push((arn.to_string(), update));
        true
    }

    /// Tasks still outstanding when the execution ended are cancelled.
    fn finish_tasks(&mut self) {
        thread::collect_tasks(&self.root, &mut self.cancelled);
    }

    pub fn events(&self) -> &[HistoryEvent] {
        self.log.events()
    }

    pub fn status(&self) -> Status {
        self.status
    }

    pub fn output(&self) -> Option<&Value> {
        self.output.as_ref()
    }

    pub fn error(&self) -> Option<&str> {
        self.error.as_deref()
    }

    pub fn cause(&self) -> Option<&str> {
        self.cause.as_deref()
    }

    pub fn input(&self) -> &Value {
        &self.input
    }

    pub fn context(&self) -> &ExecutionContext {
        &self.context
    }

    /// Tasks scheduled and not finished, for drivers that lost track (after a restart).
    pub fn pending_tasks(&self) -> Vec<TaskId> {
        let mut out = Vec::new();
        thread::collect_tasks(&self.root, &mut out);
        out
    }

    /// How many events the history holds.
    pub fn history_len(&self) -> u64 {
        self.log.len()
    }

    /// A copy without the history's events, to store apart from them (a store writes an execution's
    /// events once, in chunks, and this small image as often as the execution advances). Every field is
    /// listed so that a field added later is a decision here, not a silent loss.
    pub fn without_history(&self) -> Execution {
        Execution {
            context: self.context.clone(),
            input: self.input.clone(),
            status: self.status,
            log: self.log.without_events(),
            root: self.root.clone(),
            output: self.output.clone(),
            error: self.error.clone(),
            cause: self.cause.clone(),
            next_task: self.next_task,
            inbox: self.inbox.clone(),
            outbox: self.outbox.clone(),
            cancelled: self.cancelled.clone(),
            deadline_ms: self.deadline_ms,
            map_runs: self.map_runs.clone(),
            map_run_updates: self.map_run_updates.clone(),
        }
    }

    /// Puts back the events [`Execution::without_history`] left out (all of them, in order).
    pub fn restore_history(&mut self, events: Vec<HistoryEvent>) -> Result<(), String> {
        self.log.put_back(events)
    }

    /// The time of the last history event (StopDate for ended executions).
    pub fn last_event_ms(&self) -> i64 {
        self.log.events().last().map_or(self.context.start_time_ms, |e| e.timestamp_ms)
    }
}

#[cfg(test)]
mod tests;
