//! The memory budget of expressions: a global allocator that counts what the thread evaluating an
//! expression allocates, and stops the expression once that passes its budget.
//!
//! The binary installs [`MeteredAllocator`] (`#[global_allocator]`); without it nothing is counted and
//! only the time budget and the engine's size limits hold. Counting is per thread and costs one
//! thread-local read per allocation while no expression evaluates.

use sekisho_asl::budget::{Meter, Overrun, Stop};
use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::ptr;

/// How much one JSONata expression may allocate (net). AWS documents no limit; a real expression over a
/// 256 KiB payload needs a few MB, and a million-item sequence (the engine's limit) about 50 MB.
pub const DEFAULT_EXPRESSION_MEMORY_BYTES: usize = 128 * 1024 * 1024;

/// The system allocator, counting for the expression evaluating on the current thread.
pub struct MeteredAllocator;

/// What the current thread counts. Plain cells with a constant initializer and no destructor, so the
/// allocator may touch them at any time, even while the thread starts or ends.
struct ThreadMeter {
    /// The stop of the expression being metered (a leaked box, reclaimed by `leave`); null when none.
    stop: Cell<*const Stop>,
    used: Cell<isize>,
    limit: Cell<isize>,
    over: Cell<bool>,
}

thread_local! {
    static METER: ThreadMeter = const {
        ThreadMeter { stop: Cell::new(ptr::null()), used: Cell::new(0), limit: Cell::new(0), over: Cell::new(false) }
    };
}

fn charge(bytes: isize) {
    let _ = METER.try_with(|m| {
        let stop = m.stop.get();
        if stop.is_null() {
            return;
        }
        let used = m.used.get() + bytes;
        m.used.set(used);
        if bytes > 0 && used > m.limit.get() && !m.over.get() {
            m.over.set(true);
            // SAFETY: `stop` points to the box `enter` leaked; only `leave`, on this same thread, frees it
            // (after clearing the pointer), so it is alive here. `Stop::stop` is an atomic store: it
            // neither allocates nor blocks.
            unsafe { (*stop).stop() };
        }
    });
}

// SAFETY: every call is forwarded to the system allocator unchanged; the counting beside it touches
// only this thread's cells and never allocates.
unsafe impl GlobalAlloc for MeteredAllocator {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: forwarded with the caller's layout.
        let p = unsafe { System.alloc(layout) };
        if !p.is_null() {
            charge(layout.size() as isize);
        }
        p
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        // SAFETY: forwarded with the caller's layout.
        let p = unsafe { System.alloc_zeroed(layout) };
        if !p.is_null() {
            charge(layout.size() as isize);
        }
        p
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        charge(-(layout.size() as isize));
        // SAFETY: forwarded; `ptr` came from `System` through this allocator with this layout.
        unsafe { System.dealloc(ptr, layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // SAFETY: forwarded; `ptr` came from `System` through this allocator with this layout.
        let p = unsafe { System.realloc(ptr, layout, new_size) };
        if !p.is_null() {
            charge(new_size as isize - layout.size() as isize);
        }
        p
    }
}

/// The [`Meter`] the engine's watch calls as each expression starts and ends on a thread.
pub struct MemoryBudget {
    pub bytes: usize,
}

impl Meter for MemoryBudget {
    fn enter(&self, stop: Stop) {
        // Boxed before metering starts, so this allocation is not counted.
        let boxed = Box::into_raw(Box::new(stop));
        let previous = METER.with(|m| {
            m.used.set(0);
            m.limit.set(self.bytes.min(isize::MAX as usize) as isize);
            m.over.set(false);
            m.stop.replace(boxed)
        });
        reclaim(previous);
    }

    fn leave(&self) -> Option<Overrun> {
        let (stop, over) = METER.with(|m| (m.stop.replace(ptr::null()), m.over.get()));
        reclaim(stop);
        over.then_some(Overrun::Memory { budget_bytes: self.bytes as u64 })
    }
}

fn reclaim(stop: *const Stop) {
    if !stop.is_null() {
        // SAFETY: `stop` came from `Box::into_raw` in `enter` and was just unhooked from the thread's
        // meter, so nothing else can reach it.
        drop(unsafe { Box::from_raw(stop as *mut Stop) });
    }
}
