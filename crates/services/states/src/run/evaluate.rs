//! Engine work off the async workers: a step of the engine runs on tokio's blocking pool, holding no
//! lock, while a watchdog times each of its expressions against the budget and expires the one that
//! runs too long (the engine itself reads no clock).

use sekisho_asl::budget::{Overrun, Watch};
use std::time::{Duration, Instant};
use tokio::task::JoinError;

/// How long one JSONata expression may evaluate. AWS documents no limit; a real expression takes
/// microseconds, so this only ever stops a runaway one (`[states] expression_timeout_ms` changes it).
pub const DEFAULT_EXPRESSION_TIMEOUT_MS: u64 = 2_000;

/// How often the watchdog looks, as a fraction of the budget: an expression is stopped at most a tenth
/// of its budget late.
const CHECKS_PER_BUDGET: u32 = 10;

/// Runs `work` on the blocking pool under `watch`, expiring any expression of it that evaluates longer
/// than `budget`. The async caller only awaits, so every other request keeps its worker.
pub async fn off_the_workers<T: Send + 'static>(
    watch: Watch,
    budget: Duration,
    work: impl FnOnce(&Watch) -> T + Send + 'static,
) -> Result<T, JoinError> {
    let dog = tokio::spawn(watchdog(watch.clone(), budget));
    let out = tokio::task::spawn_blocking(move || work(&watch)).await;
    dog.abort();
    out
}

async fn watchdog(watch: Watch, budget: Duration) {
    let tick = (budget / CHECKS_PER_BUDGET).max(Duration::from_millis(1));
    let mut seen = watch.epoch();
    let mut since = Instant::now();
    loop {
        tokio::time::sleep(tick).await;
        let epoch = watch.epoch();
        if epoch != seen {
            seen = epoch;
            since = Instant::now();
            continue;
        }
        // An odd epoch is an expression evaluating; the same one for a whole budget has had its time.
        if epoch & 1 == 1 && since.elapsed() >= budget {
            watch.expire(epoch, Overrun::Time { budget_ms: budget.as_millis() as u64 });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use sekisho_asl::env::SeededEnv;
    use sekisho_asl::paths::NoVariables;
    use sekisho_asl::query::{JsonataEngine, QueryEngine, QueryScope};
    use serde_json::json;

    fn endless(watch: &Watch) -> Result<Option<serde_json::Value>, String> {
        let engine = JsonataEngine;
        let q = engine.compile("($f := function($x){ $f($x) }; $f(1))").map_err(|e| e.message)?;
        let states = json!({});
        let scope = QueryScope { states: &states, variables: &NoVariables, now_ms: 0, watch };
        engine.evaluate(&q, &scope, &mut SeededEnv::new(1)).map_err(|e| e.message)
    }

    /// Issue 11: an expression that never ends ran forever. Its time budget now ends it.
    #[tokio::test]
    async fn an_endless_expression_ends_on_its_time_budget() {
        let out = off_the_workers(Watch::new(), Duration::from_millis(50), endless).await.unwrap();
        assert_eq!(
            out,
            Err("The evaluation exceeded its time budget of 50 ms (check for an infinite loop)".to_string())
        );
    }

    /// Stopping the watch (StopExecution) ends the expression at once, whatever its budget.
    #[tokio::test]
    async fn a_stop_ends_the_expression_before_its_budget() {
        let watch = Watch::new();
        let stopper = watch.clone();
        let run = tokio::spawn(off_the_workers(watch, Duration::from_secs(3600), endless));
        while stopper.epoch() & 1 == 0 {
            tokio::task::yield_now().await;
        }
        stopper.stop();
        assert_eq!(run.await.unwrap().unwrap(), Err("The evaluation was stopped".to_string()));
    }
}
