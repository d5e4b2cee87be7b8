//! The request context: condition keys (case-insensitive names) with one or many string values.
//! The engine never invents keys; the caller fills them, with a helper for the principal-derived global keys.

use std::collections::HashMap;

use crate::hash::FnvBuild;
use crate::principal::{Principal, PrincipalKind};

/// Request context keys and their values. Key names are case-insensitive (`aws:CurrentTime` is
/// `AWS:currenttime`); values are kept as given.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Context {
    keys: HashMap<String, Entry, FnvBuild>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct Entry {
    name: String,
    values: Vec<String>,
}

impl Context {
    pub fn new() -> Context {
        Context::default()
    }

    /// Sets a single-valued key (replacing any earlier value).
    pub fn with(mut self, key: &str, value: impl Into<String>) -> Context {
        self.insert(key, value);
        self
    }

    /// Sets a multi-valued key such as `aws:TagKeys` or `aws:CalledVia`.
    pub fn with_values<I, S>(mut self, key: &str, values: I) -> Context
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.insert_values(key, values);
        self
    }

    pub fn insert(&mut self, key: &str, value: impl Into<String>) {
        self.insert_values(key, [value.into()]);
    }

    pub fn insert_values<I, S>(&mut self, key: &str, values: I)
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.keys.insert(
            key.to_ascii_lowercase(),
            Entry { name: key.to_string(), values: values.into_iter().map(Into::into).collect() },
        );
    }

    pub fn remove(&mut self, key: &str) {
        self.keys.remove(&key.to_ascii_lowercase());
    }

    /// The values of `key` (any case), or `None` when the key is not in the context.
    pub fn get(&self, key: &str) -> Option<&[String]> {
        if key.bytes().any(|b| b.is_ascii_uppercase()) {
            self.get_lowercase(&key.to_ascii_lowercase())
        } else {
            self.get_lowercase(key)
        }
    }

    /// Lookup with a key already in lowercase (the compiled policy keeps keys that way).
    pub(crate) fn get_lowercase(&self, key: &str) -> Option<&[String]> {
        self.keys.get(key).map(|e| e.values.as_slice())
    }

    pub fn contains(&self, key: &str) -> bool {
        self.get(key).is_some()
    }

    pub fn is_empty(&self) -> bool {
        self.keys.is_empty()
    }

    /// Keys (as first written) and values, in no particular order.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &[String])> {
        self.keys.values().map(|e| (e.name.as_str(), e.values.as_slice()))
    }

    /// Adds the keys AWS derives from the calling principal: `aws:PrincipalArn`, `aws:PrincipalAccount`,
    /// `aws:PrincipalType`, `aws:userid`, `aws:username` (IAM users only), and for service principals
    /// `aws:PrincipalIsAWSService` / `aws:PrincipalServiceName`.
    pub fn with_principal(mut self, principal: &Principal) -> Context {
        self.insert_principal_keys(principal);
        self
    }

    pub fn insert_principal_keys(&mut self, p: &Principal) {
        let is_service = p.kind == PrincipalKind::Service;
        self.insert("aws:PrincipalIsAWSService", if is_service { "true" } else { "false" });
        match p.kind {
            PrincipalKind::Service => {
                if let Some(s) = &p.service {
                    self.insert("aws:PrincipalServiceName", s.clone());
                }
                return;
            }
            PrincipalKind::Anonymous => {
                self.insert("aws:PrincipalAccount", "anonymous");
                self.insert("aws:PrincipalType", "Anonymous");
                self.insert("aws:userid", "anonymous");
                return;
            }
            _ => {}
        }
        if !p.principal_arn.is_empty() {
            self.insert("aws:PrincipalArn", p.principal_arn.clone());
        }
        if !p.account.is_empty() {
            self.insert("aws:PrincipalAccount", p.account.clone());
        }
        let last = p.arn.rsplit('/').next().unwrap_or_default();
        match p.kind {
            PrincipalKind::Account => {
                self.insert("aws:PrincipalType", "Account");
                self.insert("aws:userid", p.account.clone());
            }
            PrincipalKind::User => {
                self.insert("aws:PrincipalType", "User");
                self.insert("aws:username", last);
                if let Some(id) = &p.unique_id {
                    self.insert("aws:userid", id.clone());
                }
            }
            PrincipalKind::AssumedRole => {
                self.insert("aws:PrincipalType", "AssumedRole");
                if let Some(id) = &p.unique_id {
                    self.insert("aws:userid", format!("{id}:{last}"));
                }
            }
            PrincipalKind::FederatedUser => {
                self.insert("aws:PrincipalType", "FederatedUser");
                self.insert("aws:userid", format!("{}:{}", p.account, last));
            }
            PrincipalKind::WebIdentity => {
                self.insert("aws:PrincipalType", "WebIdentityUser");
            }
            PrincipalKind::Service | PrincipalKind::Anonymous => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_case_insensitive() {
        let c = Context::new().with("aws:CurrentTime", "2020-01-01T00:00:00Z");
        assert_eq!(c.get("AWS:currenttime"), Some(&["2020-01-01T00:00:00Z".to_string()][..]));
        assert!(c.get("aws:EpochTime").is_none());
    }

    #[test]
    fn principal_keys_follow_the_principal_table() {
        let role = Principal::assumed_role("arn:aws:iam::111122223333:role/path/R", "s1", Some("AROAEXAMPLE"));
        let c = Context::new().with_principal(&role);
        assert_eq!(c.get("aws:userid").map(|v| v[0].as_str()), Some("AROAEXAMPLE:s1"));
        assert_eq!(c.get("aws:PrincipalArn").map(|v| v[0].as_str()), Some("arn:aws:iam::111122223333:role/path/R"));
        assert_eq!(c.get("aws:PrincipalType").map(|v| v[0].as_str()), Some("AssumedRole"));
        assert!(c.get("aws:username").is_none());
        let user = Principal::user("arn:aws:iam::111122223333:user/division/Bob", Some("AIDAEXAMPLE"));
        let c = Context::new().with_principal(&user);
        assert_eq!(c.get("aws:username").map(|v| v[0].as_str()), Some("Bob"));
        assert_eq!(c.get("aws:userid").map(|v| v[0].as_str()), Some("AIDAEXAMPLE"));
        let root = Principal::root("111122223333");
        let c = Context::new().with_principal(&root);
        assert_eq!(c.get("aws:userid").map(|v| v[0].as_str()), Some("111122223333"));
        assert_eq!(c.get("aws:PrincipalType").map(|v| v[0].as_str()), Some("Account"));
    }
}
