//! ConverseStream: the answer as Converse's event stream (messageStart, contentBlockStart/Delta/Stop,
//! messageStop, metadata). Needs `bedrock:InvokeModelWithResponseStream`.

use super::stream::{self, BlockKind, Renderer, Step, Timing};
use super::{converse_format, ensure_access, invoke_checks, target_of};
use crate::Shared;
use crate::errors;
use sekisho_core::service::Event;
use sekisho_core::{AuthzRequest, AwsError, Check, OpContext, Output};
use serde_json::{Value, json};

pub fn authorize(shared: &Shared, req: &AuthzRequest<'_>) -> Vec<Check> {
    invoke_checks(shared, req, "bedrock:InvokeModelWithResponseStream")
}

pub async fn handle(shared: &Shared, ctx: &OpContext, input: &Value) -> Result<Output, AwsError> {
    let target = target_of(shared, ctx, input)?;
    if !target.model.is_chat() {
        return Err(errors::not_a_chat_model());
    }
    let request = converse_format::parse_request(input, target.model)?;
    ensure_access(shared, ctx, &target)?;
    let backend = shared.backends.for_model(&target.model.model_id);
    let events = stream::spawn(backend, request, ConverseEvents).await?;
    Ok(Output { body: json!({}), events: Some(events) })
}

/// Converse's stream events. Text blocks have no start event; tool use blocks do.
pub struct ConverseEvents;

fn event(name: &str, payload: Value) -> Event {
    Event { name: name.into(), payload }
}

impl Renderer for ConverseEvents {
    fn start(&mut self) -> Vec<Event> {
        vec![event("messageStart", json!({ "role": "assistant" }))]
    }

    fn step(&mut self, step: Step, timing: Timing) -> Vec<Event> {
        match step {
            Step::Start(_, BlockKind::Text) => Vec::new(),
            Step::Start(index, BlockKind::ToolUse { id, name }) => vec![event(
                "contentBlockStart",
                json!({ "start": { "toolUse": { "toolUseId": id, "name": name } }, "contentBlockIndex": index }),
            )],
            Step::TextDelta(index, text) => {
                vec![event("contentBlockDelta", json!({ "delta": { "text": text }, "contentBlockIndex": index }))]
            }
            Step::ToolInputDelta(index, input) => vec![event(
                "contentBlockDelta",
                json!({ "delta": { "toolUse": { "input": input } }, "contentBlockIndex": index }),
            )],
            Step::Stop(index) => vec![event("contentBlockStop", json!({ "contentBlockIndex": index }))],
            Step::End { reason, usage, .. } => {
                let answer =
                    crate::chat::ChatResponse { content: Vec::new(), stop_reason: reason, stop_sequence: None, usage };
                vec![
                    event("messageStop", json!({ "stopReason": reason.as_str() })),
                    event(
                        "metadata",
                        json!({ "usage": converse_format::usage_json(&answer), "metrics": { "latencyMs": timing.latency_ms } }),
                    ),
                ]
            }
        }
    }
}
