//! A thread runs the states of one block (the top level, a branch, a Map iteration) in turn.
//! It enters states, lets them work, and applies exits, retries and catches.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};

use super::data::{self, Cx, Scope};
use super::log::EventLog;
use super::{Run, TaskId, map, parallel, states, task};
use crate::definition::StateMachine;
use crate::definition::model::{BlockId, Catcher, Io, Jitter, Retrier, State, StateId, StateKind};
use crate::failure::Failure;
use crate::history;
use crate::messages as m;

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Thread {
    pub block: BlockId,
    /// Variables assigned in this thread's scope.
    pub vars: Map<String, Value>,
    /// This thread's latest event (the next event's `previousEventId`).
    pub last: u64,
    /// Whether this thread writes to the history (distributed Map children do not).
    pub record: bool,
    step: Step,
    /// Where a redrive starts this thread again: the state that failed (or was interrupted) and its
    /// input, kept once the thread has ended unsuccessfully.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    restart: Option<(StateId, Value)>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
enum Step {
    Enter { state: StateId, input: Value },
    Active(Box<Active>),
    Done(Value),
    Failed(Failure),
}

/// A state that has been entered and not yet exited.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Active {
    pub state: StateId,
    /// The state's raw input.
    pub input: Value,
    pub entered_id: u64,
    /// The event the state was entered after (its Entered event's `previousEventId`).
    #[serde(default)]
    pub entered_after: u64,
    pub entered_ms: i64,
    pub retry_count: u32,
    /// Attempts used per retrier.
    pub attempts: Vec<u32>,
    pub phase: Phase,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub enum Phase {
    Start,
    Wait { until: i64, data: Value },
    Task(Box<task::TaskRun>),
    Backoff { until: i64 },
    Parallel(parallel::ParallelRun),
    Map(Box<map::MapRun>),
}

/// What a state's work came to.
pub enum StepResult {
    Blocked,
    Exit {
        output: Value,
        /// `None` ends the thread (End, Succeed).
        next: Option<StateId>,
        assigned: Option<Map<String, Value>>,
    },
    Fail(Failure),
}

pub enum Outcome<'a> {
    Running,
    Succeeded(&'a Value),
    Failed(&'a Failure),
}

impl Thread {
    pub fn new(block: BlockId, sm: &StateMachine, input: Value, last: u64, record: bool) -> Thread {
        Thread {
            block,
            vars: Map::new(),
            last,
            record,
            step: Step::Enter { state: sm.block(block).map_or(0, |b| b.start_at), input },
            restart: None,
        }
    }

    /// A thread that has ended without events and waits on nothing (a stand-in's root).
    pub fn halted() -> Thread {
        Thread {
            block: 0,
            vars: Map::new(),
            last: 0,
            record: false,
            step: Step::Failed(Failure::raw(None, None)),
            restart: None,
        }
    }

    pub fn outcome(&self) -> Outcome<'_> {
        match &self.step {
            Step::Done(v) => Outcome::Succeeded(v),
            Step::Failed(f) => Outcome::Failed(f),
            _ => Outcome::Running,
        }
    }

    pub fn is_finished(&self) -> bool {
        matches!(self.step, Step::Done(_) | Step::Failed(_))
    }

    /// Keeps the state now entered or running as the point a redrive starts again from.
    fn keep_restart_point(&mut self) {
        self.restart = match &self.step {
            Step::Enter { state, input, .. } => Some((*state, input.clone())),
            Step::Active(a) => Some((a.state, a.input.clone())),
            Step::Done(_) | Step::Failed(_) => self.restart.take(),
        };
    }

    /// RedriveExecution: a thread that ended unsuccessfully enters the state it ended in again, with
    /// the input that state had, its variables kept. `false` when there is no such state.
    pub fn redrive(&mut self) -> bool {
        match self.step {
            // Ended before entering its next state (a timeout between states): it enters it now.
            Step::Enter { .. } => return true,
            Step::Failed(_) => {}
            Step::Active(_) | Step::Done(_) => return false,
        }
        match self.restart.take() {
            Some((state, input)) => {
                self.step = Step::Enter { state, input };
                true
            }
            None => false,
        }
    }
}

/// Runs `thread` until it ends or blocks. `outer` are the enclosing scopes' variables.
pub fn advance(run: &mut Run, thread: &mut Thread, outer: Option<&Scope>) {
    let sm = run.sm;
    loop {
        let Thread { block, vars, last, record, step, restart } = thread;
        let Some(block_ref) = sm.block(*block) else {
            *step = Step::Failed(Failure::runtime(m::DEFINITION_MISMATCH));
            return;
        };
        match step {
            Step::Done(_) | Step::Failed(_) => return,
            Step::Enter { state, input } => {
                // A stopped run enters no more states; it asks to be run again at once, and the stop
                // its caller applies then ends the execution. A full history ends it as well.
                if run.watch.is_stopped() || run.log.is_full(sm.history_limit()) {
                    run.wake_at(run.now);
                    return;
                }
                let state_id = *state;
                let Some(st) = block_ref.states.get(state_id) else {
                    *step = Step::Failed(Failure::runtime(m::DEFINITION_MISMATCH));
                    return;
                };
                let scope = Scope { vars: &*vars, parent: outer };
                if map::stalls_on_entry(st, input, &scope) {
                    return;
                }
                let input = std::mem::take(input);
                let (text, flag) = history::payload(&input);
                let entered_after = *last;
                let entered_id = run.log.emit(
                    last,
                    *record,
                    run.now,
                    &format!("{}StateEntered", st.type_name()),
                    Some(json!({"name": st.name, "input": text, "inputDetails": flag})),
                );
                *step = Step::Active(Box::new(Active {
                    state: state_id,
                    input,
                    entered_id,
                    entered_after,
                    entered_ms: run.now,
                    retry_count: 0,
                    attempts: vec![0; st.retry.len()],
                    phase: Phase::Start,
                }));
            }
            Step::Active(active) => {
                let Some(st) = block_ref.states.get(active.state) else {
                    *step = Step::Failed(Failure::runtime(m::DEFINITION_MISMATCH));
                    return;
                };
                let transition = {
                    let scope = Scope { vars: &*vars, parent: outer };
                    let cx = Cx {
                        state: st,
                        vars: &scope,
                        record: *record,
                        entered_ms: active.entered_ms,
                        retry_count: active.retry_count,
                    };
                    if let Phase::Backoff { until } = active.phase {
                        if run.now < until {
                            run.wake_at(until);
                            return;
                        }
                        active.phase = Phase::Start;
                    }
                    match states::step(run, &cx, last, active) {
                        StepResult::Blocked => return,
                        StepResult::Exit { output, next, assigned } => {
                            exit(run, st, *record, last, &output, assigned.as_ref());
                            Transition::Go { output, next, assigned }
                        }
                        StepResult::Fail(failure) => match handle_failure(run, &cx, last, active, failure) {
                            Handled::Retry => continue,
                            Handled::Caught { output, next, assigned } => {
                                exit(run, st, *record, last, &output, assigned.as_ref());
                                Transition::Go { output, next: Some(next), assigned }
                            }
                            Handled::Failed(f) => Transition::Fail(f),
                        },
                    }
                };
                *step = match transition {
                    Transition::Go { output, next, assigned } => {
                        if let Some(assigned) = assigned {
                            vars.extend(assigned);
                        }
                        match next {
                            Some(n) => Step::Enter { state: n, input: output },
                            None => Step::Done(output),
                        }
                    }
                    Transition::Fail(f) => {
                        *restart = Some((active.state, active.input.clone()));
                        Step::Failed(f)
                    }
                };
            }
        }
    }
}

enum Transition {
    Go { output: Value, next: Option<StateId>, assigned: Option<Map<String, Value>> },
    Fail(Failure),
}

fn exit(
    run: &mut Run,
    st: &State,
    record: bool,
    last: &mut u64,
    output: &Value,
    assigned: Option<&Map<String, Value>>,
) {
    let (text, flag) = history::payload(output);
    let mut details = json!({"name": st.name, "output": text, "outputDetails": flag});
    if let Some(assigned) = assigned.filter(|a| !a.is_empty()) {
        let rendered: Map<String, Value> =
            assigned.iter().map(|(k, v)| (k.clone(), Value::String(crate::json::to_text(v)))).collect();
        details["assignedVariables"] = Value::Object(rendered);
        details["assignedVariablesDetails"] = json!({"truncated": false});
    }
    run.log.emit(last, record, run.now, &format!("{}StateExited", st.type_name()), Some(details));
}

enum Handled {
    Retry,
    Caught { output: Value, next: StateId, assigned: Option<Map<String, Value>> },
    Failed(Failure),
}

/// Whether a Retrier/Catcher's ErrorEquals covers `error`.
pub fn error_matches(names: &[String], error: Option<&str>) -> bool {
    names.iter().any(|n| match n.as_str() {
        m::STATES_ALL => true,
        m::STATES_TASK_FAILED => !matches!(error, Some(m::STATES_TIMEOUT) | Some(m::STATES_HEARTBEAT_TIMEOUT)),
        name => error == Some(name),
    })
}

fn retry_delay_ms(run: &mut Run, retrier: &Retrier, attempt: u32) -> i64 {
    let mut seconds = retrier.interval_seconds as f64 * retrier.backoff_rate.powi(attempt as i32);
    if let Some(max) = retrier.max_delay_seconds {
        seconds = seconds.min(max as f64);
    }
    if retrier.jitter == Jitter::Full {
        seconds *= run.env.random();
    }
    (seconds * 1000.0).round() as i64
}

/// `EvaluationFailed.previousEventId`. The fields a state evaluates while it works (`Arguments`, `Items`,
/// Wait `Timestamp`, ...) fail on the state's own chain, after its latest event. `Output` and `Assign` are
/// evaluated as the state hands over to the next one, and AWS links their failure to the event the state
/// was entered after, as its Entered event is (0 for the first state of an execution). [inf] Recordings:
/// test_undefined_reference[BASE_UNDEFINED_OUTPUT] and [BASE_UNDEFINED_ASSIGN] (Output and Assign of the
/// first state: previousEventId 0, the Entered event's own) and test_wait_timestamp_jsonata[NO_T]
/// (Timestamp: previousEventId 2, the WaitStateEntered event).
fn evaluation_failed_previous(location: Option<&str>, active: &Active, last: u64) -> u64 {
    match location {
        Some(l) if l == "Output" || l.starts_with("Assign") => active.entered_after,
        _ => last,
    }
}

fn handle_failure(run: &mut Run, cx: &Cx, last: &mut u64, active: &mut Active, failure: Failure) -> Handled {
    let st = cx.state;
    let mut failure = failure.in_state(&st.name, active.entered_id);
    // A failure from a nested state was reported there already; its location is taken then.
    let reported = failure.location.is_some() || failure.unlocated_evaluation;
    if reported && failure.is_query_evaluation() {
        let location = failure.location.take();
        failure.unlocated_evaluation = false;
        let previous = evaluation_failed_previous(location.as_deref(), active, *last);
        let mut details = history::error_cause(failure.error.as_deref(), failure.cause.as_deref());
        if let Some(location) = location {
            details.insert("location".into(), json!(location));
        }
        details.insert("state".into(), json!(st.name));
        let id = run.log.emit_after(previous, cx.record, run.now, "EvaluationFailed", Some(Value::Object(details)));
        if cx.record {
            *last = id;
        }
    }
    if failure.is_runtime() {
        return Handled::Failed(failure);
    }
    let error = failure.error.as_deref();
    if let Some(i) = st.retry.iter().position(|r| error_matches(&r.error_equals, error)) {
        let retrier = &st.retry[i];
        let used = active.attempts.get(i).copied().unwrap_or(0);
        if u64::from(used) < retrier.max_attempts {
            let delay = retry_delay_ms(run, retrier, used);
            if let Some(a) = active.attempts.get_mut(i) {
                *a += 1;
            }
            active.retry_count += 1;
            let until = run.now + delay;
            active.phase = Phase::Backoff { until };
            return Handled::Retry;
        }
    }
    match st.kind {
        StateKind::Parallel { .. } => {
            run.log.emit(last, cx.record, run.now, "ParallelStateFailed", None);
        }
        StateKind::Map(_) => {
            run.log.emit(last, cx.record, run.now, "MapStateFailed", None);
        }
        _ => {}
    }
    let Some(catcher) = st.catch.iter().find(|c| error_matches(&c.error_equals, error)) else {
        return Handled::Failed(failure);
    };
    match caught(run, cx, active, catcher, &failure) {
        Ok((output, assigned)) => Handled::Caught { output, next: catcher.next, assigned },
        Err(f) => Handled::Failed(f.in_state(&st.name, active.entered_id)),
    }
}

fn caught(
    run: &mut Run,
    cx: &Cx,
    active: &Active,
    catcher: &Catcher,
    failure: &Failure,
) -> Result<(Value, Option<Map<String, Value>>), Failure> {
    let error_output = failure.error_output();
    let context = data::context(run, cx, None, None);
    match &cx.state.io {
        Io::JsonPath { .. } => {
            let assigned = data::assign(run, cx, catcher.assign.as_ref(), &error_output, &context, &Value::Null)?;
            let output = data::merge_result(&catcher.result_path, &active.input, error_output)?;
            Ok((output, assigned))
        }
        Io::Jsonata { .. } => {
            let states = data::states(&active.input, &context, None, Some(&error_output));
            let assigned = data::assign(run, cx, catcher.assign.as_ref(), &Value::Null, &context, &states)?;
            let output = match &catcher.output {
                Some(t) => data::jsonata(run, cx, t, "Output", &states)?,
                None => error_output,
            };
            Ok((output, assigned))
        }
    }
}

/// Emits abort events for every state still running in `thread`, innermost first.
pub fn abort(log: &mut EventLog, thread: &mut Thread, now: i64, cancelled: &mut Vec<TaskId>) {
    let Step::Active(active) = &mut thread.step else {
        return;
    };
    let kind = match &mut active.phase {
        Phase::Task(t) => {
            cancelled.push(t.id);
            "TaskStateAborted"
        }
        Phase::Parallel(p) => {
            for branch in p.branches.iter_mut() {
                abort(log, branch, now, cancelled);
            }
            "ParallelStateAborted"
        }
        Phase::Map(m) => {
            m.abort(log, now, cancelled);
            "MapStateAborted"
        }
        Phase::Wait { .. } => "WaitStateAborted",
        Phase::Start | Phase::Backoff { .. } => "",
    };
    if !kind.is_empty() {
        log.emit(&mut thread.last, thread.record, now, kind, None);
    }
    thread.keep_restart_point();
    thread.step = Step::Failed(Failure::raw(None, None));
}

/// Ends `thread` without events (StopExecution records none for the states it interrupts), cancelling
/// the tasks it waits on.
pub fn halt(thread: &mut Thread, cancelled: &mut Vec<TaskId>) {
    collect_tasks(thread, cancelled);
    thread.keep_restart_point();
    thread.step = Step::Failed(Failure::raw(None, None));
}

/// Collects the ids of tasks the thread still waits on.
pub fn collect_tasks(thread: &Thread, out: &mut Vec<TaskId>) {
    let Step::Active(active) = &thread.step else {
        return;
    };
    match &active.phase {
        Phase::Task(t) => out.push(t.id),
        Phase::Parallel(p) => p.branches.iter().for_each(|b| collect_tasks(b, out)),
        Phase::Map(m) => m.collect_tasks(out),
        _ => {}
    }
}
