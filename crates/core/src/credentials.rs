//! The credential registry: every access key sekisho issued, with its secret, session token, expiry and
//! principal. Account root keys (the 12-digit account id) are not stored: they exist on first use.

use crate::identity::Identity;
use sekisho_wire::sigv4::SigError;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CredentialRecord {
    pub secret: String,
    pub session_token: Option<String>,
    pub identity: Identity,
    pub expires_ms: Option<i64>,
    pub active: bool,
    /// Set for credentials issued by GetSessionToken, which limit what they may call.
    #[serde(default)]
    pub session_grant: Option<SessionGrant>,
    /// When the credentials were issued against a verified MFA code (GetSessionToken or AssumeRole with
    /// `SerialNumber` and `TokenCode`): the time the code was checked, from which `aws:MultiFactorAuthAge` counts.
    #[serde(default)]
    pub mfa_auth_ms: Option<i64>,
}

/// What GetSessionToken recorded when it issued a credential. AWS (STS API reference, GetSessionToken): "You
/// cannot call any IAM API operations unless MFA authentication information is included in the request" and
/// "You cannot call any STS API except AssumeRole or GetCallerIdentity". The services enforce it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct SessionGrant {
    /// `SerialNumber` and `TokenCode` were given and the code verified.
    pub mfa: bool,
    pub issued_ms: i64,
}

/// A credential that passed the registry's checks.
#[derive(Debug, Clone)]
pub struct ResolvedCredential {
    pub secret: String,
    pub identity: Identity,
    pub session_grant: Option<SessionGrant>,
    pub mfa_auth_ms: Option<i64>,
}

#[derive(Debug, Default, Serialize, Deserialize)]
pub struct CredentialRegistry {
    keys: HashMap<String, CredentialRecord>,
    /// Inserts since the last sweep of expired sessions.
    inserts: usize,
    /// Keys added, changed or removed since the store last looked.
    #[serde(skip)]
    changed: std::collections::BTreeSet<String>,
    /// Whether `changed` is kept: only with a store, so an in-memory sekisho does not collect ids forever.
    #[serde(skip)]
    track: bool,
}

impl CredentialRegistry {
    pub fn insert(&mut self, access_key_id: String, record: CredentialRecord, now_ms: i64) {
        self.inserts += 1;
        if self.inserts >= 1024 {
            self.inserts = 0;
            self.sweep(now_ms);
        }
        self.mark(&access_key_id);
        self.keys.insert(access_key_id, record);
    }

    /// Starts (or stops) remembering which keys changed, for the store.
    pub fn track(&mut self, on: bool) {
        self.track = on;
        if !on {
            self.changed.clear();
        }
    }

    pub fn is_tracking(&self) -> bool {
        self.track
    }

    fn mark(&mut self, id: &str) {
        if self.track {
            self.changed.insert(id.to_string());
        }
    }

    /// Drops expired sessions (from the store too).
    pub fn sweep(&mut self, now_ms: i64) {
        let (changed, track) = (&mut self.changed, self.track);
        self.keys.retain(|id, r| {
            let live = r.expires_ms.is_none_or(|e| e > now_ms);
            if !live && track {
                changed.insert(id.clone());
            }
            live
        });
    }

    pub fn remove(&mut self, access_key_id: &str) -> Option<CredentialRecord> {
        self.mark(access_key_id);
        self.keys.remove(access_key_id)
    }

    /// The keys changed since the last call, each with its record now (`None`: removed).
    pub fn take_changed(&mut self) -> Vec<(String, Option<&CredentialRecord>)> {
        let ids = std::mem::take(&mut self.changed);
        ids.into_iter()
            .map(|id| {
                let record = self.keys.get(&id);
                (id, record)
            })
            .collect()
    }

    /// Whether changes wait for the store.
    pub fn pending_is_empty(&self) -> bool {
        self.changed.is_empty()
    }

    /// Every key and its record (snapshots).
    pub fn all(&self) -> impl Iterator<Item = (&String, &CredentialRecord)> {
        self.keys.iter()
    }

    /// Puts back a stored key (start-up), without marking it changed.
    pub fn restore(&mut self, access_key_id: String, record: CredentialRecord) {
        self.keys.insert(access_key_id, record);
    }

    pub fn get(&self, access_key_id: &str) -> Option<&CredentialRecord> {
        self.keys.get(access_key_id)
    }

    pub fn get_mut(&mut self, access_key_id: &str) -> Option<&mut CredentialRecord> {
        self.mark(access_key_id);
        self.keys.get_mut(access_key_id)
    }

    /// Checks a stored (non-root) key the way AWS does before the signature is even looked at.
    pub fn resolve(
        &self,
        access_key_id: &str,
        token: Option<&str>,
        now_ms: i64,
    ) -> Result<ResolvedCredential, SigError> {
        let record = self.keys.get(access_key_id).ok_or(SigError::UnknownAccessKey)?;
        if !record.active {
            return Err(SigError::UnknownAccessKey);
        }
        if let Some(expected) = &record.session_token {
            match token {
                Some(t) if t == expected => {}
                _ => return Err(SigError::InvalidToken),
            }
        }
        if record.expires_ms.is_some_and(|e| e <= now_ms) {
            return Err(SigError::ExpiredToken);
        }
        Ok(ResolvedCredential {
            secret: record.secret.clone(),
            identity: record.identity.clone(),
            session_grant: record.session_grant,
            mfa_auth_ms: record.mfa_auth_ms,
        })
    }

    pub fn len(&self) -> usize {
        self.keys.len()
    }

    pub fn is_empty(&self) -> bool {
        self.keys.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(token: Option<&str>, expires: Option<i64>) -> CredentialRecord {
        CredentialRecord {
            secret: "s".into(),
            session_token: token.map(String::from),
            identity: Identity::Root { account: "111111111111".into() },
            expires_ms: expires,
            active: true,
            session_grant: None,
            mfa_auth_ms: None,
        }
    }

    #[test]
    fn session_keys_need_their_token_and_expire() {
        let mut r = CredentialRegistry::default();
        r.insert("ASIA1".into(), record(Some("tok"), Some(1000)), 0);
        assert!(r.resolve("ASIA1", Some("tok"), 999).is_ok());
        assert_eq!(r.resolve("ASIA1", None, 0).unwrap_err(), SigError::InvalidToken);
        assert_eq!(r.resolve("ASIA1", Some("bad"), 0).unwrap_err(), SigError::InvalidToken);
        assert_eq!(r.resolve("ASIA1", Some("tok"), 1000).unwrap_err(), SigError::ExpiredToken);
        assert_eq!(r.resolve("AKIAX", None, 0).unwrap_err(), SigError::UnknownAccessKey);
    }
}
