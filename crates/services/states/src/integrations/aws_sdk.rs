//! `arn:aws:states:::aws-sdk:<service>:<action>`: any operation of any service sekisho serves, called
//! through the door as the task's caller. The service is found by its SDK name (the model's service id,
//! lower case, no spaces), the operation by its camelCase action; names and values go through `casing`.

use super::casing;
use super::sdk_errors;
use super::{Integration, TaskContext, TaskOutcome};
use async_trait::async_trait;
use sekisho_asl::exec::TaskRequest;
use sekisho_core::Call;
use sekisho_wire::model::{Protocol, ServiceModel};
use serde_json::{Value, json};
use std::collections::HashMap;
use std::sync::{Mutex, OnceLock};

pub struct AwsSdk;

fn squash(s: &str) -> String {
    s.chars().filter(|c| c.is_ascii_alphanumeric()).map(|c| c.to_ascii_lowercase()).collect()
}

/// The model of an SDK service name (`bedrockruntime`, `sfn`, `cloudwatchlogs`). The botocore name is
/// tried first (it usually squashes to the SDK name); otherwise each model's service id, once.
pub fn sdk_model(sdk_name: &str) -> Option<&'static ServiceModel> {
    static FOUND: OnceLock<Mutex<HashMap<String, Option<&'static ServiceModel>>>> = OnceLock::new();
    let cache = FOUND.get_or_init(|| Mutex::new(HashMap::new()));
    if let Some(hit) = cache.lock().unwrap_or_else(|e| e.into_inner()).get(sdk_name) {
        return *hit;
    }
    let wanted = squash(sdk_name);
    let found = sekisho_wire::model::names()
        .find(|n| squash(n) == wanted)
        .and_then(sekisho_wire::load)
        .filter(|m| squash(&m.metadata.service_id) == wanted)
        .or_else(|| {
            sekisho_wire::model::names()
                .filter_map(sekisho_wire::load)
                .find(|m| squash(&m.metadata.service_id) == wanted)
        });
    cache.lock().unwrap_or_else(|e| e.into_inner()).insert(sdk_name.to_string(), found);
    found
}

fn not_served(what: &str) -> TaskOutcome {
    TaskOutcome::failed("NotImplemented", format!("sekisho does not serve {what} yet"))
}

#[async_trait]
impl Integration for AwsSdk {
    fn accepts(&self, request: &TaskRequest) -> bool {
        request.resource_type.starts_with("aws-sdk:")
    }

    async fn invoke(&self, request: &TaskRequest, cx: &TaskContext) -> TaskOutcome {
        let sdk = request.resource_type.trim_start_matches("aws-sdk:");
        let action = request.resource.split('.').next().unwrap_or_default();
        let Some(model) = sdk_model(sdk) else { return not_served(&format!("the service {sdk}")) };
        if cx.door.service(&model.name).is_none() {
            return not_served(&format!("the service {sdk}"));
        }
        let operation = casing::pascal(action);
        let Some(op) = model.operation(&operation) else {
            // [inf] AWS refuses unknown actions when the state machine is created.
            return TaskOutcome::failed(
                "States.Runtime",
                format!("The API action '{action}' is not supported by the service '{sdk}'"),
            );
        };
        let request_id = sekisho_core::ids::request_id();
        let params = match model.input_shape(op) {
            Some(shape) => match casing::to_model(model, shape, &request.parameters) {
                Ok(v) => v,
                Err(message) => return TaskOutcome::failed("States.Runtime", message),
            },
            None => json!({}),
        };
        if let Some(shape) = model.input_shape(op) {
            let violations = sekisho_wire::validate::validate(model, shape, &params);
            if !violations.is_empty() {
                // What the service answers for a request its model refuses.
                let code = if model.protocol() == Protocol::Query { "ValidationError" } else { "ValidationException" };
                let message = sekisho_wire::validate::message(&violations);
                return TaskOutcome::failed(
                    sdk_errors::error_name(model, Some(op), code),
                    sdk_errors::cause(model, &message, 400, &request_id),
                );
            }
        }
        let mut call = Call::new(&model.name, &operation, params, &request.region);
        call.request_id = Some(request_id.clone());
        call.parent_request_id = cx.parent_request_id.clone();
        match cx.door.call(&cx.caller, call).await {
            Ok(out) => TaskOutcome::Succeeded(match model.output_shape(op) {
                Some(shape) => casing::from_model(model, shape, &out.body),
                None => Value::Object(Default::default()),
            }),
            Err(e) => TaskOutcome::failed(
                sdk_errors::error_name(model, Some(op), &e.code),
                sdk_errors::cause(model, &e.message, e.status, &request_id),
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sdk_names_find_their_models() {
        assert_eq!(sdk_model("bedrockruntime").map(|m| m.name.as_str()), Some("bedrock-runtime"));
        assert_eq!(sdk_model("sfn").map(|m| m.name.as_str()), Some("stepfunctions"));
        assert_eq!(sdk_model("cloudwatchlogs").map(|m| m.name.as_str()), Some("logs"));
        assert_eq!(sdk_model("sts").map(|m| m.name.as_str()), Some("sts"));
        assert!(sdk_model("nosuchservice").is_none());
    }
}
