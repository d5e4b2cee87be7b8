//! The door's authorization step: turns a `Check` plus the world (the caller's policies, the resource
//! policy, the request context) into the policy engine's decision, AWS's AccessDenied text and an explanation.

use crate::clock;
use crate::identity::Identity;
use crate::identity::store::{AccountIam, PolicyDoc};
use crate::managed;
use crate::service::{Caller, Check, DenyStyle, ResourcePolicy};
use crate::world::{World, WorldState};
use sekisho_policy::{
    Context, EvalDecision, MessageStyle, Policy, PolicyKind, PolicyRef, PolicySource, Principal, Request,
    access_denied_message, evaluate,
};
use std::sync::Arc;

#[derive(Debug, Clone, PartialEq)]
pub struct CheckOutcome {
    pub allowed: bool,
    /// `Allow`, `ExplicitDeny` or `ImplicitDeny`.
    pub decision: &'static str,
    /// AWS's AccessDenied message (empty when allowed).
    pub message: String,
    pub explanation: String,
}

/// The account field of an ARN (`arn:partition:service:region:account:resource`), if it has one.
pub fn arn_account(arn: &str) -> Option<&str> {
    let mut parts = arn.splitn(6, ':');
    if parts.next()? != "arn" {
        return None;
    }
    let account = parts.nth(3)?;
    (!account.is_empty()).then_some(account)
}

/// The policy engine's view of a caller.
pub fn principal_of(identity: &Identity) -> Principal {
    match identity {
        Identity::Root { account } => Principal::root(account),
        Identity::User { id, .. } => Principal::user(&identity.arn(), Some(id)),
        Identity::RoleSession(s) => Principal::assumed_role(&s.role_arn(), &s.session_name, Some(&s.role_id)),
        Identity::Service { principal } => Principal::service(principal),
        Identity::Anonymous => Principal::anonymous(),
        Identity::FederatedUser(f) => {
            let by = match &f.user_name {
                Some(u) => format!("arn:aws:iam::{}:user/{u}", f.account),
                None => format!("arn:aws:iam::{}:root", f.account),
            };
            Principal::federated_user(&f.account, &f.name, Some(&by))
        }
    }
}

/// A policy that takes part in a decision, owned so the world lock is not held while evaluating.
struct Owned {
    id: String,
    source: PolicySource,
    policy: Arc<Policy>,
}

impl Owned {
    fn as_ref(&self) -> PolicyRef<'_> {
        PolicyRef::new(&self.id, self.source, &self.policy)
    }
}

/// What the world knows about the caller's side of a decision.
#[derive(Default)]
struct CallerPolicies {
    identity: Vec<Owned>,
    boundary: Option<Owned>,
    /// `None` when no session policy was passed.
    session: Option<Vec<Owned>>,
    tags: Vec<(String, String)>,
}

fn managed_policy(state: &WorldState, arn: &str) -> Option<Owned> {
    if let Some(p) = managed::get(arn) {
        return p.policy().map(|policy| Owned { id: arn.to_string(), source: PolicySource::AwsManaged, policy });
    }
    let account = arn_account(arn)?;
    let p = state.account(account)?.iam.policies.get(arn)?;
    let doc = p.default_document()?;
    Some(Owned { id: arn.to_string(), source: PolicySource::Managed, policy: doc.policy.clone() })
}

fn inline(name: &str, doc: &PolicyDoc, source: PolicySource) -> Owned {
    Owned { id: name.to_string(), source, policy: doc.policy.clone() }
}

/// The session policies of a session (`None` when none was passed), owned.
fn session_policies(state: &WorldState, text: Option<&str>, arns: &[String]) -> Vec<Owned> {
    let mut policies = Vec::new();
    if let Some(text) = text
        && let Ok(p) = Policy::parse(text, PolicyKind::Session)
    {
        policies.push(Owned { id: "session policy".into(), source: PolicySource::Session, policy: Arc::new(p) });
    }
    for arn in arns {
        if let Some(mut p) = managed_policy(state, arn) {
            p.source = PolicySource::Session;
            policies.push(p);
        }
    }
    policies
}

/// What the root user may do, written as a policy so a root-federated session intersects with it.
const ROOT_ALLOWS: &str = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}"#;

fn caller_policies(state: &WorldState, identity: &Identity) -> CallerPolicies {
    let mut out = CallerPolicies::default();
    let iam = |account: &str| state.account(account).map(|a| &a.iam);
    match identity {
        Identity::Root { .. } | Identity::Service { .. } | Identity::Anonymous => {}
        Identity::FederatedUser(f) => {
            // STS API reference, GetFederationToken: the session's permissions are the intersection of the
            // federating user's identity policies and the session policies; with none passed, it has none.
            let mut base = match &f.user_name {
                Some(u) => {
                    let user = Identity::User {
                        account: f.account.clone(),
                        name: u.clone(),
                        path: "/".into(),
                        id: String::new(),
                    };
                    caller_policies(state, &user)
                }
                None => {
                    let mut root = CallerPolicies::default();
                    if let Ok(p) = Policy::parse(ROOT_ALLOWS, PolicyKind::Identity) {
                        root.identity.push(Owned {
                            id: "root".into(),
                            source: PolicySource::InlineUser,
                            policy: Arc::new(p),
                        });
                    }
                    root
                }
            };
            base.session = Some(session_policies(state, f.session_policy.as_deref(), &f.session_policy_arns));
            for t in &f.tags {
                base.tags.retain(|(k, _)| !k.eq_ignore_ascii_case(&t.key));
                base.tags.push((t.key.clone(), t.value.clone()));
            }
            return base;
        }
        Identity::User { account, name, .. } => {
            let Some(user) = iam(account).and_then(|i: &AccountIam| i.user(name)) else { return out };
            for (n, doc) in &user.inline_policies {
                out.identity.push(inline(n, doc, PolicySource::InlineUser));
            }
            out.identity.extend(user.attached_policies.iter().filter_map(|a| managed_policy(state, a)));
            for g in &user.groups {
                if let Some(group) = iam(account).and_then(|i| i.group(g)) {
                    for (n, doc) in &group.inline_policies {
                        out.identity.push(inline(n, doc, PolicySource::InlineGroup));
                    }
                    out.identity.extend(group.attached_policies.iter().filter_map(|a| managed_policy(state, a)));
                }
            }
            out.boundary = user.permissions_boundary.as_deref().and_then(|b| boundary(state, b));
            out.tags = user.tags.iter().map(|t| (t.key.clone(), t.value.clone())).collect();
        }
        Identity::RoleSession(session) => {
            if let Some(role) = iam(&session.account).and_then(|i| i.role(&session.role_name))
                && role.id == session.role_id
            {
                for (n, doc) in &role.inline_policies {
                    out.identity.push(inline(n, doc, PolicySource::InlineRole));
                }
                out.identity.extend(role.attached_policies.iter().filter_map(|a| managed_policy(state, a)));
                out.boundary = role.permissions_boundary.as_deref().and_then(|b| boundary(state, b));
                out.tags = role.tags.iter().map(|t| (t.key.clone(), t.value.clone())).collect();
            }
            // Session tags override role tags with the same key (case-insensitively).
            for t in &session.tags {
                out.tags.retain(|(k, _)| !k.eq_ignore_ascii_case(&t.key));
                out.tags.push((t.key.clone(), t.value.clone()));
            }
            if session.has_session_policies {
                out.session =
                    Some(session_policies(state, session.session_policy.as_deref(), &session.session_policy_arns));
            }
        }
    }
    out
}

fn boundary(state: &WorldState, arn: &str) -> Option<Owned> {
    let mut p = managed_policy(state, arn)?;
    p.source = PolicySource::PermissionsBoundary;
    Some(p)
}

/// The request context AWS builds for a request: principal keys, time, network, forward access, tags, and
/// the check's own keys.
fn context(
    world: &World,
    caller: &Caller,
    principal: &Principal,
    check: &Check,
    region: &str,
    tags: &[(String, String)],
) -> Context {
    let mut ctx = Context::new().with_principal(principal);
    let now = world.clock.now_ms();
    ctx.insert("aws:RequestedRegion", region);
    ctx.insert("aws:CurrentTime", clock::iso8601(now.div_euclid(1000)));
    ctx.insert("aws:EpochTime", now.div_euclid(1000).to_string());
    ctx.insert("aws:SecureTransport", caller.network.secure_transport.to_string());
    match &caller.network.vpc_endpoint {
        Some(vpce) => {
            ctx.insert("aws:SourceVpce", vpce.vpce_id.as_str());
            ctx.insert("aws:SourceVpc", vpce.vpc_id.as_str());
            ctx.insert("aws:VpcSourceIp", vpce.private_ip.as_str());
        }
        None => {
            if let Some(ip) = caller.network.source_ip {
                ctx.insert("aws:SourceIp", ip.to_string());
            }
        }
    }
    if let Some(ua) = &caller.user_agent {
        ctx.insert("aws:UserAgent", ua.as_str());
    }
    ctx.insert("aws:ViaAWSService", (!caller.called_via.is_empty()).to_string());
    if let (Some(first), Some(last)) = (caller.called_via.first(), caller.called_via.last()) {
        ctx.insert_values("aws:CalledVia", caller.called_via.iter().cloned());
        ctx.insert("aws:CalledViaFirst", first.as_str());
        ctx.insert("aws:CalledViaLast", last.as_str());
    }
    match &caller.identity {
        Identity::Service { principal: service } => {
            ctx.insert("aws:PrincipalIsAWSService", "true");
            ctx.insert("aws:PrincipalServiceName", service.as_str());
            if let Some(arn) = &caller.source_arn {
                ctx.insert("aws:SourceArn", arn.as_str());
            }
            if let Some(account) = &caller.source_account {
                ctx.insert("aws:SourceAccount", account.as_str());
            }
        }
        other => {
            ctx.insert("aws:PrincipalIsAWSService", "false");
            if let Some(session) = other.session() {
                ctx.insert("aws:TokenIssueTime", clock::iso8601(session.issued_ms.div_euclid(1000)));
                if let Some(si) = &session.source_identity {
                    ctx.insert("aws:SourceIdentity", si.as_str());
                }
            }
            if let Some(f) = other.federated() {
                ctx.insert("aws:TokenIssueTime", clock::iso8601(f.issued_ms.div_euclid(1000)));
            }
            if let Some(grant) = &caller.session_grant {
                ctx.insert("aws:TokenIssueTime", clock::iso8601(grant.issued_ms.div_euclid(1000)));
            }
            // IAM User Guide, global condition keys: aws:MultiFactorAuthPresent is in the context only for
            // temporary credentials ("true" or "false"), never for long-term access keys;
            // aws:MultiFactorAuthAge only when MFA was used, as seconds since the code was checked.
            let temporary = other.session().is_some() || other.federated().is_some() || caller.session_grant.is_some();
            if temporary {
                let grant_mfa = caller.session_grant.filter(|g| g.mfa).map(|g| g.issued_ms);
                let mfa_ms = caller.mfa_auth_ms.or(grant_mfa);
                ctx.insert("aws:MultiFactorAuthPresent", mfa_ms.is_some().to_string());
                if let Some(t) = mfa_ms {
                    ctx.insert("aws:MultiFactorAuthAge", ((now - t).max(0) / 1000).to_string());
                }
            }
        }
    }
    for (k, v) in tags {
        ctx.insert(&format!("aws:PrincipalTag/{k}"), v.as_str());
    }
    for (k, values) in &check.context {
        ctx.insert_values(k, values.iter().cloned());
    }
    ctx
}

/// Decides one check as AWS would: the caller's identity policies, permissions boundary and session policies;
/// the resource policy (a role's trust policy must explicitly allow); both accounts when they differ.
pub fn decide(world: &World, caller: &Caller, check: &Check, region: &str) -> CheckOutcome {
    let principal = check.principal.clone().unwrap_or_else(|| principal_of(&caller.identity));
    // AWS-managed policies carry the account `aws`: they belong to no account, so never make a request
    // cross-account.
    let resource_account =
        arn_account(&check.resource).filter(|a| *a != caller.account() && crate::ids::is_account_id(a));
    let (policies, resource_policy, trust_missing, org) = {
        let state = world.read();
        // A principal named by the check (a web identity) has no policies of its own.
        let policies = match &check.principal {
            Some(_) => CallerPolicies::default(),
            None => caller_policies(&state, &caller.identity),
        };
        let org = org::org_part(&state, caller, check);
        let (resource_policy, trust_missing) = match &check.resource_policy {
            None => (None, false),
            Some(ResourcePolicy::Document { id, policy, .. }) => {
                (Some(Owned { id: id.clone(), source: PolicySource::ResourceBased, policy: policy.clone() }), false)
            }
            Some(ResourcePolicy::RoleTrust { account, role_name }) => {
                match state.account(account).and_then(|a| a.iam.role(role_name)) {
                    Some(role) => (
                        Some(Owned {
                            id: format!("trust policy of {}", check.resource),
                            source: PolicySource::RoleTrust,
                            policy: role.trust_policy.policy.clone(),
                        }),
                        false,
                    ),
                    None => (None, true),
                }
            }
        };
        (policies, resource_policy, trust_missing, org)
    };
    let mut ctx = context(world, caller, &principal, check, region, &policies.tags);
    org.add_context(&mut ctx);
    let scps: Vec<Vec<PolicyRef<'_>>> = org.scps.iter().map(|l| l.iter().map(Owned::as_ref).collect()).collect();
    let rcps: Vec<Vec<PolicyRef<'_>>> = org.rcps.iter().map(|l| l.iter().map(Owned::as_ref).collect()).collect();
    let identity: Vec<PolicyRef<'_>> = policies.identity.iter().map(Owned::as_ref).collect();
    let session: Option<Vec<PolicyRef<'_>>> = policies.session.as_ref().map(|s| s.iter().map(Owned::as_ref).collect());
    let mut req = Request::new(&principal, &check.action, &check.resource, &ctx);
    req.resource_account = resource_account;
    req.identity_policies = &identity;
    req.permissions_boundary = policies.boundary.as_ref().map(Owned::as_ref);
    req.session_policies = session.as_deref();
    req.resource_policy = resource_policy.as_ref().map(Owned::as_ref);
    req.scps = &scps;
    req.rcps = &rcps;
    let style = match check.style {
        DenyStyle::Generic | DenyStyle::Federated => MessageStyle::Generic,
        DenyStyle::AssumeRole => MessageStyle::AssumeRole,
    };
    let decision = evaluate(&req);
    if trust_missing {
        // STS does not reveal whether the role exists: the caller sees the ordinary denial, whatever its
        // identity policies say.
        return CheckOutcome {
            allowed: false,
            decision: "ImplicitDeny",
            message: match check.style {
                DenyStyle::Federated => format!("Not authorized to perform {}", check.action),
                _ => format!(
                    "User: {} is not authorized to perform: {} on resource: {}",
                    principal.arn, check.action, check.resource
                ),
            },
            explanation: format!("the role {} does not exist, so no trust policy allows the request", check.resource),
        };
    }
    let effect = match decision.effect() {
        EvalDecision::Allow => "Allow",
        EvalDecision::ImplicitDeny => "ImplicitDeny",
        EvalDecision::ExplicitDeny => "ExplicitDeny",
    };
    let message = match check.style {
        _ if decision.is_allowed() => String::new(),
        DenyStyle::Federated => format!("Not authorized to perform {}", check.action),
        _ => access_denied_message(&req, &decision, style),
    };
    CheckOutcome {
        allowed: decision.is_allowed(),
        decision: effect,
        message,
        // The log is readable over HTTP: it must not hand out the values a trust policy requires.
        explanation: decision.explain_redacted() + &org.notes(),
    }
}

mod org;
#[cfg(test)]
mod tests;
