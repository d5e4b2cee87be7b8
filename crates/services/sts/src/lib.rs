//! AWS Security Token Service: who am I (GetCallerIdentity), role sessions (AssumeRole), session tokens
//! and key lookups. Query protocol; global endpoint `sts.amazonaws.com` and regional `sts.<region>.amazonaws.com`.

// `AwsError` carries AWS's code, message and extra members by value; errors are the cold path.
#![allow(clippy::result_large_err)]

mod assume_role;
mod get_access_key_info;
mod get_caller_identity;
mod get_session_token;
mod input;
mod keys;

use sekisho_core::service::not_implemented;
use sekisho_core::{AuthzRequest, AwsError, Check, OpContext, Output, Service};
use sekisho_wire::sigv4::ErrorStyle;
use serde_json::Value;

pub use assume_role::parse_role_arn;
pub use keys::account_of;

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
        match req.operation {
            "GetCallerIdentity" => Ok(get_caller_identity::authorize(req)),
            "AssumeRole" => assume_role::authorize(req),
            "GetSessionToken" => get_session_token::authorize(req),
            "GetAccessKeyInfo" => get_access_key_info::authorize(req),
            other => Err(not_implemented("sts", other)),
        }
    }

    async fn call(&self, ctx: OpContext, operation: &str, input: Value) -> Result<Output, AwsError> {
        let out = match operation {
            "GetCallerIdentity" => return get_caller_identity::handle(&ctx, input),
            "AssumeRole" => assume_role::handle(&ctx, input),
            "GetSessionToken" => get_session_token::handle(&ctx, input),
            "GetAccessKeyInfo" => get_access_key_info::handle(&ctx, input),
            other => Err(not_implemented("sts", other)),
        };
        out.map(Output::new)
    }
}
