//! Action matching: `service:Action` patterns, case-insensitive, with `*` and `?`.
//! Patterns are indexed by service prefix so that a policy with thousands of `svc:Get*` entries stays fast.

use crate::glob::Glob;

/// The compiled `Action`/`NotAction` list of one statement.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub(crate) struct ActionMatcher {
    any: bool,
    /// Patterns whose service prefix has no wildcard, sorted by prefix for binary search.
    services: Vec<(Box<str>, NameSet)>,
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
        self.any
            || self.exact.binary_search_by(|e| (**e).cmp(name)).is_ok()
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
        m
    }

    /// `action` must already be lowercase.
    pub fn matches(&self, action: &str) -> bool {
        if self.any {
            return true;
        }
        if let Some((service, name)) = action.split_once(':') {
            if let Ok(i) = self.services.binary_search_by(|(s, _)| (**s).cmp(service)) {
                if self.services[i].1.matches(name) {
                    return true;
                }
            }
        }
        self.wild.iter().any(|g| g.matches(action))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn case_insensitive_with_wildcards() {
        let m = ActionMatcher::new(["iam:Get*", "iam:List*", "S3:GetObject", "code*:Batch?et*"]);
        assert!(m.matches("iam:getuser"));
        assert!(m.matches("s3:getobject"));
        assert!(!m.matches("s3:putobject"));
        assert!(m.matches("codecommit:batchgetrepositories"));
        assert!(!m.matches("iam:createuser"));
        assert!(ActionMatcher::new(["*"]).matches("anything:atall"));
        assert!(ActionMatcher::new(["iam:*report"]).matches("iam:getorganizationsaccessreport"));
    }
}
