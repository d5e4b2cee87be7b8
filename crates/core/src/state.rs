//! Service state as plain data per (account, region), behind one lock per service.
//! Persistence and resume are a store concern: the maps hold serializable structs only.

use std::collections::BTreeMap;
use std::sync::{Mutex, MutexGuard};

/// `(account id, region)`; global services use their signing region (`us-east-1`).
pub type Scope = (String, String);

#[derive(Debug)]
pub struct Regional<T> {
    inner: Mutex<BTreeMap<Scope, T>>,
}

impl<T> Default for Regional<T> {
    fn default() -> Self {
        Regional { inner: Mutex::new(BTreeMap::new()) }
    }
}

impl<T: Default> Regional<T> {
    /// Runs `f` on the state of `(account, region)`, creating it empty on first use.
    pub fn with<R>(&self, account: &str, region: &str, f: impl FnOnce(&mut T) -> R) -> R {
        let mut map = self.lock();
        let state = map.entry((account.to_string(), region.to_string())).or_default();
        f(state)
    }

    /// Runs `f` on the state of `(account, region)` if it exists.
    pub fn read<R>(&self, account: &str, region: &str, f: impl FnOnce(Option<&T>) -> R) -> R {
        let map = self.lock();
        f(map.get(&(account.to_string(), region.to_string())))
    }

    /// Every scope's state, for operations that look across accounts (by ARN) or for persistence.
    pub fn lock(&self) -> MutexGuard<'_, BTreeMap<Scope, T>> {
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
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
}
