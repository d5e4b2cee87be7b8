//! AssumeRoleWithWebIdentity: an unsigned request carrying an OpenID Connect token. The token is verified
//! against the IAM OIDC provider of the role's account (issuer, client id, signature, expiry), then the role's
//! trust policy decides with the token's claims as `<provider>:sub`, `:aud`, `:oaud`, `:amr`.

use crate::assume_role::{packed_size, parse_role_arn};
use crate::input::Input;
use crate::keys;
use sekisho_core::identity::{Identity, RoleSession};
use sekisho_core::oidc::jwt::{Jwt, JwtError};
use sekisho_core::oidc::normalize;
use sekisho_core::service::{DenyStyle, ResourcePolicy};
use sekisho_core::{AuthzRequest, AwsError, Check, OpContext, World};
use sekisho_policy::{Policy, PolicyKind, Principal};
use serde_json::{Value, json};
use std::sync::Arc;

/// STS API reference, AssumeRoleWithWebIdentity, DurationSeconds: one hour unless asked otherwise.
const DEFAULT_SECONDS: i64 = 3600;
/// Policy member: up to 2,048 characters (STS API reference).
const POLICY_MAX_CHARS: usize = 2048;

fn invalid_token(message: impl Into<String>) -> AwsError {
    AwsError::new("InvalidIdentityToken", 400, message)
}

/// A token that passed every check, with what the trust policy and the answer need.
pub struct Verified {
    pub jwt: Jwt,
    /// `iss` as written in the token.
    pub issuer: String,
    /// The issuer as IAM names its provider (no scheme): the prefix of the condition keys.
    pub provider: String,
    pub provider_arn: String,
    pub subject: String,
    /// The client id the token was issued to that the provider lists.
    pub audience: String,
}

/// Verifies `token` for a role in `account`, at the world's time.
pub fn verify(world: &World, account: &str, token: &str) -> Result<Verified, AwsError> {
    // [obs] AWS's answer to a token that is not a JWT (widely reported).
    let jwt = Jwt::parse(token).map_err(|_| {
        invalid_token("The ID Token provided is not a valid JWT. (You may see this error if you sent an Access Token)")
    })?;
    let issuer = jwt.claim_str("iss").unwrap_or_default().to_string();
    let provider = normalize(&issuer).to_string();
    let provider_arn = format!("arn:aws:iam::{account}:oidc-provider/{provider}");
    let (client_ids, local_jwks) = {
        let state = world.read();
        let found = state.account(account).and_then(|a| a.iam.oidc_providers.get(&provider_arn));
        // [obs] "No OpenIDConnect provider found in your account for <iss>" (GitHub Actions users' reports).
        let found = found
            .ok_or_else(|| invalid_token(format!("No OpenIDConnect provider found in your account for {issuer}")))?;
        (found.client_ids.clone(), state.oidc_issuer.as_ref().map(|k| k.jwks()))
    };
    // Offline, the provider's keys cannot be fetched: the configured key set of the issuer, else sekisho's own
    // issuer key (which mints tokens for any issuer), else no key at all.
    let jwks = world.config.oidc.jwks(&issuer).cloned().or(local_jwks).unwrap_or_else(|| json!({"keys": []}));
    match jwt.verify(&jwks) {
        Ok(()) => {}
        // [obs] the text AWS answers when the key set holds no key for the token.
        Err(JwtError::NoKey) => {
            return Err(invalid_token(
                "Couldn't retrieve verification key from your identity provider,  please reference AssumeRoleWithWebIdentity documentation for requirements",
            ));
        }
        // The exception's documented meaning (STS API reference, InvalidIdentityTokenException); the exact text
        // for a bad signature is [inf].
        Err(_) => {
            return Err(invalid_token(
                "The web identity token that was passed could not be validated by AWS. Get a new identity token from the identity provider and then retry the request.",
            ));
        }
    }
    let now = world.clock.now_ms().div_euclid(1000);
    let exp = jwt.claim_time("exp").ok_or_else(|| invalid_token("The token has no expiration time (exp)."))?; // [inf]
    if now >= exp {
        // [obs] e.g. EKS pod identity reports: the missing space before the expiry is AWS's.
        return Err(AwsError::new(
            "ExpiredTokenException",
            400,
            format!("Token expired: current date/time {now} must be before the expiration date/time{exp}"),
        ));
    }
    if jwt.claim_time("nbf").is_some_and(|nbf| nbf > now) {
        // [inf] RFC 7519 section 4.1.5: not to be accepted before nbf.
        return Err(invalid_token("The token is not valid yet (nbf is in the future)."));
    }
    // [obs] "Incorrect token audience" when no `aud` is a client id of the provider.
    let audience = jwt
        .audiences()
        .into_iter()
        .find(|a| client_ids.iter().any(|c| c == a))
        .map(str::to_string)
        .ok_or_else(|| invalid_token("Incorrect token audience"))?;
    let subject = jwt.claim_str("sub").filter(|s| !s.is_empty()).map(str::to_string);
    let subject = subject.ok_or_else(|| invalid_token("The token has no subject (sub)."))?; // [inf]
    Ok(Verified { jwt, issuer, provider, provider_arn, subject, audience })
}

fn strings(v: Option<&Value>) -> Vec<String> {
    match v {
        Some(Value::String(s)) => vec![s.clone()],
        Some(Value::Array(a)) => a.iter().filter_map(Value::as_str).map(str::to_string).collect(),
        _ => Vec::new(),
    }
}

pub fn authorize(req: &AuthzRequest<'_>) -> Result<Vec<Check>, AwsError> {
    let input = Input(req.input);
    let role_arn = input.str("RoleArn")?;
    let session_name = input.str("RoleSessionName")?;
    let (account, _path, role_name) = parse_role_arn(role_arn)?;
    let v = verify(req.world, &account, input.str("WebIdentityToken")?)?;
    let p = &v.provider;
    // IAM User Guide, "Available keys for AWS OIDC federation": `<provider>:aud` is the azp claim when present,
    // else aud; `:oaud` the token's audiences; `:sub` the subject; `:amr` the authentication methods.
    let aud = v.jwt.claim_str("azp").map(str::to_string).unwrap_or_else(|| v.audience.clone());
    let mut check = Check::new("sts:AssumeRoleWithWebIdentity", role_arn)
        .with_resource_policy(ResourcePolicy::RoleTrust { account, role_name })
        .with_style(DenyStyle::Federated)
        .as_principal(Principal::web_identity(&v.provider_arn))
        .with_context("sts:RoleSessionName", session_name)
        .with_context("aws:FederatedProvider", v.provider_arn.clone())
        .with_context(&format!("{p}:sub"), v.subject.clone())
        .with_context(&format!("{p}:aud"), aud)
        .with_context_values(&format!("{p}:oaud"), v.jwt.audiences().into_iter().map(str::to_string).collect());
    let amr = strings(v.jwt.claims.get("amr"));
    if !amr.is_empty() {
        check = check.with_context_values(&format!("{p}:amr"), amr);
    }
    Ok(vec![check])
}

pub fn handle(ctx: &OpContext, input: Value) -> Result<Value, AwsError> {
    let input = Input(&input);
    let role_arn = input.str("RoleArn")?;
    let session_name = input.str("RoleSessionName")?.to_string();
    let (account, path, role_name) = parse_role_arn(role_arn)?;
    // Checked again: the handler answers with the token's claims, which it reads only from a verified token.
    let v = verify(&ctx.world, &account, input.str("WebIdentityToken")?)?;
    let role = {
        let state = ctx.world.read();
        state.account(&account).and_then(|a| a.iam.role(&role_name)).filter(|r| r.path == path).cloned()
    };
    // A role gone since the trust policy was read: the same refusal as a trust policy that does not allow.
    let role = role
        .ok_or_else(|| AwsError::new("AccessDenied", 403, "Not authorized to perform sts:AssumeRoleWithWebIdentity"))?;
    let duration = input.opt_i64("DurationSeconds").unwrap_or(DEFAULT_SECONDS);
    if duration > role.max_session_duration {
        return Err(AwsError::new(
            "ValidationError",
            400,
            "The requested DurationSeconds exceeds the MaxSessionDuration set for this role.",
        ));
    }
    let policy = input.opt_str("Policy");
    let arns = input.arns("PolicyArns");
    if let Some(text) = policy {
        if text.len() > POLICY_MAX_CHARS {
            return Err(AwsError::new(
                "ValidationError",
                400,
                format!(
                    "1 validation error detected: Value '{text}' at 'policy' failed to satisfy constraint: Member must have length less than or equal to {POLICY_MAX_CHARS}"
                ),
            ));
        }
        Policy::parse(text, PolicyKind::Session).map_err(|e| AwsError::new(e.code(), 400, e.message()))?;
    }
    let packed = packed_size(policy, &arns, &[]);
    if packed > 100 {
        return Err(AwsError::new(
            "PackedPolicyTooLarge",
            400,
            format!("Packed policy consumes {packed}% of allotted space, please use smaller policy."),
        ));
    }
    let now = ctx.now_ms();
    let session = RoleSession {
        account: account.clone(),
        role_name: role.name.clone(),
        role_path: role.path.clone(),
        role_id: role.id.clone(),
        session_name,
        issued_ms: now,
        expires_ms: now + duration * 1000,
        session_policy: policy.map(str::to_string),
        session_policy_arns: arns.clone(),
        has_session_policies: policy.is_some() || !arns.is_empty(),
        tags: Vec::new(),
        source_identity: None,
        chained: false,
        assumed_by_service: None,
    };
    let (arn, assumed_role_id) = (session.arn(), session.assumed_role_id());
    let issued =
        keys::issue(&ctx.world, Identity::RoleSession(Arc::new(session)), &account, now + duration * 1000, None);
    {
        let mut state = ctx.world.write();
        if let Some(r) =
            state.accounts.get_mut(&account).and_then(|a| a.iam.roles.get_mut(&role_name.to_ascii_lowercase()))
        {
            r.last_used_ms = Some(now);
            r.last_used_region = Some(ctx.region.clone());
        }
    }
    // STS API reference, AssumeRoleWithWebIdentity response: Provider is the token's `iss` for OpenID Connect
    // tokens, Audience its client id, SubjectFromWebIdentityToken its `sub`.
    let mut out = json!({
        "Credentials": {
            "AccessKeyId": issued.access_key_id,
            "SecretAccessKey": issued.secret,
            "SessionToken": issued.token,
            "Expiration": issued.expires_ms / 1000,
        },
        "SubjectFromWebIdentityToken": v.subject,
        "AssumedRoleUser": { "AssumedRoleId": assumed_role_id, "Arn": arn },
        "Provider": v.issuer,
        "Audience": v.audience,
    });
    if policy.is_some() || !arns.is_empty() {
        out["PackedPolicySize"] = json!(packed);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use sekisho_core::config::Config;
    use sekisho_core::identity::store::OidcProvider;

    const ACCOUNT: &str = "222222222222";

    fn world() -> World {
        let world = World::new(Config::defaults());
        let now = world.clock.now_ms();
        world.write().account_mut(ACCOUNT, now).iam.oidc_providers.insert(
            format!("arn:aws:iam::{ACCOUNT}:oidc-provider/token.actions.githubusercontent.com"),
            OidcProvider {
                url: "token.actions.githubusercontent.com".into(),
                client_ids: vec!["sts.amazonaws.com".into()],
                thumbprints: vec![],
                create_date_ms: now,
                tags: vec![],
            },
        );
        world
    }

    fn token(world: &World, claims: Value) -> String {
        let now = world.clock.now_ms() / 1000;
        let mut base = json!({"iss": "https://token.actions.githubusercontent.com", "aud": "sts.amazonaws.com",
            "sub": "repo:octo/app:ref:refs/heads/main", "iat": now, "nbf": now, "exp": now + 300});
        for (k, v) in claims.as_object().into_iter().flatten() {
            if v.is_null() {
                base.as_object_mut().map(|o| o.remove(k));
            } else {
                base[k] = v.clone();
            }
        }
        world.oidc_issuer().unwrap().sign(&base)
    }

    fn refusal(world: &World, claims: Value) -> (String, String) {
        match verify(world, ACCOUNT, &token(world, claims)) {
            Ok(_) => ("accepted".into(), String::new()),
            Err(e) => (e.code, e.message),
        }
    }

    #[test]
    fn a_token_is_verified_claim_by_claim() {
        let world = world();
        let v = verify(&world, ACCOUNT, &token(&world, json!({}))).unwrap();
        assert_eq!(
            (v.provider.as_str(), v.audience.as_str()),
            ("token.actions.githubusercontent.com", "sts.amazonaws.com")
        );
        assert_eq!(v.subject, "repo:octo/app:ref:refs/heads/main");
        // An audience list with one client id of the provider is enough.
        assert_eq!(refusal(&world, json!({"aud": ["other", "sts.amazonaws.com"]})).0, "accepted");
        let now = world.clock.now_ms() / 1000;
        let expired = refusal(&world, json!({"exp": now}));
        assert_eq!(expired.0, "ExpiredTokenException", "a token is expired at its exp second");
        assert_eq!(
            expired.1,
            format!("Token expired: current date/time {now} must be before the expiration date/time{now}")
        );
        for (claims, message) in [
            (json!({"nbf": now + 60}), "The token is not valid yet (nbf is in the future)."),
            (json!({"exp": null}), "The token has no expiration time (exp)."),
            (json!({"sub": null}), "The token has no subject (sub)."),
            (json!({"aud": "other"}), "Incorrect token audience"),
            (
                json!({"iss": "https://elsewhere.example.com"}),
                "No OpenIDConnect provider found in your account for https://elsewhere.example.com",
            ),
        ] {
            assert_eq!(refusal(&world, claims.clone()), ("InvalidIdentityToken".into(), message.into()), "{claims}");
        }
        // The provider is looked up in the role's account only.
        let err = verify(&world, "111111111111", &token(&world, json!({}))).err().unwrap();
        assert_eq!(err.code, "InvalidIdentityToken");
    }

    #[test]
    fn a_configured_key_set_replaces_sekishos_own_key_for_its_issuer() {
        let other = sekisho_core::oidc::issuer::IssuerKey::generate().unwrap();
        let config = Config::parse(&format!(
            "[oidc.issuers.\"https://token.actions.githubusercontent.com\"]\njwks = '{}'\n",
            other.jwks()
        ))
        .unwrap();
        let world = world_with(config);
        // sekisho's own key no longer verifies tokens of that issuer; the configured one does.
        assert_eq!(refusal(&world, json!({})).0, "InvalidIdentityToken");
        let now = world.clock.now_ms() / 1000;
        let signed = other
            .sign(&json!({"iss": "https://token.actions.githubusercontent.com", "aud": "sts.amazonaws.com",
            "sub": "s", "exp": now + 60}));
        assert!(verify(&world, ACCOUNT, &signed).is_ok());
    }

    fn world_with(config: Config) -> World {
        let world = World::new(config);
        let base = self::world();
        let providers = base.read().account(ACCOUNT).map(|a| a.iam.oidc_providers.clone()).unwrap_or_default();
        let now = world.clock.now_ms();
        world.write().account_mut(ACCOUNT, now).iam.oidc_providers = providers;
        world
    }
}
