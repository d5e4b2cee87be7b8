//! The Bedrock control plane's operations: the model catalog, inference profiles (system-defined and
//! application), and model access (use-case form, availability). One module per operation.

pub mod application_profiles;
mod create_inference_profile;
mod delete_inference_profile;
mod get_foundation_model;
mod get_foundation_model_availability;
mod get_inference_profile;
mod list_foundation_models;
mod list_inference_profiles;
mod use_case;

use crate::Shared;
use sekisho_core::{AuthzRequest, AwsError, Check, OpContext, Output};
use serde_json::Value;

pub fn authorize(shared: &Shared, req: &AuthzRequest<'_>) -> Result<Vec<Check>, AwsError> {
    Ok(match req.operation {
        "ListFoundationModels" => list_foundation_models::authorize(req),
        "GetFoundationModel" => get_foundation_model::authorize(req),
        "ListInferenceProfiles" => list_inference_profiles::authorize(req),
        "GetInferenceProfile" => get_inference_profile::authorize(shared, req),
        "CreateInferenceProfile" => create_inference_profile::authorize(req),
        "DeleteInferenceProfile" => delete_inference_profile::authorize(shared, req),
        "PutUseCaseForModelAccess" => use_case::authorize_put(req),
        "GetUseCaseForModelAccess" => use_case::authorize_get(req),
        "GetFoundationModelAvailability" => get_foundation_model_availability::authorize(req),
        other => return Err(crate::unsupported("bedrock", other)),
    })
}

pub fn handle(shared: &Shared, ctx: &OpContext, operation: &str, input: Value) -> Result<Output, AwsError> {
    match operation {
        "ListFoundationModels" => list_foundation_models::handle(ctx, &input),
        "GetFoundationModel" => get_foundation_model::handle(ctx, &input),
        "ListInferenceProfiles" => list_inference_profiles::handle(shared, ctx, &input),
        "GetInferenceProfile" => get_inference_profile::handle(shared, ctx, &input),
        "CreateInferenceProfile" => create_inference_profile::handle(shared, ctx, &input),
        "DeleteInferenceProfile" => delete_inference_profile::handle(shared, ctx, &input),
        "PutUseCaseForModelAccess" => use_case::handle_put(shared, ctx, &input),
        "GetUseCaseForModelAccess" => use_case::handle_get(shared, ctx),
        "GetFoundationModelAvailability" => get_foundation_model_availability::handle(shared, ctx, &input),
        other => Err(crate::unsupported("bedrock", other)),
    }
}

/// A string member of a decoded input.
pub fn str_of<'a>(input: &'a Value, key: &str) -> Option<&'a str> {
    input.get(key).and_then(Value::as_str)
}

/// The parts of a Bedrock ARN: `arn:aws:bedrock:<region>:<account>:<type>/<id>`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BedrockArn<'a> {
    pub region: &'a str,
    pub account: &'a str,
    pub resource_type: &'a str,
    pub id: &'a str,
}

pub fn parse_arn(text: &str) -> Option<BedrockArn<'_>> {
    let mut parts = text.splitn(6, ':');
    let (arn, partition, service) = (parts.next()?, parts.next()?, parts.next()?);
    if arn != "arn" || !partition.starts_with("aws") || service != "bedrock" {
        return None;
    }
    let (region, account, resource) = (parts.next()?, parts.next()?, parts.next()?);
    let (resource_type, id) = resource.split_once('/')?;
    Some(BedrockArn { region, account, resource_type, id })
}

/// The foundation model an identifier names in `region`: its id, or its ARN in this Region.
pub fn model_id_in<'a>(identifier: &'a str, region: &str) -> Option<&'a str> {
    match parse_arn(identifier) {
        Some(a) if a.resource_type == "foundation-model" && a.region == region => Some(a.id),
        Some(_) => None,
        None => Some(identifier),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arns() {
        let a = parse_arn(
            "arn:aws:bedrock:ap-northeast-1:222222222222:inference-profile/jp.anthropic.claude-haiku-4-5-20251001-v1:0",
        )
        .unwrap();
        assert_eq!(
            a,
            BedrockArn {
                region: "ap-northeast-1",
                account: "222222222222",
                resource_type: "inference-profile",
                id: "jp.anthropic.claude-haiku-4-5-20251001-v1:0"
            }
        );
        assert_eq!(parse_arn("arn:aws:bedrock:::foundation-model/x.y").unwrap().region, "");
        assert!(parse_arn("arn:aws:s3:::bucket/key").is_none());
        assert!(parse_arn("anthropic.claude-3-haiku-20240307-v1:0").is_none());
        assert_eq!(model_id_in("arn:aws:bedrock:us-east-1::foundation-model/a.b", "us-east-1"), Some("a.b"));
        assert_eq!(model_id_in("arn:aws:bedrock:us-west-2::foundation-model/a.b", "us-east-1"), None);
        assert_eq!(model_id_in("a.b", "us-east-1"), Some("a.b"));
    }
}
