//! AWS Organizations as plain data: organizations, their root, OUs, member accounts, policies and attachments,
//! and what the door reads for every decision (the SCP/RCP levels of an account, its organization path).

mod levels;
mod managed;
#[cfg(test)]
mod tests;

pub use levels::{LevelPolicy, Levels, OrgFacts};

pub use managed::{
    AwsManagedOrgPolicy, FULL_AWS_ACCESS, RCP_FULL_AWS_ACCESS, all as aws_managed_policies, aws_managed, default_for,
};

use sekisho_policy::{Policy, PolicyError, PolicyKind};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::collections::BTreeMap;
use std::sync::Arc;

pub const SERVICE_CONTROL_POLICY: &str = "SERVICE_CONTROL_POLICY";
pub const RESOURCE_CONTROL_POLICY: &str = "RESOURCE_CONTROL_POLICY";

/// The services whose resources RCPs govern, by IAM action prefix (AWS Organizations User Guide, "List of
/// AWS services that support RCPs"). Requests to other services never see RCPs.
pub const RCP_SERVICES: &[&str] =
    &["s3", "sts", "kms", "sqs", "secretsmanager", "cognito-identity", "logs", "dynamodb", "ecr", "aoss"];

/// True when RCPs apply to `action` (`service:Operation`).
pub fn rcps_govern(action: &str) -> bool {
    let service = action.split_once(':').map_or(action, |(s, _)| s);
    RCP_SERVICES.iter().any(|s| s.eq_ignore_ascii_case(service))
}

/// Every organization in the world, and which organization each account belongs to.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Organizations {
    /// By organization id (`o-...`).
    pub by_id: BTreeMap<String, Organization>,
    /// Account id → organization id, for every account in an organization (management account included).
    pub member_of: BTreeMap<String, String>,
    pub settings: Settings,
}

/// How sekisho words what organizations decide, from `[organization]` in sekisho.toml.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Settings {
    pub deny_message: DenyMessage,
}

/// The two forms of AccessDenied text AWS has used for an explicit deny in an SCP or RCP.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum DenyMessage {
    /// `... with an explicit deny in a service control policy: arn:aws:organizations::...` (observed 2026).
    #[default]
    PolicyArn,
    /// `... with an explicit deny in a service control policy` (the long-standing form).
    Classic,
}

impl Organizations {
    /// The organization `account` belongs to.
    pub fn of_account(&self, account: &str) -> Option<&Organization> {
        self.by_id.get(self.member_of.get(account)?)
    }

    pub fn of_account_mut(&mut self, account: &str) -> Option<&mut Organization> {
        let id = self.member_of.get(account)?;
        self.by_id.get_mut(id)
    }

    /// Adds an organization whose only member is its management account.
    pub fn insert(&mut self, org: Organization) {
        self.member_of.insert(org.management_account.clone(), org.id.clone());
        self.by_id.insert(org.id.clone(), org);
    }

    /// Removes an organization and its memberships.
    pub fn remove(&mut self, org_id: &str) -> Option<Organization> {
        let org = self.by_id.remove(org_id)?;
        self.member_of.retain(|_, o| o != org_id);
        Some(org)
    }

    /// Makes `account` a member of `org_id` under the root (the policy types enabled there attach their
    /// AWS-managed default to it).
    pub fn join(&mut self, org_id: &str, member: Member) {
        let Some(org) = self.by_id.get_mut(org_id) else { return };
        self.member_of.insert(member.id.clone(), org_id.to_string());
        org.add_member(member);
    }

    /// Takes `account` out of its organization, with its attachments and tags.
    pub fn leave(&mut self, account: &str) {
        if let Some(org) = self.of_account_mut(account) {
            org.accounts.remove(account);
            org.attachments.remove(account);
            org.tags.remove(account);
        }
        self.member_of.remove(account);
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Organization {
    pub id: String,
    pub feature_set: String,
    pub management_account: String,
    pub management_email: String,
    pub management_name: String,
    pub created_ms: i64,
    pub root: Root,
    /// By OU id.
    pub units: BTreeMap<String, Unit>,
    /// By account id, the management account included.
    pub accounts: BTreeMap<String, Member>,
    /// Customer managed policies by id; AWS-managed ones come from [`aws_managed`].
    pub policies: BTreeMap<String, OrgPolicy>,
    /// Target id (root, OU or account) → attached policy ids, in attachment order.
    pub attachments: BTreeMap<String, Vec<String>>,
    /// Resource id (root, OU, account, policy) → tags.
    pub tags: BTreeMap<String, Vec<(String, String)>>,
    pub handshakes: BTreeMap<String, Handshake>,
    pub create_account_requests: BTreeMap<String, CreateAccountRequest>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Root {
    pub id: String,
    pub name: String,
    /// Enabled policy types, in the order they were enabled.
    pub policy_types: Vec<String>,
}

/// An organizational unit.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Unit {
    pub id: String,
    pub name: String,
    pub parent_id: String,
}

/// An account in an organization.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Member {
    pub id: String,
    pub name: String,
    pub email: String,
    pub parent_id: String,
    /// `INVITED` or `CREATED`.
    pub joined_method: String,
    pub joined_ms: i64,
}

/// A customer managed organization policy. The content is kept as given and, for SCPs and RCPs, compiled
/// once when saved.
#[derive(Debug, Clone)]
pub struct OrgPolicy {
    pub id: String,
    pub arn: String,
    pub name: String,
    pub description: String,
    pub policy_type: String,
    pub content: String,
    pub compiled: Option<Arc<Policy>>,
}

impl OrgPolicy {
    /// Compiles `content` for the policy types the door enforces; other types are stored only.
    pub fn compile(policy_type: &str, content: &str) -> Result<Option<Arc<Policy>>, PolicyError> {
        let kind = match policy_type {
            SERVICE_CONTROL_POLICY => PolicyKind::Scp,
            RESOURCE_CONTROL_POLICY => PolicyKind::Rcp,
            _ => return Ok(None),
        };
        Policy::parse(content, kind).map(|p| Some(Arc::new(p)))
    }
}

#[derive(Serialize, Deserialize)]
struct StoredPolicy {
    id: String,
    arn: String,
    name: String,
    description: String,
    policy_type: String,
    content: String,
}

impl Serialize for OrgPolicy {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        StoredPolicy {
            id: self.id.clone(),
            arn: self.arn.clone(),
            name: self.name.clone(),
            description: self.description.clone(),
            policy_type: self.policy_type.clone(),
            content: self.content.clone(),
        }
        .serialize(s)
    }
}

impl<'de> Deserialize<'de> for OrgPolicy {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let p = StoredPolicy::deserialize(d)?;
        let compiled =
            OrgPolicy::compile(&p.policy_type, &p.content).map_err(|e| serde::de::Error::custom(e.message()))?;
        Ok(OrgPolicy {
            id: p.id,
            arn: p.arn,
            name: p.name,
            description: p.description,
            policy_type: p.policy_type,
            content: p.content,
            compiled,
        })
    }
}

/// An invitation to join an organization.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Handshake {
    pub id: String,
    /// `OPEN`, `ACCEPTED`, `DECLINED`, `CANCELED`, `EXPIRED`.
    pub state: String,
    /// The invited account.
    pub account: String,
    pub notes: Option<String>,
    pub requested_ms: i64,
    pub expiration_ms: i64,
}

/// A CreateAccount request and its outcome.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct CreateAccountRequest {
    pub id: String,
    pub account_name: String,
    pub state: String,
    pub requested_ms: i64,
    pub completed_ms: Option<i64>,
    pub account_id: Option<String>,
    pub failure_reason: Option<String>,
}

/// A policy as the API describes it, customer managed or AWS-managed.
#[derive(Debug, Clone)]
pub struct PolicyView<'a> {
    pub id: &'a str,
    pub arn: String,
    pub name: &'a str,
    pub description: &'a str,
    pub policy_type: &'a str,
    pub content: &'a str,
    pub aws_managed: bool,
    pub compiled: Option<Arc<Policy>>,
}

impl Organization {
    /// A new organization (feature set ALL) with its root and its management account as the only member.
    pub fn new(id: &str, root_id: &str, management: Member, created_ms: i64) -> Organization {
        let mut accounts = BTreeMap::new();
        let management_account = management.id.clone();
        let management_email = management.email.clone();
        let management_name = management.name.clone();
        accounts.insert(management.id.clone(), Member { parent_id: root_id.to_string(), ..management });
        Organization {
            id: id.to_string(),
            feature_set: "ALL".into(),
            management_account,
            management_email,
            management_name,
            created_ms,
            root: Root { id: root_id.to_string(), name: "Root".into(), policy_types: Vec::new() },
            units: BTreeMap::new(),
            accounts,
            policies: BTreeMap::new(),
            attachments: BTreeMap::new(),
            tags: BTreeMap::new(),
            handshakes: BTreeMap::new(),
            create_account_requests: BTreeMap::new(),
        }
    }

    /// `arn:aws:organizations::<management>:<kind>/o-.../<rest>`.
    fn arn(&self, kind: &str, rest: &str) -> String {
        format!("arn:aws:organizations::{}:{kind}/{}/{rest}", self.management_account, self.id)
    }

    pub fn organization_arn(&self) -> String {
        format!("arn:aws:organizations::{}:organization/{}", self.management_account, self.id)
    }

    pub fn root_arn(&self) -> String {
        self.arn("root", &self.root.id)
    }

    pub fn unit_arn(&self, ou_id: &str) -> String {
        self.arn("ou", ou_id)
    }

    pub fn account_arn(&self, account: &str) -> String {
        self.arn("account", account)
    }

    pub fn handshake_arn(&self, handshake_id: &str) -> String {
        self.arn("handshake", &format!("invite/{handshake_id}"))
    }

    /// A new customer policy's ARN.
    pub fn policy_arn(&self, policy_type: &str, policy_id: &str) -> String {
        self.arn("policy", &format!("{}/{policy_id}", policy_type.to_ascii_lowercase()))
    }

    /// The ARN of a root, OU or account of this organization.
    pub fn target_arn(&self, target: &str) -> Option<String> {
        match self.target_kind(target)? {
            TargetKind::Root => Some(self.root_arn()),
            TargetKind::Unit => Some(self.unit_arn(target)),
            TargetKind::Account => Some(self.account_arn(target)),
        }
    }

    pub fn target_kind(&self, target: &str) -> Option<TargetKind> {
        if target == self.root.id {
            Some(TargetKind::Root)
        } else if self.units.contains_key(target) {
            Some(TargetKind::Unit)
        } else if self.accounts.contains_key(target) {
            Some(TargetKind::Account)
        } else {
            None
        }
    }

    /// The name a root, OU or account goes by.
    pub fn target_name(&self, target: &str) -> Option<&str> {
        match self.target_kind(target)? {
            TargetKind::Root => Some(&self.root.name),
            TargetKind::Unit => self.units.get(target).map(|u| u.name.as_str()),
            TargetKind::Account => self.accounts.get(target).map(|a| a.name.as_str()),
        }
    }

    pub fn is_enabled(&self, policy_type: &str) -> bool {
        self.root.policy_types.iter().any(|t| t == policy_type)
    }

    /// The parent (root or OU) of an OU or account.
    pub fn parent_of(&self, child: &str) -> Option<&str> {
        self.units
            .get(child)
            .map(|u| u.parent_id.as_str())
            .or_else(|| self.accounts.get(child).map(|a| a.parent_id.as_str()))
    }

    /// The root, each OU down the path, and `target` itself.
    pub fn chain(&self, target: &str) -> Vec<String> {
        let mut chain = vec![target.to_string()];
        let mut current = target;
        // The depth limit (five OUs) keeps this short; the bound guards against a cycle in edited state.
        while let Some(parent) = self.parent_of(current) {
            if chain.len() > 16 {
                break;
            }
            chain.push(parent.to_string());
            current = parent;
        }
        chain.reverse();
        chain
    }

    /// `o-.../r-.../ou-.../` for a root, OU or account: the path of the entity's parent for an account,
    /// the entity's own path for a root or OU (as `Path` in DescribeOrganizationalUnit).
    pub fn path(&self, target: &str) -> String {
        let mut out = format!("{}/", self.id);
        for id in self.chain(target) {
            out.push_str(&id);
            out.push('/');
        }
        out
    }

    /// `aws:PrincipalOrgPaths` for an account: the path to its parent.
    pub fn account_path(&self, account: &str) -> String {
        match self.parent_of(account) {
            Some(parent) => self.path(parent),
            None => self.path(&self.root.id),
        }
    }

    /// The ids attached to a target.
    pub fn attached<'a>(&'a self, target: &str) -> impl Iterator<Item = &'a str> + 'a {
        self.attachments.get(target).into_iter().flatten().map(String::as_str)
    }

    /// A customer managed or AWS-managed policy by id.
    pub fn policy(&self, id: &str) -> Option<PolicyView<'_>> {
        if let Some(p) = self.policies.get(id) {
            return Some(PolicyView {
                id: &p.id,
                arn: p.arn.clone(),
                name: &p.name,
                description: &p.description,
                policy_type: &p.policy_type,
                content: &p.content,
                aws_managed: false,
                compiled: p.compiled.clone(),
            });
        }
        aws_managed(id).map(|m| m.view())
    }

    /// Every root, OU and account id.
    pub fn targets(&self) -> Vec<String> {
        let mut all = vec![self.root.id.clone()];
        all.extend(self.units.keys().cloned());
        all.extend(self.accounts.keys().cloned());
        all
    }

    /// Attaches a policy to a target; false if it was already attached.
    pub fn attach(&mut self, target: &str, policy_id: &str) -> bool {
        let list = self.attachments.entry(target.to_string()).or_default();
        if list.iter().any(|p| p == policy_id) {
            return false;
        }
        list.push(policy_id.to_string());
        true
    }

    /// Detaches a policy from a target; false if it was not attached.
    pub fn detach(&mut self, target: &str, policy_id: &str) -> bool {
        let Some(list) = self.attachments.get_mut(target) else { return false };
        let before = list.len();
        list.retain(|p| p != policy_id);
        let removed = list.len() != before;
        if list.is_empty() {
            self.attachments.remove(target);
        }
        removed
    }

    /// Enables a policy type in the root; for SCPs and RCPs the AWS-managed default (FullAWSAccess,
    /// RCPFullAWSAccess) is attached to every root, OU and account, as AWS does.
    pub fn enable(&mut self, policy_type: &str) {
        if self.is_enabled(policy_type) {
            return;
        }
        self.root.policy_types.push(policy_type.to_string());
        if let Some(default) = managed::default_for(policy_type) {
            for target in self.targets() {
                self.attach(&target, default);
            }
        }
    }

    /// Disables a policy type: every policy of that type is detached from every target.
    pub fn disable(&mut self, policy_type: &str) {
        self.root.policy_types.retain(|t| t != policy_type);
        let of_type: Vec<String> = self
            .attachments
            .values()
            .flatten()
            .filter(|id| self.policy(id).is_some_and(|p| p.policy_type == policy_type))
            .cloned()
            .collect();
        for list in self.attachments.values_mut() {
            list.retain(|id| !of_type.contains(id));
        }
        self.attachments.retain(|_, list| !list.is_empty());
    }

    /// The defaults of the enabled policy types, attached to a new OU or account.
    fn attach_defaults(&mut self, target: &str) {
        let defaults: Vec<&'static str> =
            self.root.policy_types.iter().filter_map(|t| managed::default_for(t)).collect();
        for d in defaults {
            self.attach(target, d);
        }
    }

    /// Adds an OU (with the enabled types' defaults attached).
    pub fn add_unit(&mut self, unit: Unit) {
        let id = unit.id.clone();
        self.units.insert(id.clone(), unit);
        self.attach_defaults(&id);
    }

    /// Adds an account (with the enabled types' defaults attached). The caller keeps `member_of` in step:
    /// use [`Organizations::join`].
    fn add_member(&mut self, member: Member) {
        let id = member.id.clone();
        self.accounts.insert(id.clone(), member);
        self.attach_defaults(&id);
    }

    /// OUs directly under `parent`.
    pub fn units_under<'a>(&'a self, parent: &'a str) -> impl Iterator<Item = &'a Unit> + 'a {
        self.units.values().filter(move |u| u.parent_id == parent)
    }

    /// Accounts directly under `parent`.
    pub fn accounts_under<'a>(&'a self, parent: &'a str) -> impl Iterator<Item = &'a Member> + 'a {
        self.accounts.values().filter(move |a| a.parent_id == parent)
    }

    /// How many OUs lie between the root and `target` (an OU directly under the root is at depth 1).
    pub fn depth(&self, target: &str) -> usize {
        self.chain(target).len().saturating_sub(1)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TargetKind {
    Root,
    Unit,
    Account,
}

impl TargetKind {
    /// `ROOT`, `ORGANIZATIONAL_UNIT`, `ACCOUNT` as the API writes target and parent types.
    pub fn as_str(self) -> &'static str {
        match self {
            TargetKind::Root => "ROOT",
            TargetKind::Unit => "ORGANIZATIONAL_UNIT",
            TargetKind::Account => "ACCOUNT",
        }
    }
}
