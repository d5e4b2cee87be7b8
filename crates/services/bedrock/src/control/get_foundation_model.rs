//! GetFoundationModel: one model's details by id or ARN, as the Region reports it.
//! A model not offered in the Region is unknown there.

use super::{model_id_in, str_of};
use crate::catalog::{catalog, foundation_model_arn};
use crate::errors;
use sekisho_core::{AuthzRequest, AwsError, Check, OpContext, Output};
use serde_json::{Value, json};

pub fn authorize(req: &AuthzRequest<'_>) -> Vec<Check> {
    let identifier = str_of(req.input, "modelIdentifier").unwrap_or_default();
    let resource = match super::parse_arn(identifier) {
        Some(_) => identifier.to_string(),
        None => foundation_model_arn(req.region, identifier),
    };
    vec![Check::new("bedrock:GetFoundationModel", resource)]
}

pub fn handle(ctx: &OpContext, input: &Value) -> Result<Output, AwsError> {
    let identifier = str_of(input, "modelIdentifier").unwrap_or_default();
    // [inf] AWS's answer for an unknown id was not found in any source; the runtime's text is used.
    let model = model_id_in(identifier, &ctx.region)
        .and_then(|id| catalog().model(id))
        .filter(|m| m.offered_in(&ctx.region))
        .ok_or_else(errors::invalid_model_identifier)?;
    Ok(json!({ "modelDetails": model.summary(&ctx.region) }).into())
}
