//! Running executions: the driver that advances the engine on a tokio task, the role sessions it acts
//! as, and the log delivery. `Runs` is how operations (StopExecution, the task callbacks) wake a driver.

pub mod driver;
pub mod logging;
pub mod session;

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use tokio::sync::Notify;

/// A running execution's doorbell: a report arrived, or the execution was stopped.
#[derive(Default)]
pub struct RunHandle {
    pub notify: Notify,
}

/// The executions being driven, by ARN.
#[derive(Default)]
pub struct Runs {
    inner: Mutex<HashMap<String, Arc<RunHandle>>>,
}

impl Runs {
    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, Arc<RunHandle>>> {
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    pub fn register(&self, arn: &str) -> Arc<RunHandle> {
        self.lock().entry(arn.to_string()).or_default().clone()
    }

    pub fn remove(&self, arn: &str) {
        self.lock().remove(arn);
    }

    /// Wakes the driver of `arn`, if it runs. A wake with nobody waiting is kept for the next wait.
    pub fn wake(&self, arn: &str) {
        let handle = self.lock().get(arn).cloned();
        if let Some(h) = handle {
            h.notify.notify_one();
        }
    }

    pub fn wake_all(&self) {
        for h in self.lock().values() {
            h.notify.notify_one();
        }
    }
}
