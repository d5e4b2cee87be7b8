//! AccessDenied message texts as AWS writes them, built from a decision.
//! `User: <arn> is not authorized to perform: <action>[ on resource: <arn>] <why>`; STS AssumeRole omits the why.

use crate::decision::Decision;
use crate::eval::{EvalDecision, PolicyType, Request};

/// Which family of message the calling service uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MessageStyle {
    /// Most services: with the policy-type context (`because no identity-based policy allows ...`).
    Generic,
    /// STS AssumeRole (and role-session operations such as TagSession): no context, resource always named.
    AssumeRole,
}

/// The access-denied message for a denied decision (an empty string when the decision allows).
pub fn access_denied_message(req: &Request<'_>, d: &Decision<'_>, style: MessageStyle) -> String {
    if d.effect() == EvalDecision::Allow {
        return String::new();
    }
    let mut m = format!("User: {} is not authorized to perform: {}", req.principal.arn, req.action);
    if style == MessageStyle::AssumeRole {
        m.push_str(" on resource: ");
        m.push_str(req.resource);
        return m;
    }
    // Actions without a resource-level ARN (List*, ...) are reported without "on resource".
    if req.resource != "*" && !req.resource.is_empty() {
        m.push_str(" on resource: ");
        m.push_str(req.resource);
    }
    let t = d.denied_by().unwrap_or(PolicyType::Identity);
    m.push(' ');
    if d.effect() == EvalDecision::ExplicitDeny {
        m.push_str(explicit_phrase(t));
        // Newer messages name the SCP or RCP that denied (observed for SCPs).
        let org_arn = d.denying_policy_id().filter(|id| id.starts_with("arn:"));
        if let (PolicyType::Scp | PolicyType::Rcp, Some(id)) = (t, org_arn) {
            m.push_str(": ");
            m.push_str(id);
        }
    } else {
        m.push_str(&implicit_phrase(t, req.action));
    }
    m
}

fn explicit_phrase(t: PolicyType) -> &'static str {
    match t {
        PolicyType::Identity => "with an explicit deny in an identity-based policy",
        PolicyType::ResourceBased => "with an explicit deny in a resource-based policy",
        PolicyType::RoleTrust => "with an explicit deny in the role trust policy",
        PolicyType::PermissionsBoundary => "with an explicit deny in a permissions boundary",
        // AWS's spelling (sic).
        PolicyType::Session => "with an explicit deny in a sessions policy",
        PolicyType::Scp => "with an explicit deny in a service control policy",
        // [inf] by analogy with SCPs.
        PolicyType::Rcp => "with an explicit deny in a resource control policy",
        PolicyType::VpcEndpoint => "with an explicit deny in a VPC endpoint policy",
    }
}

fn implicit_phrase(t: PolicyType, action: &str) -> String {
    match t {
        // AWS documents that an SCP denial always reads as an explicit deny, even when implicit.
        PolicyType::Scp => explicit_phrase(PolicyType::Scp).to_string(),
        // The documented example text (troubleshoot_access-denied).
        PolicyType::RoleTrust => {
            format!("because the role trust policy allows the {action} action")
        }
        // [inf] RCP wording by analogy.
        other => format!("because no {} allows the {action} action", other.describe()),
    }
}
