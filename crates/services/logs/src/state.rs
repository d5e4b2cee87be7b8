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
    fn a_scope_comes_back_from_its_records_and_a_late_batch_rewrites_its_chunk() {
        use sekisho_core::persist::Change;
        use sekisho_core::state::Regional;
        let store: Regional<LogsState> = Regional::default();
        let part = store.durable("logs");
        store.with("111111111111", "us-east-1", |s| {
            let mut g = LogGroup::new("/app", 0);
            g.streams.insert("s".into(), LogStream::new("s", 0));
            let batch: Vec<(i64, String)> =
                (0..(EVENTS_PER_RECORD as i64 + 5)).map(|i| (i * 10, format!("m{i}"))).collect();
            assert!(g.append("s", batch, 1));
            s.log_groups.insert("/app".into(), g);
        });
        let mut first = Vec::new();
        part.changes(&mut first).unwrap();
        let [Change::Scope { records, account, region, .. }] = &first[..] else { panic!("{first:?}") };
        let stored: Vec<sekisho_core::persist::Record> = records
            .iter()
            .map(|(kind, id, v)| sekisho_core::persist::Record {
                part: "logs".into(),
                account: account.clone(),
                region: region.clone(),
                kind: kind.clone(),
                id: id.clone(),
                value: v.clone().unwrap(),
            })
            .collect();
        let back = <LogsState as sekisho_core::state::Records>::restore(stored).unwrap();
        let events = |s: &LogsState| {
            s.log_groups["/app"].streams["s"].events.iter().map(|e| e.message.clone()).collect::<Vec<_>>()
        };
        assert_eq!(events(&back), store.read("111111111111", "us-east-1", |s| events(s.unwrap())));

        // A late event sorts into the first chunk: that chunk is serialized again, though its length is not.
        store.with("111111111111", "us-east-1", |s| {
            s.log_groups.get_mut("/app").unwrap().append("s", vec![(5, "late".into())], 2);
        });
        let mut second = Vec::new();
        part.changes(&mut second).unwrap();
        let [Change::Scope { records, .. }] = &second[..] else { panic!() };
        let rewritten: Vec<&str> =
            records.iter().filter(|(k, _, v)| k == "events" && v.is_some()).map(|(_, id, _)| id.as_str()).collect();
        assert_eq!(rewritten, vec!["/app*s*0000000000", "/app*s*0000000001"]);
    }

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

/// Events per stored chunk: a PutLogEvents rewrites the stream's last chunk, not its whole history.
pub const EVENTS_PER_RECORD: usize = 1000;

/// A log group's record: everything but its streams (each stream and its events are records of their own).
#[derive(Serialize, Deserialize)]
struct GroupHead {
    name: String,
    creation_time: i64,
    retention_in_days: Option<i32>,
    kms_key_id: Option<String>,
    log_group_class: String,
    deletion_protection_enabled: bool,
    tags: BTreeMap<String, String>,
    resource_policy: Option<ResourcePolicy>,
    next_seq: u64,
}

#[derive(Serialize, Deserialize)]
struct StreamHead {
    name: String,
    creation_time: i64,
    last_ingestion_time: Option<i64>,
    uploads: u64,
}

/// Neither group names nor stream names may contain `*` (CloudWatch Logs API reference, CreateLogStream:
/// "The ':' (colon) and '*' (asterisk) characters are not allowed"; CreateLogGroup's pattern has no `*`).
const SEP: char = '*';

/// A chunk's version: its events' sequence numbers, which are unique and never reused, so a chunk whose
/// content moved (a late batch sorted in) gets another version.
fn chunk_version(events: &[StoredEvent]) -> u64 {
    events.iter().fold(0xcbf2_9ce4_8422_2325u64, |h, e| (h ^ e.key.seq).wrapping_mul(0x100_0000_01b3))
}

/// Records: per log group (`group`), per stream (`stream`, `<group>*<stream>`), per chunk of a stream's
/// events (`events`, `<group>*<stream>*<chunk>`) and per account-level resource policy.
impl sekisho_core::state::Records for LogsState {
    fn records(&self, out: &mut sekisho_core::state::RecordSink<'_>) -> Result<(), String> {
        for (name, g) in &self.log_groups {
            // Exhaustive: a new field of LogGroup does not compile until it is stored.
            let LogGroup {
                name: group_name,
                creation_time,
                retention_in_days,
                kms_key_id,
                log_group_class,
                deletion_protection_enabled,
                tags,
                streams,
                resource_policy,
                next_seq,
            } = g;
            let head = GroupHead {
                name: group_name.clone(),
                creation_time: *creation_time,
                retention_in_days: *retention_in_days,
                kms_key_id: kms_key_id.clone(),
                log_group_class: log_group_class.clone(),
                deletion_protection_enabled: *deletion_protection_enabled,
                tags: tags.clone(),
                resource_policy: resource_policy.clone(),
                next_seq: *next_seq,
            };
            out.put("group", name, &head)?;
            for (sname, st) in streams {
                let LogStream { name: stream_name, creation_time, events, last_ingestion_time, uploads } = st;
                let id = format!("{name}{SEP}{sname}");
                let head = StreamHead {
                    name: stream_name.clone(),
                    creation_time: *creation_time,
                    last_ingestion_time: *last_ingestion_time,
                    uploads: *uploads,
                };
                out.put("stream", &id, &head)?;
                for (i, chunk) in events.chunks(EVENTS_PER_RECORD).enumerate() {
                    out.put_versioned("events", &format!("{id}{SEP}{i:010}"), chunk_version(chunk), chunk)?;
                }
            }
        }
        for (name, policy) in &self.resource_policies {
            out.put("resource_policy", name, policy)?;
        }
        Ok(())
    }

    fn restore(mut records: Vec<sekisho_core::persist::Record>) -> Result<Self, String> {
        use sekisho_core::persist::decode;
        // Groups before their streams, streams before their events, chunks in order.
        let rank = |k: &str| match k {
            "group" => 0,
            "stream" => 1,
            "events" => 2,
            _ => 3,
        };
        records.sort_by(|a, b| (rank(&a.kind), &a.id).cmp(&(rank(&b.kind), &b.id)));
        let mut state = LogsState::default();
        for r in &records {
            match r.kind.as_str() {
                "group" => {
                    let h: GroupHead = decode(r)?;
                    let group = LogGroup {
                        name: h.name,
                        creation_time: h.creation_time,
                        retention_in_days: h.retention_in_days,
                        kms_key_id: h.kms_key_id,
                        log_group_class: h.log_group_class,
                        deletion_protection_enabled: h.deletion_protection_enabled,
                        tags: h.tags,
                        streams: BTreeMap::new(),
                        resource_policy: h.resource_policy,
                        next_seq: h.next_seq,
                    };
                    state.log_groups.insert(r.id.clone(), group);
                }
                "stream" => {
                    let (group, stream) =
                        r.id.split_once(SEP).ok_or_else(|| format!("logs: bad stream id {:?}", r.id))?;
                    let h: StreamHead = decode(r)?;
                    let g = state
                        .log_groups
                        .get_mut(group)
                        .ok_or_else(|| format!("logs: stream {:?} without its group", r.id))?;
                    g.streams.insert(
                        stream.to_string(),
                        LogStream {
                            name: h.name,
                            creation_time: h.creation_time,
                            events: Vec::new(),
                            last_ingestion_time: h.last_ingestion_time,
                            uploads: h.uploads,
                        },
                    );
                }
                "events" => {
                    let (group, rest) =
                        r.id.split_once(SEP).ok_or_else(|| format!("logs: bad events id {:?}", r.id))?;
                    let (stream, _) = rest.rsplit_once(SEP).ok_or_else(|| format!("logs: bad events id {:?}", r.id))?;
                    let chunk: Vec<StoredEvent> = decode(r)?;
                    let s = state
                        .log_groups
                        .get_mut(group)
                        .and_then(|g| g.streams.get_mut(stream))
                        .ok_or_else(|| format!("logs: events {:?} without their stream", r.id))?;
                    s.events.extend(chunk);
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
