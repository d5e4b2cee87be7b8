//! PutUseCaseForModelAccess / GetUseCaseForModelAccess: the account's Anthropic use-case (first-time-use)
//! form. It is kept per account, whatever Region it was sent to.

use crate::Shared;
use crate::access::ACCOUNT_WIDE;
use crate::errors;
use sekisho_core::{AuthzRequest, AwsError, Check, OpContext, Output};
use serde_json::{Value, json};

pub fn authorize_put(_req: &AuthzRequest<'_>) -> Vec<Check> {
    vec![Check::new("bedrock:PutUseCaseForModelAccess", "*")]
}

pub fn authorize_get(_req: &AuthzRequest<'_>) -> Vec<Check> {
    vec![Check::new("bedrock:GetUseCaseForModelAccess", "*")]
}

pub fn handle_put(shared: &Shared, ctx: &OpContext, input: &Value) -> Result<Output, AwsError> {
    let form = input.get("formData").and_then(Value::as_str).unwrap_or_default().to_string();
    shared.access.with(ctx.account(), ACCOUNT_WIDE, |a| a.use_case_form = Some(form));
    Ok(Output::empty())
}

pub fn handle_get(shared: &Shared, ctx: &OpContext) -> Result<Output, AwsError> {
    let form = shared.access.read(ctx.account(), ACCOUNT_WIDE, |a| a.and_then(|a| a.use_case_form.clone()));
    form.map(|f| Output::new(json!({ "formData": f }))).ok_or_else(errors::use_case_not_found)
}
