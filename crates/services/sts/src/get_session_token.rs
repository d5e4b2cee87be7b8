//! GetSessionToken: temporary credentials for an IAM user or the root user, with the caller's own identity.
//! They count as temporary credentials: a role assumed with them is role chaining.

use crate::input::Input;
use crate::keys;
use sekisho_core::identity::Identity;
use sekisho_core::{AuthzRequest, AwsError, Check, OpContext};
use serde_json::{Value, json};

pub fn authorize(_req: &AuthzRequest<'_>) -> Result<Vec<Check>, AwsError> {
    Ok(vec![Check::new("sts:GetSessionToken", "*")])
}

pub fn handle(ctx: &OpContext, input: Value) -> Result<Value, AwsError> {
    let input = Input(&input);
    let identity = ctx.caller.identity.clone();
    let temporary = ctx.caller.access_key_id.as_deref().is_some_and(|k| keys::is_temporary(&ctx.world, k));
    if temporary || !matches!(identity, Identity::User { .. } | Identity::Root { .. }) {
        // [obs] GetSessionToken refuses session credentials.
        return Err(AwsError::new("AccessDenied", 403, "Cannot call GetSessionToken with session credentials"));
    }
    // Root sessions last at most one hour; users' up to 36 hours, 12 by default.
    let (default, max) = if identity.is_root() { (3600, 3600) } else { (43_200, 129_600) };
    let duration = input.opt_i64("DurationSeconds").unwrap_or(default).min(max);
    let account = identity.account().to_string();
    let expires = ctx.now_ms() + duration * 1000;
    let issued = keys::issue(&ctx.world, identity, &account, expires);
    Ok(json!({ "Credentials": {
        "AccessKeyId": issued.access_key_id,
        "SecretAccessKey": issued.secret,
        "SessionToken": issued.token,
        "Expiration": issued.expires_ms / 1000,
    }}))
}
