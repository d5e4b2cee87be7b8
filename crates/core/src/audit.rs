//! The decision log: every call through the door, who made it, what was checked, what decided and why.
//! `sekisho explain <request-id>` and `GET /_sekisho/decisions` read it.

use serde::Serialize;
use std::collections::VecDeque;
use std::sync::Mutex;

/// One authorization check and its outcome.
#[derive(Debug, Clone, Serialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct CheckRecord {
    pub action: String,
    pub resource: String,
    /// `Allow`, `ExplicitDeny` or `ImplicitDeny`.
    pub decision: String,
    /// The deciding policies, statements and conditions in plain words.
    pub explanation: String,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct DecisionRecord {
    pub request_id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub parent_request_id: Option<String>,
    pub time_ms: i64,
    pub caller: String,
    pub service: String,
    pub operation: String,
    pub region: String,
    pub checks: Vec<CheckRecord>,
    /// `Allowed`, `Denied`, `AuthenticationFailed`, `Failed` (the operation returned an error) or `Succeeded`.
    pub outcome: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error_code: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error_message: Option<String>,
    pub latency_us: u64,
}

#[derive(Debug)]
pub struct DecisionLog {
    capacity: usize,
    entries: Mutex<VecDeque<DecisionRecord>>,
}

impl DecisionLog {
    pub fn new(capacity: usize) -> Self {
        DecisionLog { capacity, entries: Mutex::new(VecDeque::with_capacity(capacity.min(1024))) }
    }

    pub fn push(&self, record: DecisionRecord) {
        let mut e = self.entries.lock().unwrap_or_else(|p| p.into_inner());
        if e.len() >= self.capacity {
            e.pop_front();
        }
        e.push_back(record);
    }

    pub fn find(&self, request_id: &str) -> Option<DecisionRecord> {
        let e = self.entries.lock().unwrap_or_else(|p| p.into_inner());
        e.iter().rev().find(|r| r.request_id == request_id).cloned()
    }

    /// Records started by a request (internal calls made on its behalf), oldest first.
    pub fn children(&self, request_id: &str) -> Vec<DecisionRecord> {
        let e = self.entries.lock().unwrap_or_else(|p| p.into_inner());
        e.iter().filter(|r| r.parent_request_id.as_deref() == Some(request_id)).cloned().collect()
    }

    /// The newest `limit` records, newest first.
    pub fn recent(&self, limit: usize) -> Vec<DecisionRecord> {
        let e = self.entries.lock().unwrap_or_else(|p| p.into_inner());
        e.iter().rev().take(limit).cloned().collect()
    }
}

impl DecisionRecord {
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
}
