//! Mocked service integrations (Step Functions Local's `MockConfigFile.json`): an execution started with
//! `<state machine ARN>#<test case>` answers its mocked tasks from the configuration, by invocation, with
//! the same history events, and leaves the others to their services.

mod common;

use common::*;
use sekisho_states::StepFunctions;
use sekisho_states::mock::MockConfig;
use serde_json::{Value, json};

const CONFIG: &str = include_str!("../../../../tests/fixtures/states/MockConfigFile.json");
const DEFINITION: &str = include_str!("../../../../tests/fixtures/states/LambdaSQSIntegration.asl.json");

async fn setup() -> (Harness, String) {
    let config = MockConfig::parse(CONFIG).expect("the fixture is a valid mock configuration");
    let h = Harness::with_services("virtual", StepFunctions::with_mock_config(config), vec![]);
    let arn = h.create("LambdaSQSIntegration", serde_json::from_str(DEFINITION).unwrap()).await;
    (h, arn)
}

async fn run_case(h: &Harness, arn: &str, case: &str) -> Value {
    let start = json!({"stateMachineArn": format!("{arn}#{case}"), "name": format!("run-{case}"), "input": "{}"});
    let out = h.ok("StartExecution", start).await;
    let exec = out["executionArn"].as_str().unwrap().to_string();
    assert_eq!(exec, format!("{}:run-{case}", arn.replace(":stateMachine:", ":execution:")));
    h.wait_done(&exec).await
}

#[tokio::test]
async fn happy_path_answers_every_task_from_the_mock() {
    let (h, arn) = setup().await;
    let d = run_case(&h, &arn, "HappyPath").await;
    assert_eq!(d["status"], "SUCCEEDED", "{d}");
    assert_eq!(d["stateMachineArn"], arn);
    let out: Value = serde_json::from_str(d["output"].as_str().unwrap()).unwrap();
    assert_eq!(out["MessageId"], "3bcb6e8e-8b51-4375-b0bc-1a59812c6e51");
    let events = h.history(d["executionArn"].as_str().unwrap()).await;
    assert_eq!(
        Harness::types(&events),
        [
            "ExecutionStarted",
            "TaskStateEntered",
            "TaskScheduled",
            "TaskStarted",
            "TaskSucceeded",
            "TaskStateExited",
            "TaskStateEntered",
            "TaskScheduled",
            "TaskStarted",
            "TaskSucceeded",
            "TaskStateExited",
            "ExecutionSucceeded"
        ]
    );
    let lambda_out: Value =
        serde_json::from_str(events[4]["taskSucceededEventDetails"]["output"].as_str().unwrap()).unwrap();
    assert_eq!(lambda_out["Payload"]["body"], "Hello from Lambda!");
    // Mocked tasks call nothing.
    assert!(h.door.decisions().recent(100).iter().all(|r| r.operation != "Invoke" && r.operation != "SendMessage"));
}

#[tokio::test]
async fn retry_path_takes_one_answer_per_attempt() {
    let (h, arn) = setup().await;
    let d = run_case(&h, &arn, "RetryPath").await;
    assert_eq!(d["status"], "SUCCEEDED", "{d}");
    let events = h.history(d["executionArn"].as_str().unwrap()).await;
    let errors: Vec<&str> = events
        .iter()
        .filter(|e| e["type"] == "TaskFailed")
        .map(|e| e["taskFailedEventDetails"]["error"].as_str().unwrap())
        .collect();
    assert_eq!(errors, ["Lambda.ResourceNotReadyException", "Lambda.TimeoutException", "Lambda.TimeoutException"]);
}

#[tokio::test]
async fn hybrid_and_failing_paths() {
    let (h, arn) = setup().await;
    // HybridPath mocks LambdaState only: SQSState calls its service, which sekisho does not serve.
    let d = run_case(&h, &arn, "HybridPath").await;
    assert_eq!(
        (d["error"].as_str(), d["cause"].as_str()),
        (
            Some("NotImplemented"),
            Some("sekisho does not implement the integration arn:aws:states:::sqs:sendMessage yet")
        )
    );
    // Every attempt throws: the retries run out and the mocked error fails the execution.
    let d = run_case(&h, &arn, "FailPath").await;
    assert_eq!(
        (d["error"].as_str(), d["cause"].as_str()),
        (Some("Lambda.ResourceNotReadyException"), Some("Lambda resource is not ready."))
    );
}

#[tokio::test]
async fn unknown_test_cases_and_plain_starts() {
    let (h, arn) = setup().await;
    let e = h.err("StartExecution", json!({"stateMachineArn": format!("{arn}#NoSuchCase")})).await;
    assert_error(
        &e,
        "ValidationException",
        "The mock configuration has no test case NoSuchCase for the state machine LambdaSQSIntegration",
    );
    // Without a test case the tasks call their services (here: no function, the role may not invoke).
    let d = h.run(&arn, json!({})).await;
    assert_eq!(d["status"], "FAILED");
    assert!(d["error"].as_str().unwrap().starts_with("Lambda."), "{d}");
}
