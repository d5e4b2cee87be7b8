//! Durability as core sees it: parts of the state say what changed (`Durable`), a `Backend` writes it in one
//! transaction, and `Persistence` runs group commit so a call returns only once its changes are durable.

use std::collections::{BTreeSet, HashMap};
use std::hash::{DefaultHasher, Hash, Hasher};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

/// One stored record: `(part, account, region, kind, id)` → a serialized value (JSON).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Record {
    pub part: String,
    pub account: String,
    pub region: String,
    pub kind: String,
    pub id: String,
    pub value: Vec<u8>,
}

/// A write the backend applies; a batch of them is one transaction.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Write {
    Put(Record),
    Delete {
        part: String,
        account: String,
        region: String,
        kind: String,
        id: String,
    },
    /// Deletes the records of `(part, kind)` in the part's global scope (empty account and region) whose id
    /// sorts before `below` (bounded logs). Scoped so the store deletes a key range instead of scanning.
    Prune {
        part: String,
        kind: String,
        below: String,
    },
}

/// What a part reports when asked for its changes.
#[derive(Debug, Clone)]
pub enum Change {
    /// Every record of one scope of `part` as it is now: records the store holds for that scope and that are
    /// not listed are deleted; listed ones are written only if their bytes changed (`None`: the part knows
    /// the record did not change since it last reported it, and skipped serializing it).
    Scope {
        part: &'static str,
        account: String,
        region: String,
        records: Vec<(String, String, Option<Vec<u8>>)>,
    },
    /// One record, written as is (`None` deletes it).
    Record {
        part: &'static str,
        account: String,
        region: String,
        kind: String,
        id: String,
        value: Option<Vec<u8>>,
    },
    Prune {
        part: &'static str,
        kind: String,
        below: String,
    },
}

/// A piece of state that can be made durable: the world, a service's `Regional` maps, the decision log.
pub trait Durable: Send + Sync {
    /// The part names this state writes under (its records' `part` column), e.g. `["logs"]`.
    fn parts(&self) -> Vec<&'static str>;
    /// Whether anything changed since the last `changes` (cheap: an atomic load).
    fn dirty(&self) -> bool;
    /// Takes what changed since the last call and clears the marks.
    fn changes(&self, out: &mut Vec<Change>) -> Result<(), String>;
    /// Every scope as it is now (snapshots), without touching the marks.
    fn everything(&self, out: &mut Vec<Change>) -> Result<(), String>;
    /// Replaces the state by `records` (all of this state's parts), at start-up or on a snapshot reset.
    fn load(&self, records: Vec<Record>, now_ms: i64) -> Result<(), String>;
    /// A commit failed: forget any shortcut taken on the belief that earlier changes were stored.
    fn invalidate(&self) {}

    /// Whether a change of this state alone makes a caller wait for a commit. The decision log says no: it
    /// is written with the next commit or the periodic flush, never on the path of a read.
    fn urgent(&self) -> bool {
        true
    }
}

/// Where records live. The SQLite implementation is `sekisho-store`; a shared server database would be
/// another implementation of this trait (see ARCHITECTURE.md).
pub trait Backend: Send + Sync {
    /// Applies `batch` in one transaction, durable when this returns.
    fn write(&self, batch: &[Write]) -> Result<(), String>;
    /// Every record.
    fn load(&self) -> Result<Vec<Record>, String>;
    /// Replaces every record by `records` in one transaction (reset, snapshot restore).
    fn replace(&self, records: &[Record]) -> Result<(), String>;
}

/// A backend that stores nothing: an in-memory server taking or restoring a snapshot.
pub struct NoBackend;

impl Backend for NoBackend {
    fn write(&self, _: &[Write]) -> Result<(), String> {
        Ok(())
    }
    fn load(&self) -> Result<Vec<Record>, String> {
        Ok(Vec::new())
    }
    fn replace(&self, _: &[Record]) -> Result<(), String> {
        Ok(())
    }
}

/// Serializes a value as stored (JSON).
pub fn encode<T: serde::Serialize + ?Sized>(value: &T) -> Result<Vec<u8>, String> {
    serde_json::to_vec(value).map_err(|e| format!("serializing a record: {e}"))
}

/// Reads a stored value back.
pub fn decode<T: serde::de::DeserializeOwned>(record: &Record) -> Result<T, String> {
    serde_json::from_slice(&record.value).map_err(|e| {
        format!("record {}/{}/{}/{}/{}: {e}", record.part, record.account, record.region, record.kind, record.id)
    })
}

fn fingerprint(bytes: &[u8]) -> u64 {
    let mut h = DefaultHasher::new();
    bytes.hash(&mut h);
    h.finish()
}

type ScopeKey = (String, String, String);
type RecordKey = (String, String);

/// What the store holds, as fingerprints, so a scope image writes only the records whose bytes changed.
#[derive(Default)]
struct Known {
    scopes: HashMap<ScopeKey, HashMap<RecordKey, u64>>,
}

impl Known {
    fn from_records(records: &[Record]) -> Known {
        let mut k = Known::default();
        for r in records {
            k.scopes
                .entry((r.part.clone(), r.account.clone(), r.region.clone()))
                .or_default()
                .insert((r.kind.clone(), r.id.clone()), fingerprint(&r.value));
        }
        k
    }

    /// Turns changes into writes, updating the fingerprints as if the writes succeeded.
    fn plan(&mut self, changes: Vec<Change>, out: &mut Vec<Write>) {
        for change in changes {
            match change {
                Change::Scope { part, account, region, records } => {
                    let key = (part.to_string(), account.clone(), region.clone());
                    let known = self.scopes.entry(key).or_default();
                    let mut present = BTreeSet::new();
                    for (kind, id, value) in records {
                        let rk = (kind.clone(), id.clone());
                        present.insert(rk.clone());
                        let Some(value) = value else { continue };
                        let f = fingerprint(&value);
                        if known.get(&rk) == Some(&f) {
                            continue;
                        }
                        known.insert(rk, f);
                        out.push(Write::Put(Record {
                            part: part.to_string(),
                            account: account.clone(),
                            region: region.clone(),
                            kind,
                            id,
                            value,
                        }));
                    }
                    let gone: Vec<RecordKey> = known.keys().filter(|k| !present.contains(*k)).cloned().collect();
                    for (kind, id) in gone {
                        known.remove(&(kind.clone(), id.clone()));
                        out.push(Write::Delete {
                            part: part.to_string(),
                            account: account.clone(),
                            region: region.clone(),
                            kind,
                            id,
                        });
                    }
                }
                Change::Record { part, account, region, kind, id, value } => {
                    let known = self.scopes.entry((part.to_string(), account.clone(), region.clone())).or_default();
                    let rk = (kind.clone(), id.clone());
                    match value {
                        Some(value) => {
                            let f = fingerprint(&value);
                            if known.get(&rk) == Some(&f) {
                                continue;
                            }
                            known.insert(rk, f);
                            out.push(Write::Put(Record { part: part.to_string(), account, region, kind, id, value }));
                        }
                        None => {
                            known.remove(&rk);
                            out.push(Write::Delete { part: part.to_string(), account, region, kind, id });
                        }
                    }
                }
                Change::Prune { part, kind, below } => {
                    if let Some(records) = self.scopes.get_mut(&(part.to_string(), String::new(), String::new())) {
                        records.retain(|(k, id), _| *k != kind || *id >= below);
                    }
                    out.push(Write::Prune { part: part.to_string(), kind, below });
                }
            }
        }
    }
}

/// Group commit over the durable parts: a call that changed something waits for one commit that started after
/// its handler returned; concurrent callers share it.
pub struct Persistence {
    backend: Arc<dyn Backend>,
    parts: Vec<Arc<dyn Durable>>,
    known: Mutex<Known>,
    /// Tickets taken by callers whose handler has returned.
    requested: AtomicU64,
    /// The highest ticket a finished commit covered.
    committed: AtomicU64,
    /// Commits begun and finished: a caller that finds nothing dirty waits for a commit in flight, which may be
    /// carrying its own changes.
    begun: AtomicU64,
    finished: AtomicU64,
    gate: tokio::sync::Mutex<()>,
}

impl Persistence {
    pub fn new(backend: Arc<dyn Backend>, parts: Vec<Arc<dyn Durable>>) -> Arc<Persistence> {
        Arc::new(Persistence {
            backend,
            parts,
            known: Mutex::new(Known::default()),
            requested: AtomicU64::new(0),
            committed: AtomicU64::new(0),
            begun: AtomicU64::new(0),
            finished: AtomicU64::new(0),
            gate: tokio::sync::Mutex::new(()),
        })
    }

    pub fn backend(&self) -> &Arc<dyn Backend> {
        &self.backend
    }

    fn known(&self) -> std::sync::MutexGuard<'_, Known> {
        self.known.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Loads every part from the backend (start-up). Records of a part nobody claims are kept in the store
    /// untouched (a service switched off in this build must not lose its data).
    pub fn load(&self, now_ms: i64) -> Result<usize, String> {
        let records = self.backend.load()?;
        let n = records.len();
        if n == 0 {
            // A new data directory starts from what start-up built (the organization `sekisho.toml`
            // declares), written now.
            self.rewrite()?;
            return Ok(0);
        }
        self.install(records, now_ms)?;
        Ok(n)
    }

    /// Makes the store hold exactly what memory holds now (a new directory, after a reset).
    pub fn rewrite(&self) -> Result<(), String> {
        let mut ignored = Vec::new();
        for part in &self.parts {
            part.changes(&mut ignored)?;
        }
        let records = self.everything()?;
        self.backend.replace(&records)?;
        *self.known() = Known::from_records(&records);
        Ok(())
    }

    fn install(&self, records: Vec<Record>, now_ms: i64) -> Result<(), String> {
        *self.known() = Known::from_records(&records);
        let mut by_part: HashMap<String, Vec<Record>> = HashMap::new();
        for r in records {
            by_part.entry(r.part.clone()).or_default().push(r);
        }
        for part in &self.parts {
            let mut mine = Vec::new();
            for name in part.parts() {
                mine.extend(by_part.remove(name).unwrap_or_default());
            }
            part.load(mine, now_ms)?;
            // What loading marked (accounts created, expired sessions dropped) is written by the next commit.
        }
        Ok(())
    }

    /// Every record of every part as it is now (a snapshot).
    pub fn everything(&self) -> Result<Vec<Record>, String> {
        let mut changes = Vec::new();
        for part in &self.parts {
            part.everything(&mut changes)?;
        }
        let mut scratch = Known::default();
        let mut writes = Vec::new();
        scratch.plan(changes, &mut writes);
        Ok(writes
            .into_iter()
            .filter_map(|w| match w {
                Write::Put(r) => Some(r),
                _ => None,
            })
            .collect())
    }

    /// Replaces the world by `records` in memory and in the store (a snapshot reset). The caller has reset
    /// the services' in-memory state first.
    pub fn replace(&self, records: Vec<Record>, now_ms: i64) -> Result<(), String> {
        self.backend.replace(&records)?;
        self.install_only(records, now_ms)
    }

    /// Puts `records` into the parts (and the fingerprints), without writing the store.
    pub fn install_only(&self, records: Vec<Record>, now_ms: i64) -> Result<(), String> {
        // Marks set by the reset describe the old world; what the store holds is `records`.
        let mut ignored = Vec::new();
        for part in &self.parts {
            part.changes(&mut ignored)?;
        }
        self.install(records, now_ms)
    }

    /// Returns once every change made before this call is durable.
    pub async fn sync(self: &Arc<Self>) -> Result<(), String> {
        if !self.parts.iter().any(|p| p.urgent() && p.dirty()) {
            // Nothing of ours is pending, unless a commit in flight took it: wait for that one.
            if self.finished.load(Ordering::SeqCst) < self.begun.load(Ordering::SeqCst) {
                drop(self.gate.lock().await);
            }
            return Ok(());
        }
        let ticket = self.requested.fetch_add(1, Ordering::SeqCst) + 1;
        let _gate = self.gate.lock().await;
        if self.committed.load(Ordering::SeqCst) >= ticket {
            return Ok(());
        }
        let upto = self.requested.load(Ordering::SeqCst);
        self.begun.fetch_add(1, Ordering::SeqCst);
        let me = self.clone();
        let result = tokio::task::spawn_blocking(move || me.commit_now())
            .await
            .unwrap_or_else(|e| Err(format!("the commit task failed: {e}")));
        self.finished.fetch_add(1, Ordering::SeqCst);
        if result.is_ok() {
            self.committed.fetch_max(upto, Ordering::SeqCst);
        }
        result
    }

    /// Writes what changed, synchronously (the periodic flush and shutdown call it through `flush`).
    fn commit_now(&self) -> Result<(), String> {
        let mut changes = Vec::new();
        for part in &self.parts {
            part.changes(&mut changes)?;
        }
        let mut writes = Vec::new();
        let mut known = self.known();
        known.plan(changes, &mut writes);
        if writes.is_empty() {
            return Ok(());
        }
        let result = self.backend.write(&writes);
        if result.is_err() {
            for part in &self.parts {
                part.invalidate();
            }
            // The fingerprints now claim writes that did not happen: forget them so the next image of each
            // scope is written whole.
            *known = Known::default();
            if let Ok(records) = self.backend.load() {
                *known = Known::from_records(&records);
            }
        }
        result
    }

    /// Writes everything pending, including what is not urgent (the decision log): periodic and at shutdown.
    pub async fn flush(self: &Arc<Self>) -> Result<(), String> {
        let _gate = self.gate.lock().await;
        let upto = self.requested.load(Ordering::SeqCst);
        self.begun.fetch_add(1, Ordering::SeqCst);
        let me = self.clone();
        let result = tokio::task::spawn_blocking(move || me.commit_now())
            .await
            .unwrap_or_else(|e| Err(format!("the commit task failed: {e}")));
        self.finished.fetch_add(1, Ordering::SeqCst);
        if result.is_ok() {
            self.committed.fetch_max(upto, Ordering::SeqCst);
        }
        result
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scope(records: &[(&str, &str, &str)]) -> Change {
        Change::Scope {
            part: "p",
            account: "a".into(),
            region: "r".into(),
            records: records
                .iter()
                .map(|(k, i, v)| (k.to_string(), i.to_string(), Some(v.as_bytes().to_vec())))
                .collect(),
        }
    }

    #[test]
    fn a_scope_image_writes_only_what_changed_and_deletes_what_is_gone() {
        let mut known = Known::default();
        let mut w = Vec::new();
        known.plan(vec![scope(&[("role", "a", "1"), ("role", "b", "2")])], &mut w);
        assert_eq!(w.len(), 2);
        let mut w = Vec::new();
        known.plan(vec![scope(&[("role", "a", "1"), ("role", "c", "3")])], &mut w);
        assert_eq!(w.len(), 2, "{w:?}");
        assert!(matches!(&w[0], Write::Put(r) if r.id == "c"));
        assert!(matches!(&w[1], Write::Delete { id, .. } if id == "b"));
    }

    #[test]
    fn a_prune_forgets_the_fingerprints_it_deletes() {
        let global = |records: &[(&str, &str)]| Change::Scope {
            part: "p",
            account: String::new(),
            region: String::new(),
            records: records.iter().map(|(i, v)| ("call".into(), i.to_string(), Some(v.as_bytes().to_vec()))).collect(),
        };
        let mut known = Known::default();
        let mut w = Vec::new();
        known.plan(vec![global(&[("001", "x"), ("002", "y")])], &mut w);
        known.plan(vec![Change::Prune { part: "p", kind: "call".into(), below: "002".into() }], &mut w);
        let mut w = Vec::new();
        known.plan(vec![global(&[("001", "x"), ("002", "y")])], &mut w);
        assert_eq!(w.len(), 1, "only the pruned record is written again: {w:?}");
    }
}
