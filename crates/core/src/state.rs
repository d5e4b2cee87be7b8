//! Service state as plain data per (account, region), behind one lock per service, with the marks that tell
//! the store which scopes changed (`with` marks its scope, `lock` marks every scope).

use crate::persist::{Change, Durable, Record};
use std::collections::{BTreeMap, BTreeSet};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};

/// `(account id, region)`; global services use their signing region (`us-east-1`).
pub type Scope = (String, String);

/// How a scope's state is split into stored records, and put back together. One record per resource keeps
/// a commit small; [`whole`] stores the scope as one record, for services whose scopes stay small.
pub trait Records: Default + Send + 'static {
    /// Every record of this scope, through `out.put` (or `out.put_versioned` for large records whose change
    /// a cheap version number tells).
    fn records(&self, out: &mut RecordSink<'_>) -> Result<(), String>;
    /// Rebuilds the scope from its records (as `records` wrote them).
    fn restore(records: Vec<Record>) -> Result<Self, String>;
}

type Versions = std::collections::HashMap<(String, String), u64>;

/// Where a scope's records go. A record put with a version is serialized only if its version differs from
/// the one it had when this scope was last reported.
pub struct RecordSink<'a> {
    records: Vec<(String, String, Option<Vec<u8>>)>,
    before: Option<&'a Versions>,
    after: Versions,
}

impl RecordSink<'_> {
    pub fn put<T: serde::Serialize + ?Sized>(&mut self, kind: &str, id: &str, value: &T) -> Result<(), String> {
        self.records.push((kind.to_string(), id.to_string(), Some(crate::persist::encode(value)?)));
        Ok(())
    }

    /// `version` must change whenever `value` does (a length, a sequence number, a hash of what can change).
    pub fn put_versioned<T: serde::Serialize + ?Sized>(
        &mut self,
        kind: &str,
        id: &str,
        version: u64,
        value: &T,
    ) -> Result<(), String> {
        let key = (kind.to_string(), id.to_string());
        let unchanged = self.before.and_then(|b| b.get(&key)) == Some(&version);
        self.after.insert(key, version);
        let bytes = if unchanged { None } else { Some(crate::persist::encode(value)?) };
        self.records.push((kind.to_string(), id.to_string(), bytes));
        Ok(())
    }

    /// [`RecordSink::put_versioned`] for a value that is already bytes (a code package) and stored as they
    /// are, not as JSON; `decode` does not apply to it, the record's `value` is the bytes.
    pub fn put_bytes_versioned(&mut self, kind: &str, id: &str, version: u64, bytes: &[u8]) {
        let key = (kind.to_string(), id.to_string());
        let unchanged = self.before.and_then(|b| b.get(&key)) == Some(&version);
        self.after.insert(key, version);
        let bytes = if unchanged { None } else { Some(bytes.to_vec()) };
        self.records.push((kind.to_string(), id.to_string(), bytes));
    }
}

/// Every record of `state` as `(kind, id, value)`, each serialized (what a first commit or a snapshot
/// writes): for tests and tools that look at a service's records directly.
pub fn all_records<T: Records>(state: &T) -> Result<Vec<(String, String, Vec<u8>)>, String> {
    let mut sink = RecordSink { records: Vec::new(), before: None, after: Versions::new() };
    state.records(&mut sink)?;
    Ok(sink.records.into_iter().filter_map(|(kind, id, value)| value.map(|v| (kind, id, v))).collect())
}

/// The scope as one record (`kind` `state`, empty id): for small scopes.
pub mod whole {
    use super::RecordSink;
    use crate::persist::{Record, decode};

    pub fn records<T: serde::Serialize>(state: &T, out: &mut RecordSink<'_>) -> Result<(), String> {
        out.put("state", "", state)
    }

    pub fn restore<T: serde::de::DeserializeOwned + Default>(records: Vec<Record>) -> Result<T, String> {
        match records.iter().find(|r| r.kind == "state") {
            Some(r) => decode(r),
            None => Ok(T::default()),
        }
    }
}

/// A map of resources by id: one record per entry (`kind` `item`).
impl<T: serde::Serialize + serde::de::DeserializeOwned + Send + 'static> Records for BTreeMap<String, T> {
    fn records(&self, out: &mut RecordSink<'_>) -> Result<(), String> {
        for (id, v) in self {
            out.put("item", id, v)?;
        }
        Ok(())
    }

    fn restore(records: Vec<Record>) -> Result<Self, String> {
        records.iter().map(|r| Ok((r.id.clone(), crate::persist::decode(r)?))).collect()
    }
}

#[derive(Debug, Default)]
struct Marks {
    scopes: BTreeSet<Scope>,
    all: bool,
    /// Scopes the store may hold, so a scope that disappeared from the map is written as empty.
    seen: BTreeSet<Scope>,
}

#[derive(Debug)]
struct Inner<T> {
    map: Mutex<BTreeMap<Scope, T>>,
    marks: Mutex<Marks>,
    dirty: AtomicBool,
}

/// A cheap handle: clones share the state, so a service can hand the store a handle to its maps.
#[derive(Debug)]
pub struct Regional<T> {
    inner: Arc<Inner<T>>,
}

impl<T> Clone for Regional<T> {
    fn clone(&self) -> Self {
        Regional { inner: self.inner.clone() }
    }
}

impl<T> Default for Regional<T> {
    fn default() -> Self {
        Regional {
            inner: Arc::new(Inner {
                map: Mutex::new(BTreeMap::new()),
                marks: Mutex::new(Marks::default()),
                dirty: AtomicBool::new(false),
            }),
        }
    }
}

impl<T> Regional<T> {
    fn marks(&self) -> MutexGuard<'_, Marks> {
        self.inner.marks.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn map(&self) -> MutexGuard<'_, BTreeMap<Scope, T>> {
        self.inner.map.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Marks `(account, region)` changed: the next commit writes it.
    pub fn touch(&self, account: &str, region: &str) {
        self.marks().scopes.insert((account.to_string(), region.to_string()));
        self.inner.dirty.store(true, Ordering::SeqCst);
    }

    fn touch_all(&self) {
        self.marks().all = true;
        self.inner.dirty.store(true, Ordering::SeqCst);
    }
}

impl<T: Default> Regional<T> {
    /// Runs `f` on the state of `(account, region)`, creating it empty on first use.
    pub fn with<R>(&self, account: &str, region: &str, f: impl FnOnce(&mut T) -> R) -> R {
        let mut map = self.map();
        self.touch(account, region);
        let state = map.entry((account.to_string(), region.to_string())).or_default();
        f(state)
    }

    /// Runs `f` on the state of `(account, region)` if it exists, marking only that scope changed.
    pub fn with_existing<R>(&self, account: &str, region: &str, f: impl FnOnce(Option<&mut T>) -> R) -> R {
        let mut map = self.map();
        self.touch(account, region);
        f(map.get_mut(&(account.to_string(), region.to_string())))
    }

    /// Runs `f` on the state of `(account, region)` if it exists.
    pub fn read<R>(&self, account: &str, region: &str, f: impl FnOnce(Option<&T>) -> R) -> R {
        let map = self.map();
        f(map.get(&(account.to_string(), region.to_string())))
    }

    /// Every scope's state, for operations that look across accounts (by ARN). Marks every scope changed,
    /// since the caller may change any of them; [`Regional::read_all`] does not.
    pub fn lock(&self) -> MutexGuard<'_, BTreeMap<Scope, T>> {
        let map = self.map();
        self.touch_all();
        map
    }

    /// Every scope's state, to read.
    pub fn read_all<R>(&self, f: impl FnOnce(&BTreeMap<Scope, T>) -> R) -> R {
        f(&self.map())
    }
}

impl<T: Records> Regional<T> {
    /// This state as a durable part named `part` (its records' `part` column).
    pub fn durable(&self, part: &'static str) -> Arc<dyn Durable> {
        Arc::new(RegionalPart { part, state: self.clone(), versions: Mutex::new(BTreeMap::new()) })
    }
}

struct RegionalPart<T> {
    part: &'static str,
    state: Regional<T>,
    /// Per scope, the versions of the records last reported (see [`RecordSink::put_versioned`]).
    versions: Mutex<BTreeMap<Scope, Versions>>,
}

impl<T: Records> RegionalPart<T> {
    /// Images of `scopes` (all scopes when `None`); with `remember`, versions are used and kept (commits),
    /// without, every record is serialized (snapshots).
    fn images(&self, scopes: Option<BTreeSet<Scope>>, remember: bool, out: &mut Vec<Change>) -> Result<(), String> {
        let map = self.state.map();
        let scopes: BTreeSet<Scope> = match scopes {
            Some(s) => s,
            None => map.keys().cloned().collect(),
        };
        let mut versions = self.versions.lock().unwrap_or_else(|e| e.into_inner());
        for scope in scopes {
            let before = if remember { versions.get(&scope) } else { None };
            let mut sink = RecordSink { records: Vec::new(), before, after: Versions::new() };
            if let Some(state) = map.get(&scope) {
                state.records(&mut sink)?;
            }
            let RecordSink { records, after, .. } = sink;
            if remember {
                versions.insert(scope.clone(), after);
            }
            out.push(Change::Scope { part: self.part, account: scope.0.clone(), region: scope.1.clone(), records });
        }
        Ok(())
    }
}

impl<T: Records> Durable for RegionalPart<T> {
    fn parts(&self) -> Vec<&'static str> {
        vec![self.part]
    }

    fn dirty(&self) -> bool {
        self.state.inner.dirty.load(Ordering::SeqCst)
    }

    fn changes(&self, out: &mut Vec<Change>) -> Result<(), String> {
        // Locks are taken one at a time: handlers hold the map while they mark, so holding the marks while
        // waiting for the map would invert that order.
        let (mut scopes, all) = {
            let mut marks = self.state.marks();
            self.state.inner.dirty.store(false, Ordering::SeqCst);
            (std::mem::take(&mut marks.scopes), std::mem::take(&mut marks.all))
        };
        if all {
            let present: Vec<Scope> = self.state.map().keys().cloned().collect();
            scopes.extend(present);
            scopes.extend(self.state.marks().seen.iter().cloned());
        }
        self.state.marks().seen.extend(scopes.iter().cloned());
        self.images(Some(scopes), true, out)
    }

    fn everything(&self, out: &mut Vec<Change>) -> Result<(), String> {
        self.images(None, false, out)
    }

    fn invalidate(&self) {
        self.versions.lock().unwrap_or_else(|e| e.into_inner()).clear();
    }

    fn load(&self, records: Vec<Record>, _now_ms: i64) -> Result<(), String> {
        let mut by_scope: BTreeMap<Scope, Vec<Record>> = BTreeMap::new();
        for r in records {
            by_scope.entry((r.account.clone(), r.region.clone())).or_default().push(r);
        }
        let mut rebuilt = BTreeMap::new();
        for (scope, records) in by_scope {
            rebuilt.insert(scope, T::restore(records)?);
        }
        let mut map = self.state.map();
        let mut marks = self.state.marks();
        marks.seen = rebuilt.keys().cloned().chain(map.keys().cloned()).collect();
        *map = rebuilt;
        // Nothing loaded has a version yet: the first image of each scope serializes every record once.
        self.invalidate();
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scopes_are_separate() {
        let r: Regional<Vec<u32>> = Regional::default();
        r.with("111111111111", "us-east-1", |v| v.push(1));
        r.with("111111111111", "ap-northeast-1", |v| v.push(2));
        assert_eq!(r.read("111111111111", "us-east-1", |v| v.cloned()), Some(vec![1]));
        assert_eq!(r.read("222222222222", "us-east-1", |v| v.cloned()), None);
    }

    #[derive(Default, serde::Serialize, serde::Deserialize)]
    struct Items(Vec<u32>);

    impl Records for Items {
        fn records(&self, out: &mut RecordSink<'_>) -> Result<(), String> {
            whole::records(self, out)
        }
        fn restore(records: Vec<Record>) -> Result<Self, String> {
            whole::restore(records)
        }
    }

    #[test]
    fn changes_name_the_scopes_touched_and_the_ones_cleared() {
        let r: Regional<Items> = Regional::default();
        let part = r.durable("items");
        r.with("111111111111", "us-east-1", |v| v.0.push(1));
        assert!(part.dirty());
        let mut out = Vec::new();
        part.changes(&mut out).unwrap();
        assert!(!part.dirty());
        assert!(
            matches!(&out[..], [Change::Scope { account, records, .. }] if account == "111111111111" && records.len() == 1)
        );
        r.lock().clear();
        let mut out = Vec::new();
        part.changes(&mut out).unwrap();
        assert!(
            matches!(&out[..], [Change::Scope { records, .. }] if records.is_empty()),
            "a scope that disappeared is written empty: {out:?}"
        );
    }
}
