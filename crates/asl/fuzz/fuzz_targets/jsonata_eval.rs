//! Arbitrary JSONata expressions compiled and evaluated as a state's `Output` is: under sekisho's memory
//! meter (the same allocator the binary installs) and a time budget kept by a watchdog thread, as the
//! states driver keeps it. A hang, a crash or an allocation past the fuzzer's limits is a finding.
#![no_main]

use sekisho_asl::budget::{Overrun, Watch};
use sekisho_asl::env::SeededEnv;
use sekisho_asl::paths::NoVariables;
use sekisho_asl::query::{JsonataEngine, QueryEngine, QueryScope};
use sekisho_states::memory::{MemoryBudget, MeteredAllocator};
use serde_json::json;
use std::sync::{Arc, Mutex, Once};
use std::time::{Duration, Instant};

#[global_allocator]
static ALLOCATOR: MeteredAllocator = MeteredAllocator;

/// Short, so the fuzzer spends its time on many inputs; the budgets' behaviour does not depend on it.
const TIME_BUDGET: Duration = Duration::from_millis(100);
const MEMORY_BUDGET: usize = 64 * 1024 * 1024;

/// The watch of the evaluation in progress (numbered, so each gets its own time), timed by one watchdog
/// thread for the whole run.
static CURRENT: Mutex<(u64, Option<Watch>)> = Mutex::new((0, None));
static WATCHDOG: Once = Once::new();

fn watchdog() {
    let mut seen = (0, 0);
    let mut since = Instant::now();
    loop {
        std::thread::sleep(TIME_BUDGET / 10);
        let Some((number, watch)) = CURRENT.lock().ok().and_then(|w| w.1.clone().map(|watch| (w.0, watch))) else {
            continue;
        };
        let epoch = watch.epoch();
        if (number, epoch) != seen {
            (seen, since) = ((number, epoch), Instant::now());
        } else if epoch & 1 == 1 && since.elapsed() >= TIME_BUDGET {
            watch.expire(epoch, Overrun::Time { budget_ms: TIME_BUDGET.as_millis() as u64 });
        }
    }
}

fn set_current(watch: Option<Watch>) {
    if let Ok(mut w) = CURRENT.lock() {
        *w = (w.0 + 1, watch);
    }
}

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    WATCHDOG.call_once(|| {
        std::thread::spawn(watchdog);
    });
    let engine = JsonataEngine;
    let Ok(query) = engine.compile(text) else { return };
    let watch = Watch::with_meter(Arc::new(MemoryBudget { bytes: MEMORY_BUDGET }));
    set_current(Some(watch.clone()));
    let states = json!({"input": {"a": [1, 2, {"b": "c"}], "s": "text", "n": 7}, "context": {"State": {"Name": "S"}}});
    let scope = QueryScope { states: &states, variables: &NoVariables, now_ms: 1_700_000_000_000, watch: &watch };
    let _ = engine.evaluate(&query, &scope, &mut SeededEnv::new(7));
    set_current(None);
});
