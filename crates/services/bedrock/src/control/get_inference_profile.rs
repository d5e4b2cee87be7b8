//! GetInferenceProfile: a system-defined profile (by id or ARN; the ARN carries the caller's account and the
//! destinations depend on the Region called) or one of the account's application profiles.

use super::{parse_arn, str_of};
use crate::Shared;
use crate::catalog::catalog;
use crate::errors;
use sekisho_core::{AuthzRequest, AwsError, Check, OpContext, Output};
use serde_json::Value;

/// The ARN an identifier names for `account` in `region`: application profiles by their id or ARN,
/// system-defined profiles by id or ARN.
pub fn resource_arn(shared: &Shared, identifier: &str, account: &str, region: &str) -> String {
    if parse_arn(identifier).is_some() {
        return identifier.to_string();
    }
    let app = shared.app_profiles.read(account, region, |p| p.and_then(|p| p.get(identifier)).map(|a| a.arn.clone()));
    app.unwrap_or_else(|| format!("arn:aws:bedrock:{region}:{account}:inference-profile/{identifier}"))
}

pub fn authorize(shared: &Shared, req: &AuthzRequest<'_>) -> Vec<Check> {
    let identifier = str_of(req.input, "inferenceProfileIdentifier").unwrap_or_default();
    let arn = resource_arn(shared, identifier, req.caller.account(), req.region);
    vec![Check::new("bedrock:GetInferenceProfile", arn)]
}

pub fn handle(shared: &Shared, ctx: &OpContext, input: &Value) -> Result<Output, AwsError> {
    let identifier = str_of(input, "inferenceProfileIdentifier").unwrap_or_default();
    let (region, account) = (ctx.region.as_str(), ctx.account());
    let arn = resource_arn(shared, identifier, account, region);
    let Some(parsed) = parse_arn(&arn) else { return Err(errors::profile_not_found(identifier)) };
    if parsed.region != region || parsed.account != account {
        return Err(errors::profile_not_found(identifier));
    }
    let found = match parsed.resource_type {
        "application-inference-profile" => {
            shared.app_profiles.read(account, region, |p| p.and_then(|p| p.get(parsed.id)).map(|a| a.summary()))
        }
        "inference-profile" => catalog()
            .profile(parsed.id)
            .filter(|p| p.destinations(region).is_some())
            .map(|p| p.summary(region, account)),
        _ => None,
    };
    found.map(Output::new).ok_or_else(|| errors::profile_not_found(identifier))
}
