//! AWS's evaluation logic: explicit deny, RCPs, SCPs, VPC endpoint policy, resource-based policy, identity-based
//! policies, permissions boundary, session policies, in that order; cross-account requests must pass both accounts.

use crate::action::ActionKey;
use crate::ast::{Effect, Policy, PrincipalElement};
use crate::condition::CondOutcome;
use crate::context::Context;
use crate::decision::{Decision, Step, Trace};
use crate::principal::{Principal, PrincipalKind, PrincipalMatch};

/// Where a policy came from, as reported in explanations and simulations.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PolicySource {
    InlineUser,
    InlineGroup,
    InlineRole,
    /// A customer managed policy.
    Managed,
    AwsManaged,
    PermissionsBoundary,
    Session,
    ResourceBased,
    RoleTrust,
    Scp,
    Rcp,
    VpcEndpoint,
}

/// The policy types AWS names in its access-denied messages.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PolicyType {
    Identity,
    ResourceBased,
    RoleTrust,
    PermissionsBoundary,
    Session,
    Scp,
    Rcp,
    VpcEndpoint,
}

impl PolicyType {
    /// Plain words, e.g. `identity-based policy`.
    pub fn describe(self) -> &'static str {
        match self {
            PolicyType::Identity => "identity-based policy",
            PolicyType::ResourceBased => "resource-based policy",
            PolicyType::RoleTrust => "role trust policy",
            PolicyType::PermissionsBoundary => "permissions boundary",
            PolicyType::Session => "session policy",
            PolicyType::Scp => "service control policy",
            PolicyType::Rcp => "resource control policy",
            PolicyType::VpcEndpoint => "VPC endpoint policy",
        }
    }
}

impl PolicySource {
    pub fn describe(self) -> &'static str {
        match self {
            PolicySource::InlineUser => "inline user policy",
            PolicySource::InlineGroup => "inline group policy",
            PolicySource::InlineRole => "inline role policy",
            PolicySource::Managed => "customer managed policy",
            PolicySource::AwsManaged => "AWS managed policy",
            PolicySource::PermissionsBoundary => "permissions boundary",
            PolicySource::Session => "session policy",
            PolicySource::ResourceBased => "resource-based policy",
            PolicySource::RoleTrust => "role trust policy",
            PolicySource::Scp => "service control policy",
            PolicySource::Rcp => "resource control policy",
            PolicySource::VpcEndpoint => "VPC endpoint policy",
        }
    }
}

/// A policy handed to the evaluator, with the name or ARN to report it by.
#[derive(Debug, Clone, Copy)]
pub struct PolicyRef<'a> {
    pub id: &'a str,
    pub source: PolicySource,
    pub policy: &'a Policy,
}

impl<'a> PolicyRef<'a> {
    pub fn new(id: &'a str, source: PolicySource, policy: &'a Policy) -> PolicyRef<'a> {
        PolicyRef { id, source, policy }
    }
}

/// Everything one authorization decision needs. The caller decides which policies apply (for instance no
/// SCPs for the management account, the RCPs of the resource's account only).
#[derive(Debug, Clone, Copy)]
pub struct Request<'a> {
    pub principal: &'a Principal,
    pub action: &'a str,
    pub resource: &'a str,
    /// Owner of the resource; `None` = the principal's own account, or not applicable.
    pub resource_account: Option<&'a str>,
    pub context: &'a Context,
    pub identity_policies: &'a [PolicyRef<'a>],
    pub permissions_boundary: Option<PolicyRef<'a>>,
    /// `None` = no session policy was passed (an empty list counts the same).
    pub session_policies: Option<&'a [PolicyRef<'a>]>,
    /// SCPs per organization level (root, OUs, account) of the caller's account; empty = not in an organization
    /// (or the management account). Every level must allow, so a level without policies allows nothing.
    pub scps: &'a [Vec<PolicyRef<'a>>],
    /// The resource-based policy; with `source: RoleTrust` it is evaluated as a role trust policy.
    pub resource_policy: Option<PolicyRef<'a>>,
    /// RCPs per organization level of the resource's account.
    pub rcps: &'a [Vec<PolicyRef<'a>>],
    pub vpc_endpoint_policy: Option<PolicyRef<'a>>,
}

impl<'a> Request<'a> {
    /// A request with no policies attached yet.
    pub fn new(principal: &'a Principal, action: &'a str, resource: &'a str, context: &'a Context) -> Request<'a> {
        Request {
            principal,
            action,
            resource,
            resource_account: None,
            context,
            identity_policies: &[],
            permissions_boundary: None,
            session_policies: None,
            scps: &[],
            resource_policy: None,
            rcps: &[],
            vpc_endpoint_policy: None,
        }
    }

    /// True when the resource belongs to another account than the caller's.
    pub fn is_cross_account(&self) -> bool {
        match self.resource_account {
            Some(owner) => !owner.is_empty() && owner != self.principal.account,
            None => false,
        }
    }
}

/// The outcome, in the words of IAM's policy simulator.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum EvalDecision {
    Allow,
    ImplicitDeny,
    ExplicitDeny,
}

impl EvalDecision {
    /// `allowed`, `implicitDeny`, `explicitDeny` as SimulatePolicy writes them.
    pub fn as_str(self) -> &'static str {
        match self {
            EvalDecision::Allow => "allowed",
            EvalDecision::ImplicitDeny => "implicitDeny",
            EvalDecision::ExplicitDeny => "explicitDeny",
        }
    }
}

/// What one group of policies came to.
#[derive(Debug, Clone, Copy, Default)]
struct Summary {
    allow: bool,
    allow_match: Option<PrincipalMatch>,
    deny: Option<usize>,
}

impl Summary {
    fn join(mut self, other: Summary) -> Summary {
        self.allow |= other.allow;
        self.allow_match = self.allow_match.max(other.allow_match);
        self.deny = self.deny.or(other.deny);
        self
    }

    fn granted(&self) -> PrincipalMatch {
        self.allow_match.unwrap_or(PrincipalMatch::None)
    }
}

struct Evaluator<'r, 'a> {
    req: &'r Request<'a>,
    action: ActionKey<'r>,
    decision: Decision<'a>,
}

/// Action names are short: lowercase them on the stack (the heap only for unusual lengths).
const ACTION_BUFFER: usize = 128;

/// Decides a request as AWS would, and records why.
pub fn evaluate<'a>(req: &Request<'a>) -> Decision<'a> {
    let mut buf = [0u8; ACTION_BUFFER];
    let heap;
    let lower: &str = match buf.get_mut(..req.action.len()) {
        Some(slot) => {
            slot.copy_from_slice(req.action.as_bytes());
            slot.make_ascii_lowercase();
            // Lowercasing ASCII bytes keeps valid UTF-8 valid, so this never falls back.
            std::str::from_utf8(slot).unwrap_or_default()
        }
        None => {
            heap = req.action.to_ascii_lowercase();
            &heap
        }
    };
    let mut ev = Evaluator { req, action: ActionKey::new(lower), decision: Decision::new(req) };
    ev.run();
    ev.decision
}

impl<'a> Evaluator<'_, 'a> {
    fn consult(&mut self, p: PolicyRef<'a>, ptype: PolicyType, level: usize, check_principal: bool) -> Summary {
        let req = self.req;
        let ci = self.decision.add_consulted(p, ptype, level);
        let mut s = Summary::default();
        for stmt in p.policy.statements() {
            if !stmt.action_matches(&self.action) {
                continue;
            }
            let unresolved_resource = match stmt.resource_matches(req.resource, req.context) {
                Some(true) => false,
                Some(false) => continue,
                None => true,
            };
            let pm = if check_principal {
                match &stmt.principal {
                    Some(PrincipalElement::Principal(set)) => set.match_caller(req.principal),
                    Some(PrincipalElement::NotPrincipal(set)) if set.excludes(req.principal) => PrincipalMatch::None,
                    _ => PrincipalMatch::Direct,
                }
            } else {
                PrincipalMatch::Direct
            };
            if pm == PrincipalMatch::None {
                continue;
            }
            let mut trace = Trace {
                consulted: ci,
                statement: stmt.index(),
                applied: false,
                principal_match: pm,
                held: 0,
                missing: 0,
                unresolved: unresolved_resource,
            };
            let mut all = !unresolved_resource;
            for (i, c) in stmt.conditions.iter().enumerate() {
                let (outcome, missing) = c.evaluate(req.context);
                if i < 64 {
                    if outcome == CondOutcome::Held {
                        trace.held |= 1 << i;
                    }
                    if missing {
                        trace.missing |= 1 << i;
                    }
                }
                match outcome {
                    CondOutcome::Held => {}
                    CondOutcome::Failed => all = false,
                    CondOutcome::Unresolved => {
                        trace.unresolved = true;
                        all = false;
                    }
                }
            }
            trace.applied = all;
            if all {
                match stmt.effect() {
                    Effect::Allow => {
                        s.allow = true;
                        s.allow_match = s.allow_match.max(Some(pm));
                    }
                    Effect::Deny => {
                        s.deny = s.deny.or(Some(ci));
                    }
                }
            }
            self.decision.traces.push(trace);
        }
        s
    }

    fn consult_all(&mut self, ps: &'a [PolicyRef<'a>], ptype: PolicyType, level: usize, principal: bool) -> Summary {
        ps.iter().fold(Summary::default(), |acc, p| acc.join(self.consult(*p, ptype, level, principal)))
    }

    fn levels(&mut self, levels: &'a [Vec<PolicyRef<'a>>], ptype: PolicyType, principal: bool) -> Vec<Summary> {
        levels.iter().enumerate().map(|(i, ps)| self.consult_all(ps, ptype, i, principal)).collect()
    }

    fn finish(&mut self, effect: EvalDecision, by: Option<PolicyType>, step: Step) {
        self.decision.effect = effect;
        self.decision.denied_by = if effect == EvalDecision::Allow { None } else { by };
        self.decision.path.push(step);
    }

    fn run(&mut self) {
        let req = self.req;
        let p = req.principal;
        let identity = self.consult_all(req.identity_policies, PolicyType::Identity, 0, false);
        let boundary = req.permissions_boundary.map(|b| self.consult(b, PolicyType::PermissionsBoundary, 0, false));
        let session = match req.session_policies {
            Some(ps) if !ps.is_empty() => Some(self.consult_all(ps, PolicyType::Session, 0, false)),
            _ => None,
        };
        let scps = self.levels(req.scps, PolicyType::Scp, false);
        let rcps = self.levels(req.rcps, PolicyType::Rcp, true);
        let rbp_type = match req.resource_policy {
            Some(r) if r.source == PolicySource::RoleTrust => PolicyType::RoleTrust,
            _ => PolicyType::ResourceBased,
        };
        let rbp = req.resource_policy.map(|r| self.consult(r, rbp_type, 0, true));
        let vpce = req.vpc_endpoint_policy.map(|v| self.consult(v, PolicyType::VpcEndpoint, 0, true));
        let cross = req.is_cross_account();
        self.decision.cross_account = cross;
        if !scps.is_empty() {
            self.decision.organizations_allowed = Some(scps.iter().all(|s| s.allow && s.deny.is_none()));
        }
        if let Some(b) = boundary {
            self.decision.boundary_allowed = Some(b.allow && b.deny.is_none());
        }

        // 1. An explicit Deny anywhere decides. Only one policy type is reported.
        let denies = [
            (scps.iter().find_map(|s| s.deny), PolicyType::Scp),
            (rcps.iter().find_map(|s| s.deny), PolicyType::Rcp),
            (rbp.and_then(|s| s.deny), rbp_type),
            (identity.deny, PolicyType::Identity),
            (boundary.and_then(|s| s.deny), PolicyType::PermissionsBoundary),
            (session.and_then(|s| s.deny), PolicyType::Session),
            (vpce.and_then(|s| s.deny), PolicyType::VpcEndpoint),
        ];
        let principal_side_deny = identity.deny.is_some()
            || boundary.is_some_and(|s| s.deny.is_some())
            || session.is_some_and(|s| s.deny.is_some())
            || scps.iter().any(|s| s.deny.is_some());
        let resource_side_deny = rbp.is_some_and(|s| s.deny.is_some()) || rcps.iter().any(|s| s.deny.is_some());
        if let Some(&(Some(ci), t)) = denies.iter().find(|(d, _)| d.is_some()) {
            self.decision.denying_policy = Some(ci);
            if cross {
                // Only the side that holds the Deny is known; the other was not decided.
                let side = |deny: bool| deny.then_some(EvalDecision::ExplicitDeny);
                self.decision.identity_side = side(principal_side_deny);
                self.decision.resource_side = side(resource_side_deny);
            }
            return self.finish(EvalDecision::ExplicitDeny, Some(t), Step::ExplicitDeny(t));
        }
        self.decision.path.push(Step::NoExplicitDeny);

        // 2. RCPs: every level of the resource's organization must allow.
        if let Some(level) = rcps.iter().position(|s| !s.allow) {
            return self.finish(
                EvalDecision::ImplicitDeny,
                Some(PolicyType::Rcp),
                Step::OrgLevelWithoutAllow(PolicyType::Rcp, level),
            );
        }
        // 3. SCPs: every level of the caller's organization must allow.
        if let Some(level) = scps.iter().position(|s| !s.allow) {
            return self.finish(
                EvalDecision::ImplicitDeny,
                Some(PolicyType::Scp),
                Step::OrgLevelWithoutAllow(PolicyType::Scp, level),
            );
        }
        // The VPC endpoint policy only restricts: it must allow as well.
        if vpce.is_some_and(|v| !v.allow) {
            return self.finish(
                EvalDecision::ImplicitDeny,
                Some(PolicyType::VpcEndpoint),
                Step::NoAllowIn(PolicyType::VpcEndpoint),
            );
        }

        let granted = rbp.map(|s| s.granted()).unwrap_or(PrincipalMatch::None);
        if matches!(p.kind, PrincipalKind::Service | PrincipalKind::Anonymous | PrincipalKind::WebIdentity) {
            // Service principals and anonymous callers have no identity-based policies: only a
            // resource-based (or trust) policy can grant.
            return if granted != PrincipalMatch::None {
                self.finish(EvalDecision::Allow, None, Step::ResourcePolicyGrants(granted))
            } else {
                self.finish(EvalDecision::ImplicitDeny, Some(rbp_type), Step::NoAllowIn(rbp_type))
            };
        }

        if !cross {
            // 4. Same account: a resource-based policy naming the caller itself decides alone.
            if granted == PrincipalMatch::Direct {
                return self.finish(EvalDecision::Allow, None, Step::ResourcePolicyGrants(granted));
            }
            // Role trust policies (like KMS key policies) must always allow explicitly.
            if rbp_type == PolicyType::RoleTrust && rbp.is_some() && granted == PrincipalMatch::None {
                return self.finish(
                    EvalDecision::ImplicitDeny,
                    Some(PolicyType::RoleTrust),
                    Step::NoAllowIn(PolicyType::RoleTrust),
                );
            }
            if p.kind == PrincipalKind::Account {
                return self.finish(EvalDecision::Allow, None, Step::RootUser);
            }
            if granted == PrincipalMatch::Role {
                self.decision.path.push(Step::ResourcePolicyGrants(granted));
            } else if !identity.allow {
                return self.finish(
                    EvalDecision::ImplicitDeny,
                    Some(PolicyType::Identity),
                    Step::NoAllowIn(PolicyType::Identity),
                );
            } else {
                self.decision.path.push(Step::IdentityAllows);
            }
            if let Some(result) = self.limits(boundary, session) {
                return result;
            }
            return self.finish(EvalDecision::Allow, None, Step::Allowed);
        }

        // Cross-account: the caller's account must allow, then the resource's account.
        if p.kind == PrincipalKind::Account {
            self.decision.path.push(Step::RootUser);
        } else if !identity.allow {
            self.decision.identity_side = Some(EvalDecision::ImplicitDeny);
            self.decision.resource_side =
                Some(if granted == PrincipalMatch::None { EvalDecision::ImplicitDeny } else { EvalDecision::Allow });
            return self.finish(
                EvalDecision::ImplicitDeny,
                Some(PolicyType::Identity),
                Step::NoAllowIn(PolicyType::Identity),
            );
        } else {
            self.decision.path.push(Step::IdentityAllows);
            if let Some(result) = self.limits(boundary, session) {
                self.decision.identity_side = Some(EvalDecision::ImplicitDeny);
                return result;
            }
        }
        self.decision.identity_side = Some(EvalDecision::Allow);
        if granted == PrincipalMatch::None {
            self.decision.resource_side = Some(EvalDecision::ImplicitDeny);
            return self.finish(EvalDecision::ImplicitDeny, Some(rbp_type), Step::CrossAccountWithoutGrant(rbp_type));
        }
        self.decision.resource_side = Some(EvalDecision::Allow);
        self.finish(EvalDecision::Allow, None, Step::ResourcePolicyGrants(granted))
    }

    /// Steps 6 and 7: the permissions boundary and the session policies limit what was granted.
    fn limits(&mut self, boundary: Option<Summary>, session: Option<Summary>) -> Option<()> {
        if boundary.is_some_and(|b| !b.allow) {
            self.finish(
                EvalDecision::ImplicitDeny,
                Some(PolicyType::PermissionsBoundary),
                Step::NoAllowIn(PolicyType::PermissionsBoundary),
            );
            return Some(());
        }
        let p = self.req.principal;
        if p.is_session() {
            match session {
                Some(s) if !s.allow => {
                    self.finish(
                        EvalDecision::ImplicitDeny,
                        Some(PolicyType::Session),
                        Step::NoAllowIn(PolicyType::Session),
                    );
                    return Some(());
                }
                None if p.kind == PrincipalKind::FederatedUser => {
                    self.finish(
                        EvalDecision::ImplicitDeny,
                        Some(PolicyType::Session),
                        Step::FederatedWithoutSessionPolicy,
                    );
                    return Some(());
                }
                _ => {}
            }
        }
        None
    }
}
