//! Principals: the caller of a request, and the `Principal`/`NotPrincipal` element that names callers.
//! A role ARN matches every session of the role, a session ARN only that session, an account delegates.

/// What kind of identity made the request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum PrincipalKind {
    /// The account root user.
    Account,
    User,
    AssumedRole,
    /// A GetFederationToken session.
    FederatedUser,
    /// An AWS service principal such as `states.amazonaws.com`.
    Service,
    /// A user of an external identity provider calling AssumeRoleWithWebIdentity / AssumeRoleWithSAML.
    WebIdentity,
    #[default]
    Anonymous,
}

/// The caller of a request.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Principal {
    pub kind: PrincipalKind,
    /// 12 digits ("" for services and anonymous callers).
    pub account: String,
    /// The identity ARN used in messages: the session ARN for role sessions, the user ARN, the root ARN.
    pub arn: String,
    /// `aws:PrincipalArn`: the role ARN (with path) for role sessions, otherwise the same as `arn`.
    pub principal_arn: String,
    /// AIDA... / AROA... (without `:session`).
    pub unique_id: Option<String>,
    /// The service principal name, e.g. `states.amazonaws.com`.
    pub service: Option<String>,
    /// For [`PrincipalKind::WebIdentity`]: the provider a trust policy names under `Federated`.
    pub provider: Option<String>,
    /// For [`PrincipalKind::FederatedUser`]: the ARN of the IAM user (or root) that federated.
    pub federated_by: Option<String>,
}

fn arn_parts(arn: &str) -> (&str, &str) {
    let mut it = arn.split(':');
    let partition = it.nth(1).unwrap_or("aws");
    let account = it.nth(2).unwrap_or_default();
    (partition, account)
}

impl Principal {
    /// The root user of `account`.
    pub fn root(account: &str) -> Principal {
        let arn = format!("arn:aws:iam::{account}:root");
        Principal {
            kind: PrincipalKind::Account,
            account: account.to_string(),
            principal_arn: arn.clone(),
            arn,
            ..Principal::default()
        }
    }

    /// An IAM user, from its ARN (`arn:aws:iam::A:user/path/name`).
    pub fn user(user_arn: &str, unique_id: Option<&str>) -> Principal {
        Principal {
            kind: PrincipalKind::User,
            account: arn_parts(user_arn).1.to_string(),
            arn: user_arn.to_string(),
            principal_arn: user_arn.to_string(),
            unique_id: unique_id.map(str::to_string),
            ..Principal::default()
        }
    }

    /// A session of the role `role_arn` (with path); the session ARN drops the path as AWS does.
    pub fn assumed_role(role_arn: &str, session: &str, role_unique_id: Option<&str>) -> Principal {
        let (partition, account) = arn_parts(role_arn);
        let name = role_arn.rsplit('/').next().unwrap_or_default();
        Principal {
            kind: PrincipalKind::AssumedRole,
            account: account.to_string(),
            arn: format!("arn:{partition}:sts::{account}:assumed-role/{name}/{session}"),
            principal_arn: role_arn.to_string(),
            unique_id: role_unique_id.map(str::to_string),
            ..Principal::default()
        }
    }

    /// A GetFederationToken session `name`, created by `federated_by` (an IAM user or root ARN).
    pub fn federated_user(account: &str, name: &str, federated_by: Option<&str>) -> Principal {
        let arn = format!("arn:aws:sts::{account}:federated-user/{name}");
        Principal {
            kind: PrincipalKind::FederatedUser,
            account: account.to_string(),
            principal_arn: arn.clone(),
            arn,
            federated_by: federated_by.map(str::to_string),
            ..Principal::default()
        }
    }

    /// A service principal such as `states.amazonaws.com`.
    pub fn service(name: &str) -> Principal {
        Principal {
            kind: PrincipalKind::Service,
            arn: name.to_string(),
            principal_arn: name.to_string(),
            service: Some(name.to_string()),
            ..Principal::default()
        }
    }

    /// A user of the identity provider `provider` (what a trust policy names under `Federated`).
    pub fn web_identity(provider: &str) -> Principal {
        Principal {
            kind: PrincipalKind::WebIdentity,
            arn: provider.to_string(),
            principal_arn: provider.to_string(),
            provider: Some(provider.to_string()),
            ..Principal::default()
        }
    }

    pub fn anonymous() -> Principal {
        Principal { kind: PrincipalKind::Anonymous, arn: "anonymous".to_string(), ..Principal::default() }
    }

    pub fn is_session(&self) -> bool {
        matches!(self.kind, PrincipalKind::AssumedRole | PrincipalKind::FederatedUser)
    }
}

/// The type of a principal entry as written in the policy.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PrincipalType {
    /// `"Principal": "*"`
    Star,
    Aws,
    Service,
    Federated,
    CanonicalUser,
}

impl PrincipalType {
    /// The name IAM uses in its messages (`"AWS":"..."`, `"SERVICE":"..."`).
    pub fn message_name(self) -> &'static str {
        match self {
            PrincipalType::Star => "STAR",
            PrincipalType::Aws => "AWS",
            PrincipalType::Service => "SERVICE",
            // [inf] by analogy with SERVICE.
            PrincipalType::Federated => "FEDERATED",
            PrincipalType::CanonicalUser => "CANONICAL_USER",
        }
    }

    /// The key as written in a policy document.
    pub fn element_key(self) -> &'static str {
        match self {
            PrincipalType::Star => "*",
            PrincipalType::Aws => "AWS",
            PrincipalType::Service => "Service",
            PrincipalType::Federated => "Federated",
            PrincipalType::CanonicalUser => "CanonicalUser",
        }
    }
}

/// A principal named by a policy, for the IAM service to check that it exists.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PrincipalRef<'a> {
    pub element_type: PrincipalType,
    pub value: &'a str,
    /// Named under `NotPrincipal`.
    pub not_principal: bool,
    /// Index of the statement (0-based).
    pub statement: usize,
}

/// An `AWS` principal value, classified once at parse time.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum AwsPrincipal {
    Any,
    Account(Box<str>),
    User(Box<str>),
    Role(Box<str>),
    AssumedRole(Box<str>),
    FederatedUser(Box<str>),
    UniqueId(Box<str>),
}

/// How strongly a resource-based policy names the caller; decides which implicit denies it overrides.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum PrincipalMatch {
    None,
    /// The caller's account (`"AWS": "A"` or `arn:aws:iam::A:root`): delegation, an identity policy is still needed.
    Account,
    /// The role (or the IAM user who federated): still limited by permissions boundary and session policy.
    Role,
    /// The calling user, session, service, or `*`: not limited by implicit denies.
    Direct,
}

/// A compiled `Principal` or `NotPrincipal` element.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub(crate) struct PrincipalSet {
    pub written: Vec<(PrincipalType, Box<str>)>,
    pub aws: Vec<AwsPrincipal>,
    pub service: Vec<Box<str>>,
    pub federated: Vec<Box<str>>,
    pub star: bool,
}

pub(crate) const PARTITIONS: &[&str] =
    &["aws", "aws-cn", "aws-us-gov", "aws-iso", "aws-iso-b", "aws-iso-e", "aws-iso-f", "aws-eusc"];

fn is_account_id(s: &str) -> bool {
    s.len() == 12 && s.bytes().all(|b| b.is_ascii_digit())
}

/// Classifies an `AWS` principal value; `None` when its form is not one IAM accepts.
pub(crate) fn classify_aws(value: &str) -> Option<AwsPrincipal> {
    if value == "*" {
        return Some(AwsPrincipal::Any);
    }
    if value.contains(['*', '?']) {
        return None;
    }
    if is_account_id(value) {
        return Some(AwsPrincipal::Account(value.into()));
    }
    if let Some(rest) = value.strip_prefix("arn:") {
        let parts: Vec<&str> = rest.splitn(5, ':').collect();
        let [partition, service, region, account, resource] = parts.as_slice() else {
            return None;
        };
        if !PARTITIONS.contains(partition) || !region.is_empty() || !is_account_id(account) {
            return None;
        }
        let named = |prefix: &str| resource.strip_prefix(prefix).is_some_and(|n| !n.is_empty());
        return match *service {
            "iam" if *resource == "root" => Some(AwsPrincipal::Account((*account).into())),
            "iam" if named("user/") => Some(AwsPrincipal::User(value.into())),
            "iam" if named("role/") => Some(AwsPrincipal::Role(value.into())),
            "sts" if named("assumed-role/") && resource.matches('/').count() == 2 => {
                Some(AwsPrincipal::AssumedRole(value.into()))
            }
            "sts" if named("federated-user/") => Some(AwsPrincipal::FederatedUser(value.into())),
            _ => None,
        };
    }
    // Unique ids (AIDA..., AROA...) appear when IAM can no longer map a stored id back to an ARN.
    let b = value.as_bytes();
    if b.len() >= 16 && b[0] == b'A' && b.iter().all(|c| c.is_ascii_uppercase() || c.is_ascii_digit()) {
        return Some(AwsPrincipal::UniqueId(value.into()));
    }
    None
}

impl PrincipalSet {
    /// How the element names `caller` (for `Principal`).
    pub fn match_caller(&self, caller: &Principal) -> PrincipalMatch {
        if self.star {
            return PrincipalMatch::Direct;
        }
        let mut best = PrincipalMatch::None;
        match caller.kind {
            PrincipalKind::Service => {
                let named = caller.service.as_deref().is_some_and(|s| self.service.iter().any(|x| **x == *s));
                if named || self.aws.contains(&AwsPrincipal::Any) {
                    return PrincipalMatch::Direct;
                }
            }
            PrincipalKind::WebIdentity => {
                let named = caller.provider.as_deref().is_some_and(|p| self.federated.iter().any(|x| **x == *p));
                if named {
                    return PrincipalMatch::Direct;
                }
            }
            _ => {}
        }
        for p in &self.aws {
            let m = match p {
                AwsPrincipal::Any => PrincipalMatch::Direct,
                _ if matches!(
                    caller.kind,
                    PrincipalKind::Service | PrincipalKind::Anonymous | PrincipalKind::WebIdentity
                ) =>
                {
                    PrincipalMatch::None
                }
                AwsPrincipal::Account(a) if **a == *caller.account => {
                    if caller.kind == PrincipalKind::Account {
                        PrincipalMatch::Direct
                    } else {
                        PrincipalMatch::Account
                    }
                }
                AwsPrincipal::User(arn) => match caller.kind {
                    PrincipalKind::User if **arn == *caller.principal_arn => PrincipalMatch::Direct,
                    PrincipalKind::FederatedUser if caller.federated_by.as_deref() == Some(&**arn) => {
                        PrincipalMatch::Role
                    }
                    _ => PrincipalMatch::None,
                },
                AwsPrincipal::Role(arn)
                    if caller.kind == PrincipalKind::AssumedRole && **arn == *caller.principal_arn =>
                {
                    PrincipalMatch::Role
                }
                AwsPrincipal::AssumedRole(arn) if caller.kind == PrincipalKind::AssumedRole && **arn == *caller.arn => {
                    PrincipalMatch::Direct
                }
                AwsPrincipal::FederatedUser(arn)
                    if caller.kind == PrincipalKind::FederatedUser && **arn == *caller.arn =>
                {
                    PrincipalMatch::Direct
                }
                AwsPrincipal::UniqueId(id) if caller.unique_id.as_deref() == Some(&**id) => match caller.kind {
                    PrincipalKind::User => PrincipalMatch::Direct,
                    PrincipalKind::AssumedRole => PrincipalMatch::Role,
                    _ => PrincipalMatch::None,
                },
                _ => PrincipalMatch::None,
            };
            best = best.max(m);
        }
        best
    }

    /// For `NotPrincipal`: true when every link of the caller's chain (account, role or user, session) is
    /// listed, so the statement does not apply. AWS may check the account first, then the role, then the
    /// session, so leaving one out still catches the caller.
    pub fn excludes(&self, caller: &Principal) -> bool {
        if self.star || self.aws.contains(&AwsPrincipal::Any) {
            return true;
        }
        let has = |want: &dyn Fn(&AwsPrincipal) -> bool| self.aws.iter().any(want);
        let account = || has(&|p| matches!(p, AwsPrincipal::Account(a) if **a == *caller.account));
        let unique = || {
            caller.unique_id.as_deref().is_some_and(|id| has(&|p| matches!(p, AwsPrincipal::UniqueId(u) if **u == *id)))
        };
        match caller.kind {
            PrincipalKind::Account => account(),
            PrincipalKind::User => {
                account() && (has(&|p| matches!(p, AwsPrincipal::User(a) if **a == *caller.principal_arn)) || unique())
            }
            PrincipalKind::AssumedRole => {
                account()
                    && (has(&|p| matches!(p, AwsPrincipal::Role(a) if **a == *caller.principal_arn)) || unique())
                    && has(&|p| matches!(p, AwsPrincipal::AssumedRole(a) if **a == *caller.arn))
            }
            PrincipalKind::FederatedUser => {
                account() && has(&|p| matches!(p, AwsPrincipal::FederatedUser(a) if **a == *caller.arn))
            }
            PrincipalKind::Service => caller.service.as_deref().is_some_and(|s| self.service.iter().any(|x| **x == *s)),
            PrincipalKind::WebIdentity => {
                caller.provider.as_deref().is_some_and(|s| self.federated.iter().any(|x| **x == *s))
            }
            PrincipalKind::Anonymous => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn aws(values: &[&str]) -> PrincipalSet {
        PrincipalSet {
            aws: values.iter().map(|v| classify_aws(v).expect("valid")).collect(),
            ..PrincipalSet::default()
        }
    }

    #[test]
    fn role_arn_matches_any_session_session_arn_only_itself() {
        let caller = Principal::assumed_role("arn:aws:iam::111122223333:role/R", "s1", None);
        assert_eq!(aws(&["arn:aws:iam::111122223333:role/R"]).match_caller(&caller), PrincipalMatch::Role);
        assert_eq!(aws(&["arn:aws:sts::111122223333:assumed-role/R/s1"]).match_caller(&caller), PrincipalMatch::Direct);
        assert_eq!(aws(&["arn:aws:sts::111122223333:assumed-role/R/s2"]).match_caller(&caller), PrincipalMatch::None);
        assert_eq!(aws(&["111122223333"]).match_caller(&caller), PrincipalMatch::Account);
        assert_eq!(aws(&["arn:aws:iam::111122223333:root"]).match_caller(&caller), PrincipalMatch::Account);
    }

    #[test]
    fn wildcards_inside_principal_arns_are_refused() {
        assert!(classify_aws("arn:aws:sts::111122223333:assumed-role/R/*").is_none());
        assert!(classify_aws("arn:aws:iam::*:root").is_none());
        assert!(classify_aws("arn:aws:iam::111122223333:group/G").is_none());
        assert!(classify_aws("not-a-principal").is_none());
        assert_eq!(classify_aws("AROADBQP57FF2AEXAMPLE"), Some(AwsPrincipal::UniqueId("AROADBQP57FF2AEXAMPLE".into())));
    }

    #[test]
    fn not_principal_needs_the_whole_chain() {
        let caller = Principal::assumed_role(
            "arn:aws:iam::444455556666:role/cross-account-read-only-role",
            "cross-account-audit-app",
            None,
        );
        let full = aws(&[
            "arn:aws:sts::444455556666:assumed-role/cross-account-read-only-role/cross-account-audit-app",
            "arn:aws:iam::444455556666:role/cross-account-read-only-role",
            "arn:aws:iam::444455556666:root",
        ]);
        assert!(full.excludes(&caller));
        let no_role = aws(&[
            "arn:aws:sts::444455556666:assumed-role/cross-account-read-only-role/cross-account-audit-app",
            "arn:aws:iam::444455556666:root",
        ]);
        assert!(!no_role.excludes(&caller));
    }
}
