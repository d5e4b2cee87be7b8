//! GetFoundationModelAvailability: whether the account can use a model here: Marketplace agreement
//! (subscribed, or not sold through Marketplace), authorization (the Anthropic form), Region.

use super::str_of;
use crate::Shared;
use crate::access::{ACCOUNT_WIDE, needs_marketplace};
use crate::catalog::catalog;
use crate::errors;
use sekisho_core::{AuthzRequest, AwsError, Check, OpContext, Output};
use serde_json::{Value, json};

pub fn authorize(_req: &AuthzRequest<'_>) -> Vec<Check> {
    vec![Check::new("bedrock:GetFoundationModelAvailability", "*")]
}

pub fn handle(shared: &Shared, ctx: &OpContext, input: &Value) -> Result<Output, AwsError> {
    let model_id = str_of(input, "modelId").unwrap_or_default();
    let model = catalog().model(model_id).ok_or_else(errors::invalid_model_identifier)?;
    let (has_form, subscribed) = shared.access.read(ctx.account(), ACCOUNT_WIDE, |a| {
        a.map(|a| (a.use_case_form.is_some(), a.subscriptions.contains_key(model_id))).unwrap_or_default()
    });
    let agreement = if subscribed || !needs_marketplace(model) { "AVAILABLE" } else { "NOT_AVAILABLE" };
    let authorized = !model.is_anthropic() || has_form || !shared.config.require_use_case_form;
    let available = |b: bool| if b { "AVAILABLE" } else { "NOT_AVAILABLE" };
    Ok(json!({
        "modelId": model.model_id,
        "agreementAvailability": { "status": agreement },
        "authorizationStatus": if authorized { "AUTHORIZED" } else { "NOT_AUTHORIZED" },
        "entitlementAvailability": available(true),
        "regionAvailability": available(model.offered_in(&ctx.region)),
    })
    .into())
}
