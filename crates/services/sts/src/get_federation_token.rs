//! GetFederationToken: a federated-user session for an IAM user (or the root user), limited by the session
//! policies passed, which may call no IAM operation and no STS operation but GetCallerIdentity.

use crate::get_session_token::with_session_credentials;
use crate::input::Input;
use crate::keys;
use sekisho_core::identity::{FederatedSession, Identity, SessionTag};
use sekisho_core::{AuthzRequest, AwsError, Check, OpContext};
use sekisho_policy::{Policy, PolicyKind};
use serde_json::{Value, json};
use std::sync::Arc;

/// STS API reference, GetFederationToken, DurationSeconds: 900 to 129,600 seconds (36 hours), 43,200 by
/// default; root user sessions at most 3,600.
const MIN_SECONDS: i64 = 900;
const MAX_SECONDS: i64 = 129_600;
const DEFAULT_SECONDS: i64 = 43_200;
const ROOT_MAX_SECONDS: i64 = 3600;
/// The plain-text limit of the session policy (Policy member: length 1 to 2048).
const POLICY_MAX_CHARS: usize = 2048;

fn validation(message: String) -> AwsError {
    AwsError::new("ValidationError", 400, message)
}

/// Name: length 2 to 32, pattern `[\w+=,.@-]*` (STS API reference).
fn check_name(name: &str) -> Result<(), AwsError> {
    if name.len() < 2 || name.len() > 32 {
        let bound = if name.len() < 2 { "greater than or equal to 2" } else { "less than or equal to 32" };
        return Err(validation(format!(
            "1 validation error detected: Value '{name}' at 'name' failed to satisfy constraint: Member must have length {bound}"
        )));
    }
    if !name.chars().all(|c| c.is_ascii_alphanumeric() || "_+=,.@-".contains(c)) {
        return Err(validation(format!(
            "1 validation error detected: Value '{name}' at 'name' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\w+=,.@-]*"
        )));
    }
    Ok(())
}

pub fn authorize(req: &AuthzRequest<'_>) -> Result<Vec<Check>, AwsError> {
    let input = Input(req.input);
    let name = input.str("Name")?;
    check_name(name)?;
    // The action is authorized against the federated user's ARN to be ([inf] from the IAM service
    // authorization reference's `federated-user` resource type).
    let arn = format!("arn:aws:sts::{}:federated-user/{name}", req.caller.account());
    Ok(vec![Check::new("sts:GetFederationToken", arn)])
}

pub fn handle(ctx: &OpContext, input: Value) -> Result<Value, AwsError> {
    let input = Input(&input);
    let name = input.str("Name")?;
    check_name(name)?;
    let identity = ctx.caller.identity.clone();
    let temporary = ctx.caller.access_key_id.as_deref().is_some_and(|k| keys::is_temporary(&ctx.world, k));
    let user_name = match &identity {
        Identity::User { name, .. } if !temporary => Some(name.clone()),
        Identity::Root { .. } if !temporary => None,
        _ => return Err(with_session_credentials("GetFederationToken")),
    };
    let max = if identity.is_root() { ROOT_MAX_SECONDS } else { MAX_SECONDS };
    let duration = input.opt_i64("DurationSeconds").unwrap_or(DEFAULT_SECONDS);
    if duration < MIN_SECONDS {
        return Err(validation(format!(
            "1 validation error detected: Value '{duration}' at 'durationSeconds' failed to satisfy constraint: Member must have value greater than or equal to {MIN_SECONDS}"
        )));
    }
    if duration > MAX_SECONDS {
        return Err(validation(format!(
            "1 validation error detected: Value '{duration}' at 'durationSeconds' failed to satisfy constraint: Member must have value less than or equal to {MAX_SECONDS}"
        )));
    }
    // Root sessions are cut to an hour rather than refused ([inf]).
    let duration = duration.min(max);
    let policy = input.opt_str("Policy");
    if let Some(text) = policy {
        if text.len() > POLICY_MAX_CHARS {
            return Err(validation(format!(
                "1 validation error detected: Value '{text}' at 'policy' failed to satisfy constraint: Member must have length less than or equal to {POLICY_MAX_CHARS}"
            )));
        }
        Policy::parse(text, PolicyKind::Session).map_err(|e| AwsError::new(e.code(), 400, e.message()))?;
    }
    let arns = input.arns("PolicyArns");
    let tags =
        input.pairs("Tags").into_iter().map(|(key, value)| SessionTag { key, value, transitive: false }).collect();
    let now = ctx.now_ms();
    let account = identity.account().to_string();
    let session = FederatedSession {
        account: account.clone(),
        name: name.to_string(),
        user_name,
        issued_ms: now,
        expires_ms: now + duration * 1000,
        session_policy: policy.map(str::to_string),
        session_policy_arns: arns.clone(),
        tags,
    };
    let (arn, user_id) = (session.arn(), session.user_id());
    let issued =
        keys::issue(&ctx.world, Identity::FederatedUser(Arc::new(session)), &account, now + duration * 1000, None);
    let mut out = json!({
        "Credentials": {
            "AccessKeyId": issued.access_key_id,
            "SecretAccessKey": issued.secret,
            "SessionToken": issued.token,
            "Expiration": issued.expires_ms / 1000,
        },
        "FederatedUser": { "FederatedUserId": user_id, "Arn": arn },
    });
    if policy.is_some() || !arns.is_empty() {
        let chars = policy.map(|p| p.chars().filter(|c| !c.is_whitespace()).count()).unwrap_or(0)
            + arns.iter().map(String::len).sum::<usize>();
        out["PackedPolicySize"] = json!(((chars / 3) * 100).div_ceil(1024));
    }
    Ok(out)
}
