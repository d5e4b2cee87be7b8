//! The typed policy: what the parser builds and the evaluator reads. Only the parser can make one.
//! A `Policy` is compiled once, immutable, and cheap to clone (shared by `Arc`), so it is `Send + Sync`.

use std::sync::Arc;

use crate::action::{ActionKey, ActionMatcher};
use crate::condition::Condition;
use crate::context::Context;
use crate::err::PolicyError;
use crate::glob::Glob;
use crate::json::Position;
use crate::principal::{PrincipalRef, PrincipalSet};
use crate::vars::VarGlob;

/// Which rules a document is checked against when it is parsed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PolicyKind {
    /// An inline policy of a user, group or role (PutUserPolicy, ...). `Version` may be absent.
    Identity,
    /// A customer managed policy (CreatePolicy, CreatePolicyVersion): needs `"Version": "2012-10-17"`.
    ManagedIdentity,
    /// A resource-based policy (Lambda, AgentCore, SQS, ...): every statement names a principal.
    Resource,
    /// An IAM role trust policy (CreateRole, UpdateAssumeRolePolicy).
    RoleTrust,
    /// A service control policy.
    Scp,
    /// A resource control policy.
    Rcp,
    /// A managed policy used as permissions boundary (same rules as [`PolicyKind::ManagedIdentity`]).
    PermissionsBoundary,
    /// A session policy passed to AssumeRole*/GetFederationToken.
    Session,
    /// A VPC endpoint policy.
    VpcEndpoint,
}

impl PolicyKind {
    pub(crate) fn is_identity_like(self) -> bool {
        matches!(
            self,
            PolicyKind::Identity
                | PolicyKind::ManagedIdentity
                | PolicyKind::PermissionsBoundary
                | PolicyKind::Session
                | PolicyKind::Scp
        )
    }

    pub(crate) fn needs_principal(self) -> bool {
        matches!(self, PolicyKind::Resource | PolicyKind::RoleTrust | PolicyKind::Rcp | PolicyKind::VpcEndpoint)
    }
}

/// The policy language version (`Version` element). Variables exist only in 2012-10-17.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Version {
    V2008_10_17,
    V2012_10_17,
}

impl Version {
    pub fn as_str(self) -> &'static str {
        match self {
            Version::V2008_10_17 => "2008-10-17",
            Version::V2012_10_17 => "2012-10-17",
        }
    }
}

/// A statement's `Effect`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Effect {
    Allow,
    Deny,
}

impl Effect {
    pub fn as_str(self) -> &'static str {
        match self {
            Effect::Allow => "Allow",
            Effect::Deny => "Deny",
        }
    }
}

/// A compiled IAM policy. Parse with [`Policy::parse`].
#[derive(Debug, Clone)]
pub struct Policy {
    inner: Arc<PolicyInner>,
}

#[derive(Debug)]
pub(crate) struct PolicyInner {
    pub text: String,
    pub kind: PolicyKind,
    pub version: Version,
    pub id: Option<String>,
    pub statements: Vec<Statement>,
}

impl Policy {
    /// Parses and validates `text` under the rules of `kind`, answering bad documents with AWS's
    /// `MalformedPolicyDocument` message. Never panics, whatever the input.
    pub fn parse(text: &str, kind: PolicyKind) -> Result<Policy, PolicyError> {
        crate::parse::parse(text, kind).map(|inner| Policy { inner: Arc::new(inner) })
    }

    /// The `Version` element as a string (`2008-10-17` when the document had none).
    pub fn version(&self) -> &str {
        self.inner.version.as_str()
    }

    pub fn language_version(&self) -> Version {
        self.inner.version
    }

    /// The document exactly as given.
    pub fn text(&self) -> &str {
        &self.inner.text
    }

    pub fn kind(&self) -> PolicyKind {
        self.inner.kind
    }

    /// The `Id` element, if any.
    pub fn id(&self) -> Option<&str> {
        self.inner.id.as_deref()
    }

    pub fn statements(&self) -> &[Statement] {
        &self.inner.statements
    }

    /// Every principal the policy names (`Principal` and `NotPrincipal`), for the IAM service to check
    /// that they exist; report failures with [`PolicyError::invalid_principal`].
    pub fn principals(&self) -> impl Iterator<Item = PrincipalRef<'_>> {
        self.inner.statements.iter().enumerate().flat_map(|(i, s)| {
            s.principal.iter().flat_map(move |p| {
                let (set, not_principal) = match p {
                    PrincipalElement::Principal(set) => (set, false),
                    PrincipalElement::NotPrincipal(set) => (set, true),
                };
                set.written.iter().map(move |(t, v)| PrincipalRef {
                    element_type: *t,
                    value: v,
                    not_principal,
                    statement: i,
                })
            })
        })
    }

    /// Condition keys the policy reads (condition keys and variables), as written, without duplicates.
    pub fn context_keys(&self) -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        for s in self.statements() {
            for k in s.referenced_keys() {
                if !out.iter().any(|o| o.eq_ignore_ascii_case(k)) {
                    out.push(k.to_string());
                }
            }
        }
        out
    }
}

#[derive(Debug, Clone)]
pub(crate) enum PrincipalElement {
    Principal(PrincipalSet),
    NotPrincipal(PrincipalSet),
}

#[derive(Debug, Clone)]
pub(crate) enum ResourcePattern {
    Fixed(Glob),
    /// Has policy variables: resolved per request.
    Variable(VarGlob),
}

/// One statement of a policy.
#[derive(Debug, Clone)]
pub struct Statement {
    pub(crate) index: usize,
    pub(crate) sid: Option<String>,
    pub(crate) effect: Effect,
    pub(crate) principal: Option<PrincipalElement>,
    pub(crate) not_action: bool,
    pub(crate) actions: ActionMatcher,
    pub(crate) actions_written: Vec<String>,
    pub(crate) not_resource: bool,
    /// `None` when the statement has no `Resource`/`NotResource` (allowed in some policy types): all resources.
    pub(crate) resources: Option<Vec<ResourcePattern>>,
    pub(crate) resources_written: Vec<String>,
    pub(crate) conditions: Vec<Condition>,
    pub(crate) start: Position,
    pub(crate) end: Position,
}

impl Statement {
    /// 0-based position in the policy's statement list.
    pub fn index(&self) -> usize {
        self.index
    }

    pub fn sid(&self) -> Option<&str> {
        self.sid.as_deref().filter(|s| !s.is_empty())
    }

    pub fn effect(&self) -> Effect {
        self.effect
    }

    /// Where the statement's `{` is (1-based line and column).
    pub fn start(&self) -> Position {
        self.start
    }

    /// Just past the statement's `}`.
    pub fn end(&self) -> Position {
        self.end
    }

    /// `Action` (or `NotAction`, see [`Statement::is_not_action`]) values as written.
    pub fn actions(&self) -> &[String] {
        &self.actions_written
    }

    pub fn is_not_action(&self) -> bool {
        self.not_action
    }

    pub fn resources(&self) -> &[String] {
        &self.resources_written
    }

    pub fn is_not_resource(&self) -> bool {
        self.not_resource
    }

    /// `Sid` when present, otherwise `#<index>` — how reports name the statement.
    pub fn label(&self) -> String {
        match self.sid() {
            Some(s) => s.to_string(),
            None => format!("#{}", self.index),
        }
    }

    pub(crate) fn referenced_keys(&self) -> impl Iterator<Item = &str> {
        let resource_vars = self.resources.iter().flatten().flat_map(|r| match r {
            ResourcePattern::Variable(t) => Some(t.variables()),
            ResourcePattern::Fixed(_) => None,
        });
        self.conditions.iter().flat_map(|c| c.referenced_keys()).chain(resource_vars.flatten())
    }

    pub(crate) fn action_matches(&self, action: &ActionKey<'_>) -> bool {
        self.actions.matches(action) != self.not_action
    }

    /// `Some(true/false)` for match/no match, `None` when a variable could not be resolved.
    pub(crate) fn resource_matches(&self, resource: &str, ctx: &Context) -> Option<bool> {
        let Some(patterns) = &self.resources else {
            return Some(true);
        };
        let mut any = false;
        let mut unresolved = false;
        for p in patterns {
            let hit = match p {
                ResourcePattern::Fixed(g) => g.matches(resource),
                ResourcePattern::Variable(v) => v.matches(resource, ctx).unwrap_or_else(|| {
                    unresolved = true;
                    false
                }),
            };
            if hit {
                any = true;
                break;
            }
        }
        if unresolved && !any {
            // A variable without value: the statement cannot apply, but it is reported as close.
            return None;
        }
        Some(any != self.not_resource)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::PrincipalType;

    #[test]
    fn principals_are_listed_for_existence_checks() {
        let p = Policy::parse(
            r#"{"Version":"2012-10-17","Statement":[
                {"Effect":"Allow","Principal":{"AWS":["arn:aws:iam::111111111111:role/NonExistent","222222222222"],"Service":"states.amazonaws.com"},"Action":"sts:AssumeRole"},
                {"Effect":"Allow","Principal":{"Federated":"accounts.google.com"},"Action":"sts:AssumeRoleWithWebIdentity"}]}"#,
            PolicyKind::RoleTrust,
        )
        .expect("valid");
        let all: Vec<(PrincipalType, &str, usize)> =
            p.principals().map(|r| (r.element_type, r.value, r.statement)).collect();
        assert_eq!(
            all,
            [
                (PrincipalType::Aws, "arn:aws:iam::111111111111:role/NonExistent", 0),
                (PrincipalType::Aws, "222222222222", 0),
                (PrincipalType::Service, "states.amazonaws.com", 0),
                (PrincipalType::Federated, "accounts.google.com", 1),
            ]
        );
        let first = p.principals().next().expect("one principal");
        assert_eq!(
            PolicyError::invalid_principal(&first).message(),
            "Invalid principal in policy: \"AWS\":\"arn:aws:iam::111111111111:role/NonExistent\""
        );
        assert_eq!(p.context_keys(), Vec::<String>::new());
        assert_eq!(p.version(), "2012-10-17");
    }

    #[test]
    fn policy_is_send_and_sync() {
        fn assert_send_sync<T: Send + Sync>() {}
        assert_send_sync::<Policy>();
    }
}
