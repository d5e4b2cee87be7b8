//! InvokeModelWithResponseStream: the model's native stream events, each a `chunk` whose `bytes` is one
//! JSON event. Needs `bedrock:InvokeModelWithResponseStream`.

use super::anthropic::{self, AnthropicStream};
use super::invoke_model::{Family, family, parse_body};
use super::nova::NovaStream;
use super::stream;
use super::{ensure_access, invoke_checks, target_of};
use crate::Shared;
use crate::tokens;
use sekisho_core::{AuthzRequest, AwsError, Check, OpContext, Output};
use serde_json::{Value, json};

pub fn authorize(shared: &Shared, req: &AuthzRequest<'_>) -> Vec<Check> {
    invoke_checks(shared, req, "bedrock:InvokeModelWithResponseStream")
}

pub async fn handle(shared: &Shared, ctx: &OpContext, input: &Value) -> Result<Output, AwsError> {
    let target = target_of(shared, ctx, input)?;
    let family = family(target.model, "InvokeModelWithResponseStream")?;
    let request = parse_body(input, target.model, family)?;
    ensure_access(shared, ctx, &target)?;
    let backend = shared.backends.for_model(&target.model.model_id);
    let events = match family {
        Family::Anthropic => {
            let renderer = AnthropicStream {
                id: anthropic::message_id(&request),
                model: anthropic::response_model(&request.model.id),
                input_tokens: tokens::input_tokens(&request),
            };
            stream::spawn(backend, request, renderer).await?
        }
        Family::Nova => stream::spawn(backend, request, NovaStream).await?,
    };
    Ok(Output { body: json!({ "contentType": "application/json" }), events: Some(events) })
}
