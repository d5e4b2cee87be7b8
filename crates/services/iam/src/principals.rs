//! The principals a trust policy names must exist (IAM-9): an IAM user or role ARN that does not exist in
//! its account is refused with `Invalid principal in policy`. Accounts themselves exist on first use.

use crate::errors;
use sekisho_core::AwsError;
use sekisho_core::identity::store::AccountIam;
use sekisho_core::world::WorldState;
use sekisho_policy::{Policy, PolicyError, PrincipalType};

/// `(account, kind, path, name)` of `arn:aws:iam::<account>:<kind>/<path...>/<name>` for users and roles.
fn iam_entity(arn: &str) -> Option<(&str, &str, String, &str)> {
    let rest = arn.strip_prefix("arn:")?;
    let mut parts = rest.splitn(5, ':');
    let (_partition, service, _region, account, resource) =
        (parts.next()?, parts.next()?, parts.next()?, parts.next()?, parts.next()?);
    if service != "iam" {
        return None;
    }
    let (kind, rest) = resource.split_once('/')?;
    if kind != "user" && kind != "role" {
        return None;
    }
    let (path, name) = match rest.rsplit_once('/') {
        Some((p, n)) => (format!("/{p}/"), n),
        None => ("/".to_string(), rest),
    };
    Some((account, kind, path, name))
}

fn exists(iam: Option<&AccountIam>, kind: &str, path: &str, name: &str) -> bool {
    let Some(iam) = iam else { return false };
    match kind {
        "user" => iam.user(name).is_some_and(|u| u.path == path),
        _ => iam.role(name).is_some_and(|r| r.path == path),
    }
}

/// Refuses a policy that names a user or role that does not exist.
pub fn check(state: &WorldState, policy: &Policy) -> Result<(), AwsError> {
    for p in policy.principals() {
        if p.element_type != PrincipalType::Aws {
            continue;
        }
        if let Some((account, kind, path, name)) = iam_entity(p.value)
            && !exists(state.account(account).map(|a| &a.iam), kind, &path, name)
        {
            return Err(errors::malformed(&PolicyError::invalid_principal(&p)));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entity_arns_split_into_account_kind_path_and_name() {
        assert_eq!(
            iam_entity("arn:aws:iam::111111111111:role/app/x/r"),
            Some(("111111111111", "role", "/app/x/".to_string(), "r"))
        );
        assert_eq!(iam_entity("arn:aws:iam::111111111111:user/u"), Some(("111111111111", "user", "/".into(), "u")));
        assert_eq!(iam_entity("arn:aws:iam::111111111111:root"), None);
        assert_eq!(iam_entity("arn:aws:sts::111111111111:assumed-role/r/s"), None);
    }
}
