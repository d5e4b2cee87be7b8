//! AWS Security Token Service: who am I (GetCallerIdentity) and, later, role sessions (AssumeRole).
//! Query protocol; global endpoint `sts.amazonaws.com` and regional `sts.<region>.amazonaws.com`.

mod get_caller_identity;

use sekisho_core::service::not_implemented;
use sekisho_core::{AuthzRequest, AwsError, Check, OpContext, Output, Service};
use sekisho_wire::sigv4::ErrorStyle;
use serde_json::Value;

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
            other => Err(not_implemented("sts", other)),
        }
    }

    async fn call(&self, ctx: OpContext, operation: &str, input: Value) -> Result<Output, AwsError> {
        match operation {
            "GetCallerIdentity" => get_caller_identity::handle(&ctx, input),
            other => Err(not_implemented("sts", other)),
        }
    }
}
