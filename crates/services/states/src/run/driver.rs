//! The execution driver: advances the engine with the world's clock (each step off the async workers and
//! outside the store's lock, under the expression budget), hands new history events to CloudWatch Logs,
//! performs scheduled tasks on their own tokio tasks (or answers them from the mock test case the
//! execution runs), and sleeps until a report, a stop or the engine's wake time. With a virtual clock, a
//! wait while no task is outstanding jumps the clock.

use super::RunHandle;
use super::evaluate;
use super::logging::{self, GroupArn};
use super::session::ExecutionRole;
use crate::Shared;
use crate::integrations::{Dispatched, ExecutionWatch, TaskContext, TaskHooks, TaskOutcome};
use crate::state::{LoggingConfiguration, MockedAnswer, StatesState, TaskInFlight};
use sekisho_asl::definition::StateMachine;
use sekisho_asl::exec::{Execution, ExecutionContext, Progress, Status, TaskId, TaskKind, TaskRequest};
use sekisho_core::clock::ClockMode;
use sekisho_core::{Caller, Door};
use std::collections::HashMap;
use std::sync::Arc;
use tokio::task::JoinHandle;

/// One execution to drive.
pub struct Drive {
    pub shared: Arc<Shared>,
    pub door: Arc<Door>,
    pub account: String,
    pub region: String,
    pub arn: String,
    pub machine: Arc<StateMachine>,
    /// Express executions keep no record once they end (StartSyncExecution reads it first).
    pub keep_record: bool,
    /// A restarted sekisho drives an execution it loaded: its tasks in flight are dispatched again.
    pub resumed: bool,
}

/// What the driver needs from the record, read once.
struct Facts {
    context: ExecutionContext,
    logging: LoggingConfiguration,
    request_id: String,
    log_stream: Option<String>,
}

/// Applies a report to an execution and wakes its driver.
#[derive(Clone)]
pub struct Reporter {
    shared: Arc<Shared>,
    account: String,
    region: String,
    arn: String,
    clock_door: Arc<Door>,
}

impl Reporter {
    pub fn report(&self, f: impl FnOnce(&mut Execution, i64)) {
        self.report_task(None, f);
    }

    /// A `.sync` task started its job (`TaskSubmitted`), kept on its in-flight record for a restart.
    fn submitted(&self, id: TaskId, output: serde_json::Value) {
        let now = self.clock_door.world().clock.now_ms();
        self.shared.store.with(&self.account, &self.region, |s| {
            if let Some(rec) = s.executions.get_mut(&self.arn) {
                rec.execution.task_submitted(id, output.clone(), now);
                if let Some(t) = rec.tasks.get_mut(&id.0) {
                    t.submitted = Some(output);
                }
            }
        });
        self.shared.runs.wake(&self.arn);
    }

    /// A report about task `id`, noted on its in-flight record too (what a restart must not do again).
    fn report_task(&self, task: Option<(TaskId, fn(&mut TaskInFlight))>, f: impl FnOnce(&mut Execution, i64)) {
        let now = self.clock_door.world().clock.now_ms();
        self.shared.store.with(&self.account, &self.region, |s| {
            if let Some(rec) = s.executions.get_mut(&self.arn) {
                f(&mut rec.execution, now);
                if let Some((id, mark)) = task
                    && let Some(t) = rec.tasks.get_mut(&id.0)
                {
                    mark(t);
                }
            }
        });
        self.shared.runs.wake(&self.arn);
    }
}

/// Drives the execution until it ends. Call after [`Runs::register`].
pub async fn drive(d: Drive) {
    let handle = d.shared.runs.register(&d.arn);
    let world = d.door.world().clone();
    let facts = d.shared.store.read(&d.account, &d.region, |s| {
        s.and_then(|s| s.executions.get(&d.arn)).map(|rec| Facts {
            context: rec.execution.context().clone(),
            logging: rec.revision.logging.clone(),
            request_id: rec.request_id.clone(),
            log_stream: rec.log_stream.clone(),
        })
    });
    let Some(facts) = facts else {
        d.shared.runs.remove(&d.arn);
        return;
    };
    let mut role = ExecutionRole::new(
        &facts.context.state_machine_arn,
        &facts.context.role_arn,
        &facts.context.name,
        &d.region,
        &facts.request_id,
    );
    let destination = facts.logging.destination().and_then(GroupArn::parse);
    let mut stream_created = false;
    let reporter = Reporter {
        shared: d.shared.clone(),
        account: d.account.clone(),
        region: d.region.clone(),
        arn: d.arn.clone(),
        clock_door: d.door.clone(),
    };
    let mut inflight: HashMap<TaskId, JoinHandle<()>> = HashMap::new();
    // Activity tasks waiting for a worker, by task: the activity's ARN.
    let mut activities: HashMap<TaskId, String> = HashMap::new();
    if d.resumed {
        // [inf] What was in flight when sekisho stopped is dispatched again (at least once, as a Standard
        // task whose worker died is performed again); see `resume`.
        let redo: Vec<TaskInFlight> = d.shared.store.read(&d.account, &d.region, |s| {
            s.and_then(|s| s.executions.get(&d.arn))
                .map(|rec| rec.tasks.values().filter(|t| !t.ended && !t.awaiting_callback).cloned().collect())
                .unwrap_or_default()
        });
        for t in redo {
            if t.request.kind == TaskKind::Activity && t.mocked.is_none() {
                // An activity task waits for a worker again (the queue is not stored; a worker that had
                // taken it before the restart may still answer with its token).
                offer_activity_task(&d, &t.request);
                activities.insert(t.request.id, t.request.resource_arn.clone());
                continue;
            }
            let work = match t.mocked {
                Some(answer) => Work::Mocked(answer.into()),
                None => Work::Perform(role.caller(&d.door, world.clock.now_ms()).await.map(Box::new).map_err(|_| ())),
            };
            let h = spawn_task(&d, &facts, &reporter, t.request, work, t.submitted);
            inflight.insert(h.0, h.1);
        }
    }
    loop {
        let now = world.clock.now_ms();
        let Some(Step { progress, records, pending, stream, mut mocked }) =
            advance(&d, &handle, &facts, destination.is_some(), now).await
        else {
            break;
        };
        if let (Some(group), Some(stream)) = (&destination, &stream)
            && !records.is_empty()
        {
            match role.caller(&d.door, now).await {
                Ok(caller) => {
                    logging::deliver(&d.door, &caller, group, stream, !stream_created, records, &facts.request_id)
                        .await;
                    stream_created = true;
                }
                Err(_) => {
                    // Without the execution role's session nothing can be delivered; the door recorded why.
                }
            }
        }
        let (tasks, cancelled, wake_at) = match progress {
            Progress::Done => break,
            Progress::Waiting { tasks, cancelled, wake_at_ms } => (tasks, cancelled, wake_at_ms),
        };
        for id in cancelled {
            if let Some(h) = inflight.remove(&id) {
                h.abort();
            }
            if let Some(activity) = activities.remove(&id) {
                withdraw_activity_task(&d, &activity, id);
            }
        }
        for request in tasks {
            if request.kind == TaskKind::Activity && !mocked.contains_key(&request.id) {
                offer_activity_task(&d, &request);
                activities.insert(request.id, request.resource_arn.clone());
                continue;
            }
            let work = match mocked.remove(&request.id) {
                Some(outcome) => Work::Mocked(outcome),
                None => Work::Perform(role.caller(&d.door, world.clock.now_ms()).await.map(Box::new).map_err(|_| ())),
            };
            let h = spawn_task(&d, &facts, &reporter, request, work, None);
            inflight.insert(h.0, h.1);
        }
        inflight.retain(|_, h| !h.is_finished());
        wait(&handle, &world.clock, wake_at, pending || !inflight.is_empty()).await;
    }
    for (_, h) in inflight {
        h.abort();
    }
    for (id, activity) in activities {
        withdraw_activity_task(&d, &activity, id);
    }
    finish(&d);
}

/// Where an activity's tasks wait: the activity ARN's account and region (the execution's when the ARN
/// cannot be read, which the definition's parser already refused).
fn activity_scope(d: &Drive, activity_arn: &str) -> (String, String) {
    match crate::arn::parse_activity(activity_arn) {
        Ok(a) => (a.account, a.region),
        Err(_) => (d.account.clone(), d.region.clone()),
    }
}

/// An activity task waits for a worker's GetActivityTask; waiting polls are told.
fn offer_activity_task(d: &Drive, request: &TaskRequest) {
    let (account, region) = activity_scope(d, &request.resource_arn);
    let task = crate::state::ActivityTask {
        execution_arn: d.arn.clone(),
        task: request.id,
        input: sekisho_asl::json::to_text(&request.parameters),
    };
    d.shared.store.with(&account, &region, |s| {
        s.activity_tasks.entry(request.resource_arn.clone()).or_default().push(task);
    });
    d.shared.activity_bell.notify_waiters();
}

/// An activity task no worker took is withdrawn (it timed out, or its execution ended).
fn withdraw_activity_task(d: &Drive, activity_arn: &str, id: TaskId) {
    let (account, region) = activity_scope(d, activity_arn);
    d.shared.store.with(&account, &region, |s| {
        if let Some(queue) = s.activity_tasks.get_mut(activity_arn) {
            queue.retain(|t| !(t.execution_arn == d.arn && t.task == id));
            if queue.is_empty() {
                s.activity_tasks.remove(activity_arn);
            }
        }
    });
}

struct Step {
    progress: Progress,
    /// New log records (time, message) that pass the level.
    records: Vec<(i64, String)>,
    /// Whether tasks are outstanding (in flight or awaiting a callback).
    pending: bool,
    stream: Option<String>,
    /// The answers of the new tasks the execution's mock test case mocks.
    mocked: HashMap<TaskId, TaskOutcome>,
}

/// One step of the engine, run without the store's lock and off the async workers: the execution is
/// taken out of its record, a stand-in answering readers (and taking reports and a stop) is left in its
/// place, the engine advances it on the blocking pool under the expression budget, and it is put back.
/// `None` once the record is gone.
async fn advance(d: &Drive, handle: &RunHandle, facts: &Facts, logs: bool, now: i64) -> Option<Step> {
    let watch = d.shared.watch();
    let taken = d.shared.store.with(&d.account, &d.region, |s| {
        let rec = s.executions.get_mut(&d.arn)?;
        if rec.status() != Status::Running {
            return Some(None);
        }
        // The store keeps the execution as it is now until the step is put back.
        rec.resting = Some(Box::new(rec.execution.without_history()));
        let stand_in = rec.execution.stand_in();
        // Set under the store's lock: a StopExecution from now on finds the watch and stops the step.
        handle.watching(Some(watch.clone()));
        Some(Some((std::mem::replace(&mut rec.execution, stand_in), rec.env.clone())))
    })?;
    let Some((mut execution, mut env)) = taken else {
        // Ended (stopped, timed out): nothing to advance, but its last events still go to the log.
        return d.shared.store.with(&d.account, &d.region, |s| settle(s, d, facts, logs, Progress::Done));
    };
    let machine = d.machine.clone();
    let advanced = evaluate::off_the_workers(watch, d.shared.expression_timeout, move |watch| {
        let progress = execution.run_watched(&machine, now, &mut env, watch);
        (execution, env, progress)
    })
    .await;
    handle.watching(None);
    d.shared.store.with(&d.account, &d.region, |s| {
        let rec = s.executions.get_mut(&d.arn)?;
        rec.resting = None;
        let progress = match advanced {
            Ok((execution, env, progress)) => {
                let stand_in = std::mem::replace(&mut rec.execution, execution);
                if rec.execution.absorb(stand_in) {
                    Progress::Done
                } else {
                    rec.env = env;
                    progress
                }
            }
            // [inf] The engine panicked: the execution it held is lost, so the stand-in ends it, visibly.
            Err(_) => {
                rec.execution.stop(Some(sekisho_asl::messages::STATES_RUNTIME), Some(ENGINE_FAILED), now);
                Progress::Done
            }
        };
        settle(s, d, facts, logs, progress)
    })
}

/// Why an execution whose engine step failed was ended.
const ENGINE_FAILED: &str = "The execution could not be advanced: the engine failed while running it";

/// After a step: the new log records, the tokens of new tasks, and the answers of mocked ones.
fn settle(s: &mut StatesState, d: &Drive, facts: &Facts, logs: bool, progress: Progress) -> Option<Step> {
    let rec = s.executions.get_mut(&d.arn)?;
    let events = rec.execution.events();
    let mut records = Vec::new();
    if logs {
        let level = facts.logging.level.as_str();
        let include = facts.logging.include_execution_data;
        for e in &events[rec.logged_events.min(events.len())..] {
            if logging::level_includes(level, &e.kind) {
                records.push((e.timestamp_ms, logging::record(e, &d.arn, include, facts.context.redrive_count)));
            }
        }
        if rec.log_stream.is_none() && !records.is_empty() {
            let hex = &sekisho_core::ids::uuid_v4()[..8];
            rec.log_stream = Some(logging::stream_name(&facts.context.state_machine_name, rec.start_ms, hex));
        }
    }
    rec.logged_events = events.len();
    let stream = rec.log_stream.clone().or_else(|| facts.log_stream.clone());
    let pending = !rec.execution.pending_tasks().is_empty();
    let mut mocked = HashMap::new();
    if let (Some(config), Some(run), Progress::Waiting { tasks, .. }) = (&d.shared.mock, &mut rec.mock, &progress) {
        for t in tasks {
            let count = run.invocations.get(&t.state_name).copied().unwrap_or(0);
            if let Some(outcome) = config.outcome(&rec.state_machine_name, &run.test_case, &t.state_name, count) {
                run.invocations.insert(t.state_name.clone(), count + 1);
                mocked.insert(t.id, outcome);
            }
        }
    }
    if let Progress::Waiting { tasks, .. } = &progress {
        for t in tasks {
            let mocked = mocked.get(&t.id).map(MockedAnswer::from);
            let task =
                TaskInFlight { request: t.clone(), mocked, submitted: None, awaiting_callback: false, ended: false };
            rec.tasks.insert(t.id.0, task);
        }
    }
    if !rec.tasks.is_empty() {
        let pending = rec.execution.pending_tasks();
        rec.tasks.retain(|id, _| pending.contains(&TaskId(*id)));
    }
    if let Progress::Waiting { tasks, cancelled, .. } = &progress {
        for t in tasks {
            if let Some(token) = &t.task_token {
                s.task_tokens
                    .insert(token.clone(), crate::state::TaskTokenRecord { execution_arn: d.arn.clone(), task: t.id });
            }
        }
        close_tokens(s, &d.arn, Some(cancelled));
    }
    Some(Step { progress, records, pending, stream, mocked })
}

/// Moves the tokens of `tasks` (all of the execution's when `None`) to the closed ones.
fn close_tokens(s: &mut StatesState, arn: &str, tasks: Option<&[TaskId]>) {
    let closing: Vec<String> = s
        .task_tokens
        .iter()
        .filter(|(_, t)| t.execution_arn == arn && tasks.is_none_or(|ids| ids.contains(&t.task)))
        .map(|(k, _)| k.clone())
        .collect();
    for token in closing {
        s.task_tokens.remove(&token);
        s.closed_tokens.insert(token, arn.to_string());
    }
}

/// What a scheduled task does: call its service as the execution role's session, or answer as mocked.
enum Work {
    /// `Err`: the execution role's session could not be opened (the door recorded why).
    Perform(Result<Box<Caller>, ()>),
    Mocked(TaskOutcome),
}

/// Lets `.sync` tasks wait for executions this service drives.
struct Watch(Arc<Shared>);

#[async_trait::async_trait]
impl ExecutionWatch for Watch {
    async fn ended(&self, execution_arn: &str) {
        self.0.runs.ended(execution_arn).await;
    }
}

fn spawn_task(
    d: &Drive,
    facts: &Facts,
    reporter: &Reporter,
    request: TaskRequest,
    work: Work,
    resumed: Option<serde_json::Value>,
) -> (TaskId, JoinHandle<()>) {
    let id = request.id;
    let integrations = d.shared.integrations.clone();
    let door = d.door.clone();
    let reporter = reporter.clone();
    let context = facts.context.clone();
    let parent = facts.request_id.clone();
    let submitter = reporter.clone();
    let hooks = TaskHooks {
        submitted: Some(Arc::new(move |v| submitter.submitted(id, v))),
        executions: Some(Arc::new(Watch(d.shared.clone()))),
        resumed,
    };
    let handle = tokio::spawn(async move {
        reporter.report(|e, now| e.task_started(id, now));
        let dispatched = match work {
            Work::Mocked(outcome) => Dispatched::Done(outcome),
            Work::Perform(Ok(caller)) => {
                let cx =
                    TaskContext { door, caller: *caller, execution: context, parent_request_id: Some(parent), hooks };
                integrations.perform(&request, &cx).await
            }
            // [inf] The execution role could not be assumed (its trust or the role changed since creation).
            Work::Perform(Err(_)) => {
                Dispatched::Done(TaskOutcome::failed("States.TaskFailed", crate::errors::role_not_assumable().message))
            }
        };
        let ended: fn(&mut TaskInFlight) = |t| t.ended = true;
        match dispatched {
            Dispatched::Done(TaskOutcome::Succeeded(v)) => {
                reporter.report_task(Some((id, ended)), |e, now| e.task_succeeded(id, v, now))
            }
            Dispatched::Done(TaskOutcome::Failed { error, cause }) => {
                reporter.report_task(Some((id, ended)), |e, now| e.task_failed(id, &error, &cause, now))
            }
            Dispatched::AwaitingCallback(v) => {
                reporter.report_task(Some((id, |t| t.awaiting_callback = true)), |e, now| e.task_submitted(id, v, now))
            }
        }
    });
    (id, handle)
}

/// Sleeps until a report or the wake time. Virtual time only jumps when nothing is outstanding: a task in
/// flight or awaiting its callback keeps real time, so it is not timed out by a jump it did not cause.
async fn wait(handle: &RunHandle, clock: &sekisho_core::clock::Clock, wake_at: Option<i64>, outstanding: bool) {
    let Some(at) = wake_at else {
        handle.notify.notified().await;
        return;
    };
    if clock.mode() == ClockMode::Virtual && !outstanding {
        clock.sleep_until(at).await;
        return;
    }
    let delay = (at - clock.now_ms()).max(0) as u64;
    tokio::select! {
        _ = handle.notify.notified() => {}
        _ = tokio::time::sleep(std::time::Duration::from_millis(delay)) => {}
    }
}

/// The execution ended: its tokens close, its doorbell goes, and an Express record goes too.
fn finish(d: &Drive) {
    d.shared.store.with(&d.account, &d.region, |s| {
        close_tokens(s, &d.arn, None);
        if !d.keep_record {
            s.executions.remove(&d.arn);
        }
    });
    d.shared.runs.remove(&d.arn);
}

/// Starts driving on a tokio task.
pub fn spawn(d: Drive) {
    d.shared.runs.register(&d.arn);
    tokio::spawn(drive(d));
}

/// Drives again every running Standard execution a restarted sekisho loaded. A Wait goes on to its
/// recorded deadline (the engine's state holds it) and retries and timeouts keep theirs. A task in flight
/// is dispatched again under its first `TaskScheduled` (and `TaskStarted`, if recorded): the history shows
/// the task once, its work may have been done twice. This is AWS's at-least-once rule for a task whose
/// worker was lost rather than a new failure: [inf] the Step Functions Developer Guide documents
/// exactly-once execution for Standard workflows "unless you have specified Retry behavior", and
/// at-least-once delivery to task workers; sekisho cannot know whether the lost worker finished, so it
/// performs the task again rather than inventing an error. A `.waitForTaskToken` task whose request went
/// out waits for its token (the token record was stored with it); a `.sync` task whose child started
/// follows that child instead of starting another; a mocked task is answered again from the answer it
/// was given.
pub fn resume(shared: &Arc<Shared>, door: &Arc<Door>) {
    use sekisho_asl::definition::StateMachineType;
    let running: Vec<(String, String, String, Arc<String>)> = shared.store.read_all(|all| {
        all.iter()
            .flat_map(|((account, region), s)| {
                s.executions
                    .values()
                    .filter(|r| r.kind == StateMachineType::Standard && r.status() == Status::Running)
                    .map(|r| (account.clone(), region.clone(), r.arn.clone(), r.revision.definition.clone()))
            })
            .collect()
    });
    // Every execution is registered before any is driven, so a `.sync` parent finds its child driven.
    for (_, _, arn, _) in &running {
        shared.runs.register(arn);
    }
    for (account, region, arn, definition) in running {
        let machine = match shared.machine(StateMachineType::Standard, &definition) {
            Ok(m) => m,
            Err(e) => {
                // The definition parsed when it was stored; a sekisho that parses it no more says so.
                eprintln!("sekisho: execution {arn} cannot resume: {}", e.message);
                shared.runs.remove(&arn);
                continue;
            }
        };
        let d = Drive {
            shared: shared.clone(),
            door: door.clone(),
            account,
            region,
            arn,
            machine,
            keep_record: true,
            resumed: true,
        };
        tokio::spawn(drive(d));
    }
}

impl From<&TaskOutcome> for MockedAnswer {
    fn from(o: &TaskOutcome) -> Self {
        match o {
            TaskOutcome::Succeeded(v) => MockedAnswer::Succeeded(v.clone()),
            TaskOutcome::Failed { error, cause } => MockedAnswer::Failed { error: error.clone(), cause: cause.clone() },
        }
    }
}

impl From<MockedAnswer> for TaskOutcome {
    fn from(a: MockedAnswer) -> Self {
        match a {
            MockedAnswer::Succeeded(v) => TaskOutcome::Succeeded(v),
            MockedAnswer::Failed { error, cause } => TaskOutcome::Failed { error, cause },
        }
    }
}
