//! Building the checks of IAM's authorization entries: the action and the resource ARN (with the entity's
//! path when it exists) from AWS's Service Authorization Reference, plus the request's condition keys.

use crate::input::Input;
use sekisho_core::identity::Identity;
use sekisho_core::identity::store::{AccountIam, Tag};
use sekisho_core::{AuthzRequest, AwsError, Check};

/// The caller's account: IAM operations act there.
pub fn account<'r>(req: &'r AuthzRequest<'_>) -> &'r str {
    req.caller.account()
}

fn path_of(req: &AuthzRequest<'_>, find: impl Fn(&AccountIam) -> Option<String>) -> String {
    let state = req.world.read();
    state.account(account(req)).and_then(|a| find(&a.iam)).unwrap_or_else(|| "/".to_string())
}

pub fn role_arn(req: &AuthzRequest<'_>, name: &str) -> String {
    let path = path_of(req, |iam| iam.role(name).map(|r| r.path.clone()));
    crate::render::arn(account(req), "role", &path, name)
}

pub fn user_arn(req: &AuthzRequest<'_>, name: &str) -> String {
    let path = path_of(req, |iam| iam.user(name).map(|u| u.path.clone()));
    crate::render::arn(account(req), "user", &path, name)
}

pub fn group_arn(req: &AuthzRequest<'_>, name: &str) -> String {
    let path = path_of(req, |iam| iam.group(name).map(|g| g.path.clone()));
    crate::render::arn(account(req), "group", &path, name)
}

pub fn instance_profile_arn(req: &AuthzRequest<'_>, name: &str) -> String {
    let path = path_of(req, |iam| iam.instance_profiles.get(&name.to_ascii_lowercase()).map(|p| p.path.clone()));
    crate::render::arn(account(req), "instance-profile", &path, name)
}

/// The ARN of a new entity, from the request's `Path`.
pub fn new_arn(req: &AuthzRequest<'_>, kind: &str, name: &str) -> String {
    let path = Input(req.input).opt_str("Path").unwrap_or("/");
    crate::render::arn(account(req), kind, path, name)
}

/// An action on `*` (list operations and account-level settings).
pub fn star(action: &str) -> Result<Vec<Check>, AwsError> {
    Ok(vec![Check::new(action, "*")])
}

pub fn role(req: &AuthzRequest<'_>, action: &str) -> Result<Vec<Check>, AwsError> {
    let name = Input(req.input).str("RoleName")?;
    Ok(vec![Check::new(action, role_arn(req, name))])
}

pub fn group(req: &AuthzRequest<'_>, action: &str) -> Result<Vec<Check>, AwsError> {
    let name = Input(req.input).str("GroupName")?;
    Ok(vec![Check::new(action, group_arn(req, name))])
}

pub fn instance_profile(req: &AuthzRequest<'_>, action: &str) -> Result<Vec<Check>, AwsError> {
    let name = Input(req.input).str("InstanceProfileName")?;
    Ok(vec![Check::new(action, instance_profile_arn(req, name))])
}

/// The user named by `UserName`, or the calling user when the operation allows leaving it out.
pub fn user(req: &AuthzRequest<'_>, action: &str) -> Result<Vec<Check>, AwsError> {
    let resource = match Input(req.input).opt_str("UserName") {
        Some(name) => user_arn(req, name),
        None => req.caller.identity.arn(),
    };
    Ok(vec![Check::new(action, resource)])
}

/// The user an operation acts on: `UserName`, or the caller itself.
pub fn target_user<'a>(input: Input<'a>, identity: &'a Identity) -> Option<&'a str> {
    input.opt_str("UserName").or(match identity {
        Identity::User { name, .. } => Some(name.as_str()),
        _ => None,
    })
}

/// A managed policy named by `PolicyArn`.
pub fn policy(req: &AuthzRequest<'_>, action: &str) -> Result<Vec<Check>, AwsError> {
    let arn = Input(req.input).str("PolicyArn")?;
    Ok(vec![Check::new(action, arn)])
}

/// Adds `aws:RequestTag/<key>` for every tag and `aws:TagKeys`.
pub fn with_request_tags(mut check: Check, tags: &[Tag]) -> Check {
    if tags.is_empty() {
        return check;
    }
    for t in tags {
        check = check.with_context(&format!("aws:RequestTag/{}", t.key), t.value.clone());
    }
    check.with_context_values("aws:TagKeys", tags.iter().map(|t| t.key.clone()).collect())
}

#[cfg(test)]
pub(crate) mod testing {
    use sekisho_core::config::Config;
    use sekisho_core::identity::Identity;
    use sekisho_core::service::Caller;
    use sekisho_core::{AuthzRequest, AwsError, Check, World};
    use serde_json::Value;

    pub const ACCOUNT: &str = "111111111111";

    pub fn world() -> World {
        World::new(Config::default())
    }

    /// The checks an authorization entry produces for `input`, as the account's root user.
    pub fn checks(
        world: &World,
        authorize: fn(&AuthzRequest<'_>) -> Result<Vec<Check>, AwsError>,
        input: Value,
    ) -> Vec<Check> {
        let caller = Caller::new(Identity::Root { account: ACCOUNT.into() });
        let req = AuthzRequest { operation: "", input: &input, caller: &caller, region: "us-east-1", world };
        authorize(&req).expect("authorization entry accepts the input")
    }

    pub fn context<'c>(check: &'c Check, key: &str) -> Option<&'c [String]> {
        check.context.iter().find(|(k, _)| k == key).map(|(_, v)| v.as_slice())
    }
}
