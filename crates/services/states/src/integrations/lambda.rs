//! Lambda: `arn:aws:states:::lambda:invoke` (and `.waitForTaskToken`) and a function ARN as the Resource,
//! both calling Lambda's Invoke through the door. `lambda:invoke` answers Invoke's response as the Java SDK
//! v1 saw it (`ExecutedVersion`, `Payload` parsed, `SdkHttpMetadata`, `SdkResponseMetadata`, `StatusCode`);
//! a function ARN answers the payload alone. A function error fails the task with the function's
//! `errorType` as error and the payload as cause; a service error is `Lambda.<v1 exception>`.

use super::java_v1::{self, LAMBDA};
use super::{Integration, TaskContext, TaskOutcome, as_text, parameters, parse_or_string, sdk_metadata};
use async_trait::async_trait;
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use sekisho_asl::exec::{TaskKind, TaskRequest};
use sekisho_core::Call;
use serde_json::{Map, Value, json};

pub struct LambdaInvoke;

const FIELDS: &[&str] = &["FunctionName", "Payload", "Qualifier", "InvocationType", "ClientContext", "LogType"];

/// What Step Functions reports when a failed invocation names no error type.
pub fn unknown_error_cause(payload: &str) -> String {
    format!(
        "The cause could not be determined because Lambda did not return an error type. Returned payload: {payload}"
    )
}

/// A function name as Invoke takes it from an internal caller: a full ARN, in the caller's account and the
/// task's region unless the name says otherwise (`name`, `name:qualifier`, `account:function:name`).
pub fn function_arn(name: &str, account: &str, region: &str) -> String {
    if name.starts_with("arn:") {
        return name.to_string();
    }
    match name.split_once(":function:") {
        Some((acct, rest)) if sekisho_core::ids::is_account_id(acct) => {
            format!("arn:aws:lambda:{region}:{acct}:function:{rest}")
        }
        _ => format!("arn:aws:lambda:{region}:{account}:function:{name}"),
    }
}

/// A function error: the error type the payload names, else `Lambda.Unknown`.
pub fn function_error(payload: &str) -> TaskOutcome {
    let error_type = serde_json::from_str::<Value>(payload)
        .ok()
        .and_then(|v| v.get("errorType").and_then(Value::as_str).map(str::to_string))
        .filter(|t| !t.is_empty());
    match error_type {
        Some(t) => TaskOutcome::failed(t, payload),
        None => TaskOutcome::failed("Lambda.Unknown", unknown_error_cause(payload)),
    }
}

#[async_trait]
impl Integration for LambdaInvoke {
    fn accepts(&self, request: &TaskRequest) -> bool {
        request.resource_type == "lambda"
            && (request.kind == TaskKind::LambdaFunction || request.resource.split('.').next() == Some("invoke"))
    }

    async fn invoke(&self, request: &TaskRequest, cx: &TaskContext) -> TaskOutcome {
        let legacy = request.kind == TaskKind::LambdaFunction;
        let mut input = Map::new();
        let payload = if legacy {
            input.insert("FunctionName".into(), json!(request.resource));
            request.parameters.to_string()
        } else {
            let params = match parameters(request, FIELDS, &["FunctionName"]) {
                Ok(p) => p,
                Err(failed) => return failed,
            };
            let name = as_text(&params["FunctionName"]);
            input.insert("FunctionName".into(), json!(function_arn(&name, cx.caller.account(), &request.region)));
            for member in ["Qualifier", "InvocationType", "ClientContext", "LogType"] {
                if let Some(v) = params.get(member).filter(|v| !v.is_null()) {
                    input.insert(member.into(), json!(as_text(v)));
                }
            }
            params.get("Payload").filter(|v| !v.is_null()).map(as_text).unwrap_or_else(|| "{}".into())
        };
        input.insert("Payload".into(), json!(STANDARD.encode(payload.as_bytes())));
        let request_id = sekisho_core::ids::request_id();
        let mut call = Call::new("lambda", "Invoke", Value::Object(input), &request.region);
        call.request_id = Some(request_id.clone());
        call.parent_request_id = cx.parent_request_id.clone();
        let out = match cx.door.call(&cx.caller, call).await {
            Ok(out) => out.body,
            Err(e) => {
                let model = sekisho_wire::load("lambda");
                let op = model.and_then(|m| m.operation("Invoke"));
                let error = match model {
                    Some(m) => java_v1::error_name(LAMBDA, m, op, &e.code),
                    None => format!("Lambda.{}", e.code),
                };
                return TaskOutcome::failed(error, java_v1::cause(LAMBDA, &e.message, e.status, &e.code, &request_id));
            }
        };
        let bytes = out["Payload"].as_str().and_then(|p| STANDARD.decode(p).ok()).unwrap_or_default();
        let text = String::from_utf8_lossy(&bytes).into_owned();
        if out.get("FunctionError").is_some_and(|e| !e.is_null()) {
            return function_error(&text);
        }
        if legacy {
            return TaskOutcome::Succeeded(parse_or_string(&text));
        }
        TaskOutcome::Succeeded(response(&out, &text, bytes.len(), &request_id, cx.door.world().clock.now_ms()))
    }
}

/// `lambda:invoke`'s result, members in the order AWS writes them.
fn response(out: &Value, payload: &str, payload_len: usize, request_id: &str, now_ms: i64) -> Value {
    let status = out["StatusCode"].as_u64().unwrap_or(200) as u16;
    let version = out["ExecutedVersion"].as_str().map(str::to_string);
    let log = out["LogResult"].as_str().map(str::to_string);
    let mut headers: Vec<(&str, String)> = Vec::new();
    if let Some(l) = &log {
        headers.push(("X-Amz-Log-Result", l.clone()));
    }
    if let Some(v) = &version {
        headers.push(("X-Amz-Executed-Version", v.clone()));
    }
    headers.extend([
        ("x-amzn-Remapped-Content-Length", "0".to_string()),
        ("Connection", "keep-alive".to_string()),
        ("x-amzn-RequestId", request_id.to_string()),
        ("Content-Length", payload_len.to_string()),
        ("Date", sdk_metadata::http_date(now_ms)),
        ("X-Amzn-Trace-Id", sdk_metadata::trace_id(now_ms)),
        ("Content-Type", "application/json".to_string()),
    ]);
    let (http, response) = sdk_metadata::members(&headers, status, request_id);
    let mut result = Map::new();
    if let Some(v) = version {
        result.insert("ExecutedVersion".into(), json!(v));
    }
    if let Some(l) = log {
        result.insert("LogResult".into(), json!(l));
    }
    result.insert("Payload".into(), if payload.is_empty() { json!("") } else { parse_or_string(payload) });
    result.insert("SdkHttpMetadata".into(), http);
    result.insert("SdkResponseMetadata".into(), response);
    result.insert("StatusCode".into(), json!(status));
    Value::Object(result)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn function_names_become_arns() {
        let arn = "arn:aws:lambda:us-east-1:111111111111:function:f";
        assert_eq!(function_arn("f", "111111111111", "us-east-1"), arn);
        assert_eq!(function_arn(arn, "222222222222", "us-east-1"), arn);
        assert_eq!(function_arn("f:prod", "111111111111", "us-east-1"), format!("{arn}:prod"));
        assert_eq!(
            function_arn("222222222222:function:g", "111111111111", "eu-west-1"),
            "arn:aws:lambda:eu-west-1:222222222222:function:g"
        );
    }

    #[test]
    fn function_errors_name_their_type() {
        let payload = r#"{"errorMessage": "boom", "errorType": "ValueError", "requestId": "r", "stackTrace": []}"#;
        assert_eq!(function_error(payload), TaskOutcome::failed("ValueError", payload));
        let bare = r#"{"errorMessage":"2024-11-26T00:36:39.604Z r Task timed out after 3.00 seconds"}"#;
        assert_eq!(
            function_error(bare),
            TaskOutcome::failed(
                "Lambda.Unknown",
                format!(
                    "The cause could not be determined because Lambda did not return an error type. Returned payload: {bare}"
                )
            )
        );
    }

    #[test]
    fn the_result_has_awss_members() {
        let out = json!({"StatusCode": 200, "ExecutedVersion": "$LATEST", "Payload": "e30="});
        let r = response(&out, "{\"a\":1}", 7, "r-1", 1_700_000_000_000);
        let keys: Vec<&String> = r.as_object().unwrap().keys().collect();
        assert_eq!(keys, ["ExecutedVersion", "Payload", "SdkHttpMetadata", "SdkResponseMetadata", "StatusCode"]);
        assert_eq!(r["Payload"], json!({"a": 1}));
        assert_eq!(r["SdkHttpMetadata"]["HttpHeaders"]["X-Amz-Executed-Version"], "$LATEST");
        assert_eq!(r["SdkHttpMetadata"]["AllHttpHeaders"]["Content-Length"], json!(["7"]));
        assert_eq!(r["SdkResponseMetadata"], json!({"RequestId": "r-1"}));
    }
}
