//! Bedrock Runtime's operations: Converse and ConverseStream, InvokeModel and InvokeModelWithResponseStream
//! (Anthropic and Nova bodies), CountTokens. Each resolves the model id, passes model access, then asks its backend.

mod anthropic;
mod converse;
mod converse_format;
mod converse_stream;
mod count_tokens;
mod invoke_model;
mod invoke_model_stream;
mod nova;
mod stream;
pub mod target;

use crate::Shared;
use crate::access;
use sekisho_core::{AuthzRequest, AwsError, Check, OpContext, Output};
use serde_json::Value;

pub fn authorize(shared: &Shared, req: &AuthzRequest<'_>) -> Result<Vec<Check>, AwsError> {
    Ok(match req.operation {
        "Converse" => converse::authorize(shared, req),
        "ConverseStream" => converse_stream::authorize(shared, req),
        "InvokeModel" => invoke_model::authorize(shared, req),
        "InvokeModelWithResponseStream" => invoke_model_stream::authorize(shared, req),
        "CountTokens" => count_tokens::authorize(req),
        other => return Err(crate::unsupported("bedrock-runtime", other)),
    })
}

pub async fn handle(shared: &Shared, ctx: OpContext, operation: &str, input: Value) -> Result<Output, AwsError> {
    match operation {
        "Converse" => converse::handle(shared, &ctx, &input).await,
        "ConverseStream" => converse_stream::handle(shared, &ctx, &input).await,
        "InvokeModel" => invoke_model::handle(shared, &ctx, &input).await,
        "InvokeModelWithResponseStream" => invoke_model_stream::handle(shared, &ctx, &input).await,
        "CountTokens" => count_tokens::handle(&ctx, &input),
        other => Err(crate::unsupported("bedrock-runtime", other)),
    }
}

/// The checks of invoking the request's `modelId` with `action` (the same for all four operations).
fn invoke_checks(shared: &Shared, req: &AuthzRequest<'_>, action: &str) -> Vec<Check> {
    let model_id = req.input.get("modelId").and_then(Value::as_str).unwrap_or_default();
    let fingerprint = serde_json::to_vec(req.input).unwrap_or_default();
    target::authorize(shared, model_id, action, req.region, req.caller.account(), &fingerprint)
}

/// The target of an authorized call (lifecycle applied by the clock's date).
fn target_of(shared: &Shared, ctx: &OpContext, input: &Value) -> Result<target::Target, AwsError> {
    let model_id = input.get("modelId").and_then(Value::as_str).unwrap_or_default();
    let today = sekisho_core::clock::iso8601(ctx.world.clock.now_secs());
    target::for_call(shared, model_id, &ctx.region, ctx.account(), &today[..10])
}

/// Model access (use-case form, Marketplace) for the target's model, after the request was checked.
fn ensure_access(shared: &Shared, ctx: &OpContext, target: &target::Target) -> Result<(), AwsError> {
    access::ensure(shared, ctx, target.model)
}
