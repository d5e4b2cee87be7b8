//! Access keys of IAM users: CreateAccessKey (AKIA..., the secret shown once, registered in the world's
//! credential registry), ListAccessKeys, UpdateAccessKey, DeleteAccessKey, GetAccessKeyLastUsed.

use crate::input::Input;
use crate::{authz, errors, lookup, paging, render, state};
use sekisho_core::credentials::CredentialRecord;
use sekisho_core::identity::Identity;
use sekisho_core::identity::store::{AccessKeyMeta, AccountIam};
use sekisho_core::{AuthzRequest, AwsError, Check, OpContext, ids};
use serde_json::{Value, json};

/// The user an access key operation acts on: `UserName`, the calling user, or for the root user the owner
/// of the key the request names.
fn target(ctx: &OpContext, input: Input<'_>) -> Result<String, AwsError> {
    if let Some(u) = authz::target_user(input, &ctx.caller.identity) {
        return Ok(u.to_string());
    }
    let owner = match (&ctx.caller.identity, input.opt_str("AccessKeyId")) {
        (Identity::Root { .. }, Some(id)) => {
            state::read(ctx, |iam| iam.access_keys.get(id).map(|k| k.user_name.clone()))
        }
        _ => None,
    };
    owner.ok_or_else(|| errors::validation("Must specify userName when calling with non-User credentials"))
}

fn status(active: bool) -> &'static str {
    if active { "Active" } else { "Inactive" }
}

/// The key, which must belong to `user`.
fn owned_key<'a>(iam: &'a mut AccountIam, user: &str, id: &str) -> Result<&'a mut AccessKeyMeta, AwsError> {
    lookup::user(iam, user)?;
    iam.access_keys
        .get_mut(id)
        .filter(|k| k.user_name.eq_ignore_ascii_case(user))
        .ok_or_else(|| errors::no_such_access_key(id))
}

pub mod create_access_key {
    use super::*;

    pub fn authorize(req: &AuthzRequest<'_>) -> Result<Vec<Check>, AwsError> {
        authz::user(req, "iam:CreateAccessKey")
    }

    pub fn handle(ctx: &OpContext, input: Input<'_>) -> Result<Value, AwsError> {
        let name = target(ctx, input)?;
        let account = ctx.account().to_string();
        let now = ctx.now_ms();
        state::world(ctx, |w| {
            let iam = &mut w.account_mut(&account, now).iam;
            let user = lookup::user(iam, &name)?.clone();
            if iam.access_keys.values().filter(|k| k.user_name == user.name).count() >= 2 {
                return Err(errors::quota("AccessKeysPerUser", 2));
            }
            let id = ids::access_key_id("AKIA");
            let secret = ids::secret_access_key();
            iam.access_keys.insert(
                id.clone(),
                AccessKeyMeta {
                    user_name: user.name.clone(),
                    access_key_id: id.clone(),
                    active: true,
                    create_date_ms: now,
                    last_used_ms: None,
                    last_used_service: None,
                    last_used_region: None,
                },
            );
            let identity =
                Identity::User { account: account.clone(), name: user.name.clone(), path: user.path, id: user.id };
            let record = CredentialRecord {
                secret: secret.clone(),
                session_token: None,
                identity,
                expires_ms: None,
                active: true,
                session_grant: None,
                mfa_auth_ms: None,
            };
            w.credentials.insert(id.clone(), record, now);
            Ok(json!({ "AccessKey": {
                "UserName": user.name,
                "AccessKeyId": id,
                "Status": "Active",
                "SecretAccessKey": secret,
                "CreateDate": render::date(now),
            }}))
        })
    }
}

pub mod list_access_keys {
    use super::*;

    pub fn authorize(req: &AuthzRequest<'_>) -> Result<Vec<Check>, AwsError> {
        authz::user(req, "iam:ListAccessKeys")
    }

    pub fn handle(ctx: &OpContext, input: Input<'_>) -> Result<Value, AwsError> {
        let name = target(ctx, input)?;
        let items = state::read(ctx, |iam| {
            let user = lookup::user(iam, &name)?;
            let mut keys: Vec<&AccessKeyMeta> = iam.access_keys.values().filter(|k| k.user_name == user.name).collect();
            keys.sort_by_key(|k| k.create_date_ms);
            Ok::<_, AwsError>(
                keys.iter()
                    .enumerate()
                    .map(|(i, k)| {
                        (
                            format!("{i:04}"),
                            json!({
                                "UserName": k.user_name,
                                "AccessKeyId": k.access_key_id,
                                "Status": status(k.active),
                                "CreateDate": render::date(k.create_date_ms),
                            }),
                        )
                    })
                    .collect(),
            )
        })?;
        Ok(paging::page(items, input)?.into_output("AccessKeyMetadata"))
    }
}

pub mod update_access_key {
    use super::*;

    pub fn authorize(req: &AuthzRequest<'_>) -> Result<Vec<Check>, AwsError> {
        authz::user(req, "iam:UpdateAccessKey")
    }

    pub fn handle(ctx: &OpContext, input: Input<'_>) -> Result<Value, AwsError> {
        let name = target(ctx, input)?;
        let id = input.str("AccessKeyId")?;
        let active = input.str("Status")? == "Active";
        let account = ctx.account().to_string();
        let now = ctx.now_ms();
        state::world(ctx, |w| {
            owned_key(&mut w.account_mut(&account, now).iam, &name, id)?.active = active;
            if let Some(record) = w.credentials.get_mut(id) {
                record.active = active;
            }
            Ok(json!({}))
        })
    }
}

pub mod delete_access_key {
    use super::*;

    pub fn authorize(req: &AuthzRequest<'_>) -> Result<Vec<Check>, AwsError> {
        authz::user(req, "iam:DeleteAccessKey")
    }

    pub fn handle(ctx: &OpContext, input: Input<'_>) -> Result<Value, AwsError> {
        let name = target(ctx, input)?;
        let id = input.str("AccessKeyId")?;
        let account = ctx.account().to_string();
        let now = ctx.now_ms();
        state::world(ctx, |w| {
            let iam = &mut w.account_mut(&account, now).iam;
            owned_key(iam, &name, id)?;
            iam.access_keys.remove(id);
            w.credentials.remove(id);
            Ok(json!({}))
        })
    }
}

pub mod get_access_key_last_used {
    use super::*;

    /// Authorized against the user who owns the key.
    pub fn authorize(req: &AuthzRequest<'_>) -> Result<Vec<Check>, AwsError> {
        let id = Input(req.input).str("AccessKeyId")?;
        let owner = {
            let state = req.world.read();
            state.account(authz::account(req)).and_then(|a| a.iam.access_keys.get(id)).map(|k| k.user_name.clone())
        };
        let resource = match owner {
            Some(user) => authz::user_arn(req, &user),
            None => req.caller.identity.arn(),
        };
        Ok(vec![Check::new("iam:GetAccessKeyLastUsed", resource)])
    }

    pub fn handle(ctx: &OpContext, input: Input<'_>) -> Result<Value, AwsError> {
        let id = input.str("AccessKeyId")?;
        state::read(ctx, |iam| {
            let key = iam.access_keys.get(id).ok_or_else(|| errors::no_such_access_key(id))?;
            let mut last = json!({
                "ServiceName": key.last_used_service.as_deref().unwrap_or("N/A"),
                "Region": key.last_used_region.as_deref().unwrap_or("N/A"),
            });
            if let Some(ms) = key.last_used_ms {
                last["LastUsedDate"] = render::date(ms);
            }
            Ok(json!({ "UserName": key.user_name, "AccessKeyLastUsed": last }))
        })
    }
}
