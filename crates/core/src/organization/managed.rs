//! The AWS-managed organization policies: FullAWSAccess (SCP) and RCPFullAWSAccess (RCP), attached to every
//! root, OU and account when their policy type is enabled. Compiled once, shared by every organization.

use super::{PolicyView, RESOURCE_CONTROL_POLICY, SERVICE_CONTROL_POLICY};
use sekisho_policy::{Policy, PolicyKind};
use std::sync::{Arc, OnceLock};

pub const FULL_AWS_ACCESS: &str = "p-FullAWSAccess";
pub const RCP_FULL_AWS_ACCESS: &str = "p-RCPFullAWSAccess";

/// An AWS-managed organization policy (`arn:aws:organizations::aws:policy/...`).
#[derive(Debug)]
pub struct AwsManagedOrgPolicy {
    pub id: &'static str,
    arn: &'static str,
    pub name: &'static str,
    pub description: &'static str,
    pub policy_type: &'static str,
    pub content: &'static str,
    compiled: OnceLock<Option<Arc<Policy>>>,
}

impl AwsManagedOrgPolicy {
    pub fn arn(&self) -> String {
        self.arn.to_string()
    }

    pub fn compiled(&self) -> Option<Arc<Policy>> {
        self.compiled
            .get_or_init(|| {
                let kind = if self.policy_type == SERVICE_CONTROL_POLICY { PolicyKind::Scp } else { PolicyKind::Rcp };
                Policy::parse(self.content, kind).ok().map(Arc::new)
            })
            .clone()
    }

    pub fn view(&self) -> PolicyView<'static> {
        PolicyView {
            id: self.id,
            arn: self.arn(),
            name: self.name,
            description: self.description,
            policy_type: self.policy_type,
            content: self.content,
            aws_managed: true,
            compiled: self.compiled(),
        }
    }
}

fn catalog() -> &'static [AwsManagedOrgPolicy; 2] {
    static CATALOG: OnceLock<[AwsManagedOrgPolicy; 2]> = OnceLock::new();
    CATALOG.get_or_init(|| {
        [
            AwsManagedOrgPolicy {
                id: FULL_AWS_ACCESS,
                arn: "arn:aws:organizations::aws:policy/service_control_policy/p-FullAWSAccess",
                name: "FullAWSAccess",
                description: "Allows access to every operation",
                policy_type: SERVICE_CONTROL_POLICY,
                content: r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}"#,
                compiled: OnceLock::new(),
            },
            AwsManagedOrgPolicy {
                id: RCP_FULL_AWS_ACCESS,
                arn: "arn:aws:organizations::aws:policy/resource_control_policy/p-RCPFullAWSAccess",
                name: "RCPFullAWSAccess",
                description: "Allows access to every operation",
                policy_type: RESOURCE_CONTROL_POLICY,
                content: r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"*","Resource":"*"}]}"#,
                compiled: OnceLock::new(),
            },
        ]
    })
}

/// The AWS-managed organization policy with this id.
pub fn aws_managed(id: &str) -> Option<&'static AwsManagedOrgPolicy> {
    catalog().iter().find(|p| p.id == id)
}

/// Every AWS-managed organization policy.
pub fn all() -> impl Iterator<Item = &'static AwsManagedOrgPolicy> {
    catalog().iter()
}

/// The policy AWS attaches everywhere when `policy_type` is enabled.
pub fn default_for(policy_type: &str) -> Option<&'static str> {
    match policy_type {
        SERVICE_CONTROL_POLICY => Some(FULL_AWS_ACCESS),
        RESOURCE_CONTROL_POLICY => Some(RCP_FULL_AWS_ACCESS),
        _ => None,
    }
}
