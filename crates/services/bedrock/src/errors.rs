//! Bedrock's error texts, exactly as AWS writes them, each with its evidence ([doc], [obs], [inf] as in
//! the behaviour spec; data/README.md "Errors" lists the sources).

use sekisho_core::AwsError;

pub fn validation(message: impl Into<String>) -> AwsError {
    AwsError::new("ValidationException", 400, message)
}

/// [obs] BR-9: unknown id, a model or profile not offered in this Region, a model past its EOL.
pub fn invalid_model_identifier() -> AwsError {
    validation("The provided model identifier is invalid.")
}

/// [obs] BR-9: a profile-only model called by its own id. The apostrophe is U+2019.
pub fn on_demand_not_supported(model_id: &str) -> AwsError {
    validation(format!(
        "Invocation of model ID {model_id} with on-demand throughput isn\u{2019}t supported. Retry your request with the ID or ARN of an inference profile that contains this model."
    ))
}

/// [obs] BR-9: Converse/ConverseStream with an embedding, image or speech model.
pub fn not_a_chat_model() -> AwsError {
    validation(
        "This action doesn't support the model that you provided. Try again with a supported text or chat model.",
    )
}

/// [obs] BR-11: the Anthropic use-case (first-time-use) form was not submitted for the account.
pub fn use_case_form_missing() -> AwsError {
    AwsError::new(
        "AccessDeniedException",
        403,
        "Model use case details have not been submitted for this account. Fill out the Anthropic use case details form before using the model. If you have already filled out the form, try again in 15 minutes.",
    )
}

/// [obs] BR-11: the caller may not view or subscribe in AWS Marketplace, so the model cannot be enabled.
pub fn marketplace_denied() -> AwsError {
    AwsError::new(
        "AccessDeniedException",
        403,
        "Model access is denied due to IAM user or service role is not authorized to perform the required AWS Marketplace actions (aws-marketplace:ViewSubscriptions, aws-marketplace:Subscribe) to enable access to this model. Refer to the Amazon Bedrock documentation for further details. Your AWS Marketplace subscription for this model cannot be completed at this time. If you recently fixed this issue, try again after 2 minutes.",
    )
}

/// [obs] Converse: the first message is not the user's (dify#12340, kibana#246393).
pub fn must_start_with_user() -> AwsError {
    validation(
        "A conversation must start with a user message. Try again with a conversation that starts with a user message.",
    )
}

/// [obs] Converse: two messages in a row with the same role (langchain-aws#130).
pub fn must_alternate() -> AwsError {
    validation(
        "A conversation must alternate between user and assistant roles. Make sure the conversation alternates between user and assistant roles and try again.",
    )
}

/// [obs] Converse: a text block that is empty or only whitespace.
pub fn blank_text(path: &str) -> AwsError {
    validation(format!(
        "The text field in the ContentBlock object at {path} is blank. Add text to the text field, and try again."
    ))
}

/// [obs] Converse: toolUse/toolResult blocks in the conversation without a toolConfig.
pub fn tool_config_required() -> AwsError {
    validation("The toolConfig field must be defined when using toolUse and toolResult content blocks.")
}

/// [obs] InvokeModel: the body does not satisfy the model family's JSON schema (one violation), e.g.
/// `Malformed input request: #: required key [max_tokens] not found, please reformat your input and try again.`
pub fn malformed_input(violations: &[String]) -> AwsError {
    match violations {
        [one] => validation(format!("Malformed input request: {one}, please reformat your input and try again.")),
        many => validation(format!(
            "Malformed input request: {} schema violations found, please reformat your input and try again.",
            many.len()
        )),
    }
}

/// [obs] A model's own 4xx answer is passed through as a ValidationException with this prefix.
pub fn model_returned(detail: &str) -> AwsError {
    validation(format!("The model returned the following errors: {detail}"))
}

/// [inf] Control plane: an id that names no profile. AWS's text for this case was not found in any source.
pub fn profile_not_found(id: &str) -> AwsError {
    AwsError::new("ResourceNotFoundException", 404, format!("The inference profile {id} does not exist."))
}

/// [inf] GetUseCaseForModelAccess before any form was submitted.
pub fn use_case_not_found() -> AwsError {
    AwsError::new("ResourceNotFoundException", 404, "Model use case details have not been submitted for this account.")
}
