//! The Map state: one iteration per item, up to MaxConcurrency at a time, results in item order.
//! Inline iterations write their events into the history; distributed ones run as a map run.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};

use super::data::{self, Cx, MapItem, Scope};
use super::log::EventLog;
use super::map_runs::{MapRunStats, MapRunStatus};
use super::states::number;
use super::thread::{self, Active, Outcome, Phase, StepResult, Thread};
use super::{Run, TaskId};
use crate::definition::model::{Io, MapState, Number, ProcessorMode, State, StateKind};
use crate::failure::Failure;
use crate::json::{as_integer, to_text, type_name};
use crate::messages as m;
use crate::paths::PathScope;

#[derive(Debug, Clone, Serialize, Deserialize)]
struct Iteration {
    index: usize,
    thread: Thread,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct MapRun {
    /// Items after ItemsPath/Items (before ItemSelector).
    items: Vec<Value>,
    /// Batches of item indexes when an ItemBatcher is set.
    batches: Option<Vec<Vec<usize>>>,
    /// The Map's input after InputPath: what `$` means in ItemSelector.
    selector_input: Value,
    next: usize,
    running: Vec<Iteration>,
    idle_workers: Vec<u64>,
    limit: usize,
    results: Vec<Option<Value>>,
    failed: usize,
    /// The Map's own latest event, moved on by each finished iteration.
    pointer: u64,
    started_id: u64,
    tolerated_count: Option<u64>,
    tolerated_percentage: Option<f64>,
    distributed: bool,
    /// The Map state's name, which iteration events carry.
    name: String,
    /// A distributed Map's run (its stats are kept in the execution's map runs).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    arn: Option<String>,
    /// Iterations aborted because the Map failed.
    #[serde(default)]
    aborted: usize,
}

impl MapRun {
    fn iteration_count(&self) -> usize {
        self.batches.as_ref().map_or(self.items.len(), Vec::len)
    }

    /// Aborts running iterations: their states first, then `MapIterationAborted`.
    pub fn abort(&mut self, log: &mut EventLog, now: i64, cancelled: &mut Vec<TaskId>) {
        for it in &mut self.running {
            thread::abort(log, &mut it.thread, now, cancelled);
            let details = json!({"index": it.index, "name": self.name});
            log.emit_after(it.thread.last, it.thread.record, now, "MapIterationAborted", Some(details));
        }
    }

    pub fn collect_tasks(&self, out: &mut Vec<TaskId>) {
        for it in &self.running {
            thread::collect_tasks(&it.thread, out);
        }
    }

    fn exceeded(&self) -> bool {
        if self.failed == 0 {
            return false;
        }
        match (self.tolerated_count, self.tolerated_percentage) {
            (None, None) => true,
            (count, pct) => {
                let over_count = count.is_some_and(|c| self.failed as u64 > c);
                let total = self.iteration_count().max(1) as f64;
                let over_pct = pct.is_some_and(|p| (self.failed as f64) * 100.0 / total > p);
                over_count || over_pct
            }
        }
    }
}

fn shown(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => to_text(other),
    }
}

/// A numeric string counts as a number, as AWS reads these path values.
fn as_number(v: &Value) -> Option<f64> {
    match v {
        Value::Number(n) => n.as_f64(),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

fn items(run: &mut Run, cx: &Cx, map: &MapState, raw: &Value, context: &Value) -> Result<(Vec<Value>, Value), Failure> {
    match &cx.state.io {
        Io::JsonPath { input_path, .. } => {
            let input = data::select_path(input_path, raw, context, cx.vars)?;
            let items = match &map.items_path {
                None => input.clone(),
                Some(path) => {
                    let scope = PathScope { data: &input, context, variables: cx.vars };
                    path.evaluate(&scope).map_err(|e| Failure::runtime(m::invalid_path(&path.source(), &e.message)))?
                }
            };
            match items {
                Value::Array(a) => Ok((a, input)),
                other => {
                    let path = map.items_path.as_ref().map_or("$".to_string(), |p| p.source());
                    Err(Failure::runtime(m::items_not_array(&path, &to_text(&other))))
                }
            }
        }
        Io::Jsonata { .. } => {
            let states = data::states(raw, context, None, None);
            let value = match &map.items {
                Some(t) => data::jsonata(run, cx, t, "Items", &states)?,
                None => raw.clone(),
            };
            match (value, &map.items) {
                (Value::Array(a), _) => Ok((a, raw.clone())),
                (other, Some(t)) => Err(Failure::query(
                    "Items",
                    m::jsonata_wrong_type(&t.source(), "Items", "array", type_name(&other), &to_text(&other)),
                )),
                // Without `Items` the input itself is iterated: no expression and no field to name.
                (other, None) => Err(Failure::query_unlocated(m::map_input_not_array(type_name(&other)))),
            }
        }
    }
}

/// A `MaxConcurrencyPath` value as AWS reads it: an integer, or a string holding one (also when the path
/// names a variable). [inf] Issue 16, from AWS recordings kept out of the project; AWS documents only
/// that the path selects "an integer value" (state-map.html).
fn path_integer(v: &Value) -> Option<i64> {
    match v {
        Value::String(s) => s.parse().ok(),
        other => as_integer(other),
    }
}

/// A Map whose `MaxConcurrencyPath` reads a negative number is never entered: AWS leaves such an
/// execution running with nothing after `ExecutionStarted` (recording of test_max_concurrency_path_negative;
/// LocalStack's test notes AWS "consistently appears to stall after startup"). A stalled thread waits for
/// nothing, so only StopExecution or the execution's timeout ends it.
pub fn stalls_on_entry(state: &State, input: &Value, vars: &Scope) -> bool {
    let StateKind::Map(map) = &state.kind else { return false };
    let Some(Number::Path(path)) = &map.max_concurrency else { return false };
    let scope = PathScope { data: input, context: &Value::Null, variables: vars };
    path.evaluate(&scope).ok().and_then(|v| path_integer(&v)).is_some_and(|n| n < 0)
}

/// MaxConcurrency: read before `MapStateStarted`, so a value that is no integer fails the Map before it
/// starts (issue 16 [inf]: AWS evaluates it as a state-level field, unlike the tolerances, which fail
/// after `MapStateStarted` in the recordings of test_map_state_tolerated_failure_count_path).
fn max_concurrency(
    run: &mut Run,
    cx: &Cx,
    map: &MapState,
    data: &Value,
    context: &Value,
    states: &Value,
) -> Result<usize, Failure> {
    let Some(n) = &map.max_concurrency else { return Ok(0) };
    let v = number(run, cx, n, "MaxConcurrency", data, context, states)?;
    let limit = match n {
        Number::Path(path) => path_integer(&v)
            .ok_or_else(|| Failure::runtime(m::not_valid_integer("MaxConcurrencyPath", &shown(&v), &path.source())))?,
        _ => as_integer(&v).unwrap_or(-1),
    };
    usize::try_from(limit).map_err(|_| Failure::runtime(m::MAX_CONCURRENCY_NEGATIVE))
}

fn start(run: &mut Run, cx: &Cx, last: &mut u64, active: &mut Active, map: &MapState) -> Result<(), Failure> {
    let context = data::context(run, cx, None, None);
    let (items, selector_input) = items(run, cx, map, &active.input, &context)?;
    let states = data::states(&active.input, &context, None, None);
    let limit = max_concurrency(run, cx, map, &selector_input, &context, &states)?;
    let started_id = run.log.emit(last, cx.record, run.now, "MapStateStarted", Some(json!({"length": items.len()})));
    let tolerated_count = match &map.tolerated_failure_count {
        None => None,
        Some(n) => {
            let v = number(run, cx, n, "ToleratedFailureCount", &selector_input, &context, &states)?;
            let count = as_number(&v).filter(|f| f.fract() == 0.0);
            match (count, n) {
                (Some(c), _) if c >= 0.0 => Some(c as u64),
                (Some(_), _) => return Err(Failure::runtime(m::TOLERATED_COUNT_NEGATIVE)),
                (None, crate::definition::model::Number::Path(p)) => {
                    return Err(Failure::runtime(m::not_valid_integer(
                        "ToleratedFailureCountPath",
                        &shown(&v),
                        &p.source(),
                    )));
                }
                (None, _) => return Err(Failure::runtime(m::TOLERATED_COUNT_NEGATIVE)),
            }
        }
    };
    let tolerated_percentage = match &map.tolerated_failure_percentage {
        None => None,
        Some(n) => {
            let v = number(run, cx, n, "ToleratedFailurePercentage", &selector_input, &context, &states)?;
            match (as_number(&v), n) {
                (Some(p), _) if (0.0..=100.0).contains(&p) => Some(p),
                (Some(_), _) => return Err(Failure::runtime(m::TOLERATED_PERCENTAGE_RANGE)),
                (None, crate::definition::model::Number::Path(path)) => {
                    return Err(Failure::runtime(m::not_valid_float(
                        "ToleratedFailurePercentagePath",
                        &shown(&v),
                        &path.source(),
                    )));
                }
                (None, _) => return Err(Failure::runtime(m::TOLERATED_PERCENTAGE_RANGE)),
            }
        }
    };
    if map.item_reader.is_some() {
        return Err(Failure::new(m::STATES_ITEM_READER_FAILED, m::item_reader_unsupported()));
    }
    let batches = match &map.item_batcher {
        None => None,
        Some(b) => {
            let max_items = match &b.max_items_per_batch {
                Some(n) => as_integer(&number(run, cx, n, "MaxItemsPerBatch", &selector_input, &context, &states)?)
                    .filter(|v| *v > 0)
                    .map(|v| v as usize),
                None => None,
            };
            let max_bytes = match &b.max_input_bytes_per_batch {
                Some(n) => {
                    as_integer(&number(run, cx, n, "MaxInputBytesPerBatch", &selector_input, &context, &states)?)
                        .filter(|v| *v > 0)
                        .map(|v| v as usize)
                }
                None => None,
            };
            let mut batches: Vec<Vec<usize>> = Vec::new();
            let mut bytes = 0;
            for (i, item) in items.iter().enumerate() {
                let size = crate::json::text_len(item);
                let full = batches.last().is_none_or(|b| {
                    max_items.is_some_and(|m| b.len() >= m) || max_bytes.is_some_and(|m| bytes + size > m)
                });
                if full {
                    batches.push(Vec::new());
                    bytes = 0;
                }
                if let Some(b) = batches.last_mut() {
                    b.push(i);
                }
                bytes += size;
            }
            Some(batches)
        }
    };
    let distributed = map.mode == ProcessorMode::Distributed;
    let mut map_run_arn = None;
    if distributed {
        let label = map.label.clone().unwrap_or_else(|| cx.state.name.clone());
        let arn = format!(
            "{}:mapRun:{}/{}:{}",
            run.context
                .state_machine_arn
                .rsplit_once(":stateMachine:")
                .map_or(run.context.state_machine_arn.as_str(), |(head, _)| head),
            run.context.state_machine_name,
            label,
            run.env.uuid()
        );
        run.log.emit(last, cx.record, run.now, "MapRunStarted", Some(json!({"mapRunArn": arn})));
        run.map_runs.push(MapRunStats {
            arn: arn.clone(),
            label,
            start_ms: run.now,
            stop_ms: None,
            status: MapRunStatus::Running,
            max_concurrency: limit as u64,
            tolerated_failure_count: tolerated_count.unwrap_or(0),
            tolerated_failure_percentage: tolerated_percentage.unwrap_or(0.0),
            total: batches.as_ref().map_or(items.len(), Vec::len) as u64,
            running: 0,
            succeeded: 0,
            failed: 0,
            aborted: 0,
        });
        map_run_arn = Some(arn);
    }
    let count = batches.as_ref().map_or(items.len(), Vec::len);
    active.phase = Phase::Map(Box::new(MapRun {
        items,
        batches,
        selector_input,
        next: 0,
        running: Vec::new(),
        idle_workers: Vec::new(),
        limit,
        results: vec![None; count],
        failed: 0,
        pointer: *last,
        started_id,
        tolerated_count,
        tolerated_percentage,
        distributed,
        name: cx.state.name.clone(),
        arn: map_run_arn,
        aborted: 0,
    }));
    Ok(())
}

/// The input of iteration `index`: ItemSelector applied per item, then batching.
fn iteration_input(
    run: &mut Run,
    cx: &Cx,
    map: &MapState,
    raw: &Value,
    m: &MapRun,
    index: usize,
) -> Result<Value, Failure> {
    let select = |run: &mut Run, i: usize| -> Result<Value, Failure> {
        let item = &m.items[i];
        let has_selector = map.item_selector.is_some() || map.item_selector_jsonata.is_some();
        if !has_selector {
            return Ok(item.clone());
        }
        let context = data::context(run, cx, None, Some(&MapItem { index: i, value: item }));
        let context = if context.is_null() { json!({"Map": {"Item": {"Index": i, "Value": item}}}) } else { context };
        if let Some(p) = &map.item_selector {
            let scope = PathScope { data: &m.selector_input, context: &context, variables: cx.vars };
            return p.evaluate(&scope, run.env);
        }
        match &map.item_selector_jsonata {
            Some(t) => {
                let states = data::states(raw, &context, None, None);
                data::jsonata(run, cx, t, "ItemSelector", &states)
            }
            None => Ok(item.clone()),
        }
    };
    let Some(batches) = &m.batches else {
        return select(run, index);
    };
    let mut selected = Vec::new();
    for i in batches.get(index).cloned().unwrap_or_default() {
        selected.push(select(run, i)?);
    }
    let mut batch = Map::new();
    if let Some(b) = &map.item_batcher {
        let context = data::context(run, cx, None, None);
        if let Some(p) = &b.batch_input {
            let scope = PathScope { data: &m.selector_input, context: &context, variables: cx.vars };
            batch.insert("BatchInput".into(), p.evaluate(&scope, run.env)?);
        } else if let Some(t) = &b.batch_input_jsonata {
            let states = data::states(raw, &context, None, None);
            batch.insert("BatchInput".into(), data::jsonata(run, cx, t, "ItemBatcher/BatchInput", &states)?);
        }
    }
    batch.insert("Items".into(), Value::Array(selected));
    Ok(Value::Object(batch))
}

pub fn step(run: &mut Run, cx: &Cx, last: &mut u64, active: &mut Active, map: &MapState) -> StepResult {
    if matches!(active.phase, Phase::Start)
        && let Err(f) = start(run, cx, last, active, map)
    {
        return StepResult::Fail(f);
    }
    let raw = active.input.clone();
    let Phase::Map(mr) = &mut active.phase else {
        return StepResult::Blocked;
    };
    let record_iterations = cx.record && !mr.distributed;
    take_settings(run, mr);
    let outcome = iterate(run, cx, last, &raw, map, mr, record_iterations);
    report(run, mr, &outcome);
    outcome
}

/// UpdateMapRun's settings, when this is a distributed Map's run.
fn take_settings(run: &mut Run, mr: &mut MapRun) {
    let Some(stats) = mr.arn.as_ref().and_then(|arn| run.map_runs.iter().find(|s| &s.arn == arn)) else {
        return;
    };
    mr.limit = stats.max_concurrency as usize;
    if mr.tolerated_count.is_some() || stats.tolerated_failure_count > 0 {
        mr.tolerated_count = Some(stats.tolerated_failure_count);
    }
    if mr.tolerated_percentage.is_some() || stats.tolerated_failure_percentage > 0.0 {
        mr.tolerated_percentage = Some(stats.tolerated_failure_percentage);
    }
}

/// Brings a distributed Map's run stats up to date after a step.
fn report(run: &mut Run, mr: &MapRun, outcome: &StepResult) {
    let Some(stats) = mr.arn.as_ref().and_then(|arn| run.map_runs.iter_mut().find(|s| &s.arn == arn)) else {
        return;
    };
    let finished = mr.results.iter().filter(|r| r.is_some()).count() as u64;
    stats.failed = mr.failed as u64;
    stats.succeeded = finished.saturating_sub(stats.failed);
    stats.running = mr.running.len() as u64;
    let ended = match outcome {
        StepResult::Blocked => None,
        StepResult::Exit { .. } => Some(MapRunStatus::Succeeded),
        StepResult::Fail(_) => Some(MapRunStatus::Failed),
    };
    if let Some(status) = ended
        && stats.status == MapRunStatus::Running
    {
        stats.aborted = mr.aborted as u64;
        stats.status = status;
        stats.stop_ms = Some(run.now);
    }
}

#[allow(clippy::too_many_arguments)]
fn iterate(
    run: &mut Run,
    cx: &Cx,
    last: &mut u64,
    raw: &Value,
    map: &MapState,
    mr: &mut MapRun,
    record_iterations: bool,
) -> StepResult {
    loop {
        let mut progressed = false;
        // Start what the concurrency limit allows; a finished iteration frees its worker.
        while mr.next < mr.iteration_count() && (mr.limit == 0 || mr.running.len() < mr.limit) {
            let index = mr.next;
            let input = match iteration_input(run, cx, map, raw, mr, index) {
                Ok(v) => v,
                Err(f) => return fail_map(run, cx, last, mr, None, f),
            };
            mr.next += 1;
            let worker = mr.idle_workers.pop().unwrap_or(mr.started_id);
            let mut it_last = worker;
            if record_iterations {
                run.log.emit(
                    &mut it_last,
                    true,
                    run.now,
                    "MapIterationStarted",
                    Some(json!({"index": index, "name": cx.state.name})),
                );
            }
            let thread = Thread::new(map.processor, run.sm, input, it_last, record_iterations);
            mr.running.push(Iteration { index, thread });
            progressed = true;
            let outer = if mr.distributed { None } else { Some(cx.vars) };
            let last_running = mr.running.len() - 1;
            thread::advance(run, &mut mr.running[last_running].thread, outer);
            if let Some(done) = finish_iterations(run, cx, last, mr) {
                return done;
            }
        }
        for it in mr.running.iter_mut() {
            let outer = if mr.distributed { None } else { Some(cx.vars) };
            thread::advance(run, &mut it.thread, outer);
        }
        let before = mr.running.len();
        if let Some(done) = finish_iterations(run, cx, last, mr) {
            return done;
        }
        progressed |= mr.running.len() != before;
        if !progressed {
            break;
        }
    }
    if mr.next < mr.iteration_count() || !mr.running.is_empty() {
        return StepResult::Blocked;
    }
    let results: Vec<Value> = mr.results.iter().map(|r| r.clone().unwrap_or(Value::Null)).collect();
    if mr.distributed {
        // AWS today links MapStateSucceeded to MapRunSucceeded and MapStateExited to MapRunStarted, which
        // stays the Map's latest event (recordings of Nov 2024 and Jan 2025:
        // test_map_state_config_distributed_items_path_from_previous,
        // test_reference_in_map_state[MAP_STATE_REFERENCE_IN_TOLERATED_FAILURE_PATH]). Recordings of
        // Feb-Jun 2024 link MapStateExited to MapRunSucceeded: AWS's older behaviour, not followed (see
        // scripts/conformance-sfn-known-failures.txt).
        let run_succeeded = run.log.emit_after(*last, cx.record, run.now, "MapRunSucceeded", None);
        run.log.emit_after(run_succeeded, cx.record, run.now, "MapStateSucceeded", None);
    } else {
        *last = mr.pointer;
        run.log.emit_after(*last, cx.record, run.now, "MapStateSucceeded", None);
    }
    let context = data::context(run, cx, None, None);
    match data::finish_with_result(run, cx, raw, Value::Array(results), &context) {
        Ok((output, assigned)) => StepResult::Exit { output, next: cx.state.next, assigned },
        Err(f) => StepResult::Fail(f),
    }
}

/// Records finished iterations; returns the Map's failure when the tolerance is exceeded.
fn finish_iterations(run: &mut Run, cx: &Cx, last: &mut u64, mr: &mut MapRun) -> Option<StepResult> {
    let record = cx.record && !mr.distributed;
    let mut i = 0;
    while i < mr.running.len() {
        let outcome = match mr.running[i].thread.outcome() {
            Outcome::Running => {
                i += 1;
                continue;
            }
            Outcome::Succeeded(v) => Ok(v.clone()),
            Outcome::Failed(f) => Err(f.clone()),
        };
        let it = mr.running.remove(i);
        let details = json!({"index": it.index, "name": cx.state.name});
        match outcome {
            Ok(output) => {
                let id = run.log.emit_after(it.thread.last, record, run.now, "MapIterationSucceeded", Some(details));
                if record {
                    mr.pointer = id;
                }
                mr.idle_workers.push(it.thread.last);
                mr.results[it.index] = Some(output);
            }
            Err(failure) => {
                if failure.is_runtime() {
                    return Some(fail_map(run, cx, last, mr, Some(it.thread.last), failure));
                }
                let id = run.log.emit_after(it.thread.last, record, run.now, "MapIterationFailed", Some(details));
                mr.failed += 1;
                if mr.exceeded() {
                    let tolerance_set = mr.tolerated_count.is_some() || mr.tolerated_percentage.is_some();
                    let failure = if mr.distributed || tolerance_set {
                        Failure::new(m::STATES_EXCEED_TOLERATED_FAILURE_THRESHOLD, m::tolerated_failure_exceeded())
                    } else {
                        failure
                    };
                    let at = if record { Some(it.thread.last) } else { None };
                    return Some(fail_map(run, cx, last, mr, at, failure));
                }
                if record {
                    mr.pointer = id;
                }
                mr.idle_workers.push(it.thread.last);
                mr.results[it.index] = Some(failure.error_output());
            }
        }
    }
    None
}

/// Fails the Map: other iterations are aborted, the chain continues from the failed iteration.
fn fail_map(
    run: &mut Run,
    cx: &Cx,
    last: &mut u64,
    mr: &mut MapRun,
    from: Option<u64>,
    failure: Failure,
) -> StepResult {
    mr.abort(run.log, run.now, run.cancelled);
    mr.aborted += mr.running.len();
    mr.running.clear();
    if let Some(from) = from {
        *last = from;
    }
    if mr.distributed && !failure.is_runtime() {
        let body = crate::history::error_cause(failure.error.as_deref(), failure.cause.as_deref());
        run.log.emit(last, cx.record, run.now, "MapRunFailed", Some(Value::Object(body)));
    }
    StepResult::Fail(failure)
}
