//! CreateInferenceProfile: an application profile copying a foundation model or a system-defined profile
//! of this Region, owned by the caller's account.

use super::application_profiles::AppProfile;
use super::{parse_arn, str_of};
use crate::Shared;
use crate::catalog::{catalog, foundation_model_arn};
use crate::errors;
use sekisho_core::{AuthzRequest, AwsError, Check, OpContext, Output, ids};
use serde_json::{Value, json};

fn tags(input: &Value) -> Vec<(String, String)> {
    input
        .get("tags")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|t| Some((t.get("key")?.as_str()?.to_string(), t.get("value")?.as_str()?.to_string())))
        .collect()
}

pub fn authorize(req: &AuthzRequest<'_>) -> Vec<Check> {
    let account = req.caller.account();
    let mut create = Check::new(
        "bedrock:CreateInferenceProfile",
        format!("arn:aws:bedrock:{}:{account}:application-inference-profile/*", req.region),
    );
    let tags = tags(req.input);
    if !tags.is_empty() {
        for (k, v) in &tags {
            create = create.with_context(&format!("aws:RequestTag/{k}"), v.clone());
        }
        create = create.with_context_values("aws:TagKeys", tags.iter().map(|(k, _)| k.clone()).collect());
    }
    let mut checks = vec![create];
    if let Some(source) = req.input.pointer("/modelSource/copyFrom").and_then(Value::as_str) {
        checks.push(Check::new("bedrock:CreateInferenceProfile", source));
    }
    checks
}

pub fn handle(shared: &Shared, ctx: &OpContext, input: &Value) -> Result<Output, AwsError> {
    let (region, account) = (ctx.region.as_str(), ctx.account());
    let name = str_of(input, "inferenceProfileName").unwrap_or_default().to_string();
    let source = input.pointer("/modelSource/copyFrom").and_then(Value::as_str).unwrap_or_default();
    let arn = parse_arn(source).filter(|a| a.region == region || a.region.is_empty());
    let (model_id, model_arns) = match arn {
        Some(a) if a.resource_type == "foundation-model" => {
            let m =
                catalog().model(a.id).filter(|m| m.offered_in(region)).ok_or_else(errors::invalid_model_identifier)?;
            (m.model_id.clone(), vec![foundation_model_arn(region, &m.model_id)])
        }
        Some(a) if a.resource_type == "inference-profile" && a.account == account => {
            let p = catalog()
                .profile(a.id)
                .filter(|p| p.destinations(region).is_some())
                .ok_or_else(|| errors::profile_not_found(a.id))?;
            (p.model_id.clone(), p.model_arns(region))
        }
        _ => return Err(errors::invalid_model_identifier()),
    };
    let taken = shared.app_profiles.read(account, region, |p| p.is_some_and(|p| p.values().any(|a| a.name == name)));
    if taken {
        // [inf] AWS's text for a duplicate name was not found.
        return Err(AwsError::new(
            "ConflictException",
            409,
            format!("An inference profile named {name} already exists."),
        ));
    }
    let id = ids::lower_alnum(12);
    let profile = AppProfile {
        arn: format!("arn:aws:bedrock:{region}:{account}:application-inference-profile/{id}"),
        id: id.clone(),
        name,
        description: str_of(input, "description").map(str::to_string),
        model_id,
        model_arns,
        copied_from: source.to_string(),
        created_secs: ctx.now_ms() as f64 / 1000.0,
        tags: tags(input),
    };
    let out = json!({ "inferenceProfileArn": profile.arn, "status": "ACTIVE" });
    shared.app_profiles.with(account, region, |p| p.insert(id, profile));
    Ok(out.into())
}
