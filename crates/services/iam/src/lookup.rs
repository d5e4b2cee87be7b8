//! Finding entities in an account by name or ARN, with IAM's NoSuchEntity answers when they are missing.

use crate::errors;
use sekisho_core::AwsError;
use sekisho_core::identity::store::{AccountIam, Group, InstanceProfile, Role, User};
use sekisho_core::managed;

pub fn role<'a>(iam: &'a AccountIam, name: &str) -> Result<&'a Role, AwsError> {
    iam.role(name).ok_or_else(|| errors::no_such_role(name))
}

pub fn role_mut<'a>(iam: &'a mut AccountIam, name: &str) -> Result<&'a mut Role, AwsError> {
    iam.roles.get_mut(&name.to_ascii_lowercase()).ok_or_else(|| errors::no_such_role(name))
}

pub fn user<'a>(iam: &'a AccountIam, name: &str) -> Result<&'a User, AwsError> {
    iam.user(name).ok_or_else(|| errors::no_such_user(name))
}

pub fn user_mut<'a>(iam: &'a mut AccountIam, name: &str) -> Result<&'a mut User, AwsError> {
    iam.users.get_mut(&name.to_ascii_lowercase()).ok_or_else(|| errors::no_such_user(name))
}

pub fn group<'a>(iam: &'a AccountIam, name: &str) -> Result<&'a Group, AwsError> {
    iam.group(name).ok_or_else(|| errors::no_such_group(name))
}

pub fn group_mut<'a>(iam: &'a mut AccountIam, name: &str) -> Result<&'a mut Group, AwsError> {
    iam.groups.get_mut(&name.to_ascii_lowercase()).ok_or_else(|| errors::no_such_group(name))
}

pub fn instance_profile<'a>(iam: &'a AccountIam, name: &str) -> Result<&'a InstanceProfile, AwsError> {
    iam.instance_profiles.get(&name.to_ascii_lowercase()).ok_or_else(|| errors::no_such_instance_profile(name))
}

pub fn instance_profile_mut<'a>(iam: &'a mut AccountIam, name: &str) -> Result<&'a mut InstanceProfile, AwsError> {
    iam.instance_profiles.get_mut(&name.to_ascii_lowercase()).ok_or_else(|| errors::no_such_instance_profile(name))
}

/// `true` when `arn` is a managed policy this account can attach: its own customer managed policies and
/// AWS managed policies.
pub fn attachable(iam: &AccountIam, arn: &str) -> bool {
    iam.policies.contains_key(arn) || managed::get(arn).is_some_and(|p| p.is_attachable)
}

fn is_policy_arn(arn: &str) -> bool {
    let ok = arn.strip_prefix("arn:").and_then(|rest| {
        let mut p = rest.splitn(5, ':');
        let (_partition, service, region, account, resource) = (p.next()?, p.next()?, p.next()?, p.next()?, p.next()?);
        Some(
            service == "iam"
                && region.is_empty()
                && !account.is_empty()
                && resource.len() > "policy/".len()
                && resource.starts_with("policy/"),
        )
    });
    ok == Some(true)
}

/// A well-formed policy ARN (`arn:aws:iam::<account|aws>:policy/...`) in a `PolicyArn` member.
pub fn check_policy_arn(arn: &str) -> Result<(), AwsError> {
    if is_policy_arn(arn) { Ok(()) } else { Err(errors::invalid_input(format!("ARN {arn} is not valid."))) }
}

/// A well-formed policy ARN in a `PermissionsBoundary` member.
pub fn check_boundary_arn(arn: &str) -> Result<(), AwsError> {
    if is_policy_arn(arn) {
        Ok(())
    } else {
        Err(errors::invalid_input(format!("Value ({arn}) for parameter PermissionsBoundary is invalid.")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn policy_arns_are_checked_for_shape() {
        assert!(check_policy_arn("arn:aws:iam::aws:policy/ReadOnlyAccess").is_ok());
        assert!(check_policy_arn("arn:aws:iam::111111111111:policy/a/b").is_ok());
        assert_eq!(
            check_policy_arn("arn:aws:iam::aws:policy/").unwrap_err().message,
            "ARN arn:aws:iam::aws:policy/ is not valid."
        );
        let err = check_boundary_arn("arn:aws:iam::123456789:not_a_boundary").unwrap_err();
        assert_eq!(
            err.message,
            "Value (arn:aws:iam::123456789:not_a_boundary) for parameter PermissionsBoundary is invalid."
        );
        assert!(attachable(&AccountIam::default(), "arn:aws:iam::aws:policy/ReadOnlyAccess"));
        assert!(!attachable(&AccountIam::default(), "arn:aws:iam::aws:policy/NoSuchPolicy"));
    }
}
