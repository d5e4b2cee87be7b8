//! The calling principal as AWS names it: ARNs, unique ids, and the request-context values derived from it.
//! A role session keeps everything STS decided when it was issued (session policies, tags, chaining).

use serde::{Deserialize, Serialize};
use std::sync::Arc;

/// A session tag `(key, value)` and whether it is transitive.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SessionTag {
    pub key: String,
    pub value: String,
    pub transitive: bool,
}

/// A role session issued by `sts:AssumeRole` (or by a service assuming a role on a user's behalf).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RoleSession {
    pub account: String,
    pub role_name: String,
    pub role_path: String,
    /// The role's unique id (AROA...).
    pub role_id: String,
    pub session_name: String,
    pub issued_ms: i64,
    pub expires_ms: i64,
    /// Inline session policy text passed to AssumeRole (`Policy`).
    pub session_policy: Option<String>,
    /// Managed policy ARNs passed to AssumeRole (`PolicyArns`).
    pub session_policy_arns: Vec<String>,
    /// `true` when a session policy of either kind was passed.
    pub has_session_policies: bool,
    pub tags: Vec<SessionTag>,
    pub source_identity: Option<String>,
    /// Issued to temporary credentials (role chaining): capped at one hour.
    pub chained: bool,
    /// The service principal that assumed the role (`states.amazonaws.com`, `lambda.amazonaws.com`, ...), if any.
    pub assumed_by_service: Option<String>,
}

impl RoleSession {
    pub fn arn(&self) -> String {
        format!("arn:aws:sts::{}:assumed-role/{}/{}", self.account, self.role_name, self.session_name)
    }

    pub fn role_arn(&self) -> String {
        format!("arn:aws:iam::{}:role{}{}", self.account, self.role_path, self.role_name)
    }

    /// `AROA...:session` as `aws:userid` and `AssumedRoleUser.AssumedRoleId` show it.
    pub fn assumed_role_id(&self) -> String {
        format!("{}:{}", self.role_id, self.session_name)
    }
}

/// A federated-user session issued by `sts:GetFederationToken` to an IAM user (or the root user). STS API
/// reference, GetFederationToken: its permissions are the intersection of the caller's identity policies and
/// the session policies passed; without a session policy it may do nothing.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FederatedSession {
    pub account: String,
    /// The name the caller chose (`Name`).
    pub name: String,
    /// The IAM user who federated; `None` for the root user.
    pub user_name: Option<String>,
    pub issued_ms: i64,
    pub expires_ms: i64,
    pub session_policy: Option<String>,
    pub session_policy_arns: Vec<String>,
    pub tags: Vec<SessionTag>,
}

impl FederatedSession {
    pub fn arn(&self) -> String {
        format!("arn:aws:sts::{}:federated-user/{}", self.account, self.name)
    }

    /// `FederatedUserId` and `aws:userid`: `account:name`.
    pub fn user_id(&self) -> String {
        format!("{}:{}", self.account, self.name)
    }
}

/// The principal a request is made as.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum Identity {
    /// The account's root user.
    Root { account: String },
    /// An IAM user (long-term AKIA keys).
    User { account: String, name: String, path: String, id: String },
    /// A role session (temporary ASIA keys).
    RoleSession(Arc<RoleSession>),
    /// An AWS service principal acting for sekisho's own services (e.g. `states.amazonaws.com`).
    Service { principal: String },
    /// A GetFederationToken session (temporary ASIA keys).
    FederatedUser(Arc<FederatedSession>),
    /// An unsigned request, which only the operations AWS serves without credentials accept
    /// (AssumeRoleWithWebIdentity, AssumeRoleWithSAML: their models say `authtype: none`).
    Anonymous,
}

impl Identity {
    pub fn account(&self) -> &str {
        match self {
            Identity::Root { account } | Identity::User { account, .. } => account,
            Identity::RoleSession(s) => &s.account,
            Identity::FederatedUser(f) => &f.account,
            Identity::Service { .. } | Identity::Anonymous => "",
        }
    }

    /// The ARN AWS prints as the caller (`User: <arn> is not authorized ...`, GetCallerIdentity `Arn`).
    pub fn arn(&self) -> String {
        match self {
            Identity::Root { account } => format!("arn:aws:iam::{account}:root"),
            Identity::User { account, name, path, .. } => format!("arn:aws:iam::{account}:user{path}{name}"),
            Identity::RoleSession(s) => s.arn(),
            Identity::FederatedUser(f) => f.arn(),
            Identity::Service { principal } => principal.clone(),
            Identity::Anonymous => "anonymous".to_string(),
        }
    }

    /// `aws:PrincipalArn`: the role ARN for role sessions.
    pub fn principal_arn(&self) -> String {
        match self {
            Identity::RoleSession(s) => s.role_arn(),
            other => other.arn(),
        }
    }

    /// `aws:userid` and GetCallerIdentity `UserId`.
    pub fn user_id(&self) -> String {
        match self {
            Identity::Root { account } => account.clone(),
            Identity::User { id, .. } => id.clone(),
            Identity::RoleSession(s) => s.assumed_role_id(),
            Identity::FederatedUser(f) => f.user_id(),
            Identity::Service { principal } => principal.clone(),
            Identity::Anonymous => "anonymous".to_string(),
        }
    }

    pub fn session(&self) -> Option<&RoleSession> {
        match self {
            Identity::RoleSession(s) => Some(s),
            _ => None,
        }
    }

    pub fn federated(&self) -> Option<&FederatedSession> {
        match self {
            Identity::FederatedUser(f) => Some(f),
            _ => None,
        }
    }

    pub fn is_root(&self) -> bool {
        matches!(self, Identity::Root { .. })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn session() -> RoleSession {
        RoleSession {
            account: "222222222222".into(),
            role_name: "external-role".into(),
            role_path: "/app/".into(),
            role_id: "AROAEXAMPLEEXAMPLE1".into(),
            session_name: "external-session".into(),
            issued_ms: 0,
            expires_ms: 3_600_000,
            session_policy: None,
            session_policy_arns: vec![],
            has_session_policies: false,
            tags: vec![],
            source_identity: None,
            chained: false,
            assumed_by_service: None,
        }
    }

    #[test]
    fn arns_drop_the_role_path_for_sessions() {
        let id = Identity::RoleSession(Arc::new(session()));
        assert_eq!(id.arn(), "arn:aws:sts::222222222222:assumed-role/external-role/external-session");
        assert_eq!(id.principal_arn(), "arn:aws:iam::222222222222:role/app/external-role");
        assert_eq!(id.user_id(), "AROAEXAMPLEEXAMPLE1:external-session");
        let root = Identity::Root { account: "111111111111".into() };
        assert_eq!(root.arn(), "arn:aws:iam::111111111111:root");
        assert_eq!(root.user_id(), "111111111111");
    }
}
