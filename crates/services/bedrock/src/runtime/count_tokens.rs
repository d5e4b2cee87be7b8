//! CountTokens: the input tokens a Converse or InvokeModel request would cost, by sekisho's documented count
//! (`tokens`), without invoking the model. Needs `bedrock:CountTokens` on the foundation model.

use super::converse_format;
use super::invoke_model::{family, parse_body};
use crate::catalog::{catalog, foundation_model_arn};
use crate::control::model_id_in;
use crate::errors;
use crate::tokens;
use sekisho_core::{AuthzRequest, AwsError, Check, OpContext, Output};
use serde_json::{Value, json};

pub fn authorize(req: &AuthzRequest<'_>) -> Vec<Check> {
    let model_id = req.input.get("modelId").and_then(Value::as_str).unwrap_or_default();
    let resource = match crate::control::parse_arn(model_id) {
        Some(_) => model_id.to_string(),
        None => foundation_model_arn(req.region, model_id),
    };
    vec![Check::new("bedrock:CountTokens", resource)]
}

pub fn handle(ctx: &OpContext, input: &Value) -> Result<Output, AwsError> {
    let model_id = input.get("modelId").and_then(Value::as_str).unwrap_or_default();
    let model = model_id_in(model_id, &ctx.region)
        .and_then(|id| catalog().model(id))
        .filter(|m| m.offered_in(&ctx.region))
        .ok_or_else(errors::invalid_model_identifier)?;
    let request = match input.get("input") {
        Some(i) if i.get("converse").is_some() => converse_format::parse_request(&i["converse"], model)?,
        Some(i) if i.get("invokeModel").is_some() => {
            let kind = family(model, "CountTokens")?;
            parse_body(&i["invokeModel"], model, kind)?
        }
        _ => return Err(errors::validation("The input must name converse or invokeModel.")),
    };
    Ok(json!({ "inputTokens": tokens::input_tokens(&request) }).into())
}
