//! Console passwords of users: Create/Get/Update/DeleteLoginProfile. Only the profile's existence and
//! flags are kept; the password itself is never stored.

use crate::input::Input;
use crate::{authz, errors, lookup, render, state};
use sekisho_core::identity::store::{AccountIam, LoginProfile};
use sekisho_core::{AuthzRequest, AwsError, Check, OpContext};
use serde_json::{Value, json};

fn target(ctx: &OpContext, input: Input<'_>) -> Result<String, AwsError> {
    authz::target_user(input, &ctx.caller.identity)
        .map(str::to_string)
        .ok_or_else(|| errors::validation("Must specify userName when calling with non-User credentials"))
}

fn profile<'a>(iam: &'a mut AccountIam, user: &str) -> Result<&'a mut LoginProfile, AwsError> {
    let name = lookup::user(iam, user)?.name.clone();
    iam.login_profiles
        .get_mut(&state::key(user))
        .ok_or_else(|| errors::no_such_entity(format!("Login Profile for User {name} cannot be found.")))
}

fn view(p: &LoginProfile) -> Value {
    json!({ "LoginProfile": {
        "UserName": p.user_name,
        "CreateDate": render::date(p.create_date_ms),
        "PasswordResetRequired": p.password_reset_required,
    }})
}

pub mod create_login_profile {
    use super::*;

    pub fn authorize(req: &AuthzRequest<'_>) -> Result<Vec<Check>, AwsError> {
        authz::user(req, "iam:CreateLoginProfile")
    }

    pub fn handle(ctx: &OpContext, input: Input<'_>) -> Result<Value, AwsError> {
        let user = target(ctx, input)?;
        let now = ctx.now_ms();
        state::write(ctx, |iam| {
            let name = lookup::user(iam, &user)?.name.clone();
            if iam.login_profiles.contains_key(&state::key(&user)) {
                // [inf]
                return Err(errors::already_exists(format!("Login Profile for user {name} already exists.")));
            }
            let p = LoginProfile {
                user_name: name,
                create_date_ms: now,
                password_reset_required: input.opt_bool("PasswordResetRequired").unwrap_or(false),
            };
            let out = view(&p);
            iam.login_profiles.insert(state::key(&user), p);
            Ok(out)
        })
    }
}

pub mod get_login_profile {
    use super::*;

    pub fn authorize(req: &AuthzRequest<'_>) -> Result<Vec<Check>, AwsError> {
        authz::user(req, "iam:GetLoginProfile")
    }

    pub fn handle(ctx: &OpContext, input: Input<'_>) -> Result<Value, AwsError> {
        let user = target(ctx, input)?;
        state::write(ctx, |iam| Ok(view(profile(iam, &user)?)))
    }
}

pub mod update_login_profile {
    use super::*;

    pub fn authorize(req: &AuthzRequest<'_>) -> Result<Vec<Check>, AwsError> {
        authz::user(req, "iam:UpdateLoginProfile")
    }

    pub fn handle(ctx: &OpContext, input: Input<'_>) -> Result<Value, AwsError> {
        let user = input.str("UserName")?;
        state::write(ctx, |iam| {
            let p = profile(iam, user)?;
            if let Some(r) = input.opt_bool("PasswordResetRequired") {
                p.password_reset_required = r;
            }
            Ok(json!({}))
        })
    }
}

pub mod delete_login_profile {
    use super::*;

    pub fn authorize(req: &AuthzRequest<'_>) -> Result<Vec<Check>, AwsError> {
        authz::user(req, "iam:DeleteLoginProfile")
    }

    pub fn handle(ctx: &OpContext, input: Input<'_>) -> Result<Value, AwsError> {
        let user = target(ctx, input)?;
        state::write(ctx, |iam| {
            profile(iam, &user)?;
            iam.login_profiles.remove(&state::key(&user));
            Ok(json!({}))
        })
    }
}
