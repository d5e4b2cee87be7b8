//! The result of an evaluation: the decision, the policy type that denied, and the statements behind it.
//! `explain()` renders it in plain words for `sekisho explain`.

use std::fmt::Write;

use crate::ast::{Effect, Statement};
use crate::context::Context;
use crate::eval::{EvalDecision, PolicyRef, PolicySource, PolicyType, Request};
use crate::principal::{Principal, PrincipalMatch};

/// One policy the evaluator looked at.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Consulted<'a> {
    pub policy: PolicyRef<'a>,
    pub policy_type: PolicyType,
    /// Organization level for SCPs and RCPs (0 = first level given).
    pub level: usize,
}

/// A statement whose action, resource and principal matched the request; whether it applied depends on
/// its conditions. Condition results are kept as bit sets (the first 64 conditions).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Trace {
    pub consulted: usize,
    pub statement: usize,
    pub applied: bool,
    pub principal_match: PrincipalMatch,
    pub held: u64,
    pub missing: u64,
    pub unresolved: bool,
}

/// One step of the path the evaluation took.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    ExplicitDeny(PolicyType),
    NoExplicitDeny,
    /// An organization level (0-based) of SCPs or RCPs without an applicable Allow.
    OrgLevelWithoutAllow(PolicyType, usize),
    NoAllowIn(PolicyType),
    ResourcePolicyGrants(PrincipalMatch),
    RootUser,
    IdentityAllows,
    FederatedWithoutSessionPolicy,
    CrossAccountWithoutGrant(PolicyType),
    Allowed,
}

/// The decision with its reasons. Borrows the request's policies and context.
#[derive(Debug, Clone)]
pub struct Decision<'a> {
    pub(crate) effect: EvalDecision,
    pub(crate) denied_by: Option<PolicyType>,
    pub(crate) denying_policy: Option<usize>,
    pub(crate) consulted: Vec<Consulted<'a>>,
    pub(crate) traces: Vec<Trace>,
    pub(crate) path: Vec<Step>,
    pub(crate) principal: &'a Principal,
    pub(crate) action: &'a str,
    pub(crate) resource: &'a str,
    pub(crate) context: &'a Context,
    pub(crate) cross_account: bool,
    pub(crate) identity_side: Option<EvalDecision>,
    pub(crate) resource_side: Option<EvalDecision>,
    pub(crate) organizations_allowed: Option<bool>,
    pub(crate) boundary_allowed: Option<bool>,
}

/// An owned summary of a decision, for logs that outlive the request (`sekisho explain`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DecisionRecord {
    pub effect: EvalDecision,
    pub denied_by: Option<PolicyType>,
    /// For an explicit deny: the policy whose Deny is reported.
    pub denying_policy: Option<String>,
    /// `(policy id, statement label)` of the statements that determined the result.
    pub matched: Vec<(String, String)>,
    pub missing_context_values: Vec<String>,
    pub explanation: String,
}

/// How one condition of a matching statement came out.
#[derive(Debug, Clone)]
pub struct ConditionReport<'d> {
    /// As written, e.g. `ForAnyValue:StringLike`.
    pub operator: &'d str,
    pub key: &'d str,
    pub policy_values: &'d [String],
    /// `None` when the key was not in the request context.
    pub request_values: Option<&'d [String]>,
    pub held: bool,
}

/// A statement that matched the request's action, resource and principal.
#[derive(Debug, Clone)]
pub struct Reason<'d> {
    pub policy_id: &'d str,
    pub source: PolicySource,
    pub policy_type: PolicyType,
    pub statement: &'d Statement,
    /// Its conditions all held, so its effect counted.
    pub applied: bool,
    /// How the statement's `Principal` named the caller (always `Direct` where there is no `Principal`).
    pub principal_match: PrincipalMatch,
    /// A policy variable had no value, so the statement could not apply.
    pub unresolved_variable: bool,
    pub conditions: Vec<ConditionReport<'d>>,
}

impl<'a> Decision<'a> {
    pub(crate) fn new(req: &Request<'a>) -> Decision<'a> {
        Decision {
            effect: EvalDecision::ImplicitDeny,
            denied_by: None,
            denying_policy: None,
            consulted: Vec::with_capacity(4),
            traces: Vec::with_capacity(8),
            path: Vec::with_capacity(4),
            principal: req.principal,
            action: req.action,
            resource: req.resource,
            context: req.context,
            cross_account: false,
            identity_side: None,
            resource_side: None,
            organizations_allowed: None,
            boundary_allowed: None,
        }
    }

    pub(crate) fn add_consulted(&mut self, policy: PolicyRef<'a>, policy_type: PolicyType, level: usize) -> usize {
        self.consulted.push(Consulted { policy, policy_type, level });
        self.consulted.len() - 1
    }

    pub fn effect(&self) -> EvalDecision {
        self.effect
    }

    pub fn is_allowed(&self) -> bool {
        self.effect == EvalDecision::Allow
    }

    /// The policy type that produced the denial (the one AWS would name in its message).
    pub fn denied_by(&self) -> Option<PolicyType> {
        self.denied_by
    }

    /// For an explicit deny: the id (name or ARN) of the policy whose Deny is reported.
    pub fn denying_policy_id(&self) -> Option<&'a str> {
        self.denying_policy.map(|i| self.consulted[i].policy.id)
    }

    /// The steps the evaluation took, in order.
    pub fn path(&self) -> &[Step] {
        &self.path
    }

    pub fn is_cross_account(&self) -> bool {
        self.cross_account
    }

    /// For cross-account requests: what the caller's account and the resource's account decided.
    pub fn account_decisions(&self) -> (Option<EvalDecision>, Option<EvalDecision>) {
        (self.identity_side, self.resource_side)
    }

    /// `Some(allowed)` when SCPs were evaluated.
    pub fn allowed_by_organizations(&self) -> Option<bool> {
        self.organizations_allowed
    }

    /// `Some(allowed)` when a permissions boundary was evaluated.
    pub fn allowed_by_permissions_boundary(&self) -> Option<bool> {
        self.boundary_allowed
    }

    /// The policies consulted, with their type: `(id, source, type)`.
    pub fn policies(&self) -> impl Iterator<Item = (&'a str, PolicySource, PolicyType)> + '_ {
        self.consulted.iter().map(|c| (c.policy.id, c.policy.source, c.policy_type))
    }

    fn reason(&self, t: &Trace) -> Reason<'a> {
        let c = self.consulted[t.consulted];
        let statement = &c.policy.policy.statements()[t.statement];
        let conditions = statement
            .conditions
            .iter()
            .enumerate()
            .map(|(i, cond)| ConditionReport {
                operator: &cond.operator_written,
                key: &cond.key_written,
                policy_values: &cond.values_written,
                request_values: self.context.get_lowercase(&cond.key),
                held: i < 64 && t.held & (1 << i) != 0,
            })
            .collect();
        Reason {
            policy_id: c.policy.id,
            source: c.policy.source,
            policy_type: c.policy_type,
            statement,
            applied: t.applied,
            principal_match: t.principal_match,
            unresolved_variable: t.unresolved,
            conditions,
        }
    }

    /// Every statement whose action, resource and principal matched, applied or not.
    pub fn reasons(&self) -> Vec<Reason<'a>> {
        self.traces.iter().map(|t| self.reason(t)).collect()
    }

    /// The statements that determine the result: the applicable Deny statements for an explicit deny, the
    /// applicable Allow statements (not the organization guardrails) when allowed, none for an implicit deny.
    pub fn matched_statements(&self) -> Vec<Reason<'a>> {
        self.traces
            .iter()
            .filter(|t| t.applied)
            .filter(|t| {
                let c = &self.consulted[t.consulted];
                let effect = c.policy.policy.statements()[t.statement].effect();
                match self.effect {
                    EvalDecision::ExplicitDeny => effect == Effect::Deny,
                    EvalDecision::Allow => {
                        effect == Effect::Allow
                            && !matches!(c.policy_type, PolicyType::Scp | PolicyType::Rcp | PolicyType::VpcEndpoint)
                    }
                    EvalDecision::ImplicitDeny => false,
                }
            })
            .map(|t| self.reason(t))
            .collect()
    }

    /// Context keys that the matching statements referenced but the request context lacked.
    pub fn missing_context_values(&self) -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        for t in &self.traces {
            let c = &self.consulted[t.consulted];
            let statement = &c.policy.policy.statements()[t.statement];
            for key in statement.referenced_keys() {
                if self.context.get(key).is_none() && !out.iter().any(|o| o.eq_ignore_ascii_case(key)) {
                    out.push(key.to_string());
                }
            }
        }
        out
    }

    /// An owned copy of what matters, including the plain-words explanation.
    pub fn record(&self) -> DecisionRecord {
        DecisionRecord {
            effect: self.effect,
            denied_by: self.denied_by,
            denying_policy: self.denying_policy_id().map(str::to_string),
            matched: self.matched_statements().iter().map(|r| (r.policy_id.to_string(), r.statement.label())).collect(),
            missing_context_values: self.missing_context_values(),
            explanation: self.explain(),
        }
    }

    /// The decision in plain words: what was asked, what was decided and why, and every policy consulted.
    pub fn explain(&self) -> String {
        self.render(false)
    }

    /// [`Decision::explain`] for a log others may read: the values a condition requires are not shown where
    /// the caller could not read them (trust, resource-based, resource control and endpoint policies) nor
    /// for keys whose values are secrets (`sts:ExternalId`) in any policy, whose request values are not shown
    /// either. Other values the caller sent still are.
    pub fn explain_redacted(&self) -> String {
        self.render(true)
    }

    fn render(&self, redact: bool) -> String {
        let mut out = String::new();
        let verdict = match self.effect {
            EvalDecision::Allow => "ALLOWED",
            EvalDecision::ExplicitDeny => "DENIED (explicit deny)",
            EvalDecision::ImplicitDeny => "DENIED (implicit deny)",
        };
        let _ = writeln!(out, "{verdict}: {} -> {} on {}", self.principal.arn, self.action, self.resource);
        if self.cross_account {
            let _ = writeln!(out, "Cross-account request: both the caller's and the resource's account must allow.");
        }
        let _ = writeln!(out, "Why:");
        for step in &self.path {
            let _ = writeln!(out, "  - {}", self.describe_step(*step));
        }
        let _ = writeln!(out, "Policies consulted:");
        if self.consulted.is_empty() {
            let _ = writeln!(out, "  (none)");
        }
        for (ci, c) in self.consulted.iter().enumerate() {
            let level = if matches!(c.policy_type, PolicyType::Scp | PolicyType::Rcp) {
                format!(", level {}", c.level + 1)
            } else {
                String::new()
            };
            let _ = writeln!(
                out,
                "  {} \"{}\" ({}{}):",
                c.policy_type.describe(),
                c.policy.id,
                c.policy.source.describe(),
                level
            );
            let traces: Vec<&Trace> = self.traces.iter().filter(|t| t.consulted == ci).collect();
            if traces.is_empty() {
                let _ = writeln!(out, "    no statement matches this action and resource");
            }
            for t in traces {
                self.describe_trace(&mut out, t, redact);
            }
        }
        let missing = self.missing_context_values();
        if !missing.is_empty() {
            let _ = writeln!(out, "Context keys referenced but absent from the request: {}", missing.join(", "));
        }
        out
    }

    fn describe_trace(&self, out: &mut String, t: &Trace, redact: bool) {
        let r = self.reason(t);
        let s = r.statement;
        let verb = match (r.applied, s.effect()) {
            (true, Effect::Allow) => "allows",
            (true, Effect::Deny) => "denies",
            (false, Effect::Allow) => "would allow, but does not apply",
            (false, Effect::Deny) => "would deny, but does not apply",
        };
        let sid = match s.sid() {
            Some(sid) => format!("statement \"{sid}\" (#{})", s.index()),
            None => format!("statement #{}", s.index()),
        };
        let _ = writeln!(out, "    {sid} at line {}, column {}: {verb}", s.start().line, s.start().column);
        match r.principal_match {
            PrincipalMatch::Account if r.policy_type.is_resource_side() => {
                let _ = writeln!(
                    out,
                    "      names the caller's account (delegation: an identity-based policy must also allow)"
                );
            }
            PrincipalMatch::Role if r.policy_type.is_resource_side() => {
                let _ = writeln!(
                    out,
                    "      names the caller's role (still limited by permissions boundary and session policy)"
                );
            }
            PrincipalMatch::Direct if r.policy_type.is_resource_side() => {
                let _ = writeln!(out, "      names the caller directly");
            }
            _ => {}
        }
        if r.unresolved_variable {
            let _ =
                writeln!(out, "      a policy variable has no value in this request, so the statement cannot apply");
        }
        for c in &r.conditions {
            let secret = redact && is_secret_key(c.key);
            let got = match c.request_values {
                // Where the condition held, the caller's value may be the secret itself.
                Some(_) if secret => "request has a value, not shown".to_string(),
                Some(v) => format!("request has {}", quote_list(v)),
                None => "key absent from request".to_string(),
            };
            let hidden = secret || (redact && r.policy_type.is_resource_side());
            let required = if hidden { "[required value not shown]".to_string() } else { quote_list(c.policy_values) };
            let outcome = match (c.held, hidden) {
                (true, _) => "held".to_string(),
                (false, false) => "failed".to_string(),
                (false, true) => format!("failed: did not match the required {}", c.key),
            };
            let _ = writeln!(out, "      condition {} {} {required}: {outcome} ({got})", c.operator, c.key);
        }
    }

    fn describe_step(&self, step: Step) -> String {
        match step {
            Step::ExplicitDeny(t) => {
                let id = self.denying_policy_id().unwrap_or("?");
                format!("an applicable Deny statement in {} \"{id}\" overrides every Allow", t.describe())
            }
            Step::NoExplicitDeny => "no applicable Deny statement in any policy".to_string(),
            Step::OrgLevelWithoutAllow(t, level) => {
                format!("no {} at organization level {} allows the action", t.describe(), level + 1)
            }
            Step::NoAllowIn(PolicyType::RoleTrust) => {
                "the role trust policy does not allow this caller (trust policies must allow explicitly)".to_string()
            }
            Step::NoAllowIn(t) => format!("no {} allows the action", t.describe()),
            Step::ResourcePolicyGrants(PrincipalMatch::Direct) => {
                "the resource-based policy allows the caller directly, so implicit denies in identity-based policies, permissions boundary and session policy do not matter".to_string()
            }
            Step::ResourcePolicyGrants(PrincipalMatch::Role) => {
                "the resource-based policy allows the caller's role; permissions boundary and session policy still limit it".to_string()
            }
            Step::ResourcePolicyGrants(_) => "the resource-based policy allows the caller".to_string(),
            Step::RootUser => "the account root user has full access to its own account".to_string(),
            Step::IdentityAllows => "an identity-based policy allows the action".to_string(),
            Step::FederatedWithoutSessionPolicy => {
                "a federated user session without session policy has no permissions".to_string()
            }
            Step::CrossAccountWithoutGrant(t) => {
                format!("the resource's account has no {} that allows the caller", t.describe())
            }
            Step::Allowed => "every applicable policy type allows the action".to_string(),
        }
    }
}

impl PolicyType {
    pub(crate) fn is_resource_side(self) -> bool {
        matches!(self, PolicyType::ResourceBased | PolicyType::RoleTrust | PolicyType::VpcEndpoint | PolicyType::Rcp)
    }
}

/// Condition keys whose required values are secrets shared between two parties: an explanation never
/// shows them (the external id a role's trust policy demands is what keeps a confused deputy out).
const SECRET_KEYS: &[&str] = &["sts:externalid"];

fn is_secret_key(key: &str) -> bool {
    SECRET_KEYS.iter().any(|k| k.eq_ignore_ascii_case(key))
}

fn quote_list(v: &[String]) -> String {
    let items: Vec<String> = v.iter().map(|s| format!("\"{s}\"")).collect();
    format!("[{}]", items.join(", "))
}

#[cfg(test)]
mod tests {
    use crate::*;

    #[test]
    fn explain_names_policies_statements_and_conditions() {
        let trust = Policy::parse(
            r#"{"Version":"2012-10-17","Statement":[{"Sid":"Partner","Effect":"Allow","Principal":{"AWS":"444455556666"},
               "Action":"sts:AssumeRole","Condition":{"StringEquals":{"sts:ExternalId":"12345"}}}]}"#,
            PolicyKind::RoleTrust,
        )
        .expect("valid");
        let bob = Principal::user("arn:aws:iam::444455556666:user/bob", None);
        let ctx = Context::new().with("sts:ExternalId", "67890");
        let mut req = Request::new(&bob, "sts:AssumeRole", "arn:aws:iam::111122223333:role/R", &ctx);
        req.resource_account = Some("111122223333");
        req.resource_policy = Some(PolicyRef::new("R", PolicySource::RoleTrust, &trust));
        let d = evaluate(&req);
        assert_eq!(d.effect(), EvalDecision::ImplicitDeny);
        let text = d.explain();
        for expected in [
            "DENIED (implicit deny)",
            "role trust policy \"R\"",
            "statement \"Partner\" (#0) at line 1, column 38: would allow, but does not apply",
            "names the caller's account",
            "condition StringEquals sts:ExternalId [\"12345\"]: failed (request has [\"67890\"])",
        ] {
            assert!(text.contains(expected), "missing {expected:?} in:\n{text}");
        }
        let redacted = d.explain_redacted();
        assert!(!redacted.contains("12345"), "{redacted}");
        assert!(
            redacted.contains(
                "condition StringEquals sts:ExternalId [required value not shown]: failed: did not match the \
                 required sts:ExternalId (request has a value, not shown)"
            ),
            "{redacted}"
        );
        let record = d.record();
        assert_eq!(record.denied_by, Some(PolicyType::Identity));
        assert_eq!(record.explanation, text);
        let reasons = d.reasons();
        assert_eq!(reasons.len(), 1);
        assert!(!reasons[0].applied);
        assert_eq!(reasons[0].principal_match, PrincipalMatch::Account);
        assert!(!reasons[0].conditions[0].held);
    }

    #[test]
    fn redaction_keeps_the_callers_own_conditions_but_not_secrets() {
        let own = Policy::parse(
            r#"{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"s3:*","Resource":"*","Condition":
               {"StringEquals":{"aws:RequestedRegion":"eu-west-1","sts:ExternalId":"s3cret"}}}}"#,
            PolicyKind::Identity,
        )
        .expect("valid");
        let bob = Principal::user("arn:aws:iam::444455556666:user/bob", None);
        let ctx = Context::new().with("aws:RequestedRegion", "us-east-1");
        let refs = [PolicyRef::new("p", PolicySource::InlineUser, &own)];
        let mut req = Request::new(&bob, "s3:GetObject", "arn:aws:s3:::b/k", &ctx);
        req.identity_policies = &refs;
        let d = evaluate(&req);
        let text = d.explain_redacted();
        assert!(text.contains("aws:RequestedRegion [\"eu-west-1\"]: failed"), "{text}");
        assert!(!text.contains("s3cret"), "{text}");
        assert!(d.explain().contains("s3cret"));
    }

    #[test]
    fn cross_account_sides_are_reported() {
        let allow = Policy::parse(
            r#"{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"s3:*","Resource":"*"}}"#,
            PolicyKind::Identity,
        )
        .expect("valid");
        let bob = Principal::user("arn:aws:iam::444455556666:user/bob", None);
        let ctx = Context::new();
        let refs = [PolicyRef::new("p", PolicySource::InlineUser, &allow)];
        let mut req = Request::new(&bob, "s3:GetObject", "arn:aws:s3:::b/k", &ctx);
        req.resource_account = Some("111122223333");
        req.identity_policies = &refs;
        let d = evaluate(&req);
        assert!(d.is_cross_account());
        assert_eq!(d.account_decisions(), (Some(EvalDecision::Allow), Some(EvalDecision::ImplicitDeny)));
        assert_eq!(d.path().last(), Some(&Step::CrossAccountWithoutGrant(PolicyType::ResourceBased)));
    }
}
