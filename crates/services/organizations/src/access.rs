//! Building the checks of Organizations' authorization entries, and Organizations' own rule before them:
//! most operations belong to the management account; a member account is told it lacks permissions and an
//! account outside any organization that it is not a member.

use crate::errors;
use crate::input::Input;
use sekisho_core::organization::{Organization, aws_managed};
use sekisho_core::{AuthzRequest, AwsError, Check};

/// Runs `checks` on the caller's organization when the caller is its management account.
pub fn management(
    req: &AuthzRequest<'_>,
    checks: impl FnOnce(&Organization) -> Result<Vec<Check>, AwsError>,
) -> Result<Vec<Check>, AwsError> {
    let state = req.world.read();
    let org = state.organizations.of_account(req.caller.account()).ok_or_else(errors::not_in_use)?;
    if org.management_account != req.caller.account() {
        return Err(errors::access_denied());
    }
    checks(org)
}

/// An operation any account of an organization may call.
pub fn member(req: &AuthzRequest<'_>, action: &str) -> Result<Vec<Check>, AwsError> {
    let state = req.world.read();
    state.organizations.of_account(req.caller.account()).ok_or_else(errors::not_in_use)?;
    Ok(vec![Check::new(action, "*")])
}

/// A management-only action on `*`.
pub fn star(req: &AuthzRequest<'_>, action: &str) -> Result<Vec<Check>, AwsError> {
    management(req, |_| Ok(vec![Check::new(action, "*")]))
}

fn arn(org: &Organization, kind: &str, rest: &str) -> String {
    format!("arn:aws:organizations::{}:{kind}/{}/{rest}", org.management_account, org.id)
}

/// The ARN of a root, OU or account id, whether or not it exists (the handler reports a missing one).
pub fn target_arn(org: &Organization, id: &str) -> String {
    if id.starts_with("r-") {
        arn(org, "root", id)
    } else if id.starts_with("ou-") {
        org.unit_arn(id)
    } else {
        org.account_arn(id)
    }
}

/// The ARN of a policy id, and its type when the policy exists.
pub fn policy_arn(org: &Organization, id: &str) -> (String, Option<String>) {
    match org.policy(id) {
        Some(p) => (p.arn, Some(p.policy_type.to_string())),
        None => match aws_managed(id) {
            Some(m) => (m.arn(), Some(m.policy_type.to_string())),
            None => ("*".to_string(), None),
        },
    }
}

/// `aws:RequestTag/<key>` and `aws:TagKeys` for the `Tags` a request carries.
pub fn with_request_tags(mut check: Check, input: Input<'_>) -> Check {
    let tags = input.tags("Tags");
    if tags.is_empty() {
        return check;
    }
    for (k, v) in &tags {
        check = check.with_context(&format!("aws:RequestTag/{k}"), v.clone());
    }
    check.with_context_values("aws:TagKeys", tags.into_iter().map(|(k, _)| k).collect())
}

/// A management-only action on one policy (`PolicyId`), with `organizations:PolicyType`.
pub fn policy(req: &AuthzRequest<'_>, action: &str) -> Result<Vec<Check>, AwsError> {
    let id = Input(req.input).str("PolicyId")?;
    management(req, |org| {
        let (arn, policy_type) = policy_arn(org, id);
        let mut check = Check::new(action, arn);
        if let Some(t) = policy_type {
            check = check.with_context("organizations:PolicyType", t);
        }
        Ok(vec![check])
    })
}

/// A management-only action on one root, OU or account named by `member`.
pub fn target(req: &AuthzRequest<'_>, action: &str, member: &str) -> Result<Vec<Check>, AwsError> {
    let id = Input(req.input).str(member)?;
    management(req, |org| Ok(vec![Check::new(action, target_arn(org, id))]))
}
