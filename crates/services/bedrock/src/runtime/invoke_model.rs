//! InvokeModel: a model-native JSON body in, the model's JSON out. Anthropic Messages and Amazon Nova
//! bodies are understood; other families are said to be unimplemented. Needs `bedrock:InvokeModel`.

use super::{anthropic, ensure_access, invoke_checks, nova, target_of};
use crate::Shared;
use crate::catalog::FoundationModel;
use crate::chat::ChatRequest;
use crate::errors;
use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;
use sekisho_core::{AuthzRequest, AwsError, Check, OpContext, Output};
use serde_json::{Value, json};

pub fn authorize(shared: &Shared, req: &AuthzRequest<'_>) -> Vec<Check> {
    invoke_checks(shared, req, "bedrock:InvokeModel")
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Family {
    Anthropic,
    Nova,
}

/// The body family of a model, or the error for a family sekisho does not speak.
pub fn family(model: &FoundationModel, operation: &str) -> Result<Family, AwsError> {
    if model.is_anthropic() {
        return Ok(Family::Anthropic);
    }
    if model.model_id.starts_with("amazon.nova-") && model.is_chat() {
        return Ok(Family::Nova);
    }
    Err(AwsError::new(
        "NotImplemented",
        501,
        format!(
            "sekisho does not implement {operation} request bodies for {} yet; Converse works with every chat model",
            model.model_id
        ),
    ))
}

/// The request in an InvokeModel body (`body` is base64 in the decoded input).
pub fn parse_body(input: &Value, model: &FoundationModel, family: Family) -> Result<ChatRequest, AwsError> {
    let raw = input.get("body").and_then(Value::as_str).map(|b| B64.decode(b).unwrap_or_default()).unwrap_or_default();
    let body: Value = serde_json::from_slice(&raw).map_err(|_| {
        // [inf] the validator's wording for a body that is not JSON.
        errors::malformed_input(&["#: expected type: JSONObject, found: String".to_string()])
    })?;
    match family {
        Family::Anthropic => anthropic::parse_request(&body, model),
        Family::Nova => nova::parse_request(&body, model),
    }
}

pub async fn handle(shared: &Shared, ctx: &OpContext, input: &Value) -> Result<Output, AwsError> {
    let target = target_of(shared, ctx, input)?;
    let family = family(target.model, "InvokeModel")?;
    let request = parse_body(input, target.model, family)?;
    ensure_access(shared, ctx, &target)?;
    let backend = shared.backends.for_model(&target.model.model_id);
    let answer = backend.converse(&request).await?;
    let body = match family {
        Family::Anthropic => anthropic::response(&request, &answer),
        Family::Nova => nova::response(&answer),
    };
    Ok(json!({ "body": B64.encode(body.to_string()), "contentType": "application/json" }).into())
}
