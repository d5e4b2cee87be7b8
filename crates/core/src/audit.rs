//! The decision log: every call through the door, who made it, what was checked, what decided and why.
//! `sekisho explain <request-id>` and `GET /_sekisho/decisions` read it.

use serde::{Deserialize, Serialize};
use std::collections::VecDeque;
use std::sync::Mutex;

/// One authorization check and its outcome.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct CheckRecord {
    pub action: String,
    pub resource: String,
    /// `Allow`, `ExplicitDeny` or `ImplicitDeny`.
    pub decision: String,
    /// The deciding policies, statements and conditions in plain words.
    pub explanation: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct DecisionRecord {
    pub request_id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parent_request_id: Option<String>,
    pub time_ms: i64,
    pub caller: String,
    pub service: String,
    pub operation: String,
    pub region: String,
    pub checks: Vec<CheckRecord>,
    /// `Allowed`, `Denied`, `AuthenticationFailed`, `Failed` (the operation returned an error) or `Succeeded`.
    pub outcome: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error_code: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error_message: Option<String>,
    pub latency_us: u64,
}

/// Longest kept text of one field of a record (names, error messages that echo request headers), in bytes:
/// enough for any ARN and AWS message, small enough that 10 000 records stay a few tens of megabytes.
pub const MAX_FIELD_BYTES: usize = 2048;
/// Longest kept explanation of one check (policies consulted, statements, conditions), in bytes.
pub const MAX_EXPLANATION_BYTES: usize = 16 * 1024;
/// Most checks kept in one record; services make a handful.
pub const MAX_CHECKS: usize = 64;
/// Records kept of requests refused before authentication, apart from the calls so that a flood of them
/// can neither grow memory nor push real decisions out of the log.
pub const REFUSAL_CAPACITY: usize = 1000;

#[derive(Debug)]
pub struct DecisionLog {
    capacity: usize,
    rings: Mutex<Rings>,
}

/// Two rings, each entry numbered in arrival order so that reading both gives one timeline.
#[derive(Debug, Default)]
struct Rings {
    next: u64,
    /// Records numbered below this are in the store (`durable.rs`).
    saved: u64,
    calls: VecDeque<(u64, DecisionRecord)>,
    refusals: VecDeque<(u64, DecisionRecord)>,
}

impl DecisionLog {
    pub fn new(capacity: usize) -> Self {
        let rings = Rings { calls: VecDeque::with_capacity(capacity.min(1024)), ..Default::default() };
        DecisionLog { capacity, rings: Mutex::new(rings) }
    }

    fn rings(&self) -> std::sync::MutexGuard<'_, Rings> {
        self.rings.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Keeps a call's record (authenticated: it went through the door), bounded in size.
    pub fn push(&self, mut record: DecisionRecord) {
        record.bound();
        let mut r = self.rings();
        let seq = r.next;
        r.next += 1;
        if r.calls.len() >= self.capacity {
            r.calls.pop_front();
        }
        r.calls.push_back((seq, record));
    }

    /// Keeps the record of a request refused before anyone was authenticated, in the small ring.
    pub fn push_refusal(&self, mut record: DecisionRecord) {
        record.bound();
        let mut r = self.rings();
        let seq = r.next;
        r.next += 1;
        if r.refusals.len() >= REFUSAL_CAPACITY {
            r.refusals.pop_front();
        }
        r.refusals.push_back((seq, record));
    }

    pub fn find(&self, request_id: &str) -> Option<DecisionRecord> {
        let r = self.rings();
        let found = |ring: &VecDeque<(u64, DecisionRecord)>| {
            ring.iter().rev().find(|(_, rec)| rec.request_id == request_id).map(|(_, rec)| rec.clone())
        };
        found(&r.calls).or_else(|| found(&r.refusals))
    }

    /// Records started by a request (internal calls made on its behalf), oldest first.
    pub fn children(&self, request_id: &str) -> Vec<DecisionRecord> {
        let r = self.rings();
        r.calls
            .iter()
            .filter(|(_, rec)| rec.parent_request_id.as_deref() == Some(request_id))
            .map(|(_, rec)| rec.clone())
            .collect()
    }

    /// The newest `limit` records of both rings, newest first.
    pub fn recent(&self, limit: usize) -> Vec<DecisionRecord> {
        let r = self.rings();
        let mut calls = r.calls.iter().rev().peekable();
        let mut refusals = r.refusals.iter().rev().peekable();
        let mut out = Vec::with_capacity(limit.min(r.calls.len() + r.refusals.len()));
        while out.len() < limit {
            let next = match (calls.peek(), refusals.peek()) {
                (Some(c), Some(f)) if c.0 > f.0 => calls.next(),
                (_, Some(_)) => refusals.next(),
                (Some(_), None) => calls.next(),
                (None, None) => None,
            };
            let Some((_, rec)) = next else { break };
            out.push(rec.clone());
        }
        out
    }

    /// Whether records were added since the store last took them.
    pub fn unsaved(&self) -> bool {
        let r = self.rings();
        r.next > r.saved
    }

    /// The records added since the last call, and the oldest number each ring still holds (older ones left
    /// the log and leave the store).
    pub fn take_unsaved(&self) -> Unsaved {
        let mut r = self.rings();
        let saved = r.saved;
        let mut records = Vec::new();
        for (ring, list) in [(CALLS, &r.calls), (REFUSALS, &r.refusals)] {
            records.extend(list.iter().filter(|(seq, _)| *seq >= saved).map(|(seq, rec)| (ring, *seq, rec.clone())));
        }
        let next = r.next;
        let oldest = vec![
            (CALLS, r.calls.front().map_or(next, |(s, _)| *s)),
            (REFUSALS, r.refusals.front().map_or(next, |(s, _)| *s)),
        ];
        r.saved = next;
        Unsaved { records, oldest }
    }

    /// Every record with its ring and number.
    pub fn all_numbered(&self) -> Vec<(&'static str, u64, DecisionRecord)> {
        let r = self.rings();
        let calls = r.calls.iter().map(|(s, rec)| (CALLS, *s, rec.clone()));
        calls.chain(r.refusals.iter().map(|(s, rec)| (REFUSALS, *s, rec.clone()))).collect()
    }

    /// Replaces the log by stored records (start-up, snapshot reset), numbers kept.
    pub fn restore(&self, mut numbered: Vec<(String, u64, DecisionRecord)>) {
        numbered.sort_by_key(|(_, seq, _)| *seq);
        let mut r = self.rings();
        *r = Rings::default();
        for (ring, seq, record) in numbered {
            let (list, cap) =
                if ring == REFUSALS { (&mut r.refusals, REFUSAL_CAPACITY) } else { (&mut r.calls, self.capacity) };
            if list.len() >= cap {
                list.pop_front();
            }
            list.push_back((seq, record));
            r.next = r.next.max(seq + 1);
        }
        r.saved = r.next;
    }

    /// How many records each ring holds: (calls, refusals).
    pub fn counts(&self) -> (usize, usize) {
        let r = self.rings();
        (r.calls.len(), r.refusals.len())
    }
}

/// The rings' names in the store.
pub const CALLS: &str = "call";
pub const REFUSALS: &str = "refusal";

/// What the store has not seen yet: new records, and the oldest number each ring still holds.
pub struct Unsaved {
    pub records: Vec<(&'static str, u64, DecisionRecord)>,
    pub oldest: Vec<(&'static str, u64)>,
}

/// Cuts `s` to at most `max` bytes (on a character boundary), saying how much was left out.
fn truncate(s: &mut String, max: usize) {
    if s.len() <= max {
        return;
    }
    let cut = (0..=max).rev().find(|&i| s.is_char_boundary(i)).unwrap_or(0);
    let dropped = s.len() - cut;
    s.truncate(cut);
    s.push_str(&format!("... ({dropped} more bytes not kept)"));
    // Truncating keeps the allocation: the point is to give the memory back.
    s.shrink_to_fit();
}

impl DecisionRecord {
    /// Bounds every field, so what one request can make the log keep is small whatever it sent.
    fn bound(&mut self) {
        for field in [&mut self.request_id, &mut self.caller, &mut self.service, &mut self.operation, &mut self.region]
        {
            truncate(field, MAX_FIELD_BYTES);
        }
        if let Some(p) = &mut self.parent_request_id {
            truncate(p, MAX_FIELD_BYTES);
        }
        for field in [&mut self.error_code, &mut self.error_message].into_iter().flatten() {
            truncate(field, MAX_FIELD_BYTES);
        }
        self.checks.truncate(MAX_CHECKS);
        for c in &mut self.checks {
            for field in [&mut c.action, &mut c.resource, &mut c.decision] {
                truncate(field, MAX_FIELD_BYTES);
            }
            truncate(&mut c.explanation, MAX_EXPLANATION_BYTES);
        }
    }

    /// The record in plain words, as `sekisho explain` prints it.
    pub fn render(&self) -> String {
        let mut s = format!(
            "request {}: {} called {}:{} in {} -> {}",
            self.request_id, self.caller, self.service, self.operation, self.region, self.outcome
        );
        if let Some(code) = &self.error_code {
            s.push_str(&format!(" ({code}"));
            if let Some(m) = &self.error_message {
                s.push_str(&format!(": {m}"));
            }
            s.push(')');
        }
        s.push('\n');
        for c in &self.checks {
            s.push_str(&format!("  {} on {}: {}\n", c.action, c.resource, c.decision));
            for line in c.explanation.lines() {
                s.push_str(&format!("    {line}\n"));
            }
        }
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rec(id: &str, parent: Option<&str>) -> DecisionRecord {
        DecisionRecord {
            request_id: id.into(),
            parent_request_id: parent.map(String::from),
            time_ms: 0,
            caller: "arn:aws:iam::111111111111:root".into(),
            service: "sts".into(),
            operation: "GetCallerIdentity".into(),
            region: "us-east-1".into(),
            checks: vec![],
            outcome: "Succeeded".into(),
            error_code: None,
            error_message: None,
            latency_us: 1,
        }
    }

    #[test]
    fn ring_keeps_the_newest() {
        let log = DecisionLog::new(2);
        log.push(rec("a", None));
        log.push(rec("b", Some("a")));
        log.push(rec("c", Some("a")));
        assert!(log.find("a").is_none());
        assert_eq!(log.children("a").len(), 2);
        assert_eq!(log.recent(10)[0].request_id, "c");
    }

    #[test]
    fn refusals_have_their_own_small_ring_and_share_the_timeline() {
        let log = DecisionLog::new(2);
        log.push(rec("a", None));
        for i in 0..REFUSAL_CAPACITY + 5 {
            log.push_refusal(rec(&format!("r{i}"), None));
        }
        log.push(rec("b", None));
        // The flood of refusals pushed out neither call, and kept only its newest.
        assert_eq!(log.counts(), (2, REFUSAL_CAPACITY));
        assert!(log.find("a").is_some());
        assert!(log.find("r0").is_none());
        let ids: Vec<String> = log.recent(3).into_iter().map(|r| r.request_id).collect();
        let last = REFUSAL_CAPACITY + 4;
        assert_eq!(ids, ["b".to_string(), format!("r{last}"), format!("r{}", last - 1)]);
        assert_eq!(log.recent(usize::MAX).last().map(|r| r.request_id.clone()), Some("a".into()));
    }

    #[test]
    fn each_record_is_bounded() {
        let log = DecisionLog::new(10);
        let mut r = rec("big", None);
        r.error_message = Some(format!("Authorization={}", "é".repeat(100_000)));
        r.checks = (0..1000)
            .map(|_| CheckRecord {
                action: "sts:AssumeRole".into(),
                resource: "x".repeat(10_000),
                decision: "ImplicitDeny".into(),
                explanation: "y".repeat(100_000),
            })
            .collect();
        log.push_refusal(r);
        let kept = log.find("big").expect("kept");
        let message = kept.error_message.expect("message");
        assert!(message.len() < MAX_FIELD_BYTES + 64, "{}", message.len());
        assert!(message.ends_with("more bytes not kept)"));
        assert!(message.capacity() < MAX_FIELD_BYTES + 64, "{}", message.capacity());
        assert_eq!(kept.checks.len(), MAX_CHECKS);
        assert!(kept.checks[0].resource.len() < MAX_FIELD_BYTES + 64);
        assert!(kept.checks[0].explanation.len() < MAX_EXPLANATION_BYTES + 64);
    }
}
