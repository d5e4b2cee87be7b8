//! `[organization]` in sekisho.toml: an organization that exists from start-up (management account, OUs by
//! path, members, enabled policy types, policies and their targets) and how SCP/RCP denials are worded.

use crate::ops::organization::{account_email, usable_policy_type};
use crate::{ids, ops};
use sekisho_core::World;
use sekisho_core::organization::{DenyMessage, Member, OrgPolicy, Organization, TargetKind, Unit};
use sekisho_core::world::WorldState;
use serde::Deserialize;
use std::collections::BTreeMap;

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Declaration {
    /// `policy-arn` (default: `... in a service control policy: arn:...`) or `classic` (no ARN).
    deny_message: Option<String>,
    management_account: Option<String>,
    #[serde(default)]
    policy_types: Vec<String>,
    /// Members directly under the root.
    #[serde(default)]
    accounts: Vec<String>,
    /// OUs by path from the root (`Workloads/Prod`); missing parents are created.
    #[serde(default)]
    units: BTreeMap<String, UnitDeclaration>,
    #[serde(default)]
    policies: Vec<PolicyDeclaration>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct UnitDeclaration {
    #[serde(default)]
    accounts: Vec<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct PolicyDeclaration {
    name: String,
    #[serde(rename = "type", default = "scp")]
    policy_type: String,
    #[serde(default)]
    description: String,
    content: String,
    /// `Root`, an OU path, or an account id.
    #[serde(default)]
    targets: Vec<String>,
}

fn scp() -> String {
    "SERVICE_CONTROL_POLICY".into()
}

impl Declaration {
    /// Reads and checks `[organization]` (absent = nothing declared) by building it once in a scratch world.
    pub fn from_world(world: &World) -> Result<Declaration, String> {
        let d: Declaration = world.config.section("organization")?;
        match d.deny_message.as_deref() {
            None | Some("policy-arn") | Some("classic") => {}
            Some(other) => {
                return Err(format!(
                    "[organization] deny_message: expected \"policy-arn\" or \"classic\", got {other:?}"
                ));
            }
        }
        d.build(&world.config.accounts, &mut WorldState::default(), 0)?;
        Ok(d)
    }

    /// Puts the declaration into the world (at start-up and after a reset).
    pub fn apply(&self, world: &World) {
        let now = world.clock.now_ms();
        let mut state = world.write();
        // Checked by `from_world`: the same declaration builds the same way.
        let _ = self.build(&world.config.accounts, &mut state, now);
    }

    fn build(
        &self,
        names: &BTreeMap<String, sekisho_core::config::AccountConfig>,
        state: &mut WorldState,
        now: i64,
    ) -> Result<(), String> {
        state.organizations.settings.deny_message = match self.deny_message.as_deref() {
            Some("classic") => DenyMessage::Classic,
            _ => DenyMessage::PolicyArn,
        };
        let Some(management) = &self.management_account else {
            if !self.accounts.is_empty() || !self.units.is_empty() || !self.policies.is_empty() {
                return Err("[organization]: accounts, units and policies need management_account".into());
            }
            return Ok(());
        };
        let member = |id: &str, parent: &str| -> Result<Member, String> {
            if !sekisho_core::ids::is_account_id(id) {
                return Err(format!("[organization]: {id:?} is not a 12-digit account id"));
            }
            let name = names.get(id).and_then(|a| a.name.clone()).unwrap_or_else(|| id.to_string());
            Ok(Member {
                id: id.to_string(),
                name,
                email: account_email(id),
                parent_id: parent.to_string(),
                joined_method: "INVITED".into(),
                joined_ms: now,
            })
        };
        let root = ids::root();
        let mut org = Organization::new(&ids::organization(), &root, member(management, &root)?, now);
        for t in &self.policy_types {
            usable_policy_type(&org, t).map_err(|e| format!("[organization] policy_types: {}", e.message))?;
            org.enable(t);
        }
        let mut paths: BTreeMap<String, String> = BTreeMap::new();
        for path in self.units.keys() {
            unit_for(&mut org, &mut paths, path)?;
        }
        let org_id = org.id.clone();
        let mut members = vec![];
        for a in &self.accounts {
            members.push(member(a, &root)?);
        }
        for (path, unit) in &self.units {
            let parent = paths.get(path).cloned().unwrap_or_default();
            for a in &unit.accounts {
                members.push(member(a, &parent)?);
            }
        }
        for p in &self.policies {
            let target_ids = p
                .targets
                .iter()
                .map(|t| match t.as_str() {
                    "Root" => Ok(root.clone()),
                    id if sekisho_core::ids::is_account_id(id) => Ok(id.to_string()),
                    path => paths
                        .get(path)
                        .cloned()
                        .ok_or_else(|| format!("[organization] policy {}: no OU {path:?}", p.name)),
                })
                .collect::<Result<Vec<_>, String>>()?;
            add_policy(&mut org, p, &target_ids)?;
        }
        let mut seen = vec![management.clone()];
        for m in &members {
            if seen.contains(&m.id) || state.organizations.of_account(&m.id).is_some() {
                return Err(format!("[organization]: account {} is declared twice", m.id));
            }
            seen.push(m.id.clone());
        }
        if state.organizations.of_account(management).is_some() {
            return Err(format!("[organization]: {management} is already in an organization"));
        }
        let pending: Vec<(String, Vec<String>)> = self.attachments_of_accounts(&org);
        state.organizations.insert(org);
        for m in members {
            state.account_mut(&m.id, now);
            state.organizations.join(&org_id, m);
        }
        state.account_mut(management, now);
        let org = state.organizations.by_id.get_mut(&org_id).ok_or("[organization]: not built")?;
        for (account, policies) in pending {
            if org.target_kind(&account) != Some(TargetKind::Account) {
                return Err(format!("[organization]: policy target {account} is not a member account"));
            }
            for p in policies {
                org.attach(&account, &p);
            }
        }
        Ok(())
    }

    /// Policies declared for account targets, attached once the accounts have joined.
    fn attachments_of_accounts(&self, org: &Organization) -> Vec<(String, Vec<String>)> {
        let mut out: BTreeMap<String, Vec<String>> = BTreeMap::new();
        for p in &self.policies {
            let Some(id) = org.policies.values().find(|q| q.name == p.name && q.policy_type == p.policy_type) else {
                continue;
            };
            for t in p.targets.iter().filter(|t| sekisho_core::ids::is_account_id(t)) {
                out.entry(t.clone()).or_default().push(id.id.clone());
            }
        }
        out.into_iter().collect()
    }
}

/// The OU at `path`, created with its missing parents.
fn unit_for(org: &mut Organization, paths: &mut BTreeMap<String, String>, path: &str) -> Result<String, String> {
    if let Some(id) = paths.get(path) {
        return Ok(id.clone());
    }
    let (parent, name) = match path.rsplit_once('/') {
        Some((parent, name)) => (unit_for(org, paths, parent)?, name),
        None => (org.root.id.clone(), path),
    };
    if name.is_empty() {
        return Err(format!("[organization] units: empty OU name in {path:?}"));
    }
    if org.depth(&parent) + 1 > 5 {
        return Err(format!("[organization] units: {path:?} is deeper than five OUs"));
    }
    let id = ids::unit(&org.root.id);
    org.add_unit(Unit { id: id.clone(), name: name.to_string(), parent_id: parent });
    paths.insert(path.to_string(), id.clone());
    Ok(id)
}

fn add_policy(org: &mut Organization, p: &PolicyDeclaration, targets: &[String]) -> Result<(), String> {
    let fail = |e: sekisho_core::AwsError| format!("[organization] policy {}: {}", p.name, e.message);
    usable_policy_type(org, &p.policy_type).map_err(fail)?;
    let compiled = ops::policies::compile(&p.policy_type, &p.content).map_err(fail)?;
    let id = ids::policy();
    org.policies.insert(
        id.clone(),
        OrgPolicy {
            arn: org.policy_arn(&p.policy_type, &id),
            id: id.clone(),
            name: p.name.clone(),
            description: p.description.clone(),
            policy_type: p.policy_type.clone(),
            content: p.content.clone(),
            compiled,
        },
    );
    if !targets.is_empty() && !org.is_enabled(&p.policy_type) {
        return Err(format!("[organization] policy {}: {} is not in policy_types", p.name, p.policy_type));
    }
    for t in targets.iter().filter(|t| !sekisho_core::ids::is_account_id(t)) {
        org.attach(t, &id);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use sekisho_core::config::Config;

    const TOML: &str = r#"
[accounts."222222222222"]
name = "workload"

[organization]
management_account = "111111111111"
deny_message = "classic"
policy_types = ["SERVICE_CONTROL_POLICY"]
accounts = ["444444444444"]

[organization.units."Workloads/Prod"]
accounts = ["222222222222"]

[[organization.policies]]
name = "DenyAssumeRole"
content = '{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":"sts:AssumeRole","Resource":"*"}]}'
targets = ["Workloads", "222222222222"]
"#;

    fn world(text: &str) -> World {
        World::new(Config::parse(text).expect("toml"))
    }

    #[test]
    fn a_declared_organization_is_there_from_the_start() {
        let w = world(TOML);
        let d = Declaration::from_world(&w).expect("valid");
        d.apply(&w);
        let state = w.read();
        assert_eq!(state.organizations.settings.deny_message, DenyMessage::Classic);
        let org = state.organizations.of_account("222222222222").expect("member");
        assert_eq!(org.management_account, "111111111111");
        assert_eq!(org.accounts["222222222222"].name, "workload");
        let chain = org.chain("222222222222");
        let names: Vec<&str> = chain.iter().filter_map(|t| org.target_name(t)).collect();
        assert_eq!(names, vec!["Root", "Workloads", "Prod", "workload"]);
        let levels = state.organizations.scp_levels("222222222222").expect("scps");
        let per_level: Vec<Vec<&str>> =
            levels.levels.iter().map(|l| l.iter().map(|p| p.name.as_str()).collect()).collect();
        assert_eq!(
            per_level,
            vec![
                vec!["FullAWSAccess"],
                vec!["FullAWSAccess", "DenyAssumeRole"],
                vec!["FullAWSAccess"],
                vec!["FullAWSAccess", "DenyAssumeRole"],
            ]
        );
        assert!(state.organizations.of_account("444444444444").is_some());
    }

    #[test]
    fn bad_declarations_are_refused() {
        let bad = [
            "[organization]\nmanagement_account = \"1\"\n",
            "[organization]\ndeny_message = \"loud\"\n",
            "[organization]\naccounts = [\"222222222222\"]\n",
            "[organization]\nmanagement_account = \"111111111111\"\naccounts = [\"111111111111\"]\n",
            "[organization]\nmanagement_account = \"111111111111\"\nunknown = 1\n",
            "[organization]\nmanagement_account = \"111111111111\"\n[[organization.policies]]\nname = \"x\"\ncontent = \"{}\"\n",
            "[organization]\nmanagement_account = \"111111111111\"\n[[organization.policies]]\nname = \"x\"\ncontent = '{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Deny\",\"Action\":\"*\",\"Resource\":\"*\"}]}'\ntargets = [\"Root\"]\n",
            "[organization]\nmanagement_account = \"111111111111\"\n[organization.units.\"a/b/c/d/e/f\"]\n",
        ];
        for text in bad {
            assert!(Declaration::from_world(&world(text)).is_err(), "{text}");
        }
        assert!(Declaration::from_world(&world("")).is_ok());
    }
}
