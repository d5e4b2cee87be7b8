//! AWS Security Token Service: who am I (GetCallerIdentity), role sessions (AssumeRole), session tokens
//! and key lookups. Query protocol; global endpoint `sts.amazonaws.com` and regional `sts.<region>.amazonaws.com`.

// `AwsError` carries AWS's code, message and extra members by value; errors are the cold path.
#![allow(clippy::result_large_err)]

mod assume_role;
mod get_access_key_info;
mod get_caller_identity;
mod get_federation_token;
mod get_session_token;
mod input;
mod keys;
mod mfa;
mod web_identity;

use sekisho_core::identity::Identity;
use sekisho_core::service::not_implemented;
use sekisho_core::{AuthzRequest, AwsError, Check, OpContext, Output, Service};
use sekisho_wire::sigv4::ErrorStyle;
use serde_json::Value;

pub use assume_role::parse_role_arn;
pub use keys::account_of;

/// STS operations whose models say `authtype: none`: called without credentials.
const UNSIGNED: &[&str] = &["AssumeRoleWithWebIdentity", "AssumeRoleWithSAML"];

#[derive(Debug, Default)]
pub struct Sts;

#[async_trait::async_trait]
impl Service for Sts {
    fn name(&self) -> &'static str {
        "sts"
    }

    fn error_style(&self) -> ErrorStyle {
        ErrorStyle::Query
    }

    fn authorize(&self, req: &AuthzRequest<'_>) -> Result<Vec<Check>, AwsError> {
        // Only the operations AWS serves without credentials take an unsigned request; the HTTP layer lets
        // no other through, and this says so again.
        if matches!(req.caller.identity, Identity::Anonymous) && !UNSIGNED.contains(&req.operation) {
            return Err(AwsError::new("MissingAuthenticationToken", 403, "Request is missing Authentication Token"));
        }
        // STS API reference, GetSessionToken: its credentials "cannot call any AWS STS API except AssumeRole or
        // GetCallerIdentity".
        if req.caller.session_grant.is_some() && !matches!(req.operation, "AssumeRole" | "GetCallerIdentity") {
            return Err(get_session_token::with_session_credentials(req.operation));
        }
        // STS API reference, GetFederationToken: its credentials "cannot call any AWS STS API operations except
        // GetCallerIdentity" (the wording of the refusal is [inf]).
        if req.caller.identity.federated().is_some() && req.operation != "GetCallerIdentity" {
            return Err(get_session_token::with_session_credentials(req.operation));
        }
        match req.operation {
            "GetCallerIdentity" => Ok(get_caller_identity::authorize(req)),
            "AssumeRole" => assume_role::authorize(req),
            "GetSessionToken" => get_session_token::authorize(req),
            "GetFederationToken" => get_federation_token::authorize(req),
            "GetAccessKeyInfo" => get_access_key_info::authorize(req),
            "AssumeRoleWithWebIdentity" => web_identity::authorize(req),
            other => Err(not_implemented("sts", other)),
        }
    }

    async fn call(&self, ctx: OpContext, operation: &str, input: Value) -> Result<Output, AwsError> {
        let out = match operation {
            "GetCallerIdentity" => return get_caller_identity::handle(&ctx, input),
            "AssumeRole" => assume_role::handle(&ctx, input),
            "GetSessionToken" => get_session_token::handle(&ctx, input),
            "GetFederationToken" => get_federation_token::handle(&ctx, input),
            "GetAccessKeyInfo" => get_access_key_info::handle(&ctx, input),
            "AssumeRoleWithWebIdentity" => web_identity::handle(&ctx, input),
            other => Err(not_implemented("sts", other)),
        };
        out.map(Output::new)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use sekisho_core::World;
    use sekisho_core::config::Config;
    use sekisho_core::credentials::SessionGrant;
    use sekisho_core::identity::Identity;
    use sekisho_core::service::Caller;
    use serde_json::json;

    #[test]
    fn session_token_credentials_may_only_assume_roles_and_ask_who_they_are() {
        let world = World::new(Config::defaults());
        let mut caller = Caller::new(Identity::User {
            account: "111111111111".into(),
            name: "alice".into(),
            path: "/".into(),
            id: "AIDAEXAMPLEALICE001".into(),
        });
        caller.session_grant = Some(SessionGrant { mfa: true, issued_ms: 0 });
        let input =
            json!({"RoleArn": "arn:aws:iam::111111111111:role/r", "RoleSessionName": "s", "AccessKeyId": "AKIA"});
        let authorize = |operation: &str| {
            Sts.authorize(&AuthzRequest {
                operation,
                input: &input,
                caller: &caller,
                region: "us-east-1",
                world: &world,
            })
        };
        authorize("AssumeRole").unwrap();
        authorize("GetCallerIdentity").unwrap();
        for operation in ["GetSessionToken", "GetAccessKeyInfo"] {
            let err = authorize(operation).unwrap_err();
            assert_eq!(
                (err.code.as_str(), err.status, err.message),
                ("AccessDenied", 403, format!("Cannot call {operation} with session credentials"))
            );
        }
    }
}
