//! Distributed Map runs as DescribeMapRun shows them: each run's settings (which UpdateMapRun may
//! change while it runs), its item counts and its ending, kept by the execution as plain data.

use serde::{Deserialize, Serialize};

/// DescribeMapRun `status`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum MapRunStatus {
    Running,
    Succeeded,
    Failed,
    Aborted,
}

/// One Map Run of a distributed Map state.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MapRunStats {
    /// `arn:<partition>:states:<region>:<account>:mapRun:<machine>/<label>:<id>`.
    pub arn: String,
    /// The Map state's label (its `Label`, or its name).
    pub label: String,
    pub start_ms: i64,
    pub stop_ms: Option<i64>,
    pub status: MapRunStatus,
    /// 0: no limit (AWS runs up to 10,000 child executions at once then).
    pub max_concurrency: u64,
    pub tolerated_failure_count: u64,
    pub tolerated_failure_percentage: f64,
    /// Child executions (iterations, or batches when an ItemBatcher is set).
    pub total: u64,
    pub running: u64,
    pub succeeded: u64,
    pub failed: u64,
    pub aborted: u64,
}

impl MapRunStats {
    /// Child executions not yet started.
    pub fn pending(&self) -> u64 {
        self.total.saturating_sub(self.running + self.succeeded + self.failed + self.aborted)
    }

    /// The run ended with its execution (stopped, timed out, or failed elsewhere): what still ran is
    /// aborted.
    pub fn abort(&mut self, now_ms: i64) {
        if self.status == MapRunStatus::Running {
            self.status = MapRunStatus::Aborted;
            self.stop_ms = Some(now_ms);
            self.aborted += self.running;
            self.running = 0;
        }
    }
}

/// UpdateMapRun's changes; `None` leaves a setting as it is.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct MapRunUpdate {
    pub max_concurrency: Option<u64>,
    pub tolerated_failure_count: Option<u64>,
    pub tolerated_failure_percentage: Option<f64>,
}

impl MapRunUpdate {
    pub fn apply(&self, stats: &mut MapRunStats) {
        if let Some(n) = self.max_concurrency {
            stats.max_concurrency = n;
        }
        if let Some(n) = self.tolerated_failure_count {
            stats.tolerated_failure_count = n;
        }
        if let Some(p) = self.tolerated_failure_percentage {
            stats.tolerated_failure_percentage = p;
        }
    }
}
