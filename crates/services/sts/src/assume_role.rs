//! AssumeRole: the authorization entry (trust policy, identity policy, session tags, source identity) and
//! the handler that validates what only the role can tell (MaxSessionDuration) and issues the session.

use crate::input::Input;
use crate::{keys, mfa};
use sekisho_core::identity::{Identity, RoleSession, SessionTag};
use sekisho_core::service::{Caller, DenyStyle, ResourcePolicy};
use sekisho_core::{AuthzRequest, AwsError, Check, OpContext, World};
use sekisho_policy::{Policy, PolicyKind};
use serde_json::{Value, json};
use std::sync::Arc;

/// One hour: the cap for role chaining.
const CHAINED_MAX_SECONDS: i64 = 3600;
/// The plain-text limit of session policies (inline and managed ARNs together).
const SESSION_POLICY_MAX_CHARS: usize = 2048;

fn validation(message: impl Into<String>) -> AwsError {
    AwsError::new("ValidationError", 400, message)
}

/// `(account, path, name)` of a role ARN.
pub fn parse_role_arn(arn: &str) -> Result<(String, String, String), AwsError> {
    let invalid = || validation(format!("{arn} is invalid"));
    let rest = arn.strip_prefix("arn:").ok_or_else(invalid)?;
    let mut parts = rest.splitn(5, ':');
    let (partition, service, region, account, resource) = (
        parts.next().ok_or_else(invalid)?,
        parts.next().ok_or_else(invalid)?,
        parts.next().ok_or_else(invalid)?,
        parts.next().ok_or_else(invalid)?,
        parts.next().ok_or_else(invalid)?,
    );
    let well_formed = partition.starts_with("aws")
        && service == "iam"
        && region.is_empty()
        && account.len() == 12
        && account.bytes().all(|b| b.is_ascii_digit());
    let path_and_name = resource.strip_prefix("role/").filter(|_| well_formed).ok_or_else(invalid)?;
    let (path, name) = match path_and_name.rsplit_once('/') {
        Some((p, n)) => (format!("/{p}/"), n),
        None => ("/".to_string(), path_and_name),
    };
    if name.is_empty() {
        return Err(invalid());
    }
    Ok((account.to_string(), path, name.to_string()))
}

/// Credentials count as temporary (role chaining) when they are a role session that an EC2 instance
/// profile did not vend, or GetSessionToken credentials.
pub fn is_chained(world: &World, caller: &Caller) -> bool {
    match &caller.identity {
        Identity::RoleSession(s) => s.assumed_by_service.as_deref() != Some("ec2.amazonaws.com"),
        Identity::Service { .. } => false,
        _ => caller.access_key_id.as_deref().is_some_and(|k| keys::is_temporary(world, k)),
    }
}

fn tag_context(check: Check, tags: &[(String, String)]) -> Check {
    if tags.is_empty() {
        return check;
    }
    let mut check = check;
    for (k, v) in tags {
        check = check.with_context(&format!("aws:RequestTag/{k}"), v.clone());
    }
    check.with_context_values("aws:TagKeys", tags.iter().map(|(k, _)| k.clone()).collect())
}

/// Request validation that needs no role: the ARN's shape and the chaining cap on the duration.
fn validate_request(world: &World, caller: &Caller, input: Input<'_>) -> Result<(String, String, String), AwsError> {
    let parsed = parse_role_arn(input.str("RoleArn")?)?;
    input.str("RoleSessionName")?;
    if input.opt_i64("DurationSeconds").is_some_and(|d| d > CHAINED_MAX_SECONDS) && is_chained(world, caller) {
        return Err(validation(
            "The requested DurationSeconds exceeds the 1 hour session limit for roles assumed by role chaining.",
        ));
    }
    if let Some(s) = input.opt_str("SourceIdentity")
        && s.to_ascii_lowercase().starts_with("aws:")
    {
        // [inf]
        return Err(validation(format!("SourceIdentity {s} is invalid. It must not begin with 'aws:'.")));
    }
    Ok(parsed)
}

pub fn authorize(req: &AuthzRequest<'_>) -> Result<Vec<Check>, AwsError> {
    let input = Input(req.input);
    let (account, _path, role_name) = validate_request(req.world, req.caller, input)?;
    if req.caller.identity.is_root() {
        // [obs] AWS refuses AssumeRole by an account's root user before looking at any policy.
        return Err(AwsError::new("AccessDenied", 403, "Roles may not be assumed by root accounts."));
    }
    let role_arn = input.str("RoleArn")?;
    let session_name = input.str("RoleSessionName")?;
    let tags = input.pairs("Tags");
    let transitive = input.strings("TransitiveTagKeys");
    let trust = || ResourcePolicy::RoleTrust { account: account.clone(), role_name: role_name.clone() };
    let mut assume = Check::new("sts:AssumeRole", role_arn)
        .with_resource_policy(trust())
        .with_style(DenyStyle::AssumeRole)
        .with_context("sts:RoleSessionName", session_name);
    if let Some(e) = input.opt_str("ExternalId") {
        assume = assume.with_context("sts:ExternalId", e);
    }
    if mfa::presented(input) {
        // IAM User Guide, "Configuring MFA-protected API access": a role whose trust policy requires
        // aws:MultiFactorAuthPresent is assumed by passing SerialNumber and TokenCode to AssumeRole. The code is
        // checked (and consumed) before the trust policy sees MFA as present.
        mfa::verify(req.world, req.caller, input)?;
        assume = assume.with_context("aws:MultiFactorAuthPresent", "true").with_context("aws:MultiFactorAuthAge", "0");
    }
    if let Some(s) = input.opt_str("SourceIdentity") {
        assume = assume.with_context("sts:SourceIdentity", s);
    }
    if !transitive.is_empty() {
        assume = assume.with_context_values("sts:TransitiveTagKeys", transitive.clone());
    }
    let mut checks = vec![tag_context(assume, &tags)];
    if !tags.is_empty() || !transitive.is_empty() {
        let mut tag =
            Check::new("sts:TagSession", role_arn).with_resource_policy(trust()).with_style(DenyStyle::AssumeRole);
        if !transitive.is_empty() {
            tag = tag.with_context_values("sts:TransitiveTagKeys", transitive);
        }
        checks.push(tag_context(tag, &tags));
    }
    if let Some(s) = input.opt_str("SourceIdentity") {
        checks.push(
            Check::new("sts:SetSourceIdentity", role_arn)
                .with_resource_policy(trust())
                .with_style(DenyStyle::AssumeRole)
                .with_context("sts:SourceIdentity", s),
        );
    }
    Ok(checks)
}

/// The AccessDenied AWS answers for a role that does not exist: the same as a refused trust policy (ERR-2).
pub fn denied(caller: &Caller, role_arn: &str) -> AwsError {
    AwsError::new(
        "AccessDenied",
        403,
        format!("User: {} is not authorized to perform: sts:AssumeRole on resource: {role_arn}", caller.identity.arn()),
    )
}

/// Session tags: the request's, plus the transitive tags of the calling session (which may not be overridden).
fn session_tags(caller: &Caller, input: Input<'_>) -> Result<Vec<SessionTag>, AwsError> {
    let requested = input.pairs("Tags");
    let transitive = input.strings("TransitiveTagKeys");
    for k in &transitive {
        if !requested.iter().any(|(t, _)| t.eq_ignore_ascii_case(k)) {
            // [inf]
            return Err(validation(format!("The transitive tag key {k} is not one of the session tag keys.")));
        }
    }
    for (i, (k, _)) in requested.iter().enumerate() {
        if requested[..i].iter().any(|(o, _)| o.eq_ignore_ascii_case(k)) {
            return Err(validation("Duplicate tag keys found. Please note that Tag keys are case insensitive."));
        }
    }
    let mut tags = Vec::new();
    if let Some(s) = caller.identity.session() {
        for t in s.tags.iter().filter(|t| t.transitive) {
            if requested.iter().any(|(k, _)| k.eq_ignore_ascii_case(&t.key)) {
                // [inf] AWS refuses a session tag that repeats an inherited transitive key.
                return Err(validation(format!(
                    "The session tag key {} is already inherited as a transitive tag and cannot be set again.",
                    t.key
                )));
            }
            tags.push(t.clone());
        }
    }
    for (k, v) in requested {
        let is_transitive = transitive.iter().any(|t| t.eq_ignore_ascii_case(&k));
        tags.push(SessionTag { key: k, value: v, transitive: is_transitive });
    }
    Ok(tags)
}

/// `PackedPolicySize`: the share (%) of the packed token the session policies and tags take.
pub(crate) fn packed_size(policy: Option<&str>, arns: &[String], tags: &[SessionTag]) -> i64 {
    let policy_chars: usize = policy.map(|p| p.chars().filter(|c| !c.is_whitespace()).count()).unwrap_or(0);
    let arn_chars: usize = arns.iter().map(String::len).sum();
    let tag_chars: usize = tags.iter().map(|t| t.key.len() + t.value.len() + 4).sum();
    // The packed form is compressed; about a third of the plain text, against a 1,024-byte budget.
    let packed = (policy_chars + arn_chars) / 3 + tag_chars;
    ((packed * 100).div_ceil(1024)) as i64
}

pub fn handle(ctx: &OpContext, input: Value) -> Result<Value, AwsError> {
    let input = Input(&input);
    let (account, path, role_name) = validate_request(&ctx.world, &ctx.caller, input)?;
    let role_arn = input.str("RoleArn")?;
    let session_name = input.str("RoleSessionName")?.to_string();
    let role = {
        let state = ctx.world.read();
        state.account(&account).and_then(|a| a.iam.role(&role_name)).filter(|r| r.path == path).cloned()
    };
    let role = role.ok_or_else(|| denied(&ctx.caller, role_arn))?;
    let chained = is_chained(&ctx.world, &ctx.caller);
    let duration = input.opt_i64("DurationSeconds").unwrap_or(3600);
    if duration > role.max_session_duration {
        return Err(validation("The requested DurationSeconds exceeds the MaxSessionDuration set for this role."));
    }
    let policy = input.opt_str("Policy");
    let arns = input.arns("PolicyArns");
    if let Some(text) = policy {
        if text.len() + arns.iter().map(String::len).sum::<usize>() > SESSION_POLICY_MAX_CHARS {
            return Err(validation(format!(
                "1 validation error detected: Value '{text}' at 'policy' failed to satisfy constraint: Member must have length less than or equal to {SESSION_POLICY_MAX_CHARS}"
            )));
        }
        Policy::parse(text, PolicyKind::Session).map_err(|e| AwsError::new(e.code(), 400, e.message()))?;
    }
    let tags = session_tags(&ctx.caller, input)?;
    let packed = packed_size(policy, &arns, &tags);
    if packed > 100 {
        let message = if input.pairs("Tags").is_empty() {
            format!("Packed policy consumes {packed}% of allotted space, please use smaller policy.")
        } else {
            format!("Packed size of session tags consumes {packed}% of allotted space.")
        };
        return Err(AwsError::new("PackedPolicyTooLarge", 400, message));
    }
    let inherited_source = ctx.caller.identity.session().and_then(|s| s.source_identity.clone());
    let source_identity = match (inherited_source, input.opt_str("SourceIdentity")) {
        (Some(old), Some(new)) if old != new => {
            // [inf] A source identity, once set, persists through the chain.
            return Err(AwsError::new(
                "AccessDenied",
                403,
                format!("SourceIdentity {old} of the calling session cannot be changed to {new}."),
            ));
        }
        (Some(old), _) => Some(old),
        (None, new) => new.map(str::to_string),
    };
    let now = ctx.now_ms();
    let assumed_by_service = match &ctx.caller.identity {
        Identity::Service { principal } => Some(principal.clone()),
        _ => None,
    };
    let session = RoleSession {
        account: account.clone(),
        role_name: role.name.clone(),
        role_path: role.path.clone(),
        role_id: role.id.clone(),
        session_name: session_name.clone(),
        issued_ms: now,
        expires_ms: now + duration * 1000,
        session_policy: policy.map(str::to_string),
        session_policy_arns: arns.clone(),
        has_session_policies: policy.is_some() || !arns.is_empty(),
        tags: tags.clone(),
        source_identity: source_identity.clone(),
        chained,
        assumed_by_service,
    };
    let (arn, assumed_role_id) = (session.arn(), session.assumed_role_id());
    // A code presented now authenticates the session; otherwise a caller's own MFA carries over to the role
    // it assumes ([inf]: AWS documents the trust-policy check, not the chained session's keys).
    let mfa_auth_ms = if mfa::presented(input) { Some(now) } else { ctx.caller.mfa_auth_ms };
    let issued =
        keys::issue(&ctx.world, Identity::RoleSession(Arc::new(session)), &account, now + duration * 1000, mfa_auth_ms);
    {
        let mut state = ctx.world.write();
        if let Some(r) =
            state.existing_account_mut(&account).and_then(|a| a.iam.roles.get_mut(&role_name.to_ascii_lowercase()))
        {
            r.last_used_ms = Some(now);
            r.last_used_region = Some(ctx.region.clone());
        }
    }
    let mut out = json!({
        "Credentials": {
            "AccessKeyId": issued.access_key_id,
            "SecretAccessKey": issued.secret,
            "SessionToken": issued.token,
            "Expiration": issued.expires_ms / 1000,
        },
        "AssumedRoleUser": { "AssumedRoleId": assumed_role_id, "Arn": arn },
    });
    if policy.is_some() || !arns.is_empty() || !tags.is_empty() {
        out["PackedPolicySize"] = json!(packed);
    }
    if let Some(s) = source_identity {
        out["SourceIdentity"] = json!(s);
    }
    Ok(out)
}

#[cfg(test)]
mod tests;
