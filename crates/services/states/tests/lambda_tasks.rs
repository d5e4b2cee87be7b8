//! `lambda:invoke`, Lambda function ARNs and `bedrock:invokeModel` through the door, against stand-ins for
//! Lambda's Invoke and Bedrock Runtime's InvokeModel that answer in the services' wire shapes: results as
//! AWS shows them, function errors by their `errorType`, service errors as the Java SDK v1 names them.

// AwsError is the door's error vocabulary.
#![allow(clippy::result_large_err)]

mod common;

use async_trait::async_trait;
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use common::*;
use sekisho_core::{AuthzRequest, AwsError, Check, OpContext, Output, Service};
use sekisho_states::StepFunctions;
use sekisho_wire::sigv4::ErrorStyle;
use serde_json::{Value, json};
use std::sync::Arc;

/// Lambda's Invoke: `echo` answers its event, `fails` raises ValueError, `silent` fails without an error
/// type, anything else does not exist.
struct FakeLambda;

#[async_trait]
impl Service for FakeLambda {
    fn name(&self) -> &'static str {
        "lambda"
    }
    fn error_style(&self) -> ErrorStyle {
        ErrorStyle::RestJson
    }
    fn authorize(&self, req: &AuthzRequest<'_>) -> Result<Vec<Check>, AwsError> {
        Ok(vec![Check::new("lambda:InvokeFunction", req.input["FunctionName"].as_str().unwrap_or("*"))])
    }
    async fn call(&self, _ctx: OpContext, _op: &str, input: Value) -> Result<Output, AwsError> {
        let arn = input["FunctionName"].as_str().unwrap_or_default().to_string();
        let event: Value = serde_json::from_slice(&STANDARD.decode(input["Payload"].as_str().unwrap_or("")).unwrap())
            .map_err(|e| AwsError::new("InvalidRequestContentException", 400, e.to_string()))?;
        let answer = |payload: Value, error: Option<&str>| {
            let mut out = json!({"StatusCode": 200, "ExecutedVersion": "$LATEST",
                                 "Payload": STANDARD.encode(payload.to_string())});
            if let Some(e) = error {
                out["FunctionError"] = json!(e);
            }
            Ok(Output::new(out))
        };
        match arn.rsplit(':').next() {
            Some("echo") => answer(json!({"got": event}), None),
            Some("fails") => answer(
                json!({"errorMessage": "boom", "errorType": "ValueError", "requestId": "r", "stackTrace": []}),
                Some("Unhandled"),
            ),
            Some("silent") => answer(json!({"errorMessage": "Task timed out after 3.00 seconds"}), Some("Unhandled")),
            _ => Err(AwsError::new("ResourceNotFoundException", 404, format!("Function not found: {arn}"))),
        }
    }
}

/// Bedrock Runtime's InvokeModel: echoes the request body as the model's answer.
struct FakeBedrock;

#[async_trait]
impl Service for FakeBedrock {
    fn name(&self) -> &'static str {
        "bedrock-runtime"
    }
    fn error_style(&self) -> ErrorStyle {
        ErrorStyle::RestJson
    }
    fn authorize(&self, req: &AuthzRequest<'_>) -> Result<Vec<Check>, AwsError> {
        let model = req.input["modelId"].as_str().unwrap_or_default();
        Ok(vec![Check::new("bedrock:InvokeModel", format!("arn:aws:bedrock:{}::foundation-model/{model}", req.region))])
    }
    async fn call(&self, _ctx: OpContext, _op: &str, input: Value) -> Result<Output, AwsError> {
        let body: Value = serde_json::from_slice(&STANDARD.decode(input["body"].as_str().unwrap_or("")).unwrap())
            .map_err(|e| AwsError::new("ValidationException", 400, e.to_string()))?;
        let answer = json!({"echo": body, "contentType": input["contentType"]});
        Ok(Output::new(json!({"body": STANDARD.encode(answer.to_string()), "contentType": "application/json"})))
    }
}

const INVOKER: &str = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["lambda:InvokeFunction","bedrock:InvokeModel"],"Resource":"*"}]}"#;

fn harness() -> Harness {
    Harness::with_services("virtual", StepFunctions::new(), vec![Arc::new(FakeLambda), Arc::new(FakeBedrock)])
}

async fn machine(h: &Harness, name: &str, task: Value) -> String {
    let role = h.role(A, "invoker", STATES_TRUST, Some(INVOKER));
    let mut task = task;
    task["Type"] = json!("Task");
    task["End"] = json!(true);
    h.create_in(A, name, json!({"StartAt": "T", "States": {"T": task}}), &role).await
}

fn output(d: &Value) -> Value {
    serde_json::from_str(d["output"].as_str().unwrap_or("null")).unwrap_or(Value::Null)
}

#[tokio::test]
async fn lambda_invoke_answers_as_aws_shows_it() {
    let h = harness();
    let task = json!({"Resource": "arn:aws:states:::lambda:invoke",
                      "Parameters": {"FunctionName": "echo", "Payload": {"n.$": "$.n"}}});
    let arn = machine(&h, "invoke", task).await;
    let d = h.run(&arn, json!({"n": 7})).await;
    assert_eq!(d["status"], "SUCCEEDED", "{d}");
    let out = output(&d);
    let keys: Vec<&String> = out.as_object().unwrap().keys().collect();
    assert_eq!(keys, ["ExecutedVersion", "Payload", "SdkHttpMetadata", "SdkResponseMetadata", "StatusCode"]);
    assert_eq!(out["Payload"], json!({"got": {"n": 7}}));
    assert_eq!((out["StatusCode"].as_u64(), out["ExecutedVersion"].as_str()), (Some(200), Some("$LATEST")));
    assert_eq!(out["SdkHttpMetadata"]["HttpStatusCode"], 200);
    let id = out["SdkResponseMetadata"]["RequestId"].as_str().unwrap();
    assert_eq!(out["SdkHttpMetadata"]["HttpHeaders"]["x-amzn-RequestId"], id);
    // A function name is called as its full ARN in the caller's account.
    let calls = h.door.decisions().recent(50);
    let invoke = calls.iter().find(|r| r.operation == "Invoke").expect("the call is recorded");
    assert_eq!(invoke.checks[0].resource, format!("arn:aws:lambda:{REGION}:{A}:function:echo"));
    assert_eq!(invoke.request_id, id);
    let events = h.history(d["executionArn"].as_str().unwrap()).await;
    assert_eq!(Harness::types(&events)[2..5], ["TaskScheduled", "TaskStarted", "TaskSucceeded"]);
    assert_eq!(events[2]["taskScheduledEventDetails"]["resourceType"], "lambda");
}

#[tokio::test]
async fn function_errors_and_service_errors() {
    let h = harness();
    let invoke = |f: &str| json!({"Resource": "arn:aws:states:::lambda:invoke", "Parameters": {"FunctionName": f}});
    let d = h.run(&machine(&h, "fails", invoke("fails")).await, json!({})).await;
    assert_eq!(d["error"], "ValueError");
    let cause: Value = serde_json::from_str(d["cause"].as_str().unwrap()).unwrap();
    assert_eq!((cause["errorMessage"].as_str(), cause["errorType"].as_str()), (Some("boom"), Some("ValueError")));

    let d = h.run(&machine(&h, "silent", invoke("silent")).await, json!({})).await;
    assert_eq!(d["error"], "Lambda.Unknown");
    assert_eq!(
        d["cause"],
        "The cause could not be determined because Lambda did not return an error type. Returned payload: {\"errorMessage\":\"Task timed out after 3.00 seconds\"}"
    );

    let d = h.run(&machine(&h, "missing", invoke("nope")).await, json!({})).await;
    assert_eq!(d["error"], "Lambda.ResourceNotFoundException");
    let fn_arn = format!("arn:aws:lambda:{REGION}:{A}:function:nope");
    let cause = d["cause"].as_str().unwrap();
    let prefix = format!(
        "Function not found: {fn_arn} (Service: AWSLambda; Status Code: 404; Error Code: ResourceNotFoundException; Request ID: "
    );
    assert!(cause.starts_with(&prefix) && cause.ends_with("; Proxy: null)"), "{cause}");

    let task =
        json!({"Resource": "arn:aws:states:::lambda:invoke", "Parameters": {"FunctionName": "echo", "TaskToken": "x"}});
    let d = h.run(&machine(&h, "unknown-field", task).await, json!({})).await;
    assert_eq!(
        (d["error"].as_str(), d["cause"].as_str()),
        (Some("States.Runtime"), Some("The field \"TaskToken\" is not supported by Step Functions"))
    );
}

#[tokio::test]
async fn a_denied_invoke_is_the_clients_base_exception() {
    let h = harness();
    let role = h.role(A, "no-lambda", STATES_TRUST, Some(EXECUTION_POLICY));
    let def = json!({"StartAt": "T", "States": {"T": {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke",
                     "Parameters": {"FunctionName": "echo"}, "End": true}}});
    let arn = h.create_in(A, "denied", def, &role).await;
    let d = h.run(&arn, json!({})).await;
    assert_eq!(d["error"], "Lambda.AWSLambdaException");
    let cause = d["cause"].as_str().unwrap();
    assert!(cause.contains("is not authorized to perform: lambda:InvokeFunction on resource: "), "{cause}");
    assert!(cause.contains("(Service: AWSLambda; Status Code: 403; Error Code: AccessDeniedException; Request ID: "));
}

#[tokio::test]
async fn a_function_arn_resource_shows_lambda_function_events() {
    let h = harness();
    let task = json!({"Resource": format!("arn:aws:lambda:{REGION}:{A}:function:echo"), "Parameters": {"x.$": "$.x"}});
    let d = h.run(&machine(&h, "legacy", task).await, json!({"x": 1})).await;
    assert_eq!((d["status"].as_str(), output(&d)), (Some("SUCCEEDED"), json!({"got": {"x": 1}})));
    let events = h.history(d["executionArn"].as_str().unwrap()).await;
    assert_eq!(
        Harness::types(&events)[2..5],
        ["LambdaFunctionScheduled", "LambdaFunctionStarted", "LambdaFunctionSucceeded"]
    );
    let failing = json!({"Resource": format!("arn:aws:lambda:{REGION}:{A}:function:fails")});
    let d = h.run(&machine(&h, "legacy-fails", failing).await, json!({})).await;
    assert_eq!(d["error"], "ValueError");
    let events = h.history(d["executionArn"].as_str().unwrap()).await;
    assert_eq!(Harness::types(&events)[4], "LambdaFunctionFailed");
}

#[tokio::test]
async fn bedrock_invoke_model_answers_body_and_content_type() {
    let h = harness();
    let task = json!({"Resource": "arn:aws:states:::bedrock:invokeModel",
        "Parameters": {"ModelId": "amazon.titan-text-express-v1", "ContentType": "application/json",
                       "Body": {"inputText.$": "$.prompt"}}});
    let d = h.run(&machine(&h, "bedrock", task).await, json!({"prompt": "hi"})).await;
    assert_eq!(d["status"], "SUCCEEDED", "{d}");
    assert_eq!(
        output(&d),
        json!({"Body": {"echo": {"inputText": "hi"}, "contentType": "application/json"}, "ContentType": "application/json"})
    );
    let role = h.role(A, "no-bedrock", STATES_TRUST, Some(EXECUTION_POLICY));
    let def = json!({"StartAt": "T", "States": {"T": {"Type": "Task", "Resource": "arn:aws:states:::bedrock:invokeModel",
        "Parameters": {"ModelId": "m", "Body": {}}, "End": true}}});
    let d = h.run(&h.create_in(A, "bedrock-denied", def, &role).await, json!({})).await;
    assert_eq!(d["error"], "Bedrock.AccessDeniedException");
}
