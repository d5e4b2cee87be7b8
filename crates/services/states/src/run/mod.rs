//! Running executions: the driver that advances the engine on a tokio task, the role sessions it acts
//! as, and the log delivery. `Runs` is how operations (StopExecution, the task callbacks) wake a driver,
//! and how a `.sync` task learns that its child execution ended.

pub mod driver;
pub mod evaluate;
pub mod logging;
pub mod session;

use sekisho_asl::budget::Watch;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use tokio::sync::Notify;

/// A running execution's doorbell (a report arrived, or the execution was stopped), and the watch of
/// the engine step in flight, if one is.
#[derive(Default)]
pub struct RunHandle {
    pub notify: Notify,
    step: Mutex<Option<Watch>>,
}

impl RunHandle {
    /// The watch of the step now in flight (`None` once it is over).
    pub fn watching(&self, watch: Option<Watch>) {
        *self.step.lock().unwrap_or_else(|e| e.into_inner()) = watch;
    }

    fn stop_step(&self) {
        if let Some(w) = self.step.lock().unwrap_or_else(|e| e.into_inner()).as_ref() {
            w.stop();
        }
    }
}

/// The executions being driven, by ARN.
#[derive(Default)]
pub struct Runs {
    inner: Mutex<HashMap<String, Arc<RunHandle>>>,
    /// Who waits for an execution to end, by ARN.
    ended: Mutex<HashMap<String, Arc<Notify>>>,
}

impl Runs {
    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, Arc<RunHandle>>> {
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    pub fn register(&self, arn: &str) -> Arc<RunHandle> {
        self.lock().entry(arn.to_string()).or_default().clone()
    }

    /// The execution is no longer driven: its doorbell goes and whoever waits for its end is told.
    pub fn remove(&self, arn: &str) {
        self.lock().remove(arn);
        let waiting = self.ended.lock().unwrap_or_else(|e| e.into_inner()).remove(arn);
        if let Some(n) = waiting {
            n.notify_waiters();
        }
    }

    pub fn is_running(&self, arn: &str) -> bool {
        self.lock().contains_key(arn)
    }

    /// Resolves once `arn` is no longer driven (at once when it is not).
    pub async fn ended(&self, arn: &str) {
        let notify = self.ended.lock().unwrap_or_else(|e| e.into_inner()).entry(arn.to_string()).or_default().clone();
        let notified = notify.notified();
        tokio::pin!(notified);
        // Registered before the check, so an end between the two is not missed.
        notified.as_mut().enable();
        if !self.is_running(arn) {
            self.ended.lock().unwrap_or_else(|e| e.into_inner()).remove(arn);
            return;
        }
        notified.await;
    }

    /// Wakes the driver of `arn`, if it runs. A wake with nobody waiting is kept for the next wait.
    pub fn wake(&self, arn: &str) {
        let handle = self.lock().get(arn).cloned();
        if let Some(h) = handle {
            h.notify.notify_one();
        }
    }

    /// The execution was stopped: the step in flight winds down (its evaluation stops at once) and the
    /// driver is woken to apply the stop.
    pub fn stop(&self, arn: &str) {
        let handle = self.lock().get(arn).cloned();
        if let Some(h) = handle {
            h.stop_step();
            h.notify.notify_one();
        }
    }

    /// Every execution was forgotten (reset): every step in flight stops and every driver wakes.
    pub fn stop_all(&self) {
        for h in self.lock().values() {
            h.stop_step();
            h.notify.notify_one();
        }
    }
}
