//! `MemorySize` enforced: a function's process tree is sampled from `/proc` (resident sets, and each
//! process's own peak), often while an invocation runs and seldom while it idles; a tree over its memory
//! size is killed, as Lambda kills it, and its peak is what REPORT's `Max Memory Used` shows.
//!
//! Why sampling: Lambda counts resident memory (its cgroup's), and an address-space limit (RLIMIT_AS)
//! counts virtual memory, which runtimes reserve far beyond what they use (thread stacks, allocator
//! arenas, Go's and Java's heaps), and fails allocations instead of killing. A cgroup would be exact but
//! is rarely delegated to an unprivileged process. Sampling is late by at most one interval; a peak
//! between two samples is still caught by the process's `VmHWM`, so the kill is certain, only late.

use super::process;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::Duration;
use tokio::sync::watch;

/// How often memory is sampled while an invocation runs. Sekisho's choice: an allocation of 1 GB/s
/// overshoots by about 20 MB before the kill.
pub const BUSY_POLL: Duration = Duration::from_millis(20);
/// How often memory is sampled while the environment waits for an event (Lambda freezes it then).
pub const IDLE_POLL: Duration = Duration::from_millis(250);

const MB: u64 = 1024 * 1024;

pub struct Memory {
    pid: i32,
    limit_mb: u64,
    peak: AtomicU64,
    exceeded: AtomicBool,
    busy: AtomicBool,
}

impl Memory {
    /// Watches the tree of `pid` until `exited` says the process ended, killing its group when it uses
    /// more than `memory_size_mb`.
    pub fn watch(pid: i32, memory_size_mb: u64, mut exited: watch::Receiver<Option<String>>) -> Arc<Memory> {
        let memory = Arc::new(Memory {
            pid,
            limit_mb: memory_size_mb,
            peak: AtomicU64::new(0),
            exceeded: AtomicBool::new(false),
            busy: AtomicBool::new(true),
        });
        let weak = Arc::downgrade(&memory);
        tokio::spawn(async move {
            loop {
                let pause = match weak.upgrade() {
                    Some(m) if m.busy.load(Ordering::Relaxed) => BUSY_POLL,
                    Some(_) => IDLE_POLL,
                    None => return,
                };
                tokio::select! {
                    _ = tokio::time::sleep(pause) => {}
                    _ = exited.wait_for(Option::is_some) => return,
                }
                let Some(m) = weak.upgrade() else { return };
                if m.sample() {
                    process::kill_group(m.pid);
                    return;
                }
            }
        });
        memory
    }

    /// Samples now. `true` when the tree has used more than its memory size (it is then marked).
    pub fn sample(&self) -> bool {
        let Some(s) = process::tree_memory(self.pid) else { return self.exceeded() };
        let used = s.used();
        self.peak.fetch_max(used, Ordering::Relaxed);
        if used > self.limit_mb * MB {
            self.exceeded.store(true, Ordering::Relaxed);
        }
        self.exceeded()
    }

    /// Whether an invocation runs (memory is then sampled often).
    pub fn set_busy(&self, busy: bool) {
        self.busy.store(busy, Ordering::Relaxed);
    }

    /// Whether the function was killed for using more than its memory size.
    pub fn exceeded(&self) -> bool {
        self.exceeded.load(Ordering::Relaxed)
    }

    /// REPORT's `Max Memory Used` (MB): the peak, or the memory size when that was exceeded (as Lambda
    /// reports a function it stopped for memory).
    pub fn max_used_mb(&self) -> u64 {
        if self.exceeded() {
            return self.limit_mb;
        }
        self.peak.load(Ordering::Relaxed).div_ceil(MB)
    }
}
