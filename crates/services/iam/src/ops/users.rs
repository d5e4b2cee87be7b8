//! Users: CreateUser, GetUser (no name = the caller), DeleteUser, ListUsers, UpdateUser, and user tags.
//! Renaming a user carries its keys, groups and credentials along.

use crate::input::Input;
use crate::render::{self, View};
use crate::{authz, errors, lookup, paging, state, tagging, validate};
use sekisho_core::identity::Identity;
use sekisho_core::identity::store::User;
use sekisho_core::{AuthzRequest, AwsError, Check, OpContext, ids};
use serde_json::{Value, json};

pub mod create_user {
    use super::*;

    pub fn authorize(req: &AuthzRequest<'_>) -> Result<Vec<Check>, AwsError> {
        let input = Input(req.input);
        let name = input.str("UserName")?;
        let mut check = Check::new("iam:CreateUser", authz::new_arn(req, "user", name));
        if let Some(b) = input.opt_str("PermissionsBoundary") {
            check = check.with_context("iam:PermissionsBoundary", b);
        }
        Ok(vec![authz::with_request_tags(check, &input.tags("Tags"))])
    }

    pub fn handle(ctx: &OpContext, input: Input<'_>) -> Result<Value, AwsError> {
        let name = input.str("UserName")?;
        let tags = input.tags("Tags");
        validate::tags(&tags)?;
        let now = ctx.now_ms();
        state::write(ctx, |iam| {
            if iam.user(name).is_some() {
                return Err(errors::already_exists(format!("User with name {name} already exists.")));
            }
            let boundary = input.opt_str("PermissionsBoundary").map(str::to_string);
            if let Some(b) = &boundary {
                crate::ops::roles::check_boundary(iam, b)?;
            }
            let user = User {
                name: name.to_string(),
                path: input.opt_str("Path").unwrap_or("/").to_string(),
                id: ids::unique_id("AIDA"),
                create_date_ms: now,
                inline_policies: Default::default(),
                attached_policies: Vec::new(),
                groups: Vec::new(),
                permissions_boundary: boundary,
                tags,
            };
            let out = render::user(ctx.account(), &user, None, View::Full);
            iam.users.insert(state::key(name), user);
            Ok(json!({ "User": out }))
        })
    }
}

pub mod get_user {
    use super::*;

    pub fn authorize(req: &AuthzRequest<'_>) -> Result<Vec<Check>, AwsError> {
        authz::user(req, "iam:GetUser")
    }

    pub fn handle(ctx: &OpContext, input: Input<'_>) -> Result<Value, AwsError> {
        let name = match authz::target_user(input, &ctx.caller.identity) {
            Some(n) => n.to_string(),
            None => return caller_without_user(ctx),
        };
        state::read(ctx, |iam| {
            let user = lookup::user(iam, &name)?;
            Ok(json!({ "User": render::user(ctx.account(), user, None, View::Full) }))
        })
    }

    /// The root user describes itself; other principals without a user must name one.
    fn caller_without_user(ctx: &OpContext) -> Result<Value, AwsError> {
        match &ctx.caller.identity {
            Identity::Root { account } => {
                let created = ctx.world.read().account(account).map(|a| a.created_ms).unwrap_or(0);
                Ok(json!({ "User": {
                    "UserId": account,
                    "Arn": format!("arn:aws:iam::{account}:root"),
                    "CreateDate": render::date(created),
                }}))
            }
            _ => Err(errors::validation("Must specify userName when calling with non-User credentials")),
        }
    }
}

pub mod delete_user {
    use super::*;

    pub fn authorize(req: &AuthzRequest<'_>) -> Result<Vec<Check>, AwsError> {
        authz::user(req, "iam:DeleteUser")
    }

    pub fn handle(ctx: &OpContext, input: Input<'_>) -> Result<Value, AwsError> {
        let name = input.str("UserName")?;
        let account = ctx.account().to_string();
        let now = ctx.now_ms();
        state::world(ctx, |w| {
            let iam = &mut w.account_mut(&account, now).iam;
            let user = lookup::user(iam, name)?;
            let key = state::key(name);
            let owns = |n: &str| n.eq_ignore_ascii_case(name);
            let conflict = if iam.login_profiles.contains_key(&key) {
                Some("login profile")
            } else if iam.access_keys.values().any(|k| owns(&k.user_name)) {
                Some("access keys")
            } else if iam.signing_certificates.values().any(|c| owns(&c.user_name)) {
                Some("signing certificates")
            } else if iam.ssh_public_keys.values().any(|k| owns(&k.user_name)) {
                Some("SSH public keys")
            } else if iam.mfa_devices.values().any(|d| d.user_name.as_deref().is_some_and(owns)) {
                Some("MFA device")
            } else if !user.inline_policies.is_empty() {
                Some("policies")
            } else {
                None
            };
            if let Some(what) = conflict {
                return Err(errors::delete_conflict(format!("Cannot delete entity, must delete {what} first.")));
            }
            if !user.attached_policies.is_empty() {
                return Err(errors::delete_conflict("Cannot delete entity, must detach all policies first."));
            }
            if !user.groups.is_empty() {
                return Err(errors::delete_conflict("Cannot delete entity, must remove users from group first."));
            }
            if let Some(user) = iam.users.remove(&key) {
                let arn = render::arn(&account, "user", &user.path, &user.name);
                crate::principals::forget(w, &arn, &user.id);
            }
            Ok(json!({}))
        })
    }
}

pub mod list_users {
    use super::*;

    pub fn authorize(_req: &AuthzRequest<'_>) -> Result<Vec<Check>, AwsError> {
        authz::star("iam:ListUsers")
    }

    pub fn handle(ctx: &OpContext, input: Input<'_>) -> Result<Value, AwsError> {
        let prefix = input.opt_str("PathPrefix").unwrap_or("/");
        let items = state::read(ctx, |iam| {
            iam.users
                .iter()
                .filter(|(_, u)| u.path.starts_with(prefix))
                .map(|(k, u)| (k.clone(), render::user(ctx.account(), u, None, View::List)))
                .collect()
        });
        Ok(paging::page(items, input)?.into_output("Users"))
    }
}

pub mod update_user {
    use super::*;

    pub fn authorize(req: &AuthzRequest<'_>) -> Result<Vec<Check>, AwsError> {
        let mut checks = authz::user(req, "iam:UpdateUser")?;
        // Renaming or moving a user is also authorized against the new ARN.
        let input = Input(req.input);
        if input.opt_str("NewUserName").is_some() || input.opt_str("NewPath").is_some() {
            let name = input.opt_str("NewUserName").or(input.opt_str("UserName")).unwrap_or_default();
            let path = input.opt_str("NewPath").unwrap_or("/");
            checks.push(Check::new("iam:UpdateUser", render::arn(authz::account(req), "user", path, name)));
        }
        Ok(checks)
    }

    pub fn handle(ctx: &OpContext, input: Input<'_>) -> Result<Value, AwsError> {
        let name = input.str("UserName")?;
        let new_name = input.opt_str("NewUserName");
        let new_path = input.opt_str("NewPath");
        let account = ctx.account().to_string();
        let now = ctx.now_ms();
        state::world(ctx, |w| {
            let iam = &mut w.account_mut(&account, now).iam;
            let mut user = lookup::user(iam, name)?.clone();
            if let Some(n) = new_name
                && !n.eq_ignore_ascii_case(name)
                && iam.user(n).is_some()
            {
                return Err(errors::already_exists(format!("User with name {n} already exists.")));
            }
            iam.users.remove(&state::key(name));
            let old = user.name.clone();
            if let Some(n) = new_name {
                user.name = n.to_string();
            }
            if let Some(p) = new_path {
                user.path = p.to_string();
            }
            let new_name = user.name.clone();
            let renamed = |n: &mut String| {
                if n.eq_ignore_ascii_case(&old) {
                    *n = new_name.clone();
                }
            };
            iam.access_keys.values_mut().for_each(|k| renamed(&mut k.user_name));
            iam.ssh_public_keys.values_mut().for_each(|k| renamed(&mut k.user_name));
            iam.signing_certificates.values_mut().for_each(|c| renamed(&mut c.user_name));
            iam.mfa_devices.values_mut().for_each(|d| {
                if let Some(n) = &mut d.user_name {
                    renamed(n)
                }
            });
            if let Some(mut profile) = iam.login_profiles.remove(&state::key(&old)) {
                profile.user_name = user.name.clone();
                iam.login_profiles.insert(state::key(&user.name), profile);
            }
            let keys: Vec<String> = iam
                .access_keys
                .values()
                .filter(|k| k.user_name == user.name)
                .map(|k| k.access_key_id.clone())
                .collect();
            let identity = Identity::User {
                account: account.clone(),
                name: user.name.clone(),
                path: user.path.clone(),
                id: user.id.clone(),
            };
            iam.users.insert(state::key(&user.name), user);
            for k in keys {
                if let Some(record) = w.credentials.get_mut(&k) {
                    record.identity = identity.clone();
                }
            }
            Ok(json!({}))
        })
    }
}

pub mod tag_user {
    use super::*;

    pub fn authorize(req: &AuthzRequest<'_>) -> Result<Vec<Check>, AwsError> {
        let tags = Input(req.input).tags("Tags");
        Ok(authz::user(req, "iam:TagUser")?.into_iter().map(|c| authz::with_request_tags(c, &tags)).collect())
    }

    pub fn handle(ctx: &OpContext, input: Input<'_>) -> Result<Value, AwsError> {
        let name = input.str("UserName")?;
        tagging::tag(ctx, input, "TagsPerUser", |iam| Ok(&mut lookup::user_mut(iam, name)?.tags))
    }
}

pub mod untag_user {
    use super::*;

    pub fn authorize(req: &AuthzRequest<'_>) -> Result<Vec<Check>, AwsError> {
        let keys = Input(req.input).strings("TagKeys");
        Ok(authz::user(req, "iam:UntagUser")?
            .into_iter()
            .map(|c| c.with_context_values("aws:TagKeys", keys.clone()))
            .collect())
    }

    pub fn handle(ctx: &OpContext, input: Input<'_>) -> Result<Value, AwsError> {
        let name = input.str("UserName")?;
        tagging::untag(ctx, input, |iam| Ok(&mut lookup::user_mut(iam, name)?.tags))
    }
}

pub mod list_user_tags {
    use super::*;

    pub fn authorize(req: &AuthzRequest<'_>) -> Result<Vec<Check>, AwsError> {
        authz::user(req, "iam:ListUserTags")
    }

    pub fn handle(ctx: &OpContext, input: Input<'_>) -> Result<Value, AwsError> {
        let name = input.str("UserName")?;
        tagging::list(ctx, input, |iam| Ok(lookup::user(iam, name)?.tags.clone()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::authz::testing::{checks, world};

    #[test]
    fn renaming_a_user_is_also_checked_on_the_new_arn() {
        let w = world();
        let c = checks(&w, update_user::authorize, json!({"UserName": "a", "NewUserName": "b", "NewPath": "/x/"}));
        let resources: Vec<&str> = c.iter().map(|c| c.resource.as_str()).collect();
        assert_eq!(resources, ["arn:aws:iam::111111111111:user/a", "arn:aws:iam::111111111111:user/x/b"]);
        let c = checks(&w, get_user::authorize, json!({}));
        assert_eq!(c[0].resource, "arn:aws:iam::111111111111:root");
    }
}
