//! What bounds evaluation: nesting limits for every recursive parser, size and work limits for
//! evaluation, and the [`Watch`] through which a caller stops an expression that runs too long.
//!
//! The engine reads no clock: the caller times each expression (its watchdog sees [`Watch::epoch`]
//! stand still) and calls [`Watch::expire`]; the expression then fails with
//! `States.QueryEvaluationError`. [`Watch::stop`] winds a whole run down (StopExecution, shutdown).

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};

use jsonata_core::evaluator::CancelToken;

/// AWS: "You can nest up to 10 intrinsic functions within a field in your workflows."
/// (<https://docs.aws.amazon.com/step-functions/latest/dg/intrinsic-functions.html>)
pub const MAX_INTRINSIC_NESTING: usize = 10;

/// AWS's hard quota: "25,000 entries in the execution event history. When an execution reaches 24,999
/// events, it waits for the next event to happen. If the event number 25,000 is ExecutionSucceeded, the
/// execution finishes successfully", otherwise it fails
/// (<https://docs.aws.amazon.com/step-functions/latest/dg/bp-history-limit.html>). It applies to Standard
/// executions; it also ends a loop of states that never waits.
pub const MAX_HISTORY_EVENTS: u64 = 25_000;

/// The same bound for Express executions, whose history AWS does not keep (it logs it): ours, far above
/// what an inline Map over a full 256 KiB payload emits, to bound the memory a loop of states can take.
pub const MAX_EXPRESS_EVENTS: u64 = 500_000;

/// How deep filters, parentheses and `!` may nest in one JSONPath. Jayway has no limit short of the
/// JVM's stack and AWS documents none; real paths nest one or two filters.
pub const MAX_PATH_NESTING: usize = 32;

/// Nodes one JSONPath evaluation may visit. Deep scans inside filters multiply (`$..[?(@..a)]` is
/// quadratic in the document); AWS documents no limit, so this is ours, far above any 256 KiB payload
/// read a few times over.
pub const MAX_PATH_VISITS: u64 = 4_000_000;

/// AWS's payload quota: "Maximum input or output size for a task, state, or execution: 256 KiB of
/// data as a UTF-8 encoded string" (<https://docs.aws.amazon.com/step-functions/latest/dg/service-quotas.html>).
/// A JSONata result over it fails with `States.DataLimitExceeded`.
pub const MAX_PAYLOAD_BYTES: usize = crate::history::PAYLOAD_LIMIT;

/// Bytes of values one template (Parameters, an intrinsic call, ...) may copy from its input while it is
/// built. A template's output over the payload quota fails anyway; this stops `States.Array($, $, ...)`
/// from materializing gigabytes first. Ours: sixteen payloads.
pub const MAX_TEMPLATE_WORK_BYTES: usize = 16 * MAX_PAYLOAD_BYTES;

/// How deep a JSONata result may nest. Inputs are JSON texts AWS and serde parse no deeper than this,
/// and everything downstream (history text, JSONPath, the next expression) walks values recursively.
pub const MAX_VALUE_DEPTH: usize = 128;

/// Items one JSONata sequence may hold (`[1..n]`, `$map`, a path over many nodes). JSONata itself
/// refuses ranges over 10,000,000 items; a million numbers are already about 7 MB of JSON, far over the
/// payload quota, so larger ones can only exhaust memory.
pub const MAX_SEQUENCE_LENGTH: usize = 1_000_000;

/// How deep one JSONata evaluation may nest (about a third of it in recursive calls). Deep levels run on
/// heap stack segments in `jsonata-core`; this bounds that memory (a few KB per level).
pub const MAX_EXPRESSION_DEPTH: usize = 10_000;

/// The bytes one template may still copy out of its input ([`MAX_TEMPLATE_WORK_BYTES`] in all).
pub(crate) struct Work {
    left: usize,
}

impl Work {
    pub fn new() -> Work {
        Work { left: MAX_TEMPLATE_WORK_BYTES }
    }

    /// Charges a value read from the input; `false` once the template has copied too much.
    pub fn charge(&mut self, value: &serde_json::Value) -> bool {
        match crate::json::size_within(value, self.left) {
            Some(n) => {
                self.left -= n;
                true
            }
            None => {
                self.left = 0;
                false
            }
        }
    }
}

/// Why an expression was cut short.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Overrun {
    /// It ran past its time budget (milliseconds).
    Time { budget_ms: u64 },
    /// It allocated past its memory budget (bytes).
    Memory { budget_bytes: u64 },
    /// The whole run was stopped (StopExecution, reset, shutdown).
    Stopped,
}

impl Overrun {
    /// The text that follows "threw an error during evaluation." in the failure's cause.
    pub fn message(&self) -> String {
        match self {
            Overrun::Time { budget_ms } => {
                format!("The evaluation exceeded its time budget of {budget_ms} ms (check for an infinite loop)")
            }
            Overrun::Memory { budget_bytes } => {
                format!("The evaluation exceeded its memory budget of {} MiB", budget_bytes / (1024 * 1024))
            }
            Overrun::Stopped => "The evaluation was stopped".to_string(),
        }
    }
}

/// Meters the memory one expression allocates. The caller's allocator does the counting, on the thread
/// that evaluates; the engine only says when an expression starts and ends there.
pub trait Meter: Send + Sync {
    /// An expression starts on this thread; `stop` ends it once it has allocated too much.
    fn enter(&self, stop: Stop);
    /// It ended; whether it overran its budget.
    fn leave(&self) -> Option<Overrun>;
}

/// Ends one expression early. [`Stop::stop`] neither blocks nor allocates, so an allocator may call it.
#[derive(Debug, Clone)]
pub struct Stop(CancelToken);

impl Stop {
    pub fn stop(&self) {
        self.0.cancel();
    }
}

/// Shared by one run of the engine and whoever watches it (another thread may hold a clone).
#[derive(Clone, Default)]
pub struct Watch {
    inner: Option<Arc<Inner>>,
}

impl std::fmt::Debug for Watch {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Watch(epoch {}, stopped {})", self.epoch(), self.is_stopped())
    }
}

#[derive(Default)]
struct Inner {
    /// Odd while an expression evaluates; every start and end bumps it.
    epoch: AtomicU64,
    stopped: AtomicBool,
    current: Mutex<Current>,
    meter: Option<Arc<dyn Meter>>,
}

#[derive(Debug, Default)]
struct Current {
    token: Option<CancelToken>,
    overrun: Option<Overrun>,
}

/// A run nobody watches (tests, tools): depth and size limits hold, time is unbounded.
pub static UNWATCHED: Watch = Watch { inner: None };

impl Watch {
    /// A watch for one run (or several in turn).
    pub fn new() -> Watch {
        Watch { inner: Some(Arc::new(Inner::default())) }
    }

    /// A watch whose expressions are also metered by `meter`.
    pub fn with_meter(meter: Arc<dyn Meter>) -> Watch {
        Watch { inner: Some(Arc::new(Inner { meter: Some(meter), ..Inner::default() })) }
    }

    fn current(inner: &Inner) -> MutexGuard<'_, Current> {
        inner.current.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Changes whenever an expression starts or ends; odd while one evaluates. A watchdog that sees the
    /// same odd value for longer than its budget calls [`Watch::expire`] with it.
    pub fn epoch(&self) -> u64 {
        self.inner.as_ref().map_or(0, |i| i.epoch.load(Ordering::Acquire))
    }

    /// Stops the expression of `epoch` if it is still evaluating; `false` when it already ended.
    pub fn expire(&self, epoch: u64, why: Overrun) -> bool {
        let Some(inner) = &self.inner else { return false };
        let mut current = Self::current(inner);
        if inner.epoch.load(Ordering::Acquire) != epoch {
            return false;
        }
        let Some(token) = &current.token else { return false };
        token.cancel();
        current.overrun.get_or_insert(why);
        true
    }

    /// Winds the run down: the expression evaluating now stops, later ones fail at once, and threads
    /// yield at their next state. Cannot be undone.
    pub fn stop(&self) {
        let Some(inner) = &self.inner else { return };
        inner.stopped.store(true, Ordering::Release);
        let mut current = Self::current(inner);
        if let Some(token) = &current.token {
            token.cancel();
            current.overrun.get_or_insert(Overrun::Stopped);
        }
    }

    pub fn is_stopped(&self) -> bool {
        self.inner.as_ref().is_some_and(|i| i.stopped.load(Ordering::Acquire))
    }

    /// Marks an expression as evaluating; its token is what the engine checks.
    pub(crate) fn begin(&self) -> Evaluating<'_> {
        let token = CancelToken::new();
        if let Some(inner) = &self.inner {
            let mut current = Self::current(inner);
            current.overrun = None;
            if inner.stopped.load(Ordering::Acquire) {
                token.cancel();
                current.overrun = Some(Overrun::Stopped);
            }
            current.token = Some(token.clone());
            inner.epoch.fetch_add(1, Ordering::AcqRel);
            drop(current);
            if let Some(meter) = &inner.meter {
                meter.enter(Stop(token.clone()));
            }
        }
        Evaluating { watch: self, token, done: false }
    }
}

/// One expression under a watch; ending it (or dropping it) tells the watchdog it is over.
pub(crate) struct Evaluating<'a> {
    watch: &'a Watch,
    token: CancelToken,
    done: bool,
}

impl Evaluating<'_> {
    /// The token the evaluator honours, or `None` when nobody watches.
    pub fn token(&self) -> Option<CancelToken> {
        self.watch.inner.as_ref().map(|_| self.token.clone())
    }

    /// Ends the expression; why it was cut short, if it was.
    pub fn end(mut self) -> Option<Overrun> {
        self.finish()
    }

    fn finish(&mut self) -> Option<Overrun> {
        if std::mem::replace(&mut self.done, true) {
            return None;
        }
        let inner = self.watch.inner.as_ref()?;
        let metered = inner.meter.as_ref().and_then(|m| m.leave());
        let mut current = Watch::current(inner);
        inner.epoch.fetch_add(1, Ordering::AcqRel);
        current.token = None;
        current.overrun.take().or(metered).filter(|_| self.token.is_cancelled())
    }
}

impl Drop for Evaluating<'_> {
    fn drop(&mut self) {
        self.finish();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn expiring_the_current_epoch_cancels_only_that_expression() {
        let watch = Watch::new();
        let first = watch.begin();
        let epoch = watch.epoch();
        assert_eq!(epoch % 2, 1);
        assert!(watch.expire(epoch, Overrun::Time { budget_ms: 5 }));
        assert_eq!(first.end(), Some(Overrun::Time { budget_ms: 5 }));
        // The next expression starts fresh; an old epoch no longer reaches it.
        let second = watch.begin();
        assert!(!watch.expire(epoch, Overrun::Time { budget_ms: 5 }));
        assert_eq!(second.end(), None);
    }

    #[test]
    fn a_stopped_watch_fails_every_later_expression() {
        let watch = Watch::new();
        watch.stop();
        assert!(watch.is_stopped());
        let e = watch.begin();
        assert!(e.token().is_some_and(|t| t.is_cancelled()));
        assert_eq!(e.end(), Some(Overrun::Stopped));
    }

    /// A meter that stops every expression as soon as it starts, as an allocator would past its budget.
    struct Greedy;

    impl Meter for Greedy {
        fn enter(&self, stop: Stop) {
            stop.stop();
        }

        fn leave(&self) -> Option<Overrun> {
            Some(Overrun::Memory { budget_bytes: 1 << 20 })
        }
    }

    #[test]
    fn a_meter_stops_expressions_and_names_its_overrun() {
        let watch = Watch::with_meter(Arc::new(Greedy));
        let e = watch.begin();
        assert!(e.token().is_some_and(|t| t.is_cancelled()));
        assert_eq!(e.end(), Some(Overrun::Memory { budget_bytes: 1 << 20 }));
    }

    #[test]
    fn nobody_watches_the_unwatched() {
        let e = UNWATCHED.begin();
        assert!(e.token().is_none());
        assert!(!UNWATCHED.expire(UNWATCHED.epoch(), Overrun::Stopped));
        assert_eq!(e.end(), None);
    }
}
