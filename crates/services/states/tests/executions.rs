//! Executions through the door: start (names, idempotency, input), describe, history (paging, reverse
//! order, execution data), list, stop, Express (sync and async), waits on the virtual clock.

mod common;

use common::*;
use serde_json::{Value, json};

fn pass() -> Value {
    json!({"StartAt": "P", "States": {"P": {"Type": "Pass", "Result": {"Arg1": "argument1"}, "End": true}}})
}

#[tokio::test]
async fn a_pass_machine_runs_and_is_described() {
    let h = Harness::new();
    let arn = h.create("m", pass()).await;
    let d = h.run(&arn, json!({})).await;
    assert_eq!(d["status"], "SUCCEEDED");
    assert_eq!(d["output"], "{\"Arg1\":\"argument1\"}");
    assert_eq!(d["input"], "{}");
    assert_eq!(d["inputDetails"], json!({"included": true}));
    assert_eq!(d["redriveStatus"], "NOT_REDRIVABLE");
    assert_eq!(d["redriveStatusReason"], "Execution is SUCCEEDED and cannot be redriven");
    let exec = d["executionArn"].as_str().unwrap();
    let events = h.history(exec).await;
    assert_eq!(
        Harness::types(&events),
        ["ExecutionStarted", "PassStateEntered", "PassStateExited", "ExecutionSucceeded"]
    );
    assert_eq!(events[0]["executionStartedEventDetails"]["roleArn"], "arn:aws:iam::111111111111:role/sfn-role");
    assert_eq!(events[0]["executionStartedEventDetails"]["input"], "{}");
    let sm = h.ok("DescribeStateMachineForExecution", json!({"executionArn": exec})).await;
    assert_eq!(sm["definition"], pass().to_string());
    assert_eq!(sm["name"], "m");
}

#[tokio::test]
async fn execution_names_and_input() {
    let h = Harness::new();
    let arn =
        h.create("m", json!({"StartAt": "W", "States": {"W": {"Type": "Wait", "Seconds": 5, "End": true}}})).await;
    let start = |name: &str, input: &str| json!({"stateMachineArn": arn, "name": name, "input": input});
    let e = h.err("StartExecution", start("bad name", "{}")).await;
    assert_error(&e, "InvalidName", "Invalid Name: 'bad name'");
    let e = h.err("StartExecution", start("x", "not json")).await;
    assert_error(
        &e,
        "InvalidExecutionInput",
        "Invalid State Machine Execution Input: 'Unrecognized token 'not': was expecting (JSON String, Number, Array, Object or token 'null', 'true' or 'false')'",
    );
    for input in ["2", "\"str\"", "null", "[1]"] {
        h.ok("StartExecution", start(&format!("in-{}", input.len()), input)).await;
    }
    let first = h.ok("StartExecution", start("once", "{}")).await;
    let exec = first["executionArn"].as_str().unwrap().to_string();
    h.wait_done(&exec).await;
    let e = h.err("StartExecution", start("once", "{}")).await;
    assert_error(&e, "ExecutionAlreadyExists", &format!("Execution Already Exists: '{exec}'"));
    let e = h.err("StartExecution", json!({"stateMachineArn": format!("{arn}x")})).await;
    assert_error(&e, "StateMachineDoesNotExist", &format!("State Machine Does Not Exist: '{arn}x'"));
    let e = h.err("DescribeExecution", json!({"executionArn": format!("{exec}x")})).await;
    assert_error(&e, "ExecutionDoesNotExist", &format!("Execution Does Not Exist: '{exec}x'"));
}

#[tokio::test]
async fn restarting_a_running_execution_answers_it() {
    let h = Harness::with_clock("real");
    let arn =
        h.create("m", json!({"StartAt": "W", "States": {"W": {"Type": "Wait", "Seconds": 600, "End": true}}})).await;
    let start = json!({"stateMachineArn": arn, "name": "same", "input": "{\"a\":1}"});
    let first = h.ok("StartExecution", start.clone()).await;
    let again = h.ok("StartExecution", start).await;
    assert_eq!(first, again);
    let e = h.err("StartExecution", json!({"stateMachineArn": arn, "name": "same", "input": "{\"a\":2}"})).await;
    assert_eq!(e.code, "ExecutionAlreadyExists");
    let exec = first["executionArn"].as_str().unwrap();
    while h.history(exec).await.len() < 2 {
        tokio::time::sleep(std::time::Duration::from_millis(1)).await;
    }
    let stopped = h.ok("StopExecution", json!({"executionArn": exec, "error": "E", "cause": "C"})).await;
    assert!(stopped["stopDate"].is_number());
    let d = h.wait_done(exec).await;
    assert_eq!(
        (d["status"].as_str(), d["error"].as_str(), d["cause"].as_str()),
        (Some("ABORTED"), Some("E"), Some("C"))
    );
    let events = h.history(exec).await;
    assert_eq!(Harness::types(&events), ["ExecutionStarted", "WaitStateEntered", "ExecutionAborted"]);
    assert_eq!(events[2]["previousEventId"], 0);
    assert_eq!(events[2]["executionAbortedEventDetails"], json!({"error": "E", "cause": "C"}));
}

#[tokio::test]
async fn long_waits_jump_the_virtual_clock() {
    let h = Harness::new();
    let day = 86_400;
    let arn =
        h.create("m", json!({"StartAt": "W", "States": {"W": {"Type": "Wait", "Seconds": day, "End": true}}})).await;
    let before = h.now();
    let d = h.run(&arn, json!({})).await;
    assert_eq!(d["status"], "SUCCEEDED");
    let start = d["startDate"].as_f64().unwrap();
    let stop = d["stopDate"].as_f64().unwrap();
    assert!(stop - start >= day as f64, "{start} .. {stop}");
    assert!(h.now() - before >= day * 1000);
}

#[tokio::test]
async fn history_pages_in_both_orders() {
    let h = Harness::new();
    let states: serde_json::Map<String, Value> = (0..10)
        .map(|i| {
            let next = if i == 9 {
                json!({"Type": "Pass", "End": true})
            } else {
                json!({"Type": "Pass", "Next": format!("S{}", i + 1)})
            };
            (format!("S{i}"), next)
        })
        .collect();
    let arn = h.create("chain", json!({"StartAt": "S0", "States": states})).await;
    let d = h.run(&arn, json!({"k": "v"})).await;
    let exec = d["executionArn"].as_str().unwrap();
    let all = h.history(exec).await;
    assert_eq!(all.len(), 22);
    for reverse in [false, true] {
        let mut seen = Vec::new();
        let mut token: Option<String> = None;
        loop {
            let mut req = json!({"executionArn": exec, "maxResults": 5, "reverseOrder": reverse});
            if let Some(t) = &token {
                req["nextToken"] = json!(t);
            }
            let page = h.ok("GetExecutionHistory", req).await;
            let events = page["events"].as_array().unwrap();
            assert!(events.len() <= 5);
            seen.extend(events.iter().map(|e| e["id"].as_u64().unwrap()));
            match page["nextToken"].as_str() {
                Some(t) => token = Some(t.to_string()),
                None => break,
            }
        }
        let mut expected: Vec<u64> = (1..=22).collect();
        if reverse {
            expected.reverse();
        }
        assert_eq!(seen, expected);
    }
    let bare = h.ok("GetExecutionHistory", json!({"executionArn": exec, "includeExecutionData": false})).await;
    assert_eq!(
        bare["events"][0]["executionStartedEventDetails"],
        json!({"roleArn": "arn:aws:iam::111111111111:role/sfn-role"})
    );
    assert_eq!(bare["events"][1]["stateEnteredEventDetails"], json!({"name": "S0"}));
    let e = h.err("GetExecutionHistory", json!({"executionArn": exec, "nextToken": "bogus"})).await;
    assert_eq!(e.code, "InvalidToken");
}

#[tokio::test]
async fn list_executions_newest_first_by_status() {
    let h = Harness::new();
    let ok = h.create("m", pass()).await;
    let mut arns = Vec::new();
    for i in 0..5 {
        let d = h.run(&ok, json!({"i": i})).await;
        arns.push(d["executionArn"].as_str().unwrap().to_string());
    }
    let page1 = h.ok("ListExecutions", json!({"stateMachineArn": ok, "maxResults": 3})).await;
    let page2 = h.ok("ListExecutions", json!({"stateMachineArn": ok, "nextToken": page1["nextToken"]})).await;
    let listed: Vec<String> = page1["executions"]
        .as_array()
        .unwrap()
        .iter()
        .chain(page2["executions"].as_array().unwrap())
        .map(|e| e["executionArn"].as_str().unwrap().to_string())
        .collect();
    arns.reverse();
    assert_eq!(listed, arns);
    assert_eq!(page1["executions"][0]["redriveCount"], 0);
    let running = h.ok("ListExecutions", json!({"stateMachineArn": ok, "statusFilter": "RUNNING"})).await;
    assert_eq!(running["executions"], json!([]));
    let e = h.err("ListExecutions", json!({"stateMachineArn": "ssm_nonexistent_arn"})).await;
    assert_error(&e, "InvalidArn", "Invalid Arn: 'Invalid ARN prefix: ssm_nonexistent_arn'");
    let missing = "arn:aws:states:us-east-1:111111111111:stateMachine:nope";
    let e = h.err("ListExecutions", json!({"stateMachineArn": missing})).await;
    assert_error(&e, "StateMachineDoesNotExist", &format!("State Machine Does Not Exist: '{missing}'"));
}

#[tokio::test]
async fn failures_are_described() {
    let h = Harness::new();
    let arn = h
        .create(
            "f",
            json!({"StartAt": "F", "States": {"F": {"Type": "Fail", "Error": "SomeFailure", "Cause": "because"}}}),
        )
        .await;
    let d = h.run(&arn, json!({})).await;
    assert_eq!(
        (d["status"].as_str(), d["error"].as_str(), d["cause"].as_str()),
        (Some("FAILED"), Some("SomeFailure"), Some("because"))
    );
    assert_eq!(d["redriveStatus"], "REDRIVABLE");
    assert!(d.get("output").is_none());
}

#[tokio::test]
async fn express_runs_synchronously_and_leaves_no_history() {
    let h = Harness::new();
    let role = h.execution_role();
    let out = h
        .ok(
            "CreateStateMachine",
            json!({"name": "x", "definition": pass().to_string(), "roleArn": role, "type": "EXPRESS"}),
        )
        .await;
    let arn = out["stateMachineArn"].as_str().unwrap();
    let r = h.ok("StartSyncExecution", json!({"stateMachineArn": arn, "name": "sync-1", "input": "{}"})).await;
    assert_eq!(r["status"], "SUCCEEDED");
    assert_eq!(r["output"], "{\"Arg1\":\"argument1\"}");
    assert_eq!(r["name"], "sync-1");
    assert_eq!(r["billingDetails"]["billedMemoryUsedInMB"], 64);
    let exec = r["executionArn"].as_str().unwrap();
    assert!(exec.starts_with("arn:aws:states:us-east-1:111111111111:express:x:sync-1:"), "{exec}");
    for op in ["DescribeExecution", "GetExecutionHistory", "StopExecution"] {
        let e = h.err(op, json!({"executionArn": exec})).await;
        assert_error(&e, "InvalidArn", "Invalid Arn: 'Resource type not valid in this context: express'");
    }
    let e = h.err("ListExecutions", json!({"stateMachineArn": arn})).await;
    assert_error(&e, "StateMachineTypeNotSupported", "This operation is not supported by this type of state machine");
    let async_start = h.ok("StartExecution", json!({"stateMachineArn": arn})).await;
    assert!(async_start["executionArn"].as_str().unwrap().contains(":express:x:"));
    let standard = h.create("s", pass()).await;
    let e = h.err("StartSyncExecution", json!({"stateMachineArn": standard})).await;
    assert_error(&e, "StateMachineTypeNotSupported", "This operation is not supported by this type of state machine");
}

#[tokio::test]
async fn jsonata_machines_run() {
    let h = Harness::new();
    let def = json!({
        "QueryLanguage": "JSONata",
        "StartAt": "Greet",
        "States": {
            "Greet": {"Type": "Pass", "Output": {"greeting": "{% 'Hello, ' & $states.input.name %}"}, "Assign": {"n": "{% $length($states.input.name) %}"}, "Next": "Done"},
            "Done": {"Type": "Succeed", "Output": "{% $merge([$states.input, {'length': $n}]) %}"}
        }
    });
    let arn = h.create("jsonata", def).await;
    let d = h.run(&arn, json!({"name": "Ada"})).await;
    assert_eq!(d["status"], "SUCCEEDED");
    let output: Value = serde_json::from_str(d["output"].as_str().unwrap()).unwrap();
    assert_eq!(output, json!({"greeting": "Hello, Ada", "length": 3}));
}
