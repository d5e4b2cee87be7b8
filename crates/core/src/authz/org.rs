//! What AWS Organizations adds to a decision: the SCP levels of the caller's account, the RCP levels of the
//! resource's account, and the organization condition keys (`aws:PrincipalOrgID`, `aws:ResourceOrgPaths`, ...).

use super::{Owned, arn_account};
use crate::identity::Identity;
use crate::ids;
use crate::organization::{DenyMessage, Levels, rcps_govern};
use crate::service::{Caller, Check, ResourcePolicy};
use crate::world::WorldState;
use sekisho_policy::{Context, PolicySource};
use std::fmt::Write;

/// The organization side of one decision, owned so the world lock is released before evaluating.
#[derive(Default)]
pub(super) struct OrgPart {
    pub scps: Vec<Vec<Owned>>,
    pub rcps: Vec<Vec<Owned>>,
    principal: Option<(String, String)>,
    resource: Option<(String, String)>,
    resource_account: Option<String>,
    /// The levels consulted, for the explanation (written after the world lock is released).
    described: Vec<(&'static str, String, Levels)>,
}

/// The account that owns the checked resource: the ARN's account, else the owner of its resource policy.
fn resource_owner(check: &Check) -> Option<&str> {
    let by_policy = || match &check.resource_policy {
        Some(ResourcePolicy::Document { owner, .. }) => Some(owner.as_str()),
        Some(ResourcePolicy::RoleTrust { account, .. }) => Some(account.as_str()),
        None => None,
    };
    arn_account(&check.resource).filter(|a| ids::is_account_id(a)).or_else(by_policy).filter(|a| ids::is_account_id(a))
}

/// Service-linked roles are exempt from SCPs and RCPs.
fn is_service_linked(identity: &Identity) -> bool {
    matches!(identity, Identity::RoleSession(s) if s.role_path.starts_with("/aws-service-role/"))
}

/// Reads, under the world lock, what the organizations of both accounts contribute to `check`.
pub(super) fn org_part(state: &WorldState, caller: &Caller, check: &Check) -> OrgPart {
    let owner = resource_owner(check);
    let mut part = OrgPart { resource_account: owner.map(str::to_string), ..OrgPart::default() };
    let orgs = &state.organizations;
    if orgs.member_of.is_empty() {
        return part;
    }
    let is_service = matches!(caller.identity, Identity::Service { .. });
    let exempt = is_service || is_service_linked(&caller.identity);
    let style = orgs.settings.deny_message;
    if !is_service && let Some(facts) = orgs.facts(caller.account()) {
        part.principal = Some((facts.org_id, facts.path));
    }
    if !exempt && let Some(levels) = orgs.scp_levels(caller.account()) {
        part.scps = owned(&levels, PolicySource::Scp, style);
        part.described.push(("service control policies", caller.account().to_string(), levels));
    }
    if let Some(owner) = owner {
        if let Some(facts) = orgs.facts(owner) {
            part.resource = Some((facts.org_id, facts.path));
        }
        if !is_service_linked(&caller.identity)
            && rcps_govern(&check.action)
            && let Some(levels) = orgs.rcp_levels(owner)
        {
            part.rcps = owned(&levels, PolicySource::Rcp, style);
            part.described.push(("resource control policies", owner.to_string(), levels));
        }
    }
    part
}

impl OrgPart {
    /// The organization keys of the request context.
    pub(super) fn add_context(&self, ctx: &mut Context) {
        if let Some((id, path)) = &self.principal {
            ctx.insert("aws:PrincipalOrgID", id.as_str());
            ctx.insert_values("aws:PrincipalOrgPaths", [path.as_str()]);
        }
        // A service that knows the owner better (a bucket's) says so in the check's own keys.
        if let Some(account) = &self.resource_account
            && !ctx.contains("aws:ResourceAccount")
        {
            ctx.insert("aws:ResourceAccount", account.as_str());
        }
        if let Some((id, path)) = &self.resource {
            ctx.insert("aws:ResourceOrgID", id.as_str());
            ctx.insert_values("aws:ResourceOrgPaths", [path.as_str()]);
        }
    }
}

/// The engine reports an SCP or RCP by the id it is given, and AWS's newer message appends that id when it
/// is an ARN: the ARN in that form, the policy's name in the classic one.
fn owned(levels: &Levels, source: PolicySource, style: DenyMessage) -> Vec<Vec<Owned>> {
    levels
        .levels
        .iter()
        .map(|level| {
            level
                .iter()
                .map(|p| Owned {
                    id: match style {
                        DenyMessage::PolicyArn => p.arn.clone(),
                        DenyMessage::Classic => p.name.clone(),
                    },
                    source,
                    policy: p.policy.clone(),
                })
                .collect()
        })
        .collect()
}

impl OrgPart {
    /// Plain words for the explanation: the levels consulted and what their policies are called.
    pub(super) fn notes(&self) -> String {
        let mut out = String::new();
        for (what, account, levels) in &self.described {
            let _ =
                writeln!(out, "Organization {}: {what} of account {account} (every level must allow):", levels.org_id);
            for (i, (target, policies)) in levels.targets.iter().zip(&levels.levels).enumerate() {
                let _ = write!(out, "  level {} {target}: ", i + 1);
                if policies.is_empty() {
                    out.push_str("no policy attached");
                }
                for (n, p) in policies.iter().enumerate() {
                    let _ = write!(out, "{}{} ({})", if n > 0 { ", " } else { "" }, p.name, p.arn);
                }
                out.push('\n');
            }
        }
        out
    }
}
