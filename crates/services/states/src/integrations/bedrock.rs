//! `arn:aws:states:::bedrock:invokeModel`: Bedrock Runtime's InvokeModel through the door with the task's
//! `ModelId`, `Body` (JSON, sent as its text), `ContentType`, `Accept` and the guardrail and trace fields;
//! the result is `{Body: <the model's JSON>, ContentType}`. Errors are `Bedrock.<exception>` with the
//! service's message (the `Bedrock.` prefix is the one AWS documents for this integration; the cause's
//! wording is [inf]). `Input`/`Output` with an `S3Uri` need S3, which sekisho does not serve.

use super::sdk_errors;
use super::{Integration, TaskContext, TaskOutcome, as_text, parameters, parse_or_string};
use async_trait::async_trait;
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use sekisho_asl::exec::TaskRequest;
use sekisho_core::Call;
use serde_json::json;

pub struct InvokeModel;

const FIELDS: &[&str] = &[
    "ModelId",
    "Body",
    "ContentType",
    "Accept",
    "Input",
    "Output",
    "Trace",
    "GuardrailIdentifier",
    "GuardrailVersion",
    "PerformanceConfigLatency",
];

/// `Bedrock.<exception>`: the modeled exception's name, else the generic `Bedrock.BedrockException`.
fn error_name(code: &str) -> String {
    let model = sekisho_wire::load("bedrock-runtime");
    let op = model.and_then(|m| m.operation("InvokeModel"));
    match model.and_then(|m| m.operation_error_shape(op, code)) {
        Some((name, _)) if name.ends_with("Exception") => format!("Bedrock.{name}"),
        Some((name, _)) => format!("Bedrock.{name}Exception"),
        None => "Bedrock.BedrockException".to_string(),
    }
}

#[async_trait]
impl Integration for InvokeModel {
    fn accepts(&self, request: &TaskRequest) -> bool {
        request.resource_type == "bedrock" && request.resource.split('.').next() == Some("invokeModel")
    }

    async fn invoke(&self, request: &TaskRequest, cx: &TaskContext) -> TaskOutcome {
        let params = match parameters(request, FIELDS, &["ModelId"]) {
            Ok(p) => p,
            Err(failed) => return failed,
        };
        if params.contains_key("Input") || params.contains_key("Output") {
            return TaskOutcome::failed(
                "NotImplemented",
                "sekisho does not serve Amazon S3, so bedrock:invokeModel cannot read Input or write Output",
            );
        }
        let Some(body) = params.get("Body").filter(|b| !b.is_null()) else {
            // [inf] The documentation says Body is required when Input is absent.
            return TaskOutcome::failed("States.Runtime", "The field 'Body' is required but was missing");
        };
        let mut input = json!({
            "modelId": as_text(&params["ModelId"]),
            "body": STANDARD.encode(as_text(body).as_bytes()),
        });
        for (member, name) in [
            ("ContentType", "contentType"),
            ("Accept", "accept"),
            ("Trace", "trace"),
            ("GuardrailIdentifier", "guardrailIdentifier"),
            ("GuardrailVersion", "guardrailVersion"),
            ("PerformanceConfigLatency", "performanceConfigLatency"),
        ] {
            if let Some(v) = params.get(member).filter(|v| !v.is_null()) {
                input[name] = json!(as_text(v));
            }
        }
        let request_id = sekisho_core::ids::request_id();
        let mut call = Call::new("bedrock-runtime", "InvokeModel", input, &request.region);
        call.request_id = Some(request_id.clone());
        call.parent_request_id = cx.parent_request_id.clone();
        match cx.door.call(&cx.caller, call).await {
            Ok(out) => {
                let bytes = out.body["body"].as_str().and_then(|b| STANDARD.decode(b).ok()).unwrap_or_default();
                let text = String::from_utf8_lossy(&bytes);
                let content_type = out.body["contentType"].as_str().unwrap_or("application/json").to_string();
                TaskOutcome::Succeeded(json!({"Body": parse_or_string(&text), "ContentType": content_type}))
            }
            Err(e) => {
                let cause = match sekisho_wire::load("bedrock-runtime") {
                    Some(m) => sdk_errors::cause(m, &e.message, e.status, &request_id),
                    None => e.message.clone(),
                };
                TaskOutcome::failed(error_name(&e.code), cause)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errors_carry_the_bedrock_prefix() {
        assert_eq!(error_name("AccessDeniedException"), "Bedrock.AccessDeniedException");
        assert_eq!(error_name("ThrottlingException"), "Bedrock.ThrottlingException");
        assert_eq!(error_name("ModelTimeoutException"), "Bedrock.ModelTimeoutException");
        assert_eq!(error_name("Unheard"), "Bedrock.BedrockException");
    }
}
