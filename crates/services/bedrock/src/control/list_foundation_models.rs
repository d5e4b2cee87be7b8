//! ListFoundationModels: the models offered in the Region, filtered by provider, output modality, inference
//! type and customization type, as `FoundationModelSummary` values.

use super::str_of;
use crate::catalog::catalog;
use sekisho_core::{AuthzRequest, AwsError, Check, OpContext, Output};
use serde_json::{Value, json};

pub fn authorize(_req: &AuthzRequest<'_>) -> Vec<Check> {
    vec![Check::new("bedrock:ListFoundationModels", "*")]
}

pub fn handle(ctx: &OpContext, input: &Value) -> Result<Output, AwsError> {
    let region = ctx.region.as_str();
    let provider = str_of(input, "byProvider");
    let modality = str_of(input, "byOutputModality");
    let inference = str_of(input, "byInferenceType");
    let customization = str_of(input, "byCustomizationType");
    let summaries: Vec<Value> = catalog()
        .models_in(region)
        .filter(|m| provider.is_none_or(|p| m.provider_name.eq_ignore_ascii_case(p)))
        .filter(|m| modality.is_none_or(|o| m.output_modalities.iter().any(|x| x == o)))
        .filter(|m| inference.is_none_or(|t| m.inference_types(region).iter().any(|x| x == t)))
        .filter(|m| customization.is_none_or(|c| m.customizations_supported.iter().any(|x| x == c)))
        .map(|m| m.summary(region))
        .collect();
    Ok(json!({ "modelSummaries": summaries }).into())
}
