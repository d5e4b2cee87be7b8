//! What the door reads from the organizations for one decision: the SCP or RCP levels that bound an account
//! (root, each OU down the path, the account) and the account's place for the organization condition keys.

use super::{Organizations, RESOURCE_CONTROL_POLICY, SERVICE_CONTROL_POLICY};
use sekisho_policy::Policy;
use std::sync::Arc;

impl Organizations {
    /// The SCP levels that limit principals of `account` (root, each OU down the path, the account), or
    /// `None` when SCPs do not apply: not in an organization, the management account, SCPs not enabled.
    pub fn scp_levels(&self, account: &str) -> Option<Levels> {
        self.levels(account, SERVICE_CONTROL_POLICY)
    }

    /// The RCP levels that limit resources of `account`, like [`Organizations::scp_levels`].
    pub fn rcp_levels(&self, account: &str) -> Option<Levels> {
        self.levels(account, RESOURCE_CONTROL_POLICY)
    }

    fn levels(&self, account: &str, policy_type: &str) -> Option<Levels> {
        let org = self.of_account(account)?;
        if org.management_account == account || !org.is_enabled(policy_type) {
            return None;
        }
        let chain = org.chain(account);
        let levels = chain
            .iter()
            .map(|target| {
                org.attached(target)
                    .filter_map(|id| org.policy(id))
                    .filter(|p| p.policy_type == policy_type)
                    .filter_map(|p| Some(LevelPolicy { arn: p.arn, name: p.name.to_string(), policy: p.compiled? }))
                    .collect()
            })
            .collect();
        Some(Levels { org_id: org.id.clone(), targets: chain, levels })
    }

    /// `aws:PrincipalOrgID` / `aws:ResourceOrgID` and the `...OrgPaths` value of `account`.
    pub fn facts(&self, account: &str) -> Option<OrgFacts> {
        let org = self.of_account(account)?;
        Some(OrgFacts { org_id: org.id.clone(), path: org.account_path(account) })
    }
}

/// An account's place in its organization, as the global condition keys carry it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrgFacts {
    pub org_id: String,
    /// `o-.../r-.../ou-.../` down to the account's parent.
    pub path: String,
}

/// The policies of one type that apply at each level from the root down to an account.
#[derive(Debug, Clone)]
pub struct Levels {
    pub org_id: String,
    /// The root, each OU down the path, the account.
    pub targets: Vec<String>,
    pub levels: Vec<Vec<LevelPolicy>>,
}

#[derive(Debug, Clone)]
pub struct LevelPolicy {
    pub arn: String,
    pub name: String,
    pub policy: Arc<Policy>,
}
