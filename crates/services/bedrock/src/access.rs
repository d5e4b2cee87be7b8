//! Model access per account: the Anthropic use-case form (PutUseCaseForModelAccess) and the AWS Marketplace
//! subscriptions Bedrock starts on a third-party model's first use, checked as the caller (BR-10..BR-12).

use crate::Shared;
use crate::catalog::FoundationModel;
use crate::errors;
use sekisho_core::{AwsError, Check, OpContext};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The scope under which account-wide Bedrock state is kept (the form and subscriptions are per account,
/// not per Region).
pub const ACCOUNT_WIDE: &str = "global";

/// The service principal Bedrock's forward-access calls carry in `aws:CalledVia`.
pub const BEDROCK_PRINCIPAL: &str = "bedrock.amazonaws.com";

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ModelAccess {
    /// The `formData` of the last PutUseCaseForModelAccess, base64 as the API carries it.
    pub use_case_form: Option<String>,
    /// Model id → when the account's Marketplace subscription was recorded (ms since the epoch).
    pub subscriptions: BTreeMap<String, i64>,
}

/// An account's model access is small: one record.
impl sekisho_core::state::Records for ModelAccess {
    fn records(&self, out: &mut sekisho_core::state::RecordSink<'_>) -> Result<(), String> {
        sekisho_core::state::whole::records(self, out)
    }

    fn restore(records: Vec<sekisho_core::persist::Record>) -> Result<Self, String> {
        sekisho_core::state::whole::restore(records)
    }
}

/// [doc] Providers whose models are not sold through AWS Marketplace and need no subscription
/// (Bedrock User Guide, "Use product ID condition keys to control access", model-access-product-ids).
const NOT_SOLD_THROUGH_MARKETPLACE: &[&str] = &["Amazon", "DeepSeek", "Mistral AI", "Meta", "Qwen", "OpenAI"];

pub fn needs_marketplace(model: &FoundationModel) -> bool {
    !NOT_SOLD_THROUGH_MARKETPLACE.contains(&model.provider_name.as_str())
}

/// [doc] `aws-marketplace:ProductId` of the models that have one (same page), so policies scoping
/// `aws-marketplace:Subscribe` by product work.
fn product_id(model_id: &str) -> Option<&'static str> {
    Some(match model_id {
        "anthropic.claude-3-sonnet-20240229-v1:0" => "prod-6dw3qvchef7zy",
        "anthropic.claude-3-5-sonnet-20240620-v1:0" => "prod-m5ilt4siql27k",
        "anthropic.claude-3-5-sonnet-20241022-v2:0" => "prod-cx7ovbu5wex7g",
        "anthropic.claude-3-7-sonnet-20250219-v1:0" => "prod-4dlfvry4v5hbi",
        "anthropic.claude-sonnet-4-5-20250929-v1:0" => "prod-mxcfnwvpd6kb4",
        "anthropic.claude-haiku-4-5-20251001-v1:0" => "prod-xdkflymybwmvi",
        "anthropic.claude-sonnet-4-20250514-v1:0" => "prod-4pmewlybdftbs",
        "anthropic.claude-3-haiku-20240307-v1:0" => "prod-ozonys2hmmpeu",
        "anthropic.claude-3-5-haiku-20241022-v1:0" => "prod-5oba7y7jpji56",
        "anthropic.claude-3-opus-20240229-v1:0" => "prod-fm3feywmwerog",
        "anthropic.claude-opus-4-20250514-v1:0" => "prod-azycxvnd5mhqi",
        "anthropic.claude-opus-4-1-20250805-v1:0" => "prod-w3q2d6rfge4tw",
        "ai21.jamba-1-5-large-v1:0" => "prod-evcp4w4lurj26",
        "ai21.jamba-1-5-mini-v1:0" => "prod-ggrzjm65qmjhm",
        _ => return None,
    })
}

/// The Marketplace questions Bedrock asks on the caller's behalf before subscribing the account.
pub fn marketplace_checks(model: &FoundationModel) -> Vec<Check> {
    let mut subscribe = Check::new("aws-marketplace:Subscribe", "*");
    if let Some(id) = product_id(&model.model_id) {
        subscribe = subscribe.with_context("aws-marketplace:ProductId", id);
    }
    vec![Check::new("aws-marketplace:ViewSubscriptions", "*"), subscribe]
}

/// Model access before an invocation: the use-case form for Anthropic models, then, until the account is
/// subscribed to the model, the caller's Marketplace permissions asked through the door as forward access.
pub fn ensure(shared: &Shared, ctx: &OpContext, model: &FoundationModel) -> Result<(), AwsError> {
    let account = ctx.account().to_string();
    let (has_form, subscribed) = shared.access.read(&account, ACCOUNT_WIDE, |a| {
        a.map(|a| (a.use_case_form.is_some(), a.subscriptions.contains_key(&model.model_id))).unwrap_or_default()
    });
    if shared.config.require_use_case_form && model.is_anthropic() && !has_form {
        return Err(errors::use_case_form_missing());
    }
    if !shared.config.marketplace_check || !needs_marketplace(model) || subscribed {
        return Ok(());
    }
    let mut caller = ctx.caller.clone();
    caller.called_via = vec![BEDROCK_PRINCIPAL.to_string()];
    let checks = marketplace_checks(model);
    ctx.door
        .check(&caller, &checks, ("aws-marketplace", "Subscribe"), &ctx.region, Some(&ctx.request_id))
        .map_err(|_| errors::marketplace_denied())?;
    let now = ctx.now_ms();
    shared.access.with(&account, ACCOUNT_WIDE, |a| {
        a.subscriptions.entry(model.model_id.clone()).or_insert(now);
    });
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::catalog;

    #[test]
    fn which_models_are_sold_through_marketplace() {
        let model = |id: &str| catalog().model(id).unwrap();
        assert!(needs_marketplace(model("anthropic.claude-haiku-4-5-20251001-v1:0")));
        assert!(needs_marketplace(model("cohere.embed-v4:0")));
        assert!(!needs_marketplace(model("amazon.nova-lite-v1:0")));
        assert!(!needs_marketplace(model("meta.llama3-3-70b-instruct-v1:0")));
        assert!(!needs_marketplace(model("deepseek.r1-v1:0")));
    }

    #[test]
    fn the_subscribe_check_names_the_product() {
        let checks = marketplace_checks(catalog().model("anthropic.claude-haiku-4-5-20251001-v1:0").unwrap());
        assert_eq!(checks[0].action, "aws-marketplace:ViewSubscriptions");
        assert_eq!((checks[1].action.as_str(), checks[1].resource.as_str()), ("aws-marketplace:Subscribe", "*"));
        assert_eq!(
            checks[1].context,
            vec![("aws-marketplace:ProductId".to_string(), vec!["prod-xdkflymybwmvi".to_string()])]
        );
        let unknown = marketplace_checks(catalog().model("anthropic.claude-sonnet-4-6").unwrap());
        assert!(unknown[1].context.is_empty(), "no product id known: no condition key");
    }
}
