//! AWS Identity and Access Management: the API face of the world's identity store (users, roles, groups,
//! managed policies, instance profiles, credentials). Query protocol, global, signed for us-east-1.

// `AwsError` carries AWS's code, message and extra members by value; errors are the cold path.
#![allow(clippy::result_large_err)]

mod authz;
mod der;
mod errors;
mod input;
mod lookup;
mod ops;
mod paging;
mod principals;
mod qr;
mod render;
mod state;
mod tagging;
mod validate;

use input::Input;
use sekisho_core::service::not_implemented;
use sekisho_core::{AuthzRequest, AwsError, Check, OpContext, Output, Service};
use sekisho_wire::sigv4::ErrorStyle;
use serde_json::Value;
use std::collections::HashMap;
use std::sync::OnceLock;

type Authorize = fn(&AuthzRequest<'_>) -> Result<Vec<Check>, AwsError>;
type Handle = fn(&OpContext, Input<'_>) -> Result<Value, AwsError>;

/// An operation: its authorization entry and its handler.
struct Op {
    authorize: Authorize,
    handle: Handle,
}

fn operation(name: &str) -> Option<&'static Op> {
    static TABLE: OnceLock<HashMap<&'static str, Op>> = OnceLock::new();
    TABLE
        .get_or_init(|| {
            ops::TABLE
                .iter()
                .map(|(name, authorize, handle)| (*name, Op { authorize: *authorize, handle: *handle }))
                .collect()
        })
        .get(name)
}

/// Every IAM operation sekisho serves.
pub fn operations() -> impl Iterator<Item = &'static str> {
    ops::TABLE.iter().map(|(name, _, _)| *name)
}

#[derive(Debug, Default)]
pub struct Iam;

#[async_trait::async_trait]
impl Service for Iam {
    fn name(&self) -> &'static str {
        "iam"
    }

    fn error_style(&self) -> ErrorStyle {
        ErrorStyle::Query
    }

    fn authorize(&self, req: &AuthzRequest<'_>) -> Result<Vec<Check>, AwsError> {
        // STS API reference, GetSessionToken: "You cannot call any IAM API operations unless MFA
        // authentication information is included in the request."
        // STS API reference, GetFederationToken: its credentials "cannot call any IAM operations using the AWS
        // CLI or the AWS API" (refused like session tokens without MFA: [inf]).
        if req.caller.session_grant.is_some_and(|g| !g.mfa) || req.caller.identity.federated().is_some() {
            return Err(errors::session_token_without_mfa());
        }
        match operation(req.operation) {
            Some(op) => (op.authorize)(req),
            None => Err(not_implemented("iam", req.operation)),
        }
    }

    async fn call(&self, ctx: OpContext, operation_name: &str, input: Value) -> Result<Output, AwsError> {
        match operation(operation_name) {
            Some(op) => (op.handle)(&ctx, Input(&input)).map(Output::new),
            None => Err(not_implemented("iam", operation_name)),
        }
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

    #[test]
    fn session_token_credentials_need_mfa_for_iam() {
        let world = World::new(Config::defaults());
        let input = serde_json::json!({});
        let mut caller = Caller::new(Identity::Root { account: "111111111111".into() });
        let authorize = |caller: &Caller| {
            Iam.authorize(&AuthzRequest {
                operation: "ListUsers",
                input: &input,
                caller,
                region: "us-east-1",
                world: &world,
            })
        };
        assert!(authorize(&caller).is_ok(), "long-term keys");
        caller.session_grant = Some(SessionGrant { mfa: false, issued_ms: 0 });
        let err = authorize(&caller).unwrap_err();
        assert_eq!(
            (err.code.as_str(), err.status, err.message.as_str()),
            ("InvalidClientTokenId", 403, "The security token included in the request is invalid")
        );
        caller.session_grant = Some(SessionGrant { mfa: true, issued_ms: 0 });
        assert!(authorize(&caller).is_ok(), "with MFA");
    }

    #[test]
    fn every_served_operation_is_in_the_model() {
        let model = sekisho_wire::model::load("iam").expect("the iam model is bundled");
        for name in super::operations() {
            assert!(model.operation(name).is_some(), "{name} is not an IAM operation");
        }
    }
}
