//! Converse: one answer to a conversation, from the backend serving the resolved model, with usage and
//! latency metrics. Needs `bedrock:InvokeModel` on the model or profile (and the profile's models).

use super::{converse_format, ensure_access, invoke_checks, target_of};
use crate::Shared;
use crate::errors;
use sekisho_core::{AuthzRequest, AwsError, Check, OpContext, Output};
use serde_json::Value;
use std::time::Instant;

pub fn authorize(shared: &Shared, req: &AuthzRequest<'_>) -> Vec<Check> {
    invoke_checks(shared, req, "bedrock:InvokeModel")
}

pub async fn handle(shared: &Shared, ctx: &OpContext, input: &Value) -> Result<Output, AwsError> {
    let target = target_of(shared, ctx, input)?;
    if !target.model.is_chat() {
        return Err(errors::not_a_chat_model());
    }
    let request = converse_format::parse_request(input, target.model)?;
    ensure_access(shared, ctx, &target)?;
    let backend = shared.backends.for_model(&target.model.model_id);
    let started = Instant::now();
    let answer = backend.converse(&request).await?;
    let latency = started.elapsed().as_millis() as u64;
    Ok(converse_format::response(&answer, latency).into())
}
