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

/// The world as a durable part.
pub struct WorldPart(pub Arc<World>);

fn account_records(account: &Account) -> Result<Vec<(String, String, Vec<u8>)>, String> {
    let mut out = vec![(
        "account".to_string(),
        String::new(),
        encode(&AccountHead { id: account.id.clone(), created_ms: account.created_ms })?,
    )];
    let Value::Object(fields) = serde_json::to_value(&account.iam).map_err(|e| e.to_string())? else {
        return Err("IAM state is not an object".into());
    };
    for (field, value) in fields {
        match value {
            Value::Object(entries) if MAP_FIELDS.contains(&field.as_str()) => {
                for (id, entry) in entries {
                    out.push((format!("iam.{field}"), id, encode(&entry)?));
                }
            }
            other => out.push((format!("iam.{field}"), String::new(), encode(&other)?)),
        }
    }
    Ok(out)
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

fn account_image(state: &WorldState, id: &str, out: &mut Vec<Change>) -> Result<(), String> {
    let records = match state.accounts.get(id) {
        Some(a) => account_records(a)?,
        None => Vec::new(),
    };
    out.push(Change::Scope { part: ACCOUNTS, account: id.to_string(), region: String::new(), records });
    Ok(())
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

fn organizations_image(state: &WorldState) -> Result<Change, String> {
    Ok(Change::Scope {
        part: ORGANIZATIONS,
        account: String::new(),
        region: String::new(),
        records: vec![("organizations".into(), String::new(), encode(&state.organizations)?)],
    })
}

impl Durable for WorldPart {
    fn parts(&self) -> Vec<&'static str> {
        vec![ACCOUNTS, CREDENTIALS, ORGANIZATIONS]
    }

    fn dirty(&self) -> bool {
        self.0.dirty.load(Ordering::SeqCst)
    }

    fn changes(&self, out: &mut Vec<Change>) -> Result<(), String> {
        if !self.dirty() {
            return Ok(());
        }
        // A write lock: the marks are taken and the images made in one consistent state.
        let mut state = self.0.write_unmarked();
        self.0.dirty.store(false, Ordering::SeqCst);
        let marks = std::mem::take(&mut state.changed);
        let ids: Vec<String> = if marks.all { state.accounts.keys().cloned().collect() } else { Vec::new() };
        for id in marks.accounts.iter().chain(ids.iter()) {
            account_image(&state, id, out)?;
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
        let state = self.0.read();
        for id in state.accounts.keys() {
            account_image(&state, id, out)?;
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
        for r in records {
            match r.part.as_str() {
                ACCOUNTS => accounts.entry(r.account.clone()).or_default().push(r),
                CREDENTIALS => {
                    let record: CredentialRecord = decode(&r)?;
                    fresh.credentials.restore(r.id.clone(), record);
                }
                ORGANIZATIONS => fresh.organizations = decode::<Organizations>(&r)?,
                _ => {}
            }
        }
        for (id, records) in accounts {
            fresh.accounts.insert(id, restore_account(records)?);
        }
        // Sessions that expired while sekisho was down are dropped, from the store too (next commit).
        fresh.credentials.sweep(now_ms);
        let mut state = self.0.write_unmarked();
        *state = fresh;
        if !state.credentials.pending_is_empty() {
            self.0.dirty.store(true, Ordering::SeqCst);
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
            if let Change::Scope { part, account, region, records } = c {
                for (kind, id, value) in records {
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
        }
        known
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
        let part = WorldPart(world.clone());
        let mut changes = Vec::new();
        part.changes(&mut changes).unwrap();
        let records = puts(&changes);
        assert!(records.iter().any(|r| r.kind == "iam.roles" && r.id == "app"), "one record per role");
        let copy = Arc::new(World::new(Config::defaults()));
        WorldPart(copy.clone()).load(records, 0).unwrap();
        let (a, b) = (world.read(), copy.read());
        assert_eq!(a.account("111111111111").map(|a| &a.iam), b.account("111111111111").map(|a| &a.iam));
    }
}
