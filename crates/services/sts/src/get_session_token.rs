//! GetSessionToken: temporary credentials for an IAM user or the root user, with the caller's own identity.
//! They count as temporary credentials: a role assumed with them is role chaining.

use crate::input::Input;
use crate::{keys, mfa};
use sekisho_core::credentials::SessionGrant;
use sekisho_core::identity::Identity;
use sekisho_core::{AuthzRequest, AwsError, Check, OpContext};
use serde_json::{Value, json};

/// STS API reference, GetSessionToken: "No permissions are required for a user to get a session token ... You
/// cannot use policies to control authentication operations." So no check is made.
pub fn authorize(_req: &AuthzRequest<'_>) -> Result<Vec<Check>, AwsError> {
    Ok(Vec::new())
}

/// An STS operation temporary credentials may not call. [obs] for GetSessionToken and GetFederationToken
/// (aws/aws-sdk-js#3670, hashicorp/vault#4108); the same wording for the others is [inf].
pub fn with_session_credentials(operation: &str) -> AwsError {
    AwsError::new("AccessDenied", 403, format!("Cannot call {operation} with session credentials"))
}

pub fn handle(ctx: &OpContext, input: Value) -> Result<Value, AwsError> {
    let input = Input(&input);
    let identity = ctx.caller.identity.clone();
    let temporary = ctx.caller.access_key_id.as_deref().is_some_and(|k| keys::is_temporary(&ctx.world, k));
    if temporary || !matches!(identity, Identity::User { .. } | Identity::Root { .. }) {
        return Err(with_session_credentials("GetSessionToken"));
    }
    // Root sessions last at most one hour; users' up to 36 hours, 12 by default.
    let (default, max) = if identity.is_root() { (3600, 3600) } else { (43_200, 129_600) };
    let duration = input.opt_i64("DurationSeconds").unwrap_or(default).min(max);
    let account = identity.account().to_string();
    let expires = ctx.now_ms() + duration * 1000;
    mfa::verify(&ctx.world, &ctx.caller, input)?;
    let mfa = mfa::presented(input);
    let grant = SessionGrant { mfa, issued_ms: ctx.now_ms() };
    let mfa_auth_ms = mfa.then(|| ctx.now_ms());
    let issued = keys::issue_with_grant(&ctx.world, identity, &account, expires, Some(grant), mfa_auth_ms);
    Ok(json!({ "Credentials": {
        "AccessKeyId": issued.access_key_id,
        "SecretAccessKey": issued.secret,
        "SessionToken": issued.token,
        "Expiration": issued.expires_ms / 1000,
    }}))
}
