//! The execution's history: ids in order, each event pointing at its thread's previous event.
//! Threads that do not record (distributed Map children) emit nothing.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::history::{HistoryEvent, details};

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct EventLog {
    events: Vec<HistoryEvent>,
}

impl EventLog {
    pub fn events(&self) -> &[HistoryEvent] {
        &self.events
    }

    /// Appends an event after `*last` and makes it the thread's latest. Returns its id (0 when
    /// the thread does not record).
    pub fn emit(&mut self, last: &mut u64, record: bool, at: i64, kind: &str, body: Option<Value>) -> u64 {
        let id = self.emit_after(*last, record, at, kind, body);
        if record {
            *last = id;
        }
        id
    }

    /// Appends an event after `previous` without moving any thread's pointer.
    pub fn emit_after(&mut self, previous: u64, record: bool, at: i64, kind: &str, body: Option<Value>) -> u64 {
        if !record {
            return 0;
        }
        let id = self.events.len() as u64 + 1;
        self.events.push(HistoryEvent::new(id, previous, at, kind, &details(kind, body)));
        id
    }
}
