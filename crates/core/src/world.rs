//! The world: accounts and their IAM state, the credential registry, the clock and the configuration.
//! One lock guards identities and credentials so an authorization decision sees one consistent state.

use crate::clock::Clock;
use crate::config::Config;
use crate::credentials::{CredentialRegistry, ResolvedCredential};
use crate::identity::Identity;
use crate::identity::store::AccountIam;
use crate::organization::Organizations;
use sekisho_wire::sigv4::SigError;
use std::collections::BTreeMap;
use std::sync::{RwLock, RwLockReadGuard, RwLockWriteGuard};

#[derive(Debug, Clone, Default, serde::Serialize, serde::Deserialize)]
pub struct Account {
    pub id: String,
    pub created_ms: i64,
    pub iam: AccountIam,
}

#[derive(Debug, Default)]
pub struct WorldState {
    pub accounts: BTreeMap<String, Account>,
    pub credentials: CredentialRegistry,
    /// AWS Organizations: read by the door for every decision (SCPs, RCPs, organization context keys).
    pub organizations: Organizations,
    /// sekisho's own OpenID Connect issuer key, made on first use (plain data, saved with the world).
    pub oidc_issuer: Option<crate::oidc::issuer::IssuerKey>,
    /// Accounts changed since the store last looked (see `durable.rs`).
    pub(crate) changed: AccountMarks,
}

#[derive(Debug, Default)]
pub(crate) struct AccountMarks {
    pub accounts: std::collections::BTreeSet<String>,
    pub all: bool,
}

impl WorldState {
    /// The account, created on first use as AWS accounts are in sekisho.
    pub fn account_mut(&mut self, id: &str, now_ms: i64) -> &mut Account {
        self.changed.accounts.insert(id.to_string());
        self.accounts.entry(id.to_string()).or_insert_with(|| Account {
            id: id.to_string(),
            created_ms: now_ms,
            iam: AccountIam::default(),
        })
    }

    pub fn account(&self, id: &str) -> Option<&Account> {
        self.accounts.get(id)
    }

    /// An existing account, to change (marked for the store).
    pub fn existing_account_mut(&mut self, id: &str) -> Option<&mut Account> {
        self.changed.accounts.insert(id.to_string());
        self.accounts.get_mut(id)
    }

    /// Every account, to change (all marked for the store).
    pub fn accounts_mut(&mut self) -> impl Iterator<Item = &mut Account> {
        self.changed.all = true;
        self.accounts.values_mut()
    }
}

#[derive(Debug)]
pub struct World {
    pub clock: Clock,
    pub config: Config,
    state: RwLock<WorldState>,
    /// Set by every write lock: the store looks at the world on the next commit.
    pub(crate) dirty: std::sync::atomic::AtomicBool,
    /// Where sekisho listens (`http://127.0.0.1:4566`), set once at start-up: processes sekisho starts
    /// (Lambda functions) call back into it.
    endpoint: std::sync::OnceLock<String>,
}

impl World {
    pub fn new(config: Config) -> Self {
        let clock = match config.clock.as_ref().map(|c| c.mode.as_str()) {
            Some("virtual") => Clock::virtual_time(),
            _ => Clock::real(),
        };
        World {
            clock,
            config,
            state: RwLock::new(WorldState::default()),
            dirty: Default::default(),
            endpoint: std::sync::OnceLock::new(),
        }
    }

    pub fn set_endpoint(&self, url: String) {
        let _ = self.endpoint.set(url);
    }

    /// sekisho's own endpoint, once it listens.
    pub fn endpoint(&self) -> Option<&str> {
        self.endpoint.get().map(String::as_str)
    }

    /// The account a verified request was signed for, created on its first authenticated use.
    pub fn account_seen(&self, id: &str) {
        if self.read().account(id).is_none() {
            let now = self.clock.now_ms();
            self.write().account_mut(id, now);
        }
    }

    /// The issuer key of sekisho's OpenID Connect issuer, made on first use (outside the lock: RSA key
    /// generation takes a while).
    pub fn oidc_issuer(&self) -> Result<crate::oidc::issuer::IssuerKey, String> {
        if let Some(k) = &self.read().oidc_issuer {
            return Ok(k.clone());
        }
        let fresh = crate::oidc::issuer::IssuerKey::generate()?;
        // Two first users at once: the first key stored wins, so every token verifies.
        Ok(self.write().oidc_issuer.get_or_insert(fresh).clone())
    }

    pub fn read(&self) -> RwLockReadGuard<'_, WorldState> {
        // A panic while holding the lock cannot leave the maps half-updated in a way readers mind more than
        // losing the service, so a poisoned lock is used as is.
        self.state.read().unwrap_or_else(|e| e.into_inner())
    }

    pub fn write(&self) -> RwLockWriteGuard<'_, WorldState> {
        let guard = self.state.write().unwrap_or_else(|e| e.into_inner());
        self.dirty.store(true, std::sync::atomic::Ordering::SeqCst);
        guard
    }

    /// A write lock that does not mark the world changed (the store taking its marks).
    pub(crate) fn write_unmarked(&self) -> RwLockWriteGuard<'_, WorldState> {
        self.state.write().unwrap_or_else(|e| e.into_inner())
    }

    /// The secret and principal of an access key, after the registry's checks (existence, token, expiry).
    /// Creates nothing: a root key names an account that [`World::account_seen`] creates once a request
    /// signed with it is verified, so requests that fail authentication leave no account behind.
    pub fn resolve_access_key(&self, access_key_id: &str, token: Option<&str>) -> Result<ResolvedCredential, SigError> {
        if crate::ids::is_account_id(access_key_id) {
            return Ok(ResolvedCredential {
                secret: self.config.root_secret(access_key_id).to_string(),
                identity: Identity::Root { account: access_key_id.to_string() },
                session_grant: None,
                mfa_auth_ms: None,
            });
        }
        self.read().credentials.resolve(access_key_id, token, self.clock.now_ms())
    }
}
