//! CloudWatch Logs' state per (account, region): log groups with their streams and events, and the
//! account's resource policies. Plain serializable data; the operations hold the logic.

use crate::event_id::EventKey;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

#[derive(Debug, Default, Clone, Serialize, Deserialize)]
pub struct LogsState {
    /// By name; a BTreeMap keeps DescribeLogGroups' ASCII order for free.
    pub log_groups: BTreeMap<String, LogGroup>,
    /// Account-scoped resource policies (`policyScope` ACCOUNT) by name.
    pub resource_policies: BTreeMap<String, ResourcePolicy>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct LogGroup {
    pub name: String,
    pub creation_time: i64,
    pub retention_in_days: Option<i32>,
    pub kms_key_id: Option<String>,
    pub log_group_class: String,
    pub deletion_protection_enabled: bool,
    pub tags: BTreeMap<String, String>,
    pub streams: BTreeMap<String, LogStream>,
    /// The resource-scoped policy (`policyScope` RESOURCE); AWS allows one per log group.
    pub resource_policy: Option<ResourcePolicy>,
    /// Ingestion sequence shared by the group's streams, so event keys are unique across the group.
    pub next_seq: u64,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct LogStream {
    pub name: String,
    pub creation_time: i64,
    /// Sorted by key (timestamp, then ingestion order).
    pub events: Vec<StoredEvent>,
    pub last_ingestion_time: Option<i64>,
    /// Number of accepted PutLogEvents batches: the (ignored) sequence token AWS still hands out.
    pub uploads: u64,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct StoredEvent {
    pub key: EventKey,
    pub ingestion_time: i64,
    pub message: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ResourcePolicy {
    pub policy_name: String,
    pub policy_document: String,
    pub last_updated_time: i64,
    /// Set for resource-scoped policies: the log group ARN they are attached to.
    pub resource_arn: Option<String>,
    pub revision_id: Option<String>,
}

impl LogGroup {
    pub fn new(name: &str, now_ms: i64) -> Self {
        LogGroup {
            name: name.to_string(),
            creation_time: now_ms,
            retention_in_days: None,
            kms_key_id: None,
            log_group_class: "STANDARD".to_string(),
            deletion_protection_enabled: false,
            tags: BTreeMap::new(),
            streams: BTreeMap::new(),
            resource_policy: None,
            next_seq: 1,
        }
    }

    /// Bytes of message text the group holds.
    pub fn stored_bytes(&self) -> u64 {
        self.streams.values().flat_map(|s| &s.events).map(|e| e.message.len() as u64).sum()
    }

    /// Stores a chronologically sorted batch in `stream`, giving each event the group's next keys.
    /// Returns `false` when the stream does not exist.
    pub fn append(&mut self, stream: &str, batch: Vec<(i64, String)>, now_ms: i64) -> bool {
        let Some(s) = self.streams.get_mut(stream) else {
            return false;
        };
        let in_order = match (s.events.last(), batch.first()) {
            (Some(last), Some(first)) => first.0 >= last.key.timestamp,
            _ => true,
        };
        for (timestamp, message) in batch {
            let key = EventKey { timestamp, seq: self.next_seq };
            self.next_seq += 1;
            s.events.push(StoredEvent { key, ingestion_time: now_ms, message });
        }
        if !in_order {
            // Keys are unique, so an unstable sort is deterministic.
            s.events.sort_unstable_by_key(|e| e.key);
        }
        s.last_ingestion_time = Some(now_ms);
        s.uploads += 1;
        true
    }
}

impl LogStream {
    pub fn new(name: &str, now_ms: i64) -> Self {
        LogStream {
            name: name.to_string(),
            creation_time: now_ms,
            events: Vec::new(),
            last_ingestion_time: None,
            uploads: 0,
        }
    }

    pub fn first_event_timestamp(&self) -> Option<i64> {
        self.events.first().map(|e| e.key.timestamp)
    }

    pub fn last_event_timestamp(&self) -> Option<i64> {
        self.events.last().map(|e| e.key.timestamp)
    }

    /// The sequence token after `uploads` batches, shaped like AWS's (a long decimal number).
    pub fn sequence_token(&self) -> String {
        sequence_token(self.uploads)
    }
}

pub fn sequence_token(uploads: u64) -> String {
    format!("49{uploads:054}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn late_batches_are_merged_in_timestamp_order() {
        let mut g = LogGroup::new("g", 0);
        g.streams.insert("s".into(), LogStream::new("s", 0));
        assert!(g.append("s", vec![(10, "a".into()), (20, "b".into())], 100));
        assert!(g.append("s", vec![(15, "c".into()), (20, "d".into())], 200));
        let s = &g.streams["s"];
        let order: Vec<&str> = s.events.iter().map(|e| e.message.as_str()).collect();
        assert_eq!(order, ["a", "c", "b", "d"]);
        assert_eq!((s.first_event_timestamp(), s.last_event_timestamp()), (Some(10), Some(20)));
        assert_eq!(s.last_ingestion_time, Some(200));
        assert_eq!(g.stored_bytes(), 4);
        assert!(!g.append("missing", vec![(1, "x".into())], 0));
        assert_ne!(sequence_token(1), sequence_token(2));
    }
}

/// One record per log group (its streams and events with it) and per account-level resource policy.
impl sekisho_core::state::Records for LogsState {
    fn records(&self, out: &mut Vec<(String, String, Vec<u8>)>) -> Result<(), String> {
        use sekisho_core::persist::encode;
        for (name, group) in &self.log_groups {
            out.push(("group".into(), name.clone(), encode(group)?));
        }
        for (name, policy) in &self.resource_policies {
            out.push(("resource_policy".into(), name.clone(), encode(policy)?));
        }
        Ok(())
    }

    fn restore(records: Vec<sekisho_core::persist::Record>) -> Result<Self, String> {
        use sekisho_core::persist::decode;
        let mut state = LogsState::default();
        for r in &records {
            match r.kind.as_str() {
                "group" => {
                    state.log_groups.insert(r.id.clone(), decode(r)?);
                }
                "resource_policy" => {
                    state.resource_policies.insert(r.id.clone(), decode(r)?);
                }
                other => return Err(format!("logs: unknown record kind {other:?}")),
            }
        }
        Ok(state)
    }
}
