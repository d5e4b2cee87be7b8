//! The execution's history: ids in order, each event pointing at its thread's previous event.
//! Threads that do not record (distributed Map children) emit nothing.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::history::{HistoryEvent, details};

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct EventLog {
    events: Vec<HistoryEvent>,
    /// Events lent to a stand-in while this log's execution is advanced elsewhere: new ids follow them.
    #[serde(default, skip_serializing_if = "is_zero")]
    lent: u64,
}

fn is_zero(n: &u64) -> bool {
    *n == 0
}

impl EventLog {
    /// The events (only the ones emitted since [`EventLog::lend`] while events are lent).
    pub fn events(&self) -> &[HistoryEvent] {
        &self.events
    }

    /// Moves the events into a log of their own (a stand-in's) without copying them; this log goes on
    /// numbering after them until [`EventLog::take_back`].
    pub fn lend(&mut self) -> EventLog {
        let events = std::mem::take(&mut self.events);
        self.lent += events.len() as u64;
        EventLog { events, lent: 0 }
    }

    /// Takes back what [`EventLog::lend`] gave `other` (events `other` emitted itself are dropped) and
    /// puts this log's new events after them.
    pub fn take_back(&mut self, other: EventLog) {
        let mut events = other.events;
        events.truncate(self.lent as usize);
        events.append(&mut self.events);
        self.events = events;
        self.lent = 0;
    }

    /// How many events the history holds (lent ones included).
    pub fn len(&self) -> u64 {
        self.lent + self.events.len() as u64
    }

    /// Whether the history reached `limit` less the one event that may still end the execution.
    pub fn is_full(&self, limit: u64) -> bool {
        self.len() >= limit.saturating_sub(1)
    }

    /// A copy without the events, numbering after them (a store keeps the events apart).
    pub fn without_events(&self) -> EventLog {
        EventLog { events: Vec::new(), lent: self.len() }
    }

    /// Puts back the events [`EventLog::without_events`] left out: as many as it counted.
    pub fn put_back(&mut self, events: Vec<HistoryEvent>) -> Result<(), String> {
        if !self.events.is_empty() || events.len() as u64 != self.lent {
            return Err(format!("the history holds {} events where {} were expected", events.len(), self.lent));
        }
        self.events = events;
        self.lent = 0;
        Ok(())
    }

    /// Forgets the events emitted since [`EventLog::lend`].
    pub fn forget_new(&mut self) {
        self.events.clear();
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
        let id = self.lent + self.events.len() as u64 + 1;
        self.events.push(HistoryEvent::new(id, previous, at, kind, &details(kind, body)));
        id
    }
}
