//! The Parallel state: one thread per branch on the same input, results in branch order.
//! The first failing branch fails the state; the others are aborted.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::Run;
use super::data::{self, Cx};
use super::thread::{self, Active, Outcome, Phase, StepResult, Thread};
use crate::definition::model::{BlockId, Io};

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ParallelRun {
    pub branches: Vec<Thread>,
}

fn start(
    run: &mut Run,
    cx: &Cx,
    last: &mut u64,
    active: &mut Active,
    blocks: &[BlockId],
) -> Result<(), crate::failure::Failure> {
    let context = data::context(run, cx, None, None);
    let input = match &cx.state.io {
        Io::JsonPath { .. } => data::effective_input(run, cx, &active.input, &context)?,
        Io::Jsonata { arguments, .. } => match arguments {
            Some(t) => {
                let states = data::states(&active.input, &context, None, None);
                data::jsonata(run, cx, t, "Arguments", &states)?
            }
            None => active.input.clone(),
        },
    };
    run.log.emit(last, cx.record, run.now, "ParallelStateStarted", None);
    let branches = blocks.iter().map(|b| Thread::new(*b, run.sm, input.clone(), *last, cx.record)).collect();
    active.phase = Phase::Parallel(ParallelRun { branches });
    Ok(())
}

pub fn step(run: &mut Run, cx: &Cx, last: &mut u64, active: &mut Active, blocks: &[BlockId]) -> StepResult {
    if matches!(active.phase, Phase::Start)
        && let Err(f) = start(run, cx, last, active, blocks)
    {
        return StepResult::Fail(f);
    }
    let Phase::Parallel(p) = &mut active.phase else {
        return StepResult::Blocked;
    };
    let mut failed = None;
    for (i, branch) in p.branches.iter_mut().enumerate() {
        thread::advance(run, branch, Some(cx.vars));
        if let Outcome::Failed(f) = branch.outcome() {
            failed = Some((i, f.clone()));
            break;
        }
    }
    if let Some((i, failure)) = failed {
        *last = p.branches[i].last;
        for (j, other) in p.branches.iter_mut().enumerate() {
            if j != i && !other.is_finished() {
                thread::abort(run.log, other, run.now, run.cancelled);
            }
        }
        return StepResult::Fail(failure);
    }
    if !p.branches.iter().all(Thread::is_finished) {
        return StepResult::Blocked;
    }
    *last = p.branches.iter().map(|b| b.last).max().unwrap_or(*last);
    run.log.emit_after(*last, cx.record, run.now, "ParallelStateSucceeded", None);
    let results: Vec<Value> = p
        .branches
        .iter()
        .map(|b| match b.outcome() {
            Outcome::Succeeded(v) => v.clone(),
            _ => Value::Null,
        })
        .collect();
    let context = data::context(run, cx, None, None);
    match data::finish_with_result(run, cx, &active.input, Value::Array(results), &context) {
        Ok((output, assigned)) => StepResult::Exit { output, next: cx.state.next, assigned },
        Err(f) => StepResult::Fail(f),
    }
}
