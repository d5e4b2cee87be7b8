//! GetCallerIdentity: the caller's account, ARN and user id. Needs no permission and cannot be denied (STS-6).

use sekisho_core::{AuthzRequest, AwsError, Check, OpContext, Output};
use serde_json::{Value, json};

pub fn authorize(_req: &AuthzRequest<'_>) -> Vec<Check> {
    Vec::new()
}

pub fn handle(ctx: &OpContext, _input: Value) -> Result<Output, AwsError> {
    let id = &ctx.caller.identity;
    Ok(json!({ "UserId": id.user_id(), "Account": id.account(), "Arn": id.arn() }).into())
}
