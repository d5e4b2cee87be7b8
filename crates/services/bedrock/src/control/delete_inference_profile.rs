//! DeleteInferenceProfile: removes one of the account's application profiles (system-defined profiles
//! cannot be deleted).

use super::get_inference_profile::resource_arn;
use super::{parse_arn, str_of};
use crate::Shared;
use crate::errors;
use sekisho_core::{AuthzRequest, AwsError, Check, OpContext, Output};
use serde_json::Value;

pub fn authorize(shared: &Shared, req: &AuthzRequest<'_>) -> Vec<Check> {
    let identifier = str_of(req.input, "inferenceProfileIdentifier").unwrap_or_default();
    vec![Check::new(
        "bedrock:DeleteInferenceProfile",
        resource_arn(shared, identifier, req.caller.account(), req.region),
    )]
}

pub fn handle(shared: &Shared, ctx: &OpContext, input: &Value) -> Result<Output, AwsError> {
    let identifier = str_of(input, "inferenceProfileIdentifier").unwrap_or_default();
    let (region, account) = (ctx.region.as_str(), ctx.account());
    let arn = resource_arn(shared, identifier, account, region);
    let id = parse_arn(&arn)
        .filter(|a| a.resource_type == "application-inference-profile" && a.region == region && a.account == account)
        .map(|a| a.id.to_string())
        .ok_or_else(|| errors::profile_not_found(identifier))?;
    let removed = shared.app_profiles.with(account, region, |p| p.remove(&id));
    removed.map(|_| Output::empty()).ok_or_else(|| errors::profile_not_found(identifier))
}
