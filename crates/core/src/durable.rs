//! The world as durable records: accounts with their IAM entities (one record per user, role, policy, ...),
//! the credential registry (one record per key; expired sessions dropped) and Organizations.

use crate::credentials::CredentialRecord;
use crate::identity::store::AccountIam;
use crate::organization::Organizations;
use crate::persist::{Change, Durable, Record, decode, encode};
use crate::world::{Account, World, WorldState};
use serde_json::{Map, Value};
use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::Ordering;

pub const ACCOUNTS: &str = "accounts";
pub const CREDENTIALS: &str = "credentials";
pub const ORGANIZATIONS: &str = "organizations";

/// The fields of `AccountIam` that are maps: one record per entry. Every other field is one record; a field
/// added later is persisted either way (as one record until it is listed here).
const MAP_FIELDS: &[&str] = &[
    "users",
    "roles",
    "groups",
    "policies",
    "instance_profiles",
    "access_keys",
    "login_profiles",
    "mfa_devices",
    "ssh_public_keys",
    "signing_certificates",
    "server_certificates",
    "saml_providers",
    "oidc_providers",
];

#[derive(serde::Serialize, serde::Deserialize)]
struct AccountHead {
    id: String,
    created_ms: i64,
}

/// The world as a durable part, with a shadow of every account as the store holds it.
pub struct WorldPart {
    world: Arc<World>,
    shadow: std::sync::Mutex<BTreeMap<String, Account>>,
}

impl WorldPart {
    pub fn new(world: Arc<World>) -> WorldPart {
        WorldPart { world, shadow: Default::default() }
    }

    fn shadow(&self) -> std::sync::MutexGuard<'_, BTreeMap<String, Account>> {
        self.shadow.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// The fields of `AccountIam` that are one record each (`iam.<field>`, empty id).
#[cfg(test)]
const SINGLE_FIELDS: &[&str] = &["aliases", "password_policy", "credential_report_ms"];

fn put(account: &str, kind: String, id: String, value: Vec<u8>) -> Change {
    Change::Record { part: ACCOUNTS, account: account.to_string(), region: String::new(), kind, id, value: Some(value) }
}

/// Brings `shadow` (what the store holds) to `new`, entry by entry, pushing the puts and deletes that takes.
/// Comparing is far cheaper than serializing: only what changed is serialized.
fn sync_map<V: Clone + PartialEq + serde::Serialize>(
    out: &mut Vec<Change>,
    account: &str,
    field: &str,
    shadow: &mut BTreeMap<String, V>,
    new: &BTreeMap<String, V>,
) -> Result<(), String> {
    let kind = format!("iam.{field}");
    // Both maps are sorted: one pass side by side, one key comparison per entry (a lookup per entry would
    // cost a dozen), and a value comparison only for keys in both.
    let (mut gone, mut changed) = (Vec::new(), Vec::new());
    let (mut a, mut b) = (shadow.iter().peekable(), new.iter().peekable());
    loop {
        match (a.peek(), b.peek()) {
            (Some((ka, va)), Some((kb, vb))) => match ka.cmp(kb) {
                std::cmp::Ordering::Less => {
                    gone.push((*ka).clone());
                    a.next();
                }
                std::cmp::Ordering::Greater => {
                    changed.push((*kb).clone());
                    b.next();
                }
                std::cmp::Ordering::Equal => {
                    if va != vb {
                        changed.push((*kb).clone());
                    }
                    a.next();
                    b.next();
                }
            },
            (Some((ka, _)), None) => {
                gone.push((*ka).clone());
                a.next();
            }
            (None, Some((kb, _))) => {
                changed.push((*kb).clone());
                b.next();
            }
            (None, None) => break,
        }
    }
    for id in gone {
        shadow.remove(&id);
        out.push(Change::Record {
            part: ACCOUNTS,
            account: account.to_string(),
            region: String::new(),
            kind: kind.clone(),
            id,
            value: None,
        });
    }
    for id in changed {
        if let Some(v) = new.get(&id) {
            out.push(put(account, kind.clone(), id.clone(), encode(v)?));
            shadow.insert(id, v.clone());
        }
    }
    Ok(())
}

fn sync_one<V: Clone + PartialEq + serde::Serialize>(
    out: &mut Vec<Change>,
    account: &str,
    field: &str,
    shadow: &mut V,
    new: &V,
) -> Result<(), String> {
    if shadow != new {
        out.push(put(account, format!("iam.{field}"), String::new(), encode(new)?));
        *shadow = new.clone();
    }
    Ok(())
}

/// Brings the shadow of one account to the account as it is, emitting the records that changed. Every field
/// of `AccountIam` is named here; a test checks none is missing.
fn sync_account(out: &mut Vec<Change>, shadow: &mut Account, new: &Account) -> Result<(), String> {
    let a = new.id.as_str();
    if shadow.id != new.id || shadow.created_ms != new.created_ms {
        shadow.id = new.id.clone();
        shadow.created_ms = new.created_ms;
        out.push(put(
            a,
            "account".into(),
            String::new(),
            encode(&AccountHead { id: new.id.clone(), created_ms: new.created_ms })?,
        ));
    }
    let (s, n) = (&mut shadow.iam, &new.iam);
    sync_map(out, a, "users", &mut s.users, &n.users)?;
    sync_map(out, a, "roles", &mut s.roles, &n.roles)?;
    sync_map(out, a, "groups", &mut s.groups, &n.groups)?;
    sync_map(out, a, "policies", &mut s.policies, &n.policies)?;
    sync_map(out, a, "instance_profiles", &mut s.instance_profiles, &n.instance_profiles)?;
    sync_map(out, a, "access_keys", &mut s.access_keys, &n.access_keys)?;
    sync_map(out, a, "login_profiles", &mut s.login_profiles, &n.login_profiles)?;
    sync_map(out, a, "mfa_devices", &mut s.mfa_devices, &n.mfa_devices)?;
    sync_map(out, a, "ssh_public_keys", &mut s.ssh_public_keys, &n.ssh_public_keys)?;
    sync_map(out, a, "signing_certificates", &mut s.signing_certificates, &n.signing_certificates)?;
    sync_map(out, a, "server_certificates", &mut s.server_certificates, &n.server_certificates)?;
    sync_map(out, a, "saml_providers", &mut s.saml_providers, &n.saml_providers)?;
    sync_map(out, a, "oidc_providers", &mut s.oidc_providers, &n.oidc_providers)?;
    sync_one(out, a, "aliases", &mut s.aliases, &n.aliases)?;
    sync_one(out, a, "password_policy", &mut s.password_policy, &n.password_policy)?;
    sync_one(out, a, "credential_report_ms", &mut s.credential_report_ms, &n.credential_report_ms)?;
    Ok(())
}

/// Every record of an account (snapshots).
fn account_changes(account: &Account, out: &mut Vec<Change>) -> Result<(), String> {
    let mut empty = Account { id: String::new(), created_ms: i64::MIN, iam: AccountIam::default() };
    // Fields equal to their default are written too, so a snapshot holds the whole account.
    sync_account(out, &mut empty, account)?;
    Ok(())
}

fn restore_account(records: Vec<Record>) -> Result<Account, String> {
    let mut head: Option<AccountHead> = None;
    let mut fields = Map::new();
    for r in &records {
        if r.kind == "account" {
            head = Some(decode(r)?);
            continue;
        }
        let Some(field) = r.kind.strip_prefix("iam.") else { continue };
        let value: Value = decode(r)?;
        if MAP_FIELDS.contains(&field) {
            let entry = fields.entry(field.to_string()).or_insert_with(|| Value::Object(Map::new()));
            if let Value::Object(m) = entry {
                m.insert(r.id.clone(), value);
            }
        } else {
            fields.insert(field.to_string(), value);
        }
    }
    let head = head.ok_or_else(|| {
        format!("account {} has IAM records but no account record", records.first().map_or("", |r| &r.account))
    })?;
    let iam: AccountIam =
        serde_json::from_value(Value::Object(fields)).map_err(|e| format!("IAM state of account {}: {e}", head.id))?;
    Ok(Account { id: head.id, created_ms: head.created_ms, iam })
}

fn credential_change(id: String, record: Option<&CredentialRecord>) -> Result<Change, String> {
    Ok(Change::Record {
        part: CREDENTIALS,
        account: String::new(),
        region: String::new(),
        kind: "key".into(),
        id,
        value: record.map(encode).transpose()?,
    })
}

/// The organization, and beside it the local OIDC issuer's key (server-wide, like the organization: tokens
/// minted before a restart must still verify after it).
fn organizations_image(state: &WorldState) -> Result<Change, String> {
    let mut records = vec![("organizations".into(), String::new(), Some(encode(&state.organizations)?))];
    if let Some(key) = &state.oidc_issuer {
        records.push((OIDC_ISSUER.into(), String::new(), Some(encode(key)?)));
    }
    Ok(Change::Scope { part: ORGANIZATIONS, account: String::new(), region: String::new(), records })
}

/// The record kind of the OIDC issuer's key (in the `organizations` part).
const OIDC_ISSUER: &str = "oidc_issuer";

impl Durable for WorldPart {
    fn parts(&self) -> Vec<&'static str> {
        vec![ACCOUNTS, CREDENTIALS, ORGANIZATIONS]
    }

    fn dirty(&self) -> bool {
        self.world.dirty.load(Ordering::SeqCst)
    }

    fn changes(&self, out: &mut Vec<Change>) -> Result<(), String> {
        if !self.dirty() {
            return Ok(());
        }
        // A write lock: the marks are taken and the records made in one consistent state.
        let mut state = self.world.write_unmarked();
        self.world.dirty.store(false, Ordering::SeqCst);
        let marks = std::mem::take(&mut state.changed);
        let mut shadow = self.shadow();
        let mut ids = marks.accounts;
        if marks.all {
            ids.extend(state.accounts.keys().cloned());
            ids.extend(shadow.keys().cloned());
        }
        for id in ids {
            match state.accounts.get(&id) {
                Some(account) => {
                    let s = shadow.entry(id.clone()).or_insert_with(|| Account {
                        id: String::new(),
                        created_ms: i64::MIN,
                        iam: AccountIam::default(),
                    });
                    sync_account(out, s, account)?;
                }
                None => {
                    if shadow.remove(&id).is_some() {
                        out.push(Change::Scope { part: ACCOUNTS, account: id, region: String::new(), records: vec![] });
                    }
                }
            }
        }
        let keys: Vec<(String, Option<CredentialRecord>)> =
            state.credentials.take_changed().into_iter().map(|(id, r)| (id, r.cloned())).collect();
        for (id, record) in keys {
            out.push(credential_change(id, record.as_ref())?);
        }
        out.push(organizations_image(&state)?);
        Ok(())
    }

    fn everything(&self, out: &mut Vec<Change>) -> Result<(), String> {
        let state = self.world.read();
        for account in state.accounts.values() {
            account_changes(account, out)?;
        }
        for (id, record) in state.credentials.all() {
            out.push(credential_change(id.clone(), Some(record))?);
        }
        out.push(organizations_image(&state)?);
        Ok(())
    }

    fn load(&self, records: Vec<Record>, now_ms: i64) -> Result<(), String> {
        let mut accounts: BTreeMap<String, Vec<Record>> = BTreeMap::new();
        let mut fresh = WorldState::default();
        fresh.credentials.track(self.world.read().credentials.is_tracking());
        for r in records {
            match r.part.as_str() {
                ACCOUNTS => accounts.entry(r.account.clone()).or_default().push(r),
                CREDENTIALS => {
                    let record: CredentialRecord = decode(&r)?;
                    fresh.credentials.restore(r.id.clone(), record);
                }
                ORGANIZATIONS if r.kind == OIDC_ISSUER => fresh.oidc_issuer = Some(decode(&r)?),
                ORGANIZATIONS => fresh.organizations = decode::<Organizations>(&r)?,
                _ => {}
            }
        }
        for (id, records) in accounts {
            fresh.accounts.insert(id, restore_account(records)?);
        }
        // Sessions that expired while sekisho was down are dropped, from the store too (next commit).
        fresh.credentials.sweep(now_ms);
        *self.shadow() = fresh.accounts.clone();
        let mut state = self.world.write_unmarked();
        *state = fresh;
        if !state.credentials.pending_is_empty() {
            self.world.dirty.store(true, Ordering::SeqCst);
        }
        Ok(())
    }
}

/// The decision log as a durable part: records are numbered, so only new ones are written and the ones
/// that left the bounded rings are pruned.
pub struct DecisionsPart(pub Arc<crate::audit::DecisionLog>);

pub const DECISIONS: &str = "decisions";

impl Durable for DecisionsPart {
    fn parts(&self) -> Vec<&'static str> {
        vec![DECISIONS]
    }

    fn dirty(&self) -> bool {
        self.0.unsaved()
    }

    fn urgent(&self) -> bool {
        false
    }

    fn changes(&self, out: &mut Vec<Change>) -> Result<(), String> {
        let taken = self.0.take_unsaved();
        for (ring, seq, record) in taken.records {
            out.push(Change::Record {
                part: DECISIONS,
                account: String::new(),
                region: String::new(),
                kind: ring.to_string(),
                id: format!("{seq:020}"),
                value: Some(encode(&record)?),
            });
        }
        for (ring, first) in taken.oldest {
            out.push(Change::Prune { part: DECISIONS, kind: ring.to_string(), below: format!("{first:020}") });
        }
        Ok(())
    }

    fn everything(&self, out: &mut Vec<Change>) -> Result<(), String> {
        for (ring, seq, record) in self.0.all_numbered() {
            out.push(Change::Record {
                part: DECISIONS,
                account: String::new(),
                region: String::new(),
                kind: ring.to_string(),
                id: format!("{seq:020}"),
                value: Some(encode(&record)?),
            });
        }
        Ok(())
    }

    fn load(&self, records: Vec<Record>, _now_ms: i64) -> Result<(), String> {
        let mut numbered = Vec::new();
        for r in records {
            let seq: u64 = r.id.parse().map_err(|_| format!("decision record id {:?} is not a number", r.id))?;
            numbered.push((r.kind.clone(), seq, decode(&r)?));
        }
        self.0.restore(numbered);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Config;
    use crate::identity::store::{DocKind, PolicyDoc, Role};

    fn role(name: &str) -> Role {
        Role {
            name: name.into(),
            path: "/".into(),
            id: format!("AROA{name}"),
            create_date_ms: 1,
            trust_policy: PolicyDoc::parse(r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"lambda.amazonaws.com"},"Action":"sts:AssumeRole"}]}"#, DocKind::Trust).unwrap(),
            description: None,
            max_session_duration: 3600,
            inline_policies: Default::default(),
            attached_policies: vec![],
            permissions_boundary: None,
            tags: vec![],
            last_used_ms: None,
            last_used_region: None,
        }
    }

    fn puts(changes: &[Change]) -> Vec<Record> {
        let mut known = Vec::new();
        for c in changes {
            if let Change::Record { part, account, region, kind, id, value: Some(value) } = c {
                known.push(Record {
                    part: part.to_string(),
                    account: account.clone(),
                    region: region.clone(),
                    kind: kind.clone(),
                    id: id.clone(),
                    value: value.clone(),
                });
            }
        }
        known
    }

    #[test]
    fn every_iam_field_is_persisted() {
        let Value::Object(fields) = serde_json::to_value(AccountIam::default()).unwrap() else { panic!() };
        let mut named: Vec<&str> = MAP_FIELDS.iter().chain(SINGLE_FIELDS).copied().collect();
        named.sort();
        let mut got: Vec<&str> = fields.keys().map(String::as_str).collect();
        got.sort();
        assert_eq!(got, named, "a new AccountIam field must be added to sync_account and its list");
    }

    #[test]
    fn only_the_changed_role_is_written() {
        let world = Arc::new(World::new(Config::defaults()));
        let part = WorldPart::new(world.clone());
        world.write().account_mut("111111111111", 5).iam.roles.insert("a".into(), role("A"));
        world.write().account_mut("111111111111", 5).iam.roles.insert("b".into(), role("B"));
        part.changes(&mut Vec::new()).unwrap();
        world.write().account_mut("111111111111", 5).iam.roles.get_mut("b").unwrap().description = Some("x".into());
        let mut changes = Vec::new();
        part.changes(&mut changes).unwrap();
        let written: Vec<&str> = changes
            .iter()
            .filter_map(|c| match c {
                Change::Record { part: ACCOUNTS, id, .. } => Some(id.as_str()),
                _ => None,
            })
            .collect();
        assert_eq!(written, vec!["b"]);
        world.write().account_mut("111111111111", 5).iam.roles.remove("a");
        let mut changes = Vec::new();
        part.changes(&mut changes).unwrap();
        assert!(
            matches!(&changes[..], [Change::Record { id, value: None, .. }, Change::Scope { .. }] if id == "a"),
            "the deleted role is deleted from the store, nothing else: {changes:?}"
        );
    }

    #[test]
    fn expired_sessions_are_dropped_at_load_and_deleted_from_the_store() {
        use crate::credentials::CredentialRecord;
        let world = Arc::new(World::new(Config::defaults()));
        world.write().credentials.track(true);
        let part = WorldPart::new(world.clone());
        let record = |expires| CredentialRecord {
            secret: "s".into(),
            session_token: Some("t".into()),
            identity: crate::identity::Identity::Root { account: "111111111111".into() },
            expires_ms: Some(expires),
            active: true,
            session_grant: None,
            mfa_auth_ms: None,
        };
        let rec = |id: &str, expires| Record {
            part: CREDENTIALS.into(),
            account: String::new(),
            region: String::new(),
            kind: "key".into(),
            id: id.into(),
            value: encode(&record(expires)).unwrap(),
        };
        part.load(vec![rec("ASIAOLD", 1_000), rec("ASIALIVE", 5_000)], 2_000).unwrap();
        assert!(world.read().credentials.get("ASIAOLD").is_none());
        assert!(world.read().credentials.get("ASIALIVE").is_some());
        let mut changes = Vec::new();
        part.changes(&mut changes).unwrap();
        assert!(
            changes.iter().any(|c| matches!(c, Change::Record { id, value: None, .. } if id == "ASIAOLD")),
            "{changes:?}"
        );
    }

    #[test]
    fn an_account_comes_back_as_it_was() {
        let world = Arc::new(World::new(Config::defaults()));
        {
            let mut w = world.write();
            let a = w.account_mut("111111111111", 5);
            a.iam.roles.insert("app".into(), role("App"));
            a.iam.aliases.push("alias".into());
        }
        let part = WorldPart::new(world.clone());
        let mut changes = Vec::new();
        part.changes(&mut changes).unwrap();
        let records = puts(&changes);
        assert!(records.iter().any(|r| r.kind == "iam.roles" && r.id == "app"), "one record per role");
        let copy = Arc::new(World::new(Config::defaults()));
        WorldPart::new(copy.clone()).load(records, 0).unwrap();
        let (a, b) = (world.read(), copy.read());
        assert_eq!(a.account("111111111111").map(|a| &a.iam), b.account("111111111111").map(|a| &a.iam));
    }

    #[test]
    fn the_oidc_issuer_key_comes_back_so_tokens_minted_before_a_restart_verify() {
        let world = Arc::new(World::new(Config::defaults()));
        let key = world.oidc_issuer().unwrap();
        let mut changes = Vec::new();
        WorldPart::new(world.clone()).everything(&mut changes).unwrap();
        let records: Vec<Record> = changes
            .iter()
            .filter_map(|c| match c {
                Change::Scope { part, records, .. } if *part == ORGANIZATIONS => Some(records),
                _ => None,
            })
            .flatten()
            .filter_map(|(kind, id, value)| {
                value.as_ref().map(|v| Record {
                    part: ORGANIZATIONS.into(),
                    account: String::new(),
                    region: String::new(),
                    kind: kind.clone(),
                    id: id.clone(),
                    value: v.clone(),
                })
            })
            .collect();
        let copy = Arc::new(World::new(Config::defaults()));
        WorldPart::new(copy.clone()).load(records, 0).unwrap();
        assert_eq!(copy.oidc_issuer().unwrap(), key);
    }
}
