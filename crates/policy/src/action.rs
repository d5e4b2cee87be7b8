//! Action matching: `service:Action` patterns, case-insensitive, with `*` and `?`.
//! Patterns are indexed by service prefix so that a policy with thousands of `svc:Get*` entries stays fast.

use std::collections::HashMap;

use crate::glob::Glob;
use crate::hash::FnvBuild;

/// The request's action, lowercased and split once per evaluation.
#[derive(Debug, Clone, Copy)]
pub(crate) struct ActionKey<'a> {
    pub full: &'a str,
    pub service: &'a str,
    pub name: &'a str,
}

impl<'a> ActionKey<'a> {
    pub fn new(lowercase: &'a str) -> ActionKey<'a> {
        let (service, name) = lowercase.split_once(':').unwrap_or((lowercase, ""));
        ActionKey { full: lowercase, service, name }
    }
}

/// Below this size a linear scan (which compares lengths first) beats a binary search.
const LINEAR: usize = 8;

/// The compiled `Action`/`NotAction` list of one statement.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub(crate) struct ActionMatcher {
    any: bool,
    /// Patterns whose service prefix has no wildcard, by prefix (sorted while building).
    services: Vec<(Box<str>, NameSet)>,
    /// The same, hashed, for policies with many services (ReadOnlyAccess names hundreds).
    index: Option<HashMap<Box<str>, usize, FnvBuild>>,
    /// Patterns with a wildcard in the service prefix, matched against the whole lowercase action.
    wild: Vec<Glob>,
}

#[derive(Debug, Clone, PartialEq, Eq, Default)]
struct NameSet {
    any: bool,
    exact: Vec<Box<str>>,
    prefixes: Vec<Box<str>>,
    globs: Vec<Glob>,
}

impl NameSet {
    fn add(&mut self, name: &str) {
        match Glob::new(name) {
            Glob::Any => self.any = true,
            Glob::Exact(e) => self.exact.push(e),
            Glob::Prefix(p) => self.prefixes.push(p),
            g => self.globs.push(g),
        }
    }

    fn finish(&mut self) {
        self.exact.sort();
        self.exact.dedup();
        self.prefixes.sort();
        self.prefixes.dedup();
    }

    fn matches(&self, name: &str) -> bool {
        let exact = if self.exact.len() <= LINEAR {
            self.exact.iter().any(|e| **e == *name)
        } else {
            self.exact.binary_search_by(|e| (**e).cmp(name)).is_ok()
        };
        self.any
            || exact
            || self.prefixes.iter().any(|p| name.starts_with(&**p))
            || self.globs.iter().any(|g| g.matches(name))
    }
}

impl ActionMatcher {
    /// Compiles action patterns (already validated to be `*` or `vendor:name`).
    pub fn new<'a>(patterns: impl IntoIterator<Item = &'a str>) -> ActionMatcher {
        let mut m = ActionMatcher::default();
        for p in patterns {
            let lower = p.to_ascii_lowercase();
            if lower == "*" {
                m.any = true;
                continue;
            }
            let (service, name) = lower.split_once(':').unwrap_or((lower.as_str(), ""));
            if service.contains(['*', '?']) {
                m.wild.push(Glob::new(&lower));
                continue;
            }
            match m.services.binary_search_by(|(s, _)| (**s).cmp(service)) {
                Ok(i) => m.services[i].1.add(name),
                Err(i) => {
                    let mut set = NameSet::default();
                    set.add(name);
                    m.services.insert(i, (service.into(), set));
                }
            }
        }
        for (_, set) in &mut m.services {
            set.finish();
        }
        if m.services.len() > LINEAR {
            m.index = Some(m.services.iter().enumerate().map(|(i, (s, _))| (s.clone(), i)).collect());
        }
        m
    }

    pub fn matches(&self, action: &ActionKey<'_>) -> bool {
        if self.any {
            return true;
        }
        let set = match &self.index {
            Some(index) => index.get(action.service).map(|i| &self.services[*i].1),
            None => self.services.iter().find(|(s, _)| **s == *action.service).map(|(_, set)| set),
        };
        if set.is_some_and(|set| set.matches(action.name)) {
            return true;
        }
        self.wild.iter().any(|g| g.matches(action.full))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn case_insensitive_with_wildcards() {
        let m = ActionMatcher::new(["iam:Get*", "iam:List*", "S3:GetObject", "code*:Batch?et*"]);
        let k = ActionKey::new;
        assert!(m.matches(&k("iam:getuser")));
        assert!(m.matches(&k("s3:getobject")));
        assert!(!m.matches(&k("s3:putobject")));
        assert!(m.matches(&k("codecommit:batchgetrepositories")));
        assert!(!m.matches(&k("iam:createuser")));
        assert!(ActionMatcher::new(["*"]).matches(&k("anything:atall")));
        assert!(ActionMatcher::new(["iam:*report"]).matches(&k("iam:getorganizationsaccessreport")));
        let many: Vec<String> = (0..50).map(|i| format!("svc{i}:Get{i}")).collect();
        let big = ActionMatcher::new(many.iter().map(String::as_str));
        assert!(big.matches(&k("svc42:get42")));
        assert!(!big.matches(&k("svc42:get41")));
    }
}
