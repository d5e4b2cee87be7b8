//! A Lambda target's tool call (spec AGC-9): Invoke through the door as the gateway's execution role, the
//! event the tool's arguments (flat), `context.client_context.custom` AWS's `bedrockAgentCore*` keys; the
//! function's answer becomes the tool result's text, a function error a tool error (`isError: true`).
//! Source: AgentCore developer guide, "Add a Lambda target" (input format).

use crate::mcp::{ToolCall, ToolOutcome};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use sekisho_core::{Call, Caller, Door};
use serde_json::{Value, json};

/// The client context the function sees under `custom`.
pub fn client_context(call: &ToolCall, request_id: &str, gateway_id: &str) -> Value {
    json!({"custom": {
        "bedrockAgentCoreMessageVersion": "1.0",
        "bedrockAgentCoreAwsRequestId": request_id,
        "bedrockAgentCoreMcpMessageId": call.rpc_id.to_string().trim_matches('"'),
        "bedrockAgentCoreGatewayId": gateway_id,
        "bedrockAgentCoreTargetId": call.target_id,
        "bedrockAgentCoreToolName": call.full_name,
    }})
}

fn text(t: String, is_error: bool) -> ToolOutcome {
    ToolOutcome::Content { content: vec![json!({"type": "text", "text": t})], is_error }
}

pub async fn invoke(
    door: &Door,
    role: &Caller,
    lambda_arn: &str,
    call: &ToolCall,
    gateway_id: &str,
    parent: &str,
) -> ToolOutcome {
    let region = lambda_arn.split(':').nth(3).unwrap_or("us-east-1");
    let context = client_context(call, parent, gateway_id);
    let input = json!({
        "FunctionName": lambda_arn,
        "Payload": STANDARD.encode(call.arguments.to_string()),
        "ClientContext": STANDARD.encode(context.to_string()),
    });
    let out = match door.call(role, Call::new("lambda", "Invoke", input, region).parent(parent)).await {
        Ok(o) => o.body,
        // AWS does not document how a failed invocation reads; the error is reported as a tool error.
        Err(e) => return text(format!("{}: {}", e.code, e.message), true),
    };
    let bytes = out["Payload"].as_str().and_then(|p| STANDARD.decode(p).ok()).unwrap_or_default();
    let payload = String::from_utf8_lossy(&bytes).into_owned();
    text(payload, out.get("FunctionError").is_some_and(|e| !e.is_null()))
}
