//! Python functions as real processes behind the door: context and environment, warm reuse, errors as
//! AWS's Python runtime shapes them, timeouts, exits, layers, logs, client context and concurrency.

mod common;

use common::*;
use serde_json::{Value, json};
use std::time::Duration;

const APP: &[u8] = br#"
import json, logging, os, time
logger = logging.getLogger()
logger.setLevel("INFO")
print("init output")

def handler(event, context):
    action = event.get("action")
    if action == "fail":
        raise ValueError("bad input")
    if action == "sleep":
        time.sleep(event["seconds"])
    if action == "exit":
        os._exit(3)
    if action == "huge":
        return "x" * 7_000_000
    if action == "unserializable":
        return {1, 2}
    logger.info("handling %s", action)
    print("printed line")
    cc = context.client_context
    return {
        "pid": os.getpid(),
        "event": event,
        "request_id": context.aws_request_id,
        "function_name": context.function_name,
        "memory": context.memory_limit_in_mb,
        "version": context.function_version,
        "arn": context.invoked_function_arn,
        "remaining": context.get_remaining_time_in_millis(),
        "group": context.log_group_name,
        "stream": context.log_stream_name,
        "custom": cc.custom if cc else None,
        "app_title": cc.client.app_title if cc and cc.client else None,
        "identity": context.identity.cognito_identity_id,
        "env": {k: os.environ.get(k) for k in [
            "AWS_ACCESS_KEY_ID", "AWS_SESSION_TOKEN", "AWS_REGION", "AWS_DEFAULT_REGION", "AWS_ENDPOINT_URL",
            "AWS_LAMBDA_FUNCTION_NAME", "AWS_LAMBDA_FUNCTION_VERSION", "AWS_LAMBDA_FUNCTION_MEMORY_SIZE",
            "AWS_LAMBDA_RUNTIME_API", "LAMBDA_TASK_ROOT", "_HANDLER", "TZ", "AWS_EXECUTION_ENV", "TABLE",
            "_LAMBDA_TELEMETRY_LOG_FD", "HOME_OF_TEST"]},
        "cwd": os.getcwd(),
    }
"#;

async fn app(h: &Harness, name: &str, extra: Value) {
    h.create(name, "python3.12", "app.handler", &[("app.py", APP, 0o644)], extra).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_python_function_runs_with_lambdas_context_environment_and_logs() {
    let h = harness();
    app(&h, "hello", json!({"Environment": {"Variables": {"TABLE": "orders"}}, "MemorySize": 256})).await;
    let (out, body) = h.invoke("hello", json!({"action": "hi", "n": 1}), json!({})).await;
    assert_eq!(out["StatusCode"], 200);
    assert_eq!(out["ExecutedVersion"], "$LATEST");
    assert!(out.get("FunctionError").is_none(), "{body}");
    assert_eq!(body["event"], json!({"action": "hi", "n": 1}));
    assert_eq!(body["function_name"], "hello");
    assert_eq!(body["memory"], "256");
    assert_eq!(body["version"], "$LATEST");
    assert_eq!(body["arn"], "arn:aws:lambda:us-east-1:111111111111:function:hello");
    assert_eq!(body["group"], "/aws/lambda/hello");
    let remaining = body["remaining"].as_i64().unwrap();
    assert!(remaining > 8_000 && remaining <= 10_000, "{remaining}");
    let stream = body["stream"].as_str().unwrap();
    assert!(stream.contains("/[$LATEST]") && stream.len() == "2024/01/01/[$LATEST]".len() + 32, "{stream}");
    let env = &body["env"];
    assert!(env["AWS_ACCESS_KEY_ID"].as_str().unwrap().starts_with("ASIA"));
    assert!(env["AWS_SESSION_TOKEN"].is_string());
    assert_eq!(env["AWS_REGION"], REGION);
    assert_eq!(env["AWS_DEFAULT_REGION"], REGION);
    assert_eq!(env["AWS_ENDPOINT_URL"], "http://127.0.0.1:9");
    assert_eq!(env["AWS_LAMBDA_FUNCTION_MEMORY_SIZE"], "256");
    assert!(env["AWS_LAMBDA_RUNTIME_API"].as_str().unwrap().starts_with("127.0.0.1:"));
    assert_eq!(env["_HANDLER"], "app.handler");
    assert_eq!(env["TZ"], ":UTC");
    assert_eq!(env["AWS_EXECUTION_ENV"], "AWS_Lambda_python3.12");
    assert_eq!(env["TABLE"], "orders");
    assert_eq!(env["_LAMBDA_TELEMETRY_LOG_FD"], Value::Null, "the runtime hides its log descriptor");
    assert_eq!(body["cwd"], env["LAMBDA_TASK_ROOT"]);

    let log = tail(&out);
    let request_id = body["request_id"].as_str().unwrap();
    assert!(log.contains("INIT_START Runtime Version: python:3.12.v1\t"), "{log}");
    assert!(log.contains("init output\n"));
    assert!(log.contains(&format!("START RequestId: {request_id} Version: $LATEST\n")));
    assert!(log.contains("[INFO]\t") && log.contains(&format!("Z\t{request_id}\thandling hi\n")), "{log}");
    assert!(log.contains("printed line\n"));
    assert!(log.contains(&format!("END RequestId: {request_id}\n")));
    let report = log.lines().find(|l| l.starts_with("REPORT")).unwrap();
    assert!(report.contains("\tMemory Size: 256 MB\t") && report.contains("\tInit Duration: "), "{report}");
    let order: Vec<usize> = ["START", "printed line", "END", "REPORT"].iter().map(|w| log.find(w).unwrap()).collect();
    assert!(order.windows(2).all(|w| w[0] < w[1]), "{log}");

    // Warm: the same process, no init lines, a new request id.
    let (out2, body2) = h.invoke("hello", json!({"action": "again"}), json!({})).await;
    assert_eq!(body2["pid"], body["pid"]);
    assert_ne!(body2["request_id"], body["request_id"]);
    let log2 = tail(&out2);
    assert!(!log2.contains("Init Duration") && !log2.contains("INIT_START") && !log2.contains("init output"), "{log2}");

    // The log reached CloudWatch Logs as the execution role, in the function's group and stream.
    let shipped = h.log_messages("/aws/lambda/hello", "handling again").await;
    assert!(shipped.iter().any(|m| m.starts_with("START RequestId:")), "{shipped:?}");
    assert!(shipped.iter().any(|m| m.contains("handling again")));
    let streams: Vec<String> = h.logs.events.lock().unwrap().iter().map(|(_, s, _)| s.clone()).collect();
    assert!(streams.iter().all(|s| s == stream));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn errors_are_shaped_as_awss_python_runtime_shapes_them() {
    let h = harness();
    app(&h, "errs", json!({})).await;
    let (out, body) = h.invoke("errs", json!({"action": "fail"}), json!({})).await;
    assert_eq!(out["StatusCode"], 200);
    assert_eq!(out["FunctionError"], "Unhandled");
    assert_eq!(body["errorType"], "ValueError");
    assert_eq!(body["errorMessage"], "bad input");
    let trace = body["stackTrace"].as_array().unwrap();
    assert!(trace[0].as_str().unwrap().contains("app.py\", line 10, in handler"), "{body}");
    assert!(!trace.iter().any(|t| t.as_str().unwrap().contains("bootstrap")));
    let log = tail(&out);
    assert!(log.contains("[ERROR] ValueError: bad input\nTraceback (most recent call last):\n"), "{log}");
    assert!(log.contains("\u{a0}\u{a0}File"), "{log}");

    // The environment survives a handled error.
    let (_, ok) = h.invoke("errs", json!({"action": "hi"}), json!({})).await;
    assert!(ok["pid"].is_number());

    let (out, body) = h.invoke("errs", json!({"action": "unserializable"}), json!({})).await;
    assert_eq!(out["FunctionError"], "Unhandled");
    assert_eq!(body["errorType"], "Runtime.MarshalError");
    assert_eq!(body["errorMessage"], "Unable to marshal response: Object of type set is not JSON serializable");

    let (out, body) = h.invoke("errs", json!({"action": "huge"}), json!({})).await;
    assert_eq!(out["FunctionError"], "Unhandled");
    assert_eq!(body["errorType"], "Function.ResponseSizeTooLarge");
    assert_eq!(body["errorMessage"], "Response payload size exceeded maximum allowed payload size (6291556 bytes).");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn init_errors_name_the_cause() {
    let h = harness();
    let cases: &[(&str, &str, &[u8], &str, &str)] = &[
        (
            "imp",
            "app.handler",
            b"import not_a_module\n",
            "Runtime.ImportModuleError",
            "Unable to import module 'app': No module named 'not_a_module'",
        ),
        (
            "nohandler",
            "app.missing",
            b"x = 1\n",
            "Runtime.HandlerNotFound",
            "Handler 'missing' missing on module 'app'",
        ),
        (
            "malformed",
            "app",
            b"x = 1\n",
            "Runtime.MalformedHandlerName",
            "Bad handler 'app': not enough values to unpack (expected 2, got 1)",
        ),
        ("syntax", "app.handler", b"def handler(:\n", "Runtime.UserCodeSyntaxError", "Syntax error in module 'app': "),
        ("raises", "app.handler", b"raise KeyError('boom')\n", "KeyError", "'boom'"),
    ];
    for (name, handler, code, error_type, message) in cases {
        h.create(name, "python3.12", handler, &[("app.py", code, 0o644)], json!({})).await;
        let (out, body) = h.invoke(name, json!({}), json!({})).await;
        assert_eq!(out["FunctionError"], "Unhandled", "{name}");
        assert_eq!(body["errorType"], *error_type, "{name}: {body}");
        assert!(body["errorMessage"].as_str().unwrap().starts_with(message), "{name}: {body}");
        assert_eq!(body["requestId"], "", "{name}");
        let log = tail(&out);
        assert!(log.contains(&format!("[ERROR] {error_type}: {message}")), "{name}: {log}");
        assert!(log.contains("INIT_REPORT Init Duration: "), "{name}: {log}");
        assert!(log.contains(&format!("Status: error\tError Type: {error_type}")), "{name}: {log}");
        assert!(log.contains("LAMBDA_WARNING: Unhandled exception."), "{name}: {log}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_timeout_stops_the_environment_with_awss_words() {
    let h = harness();
    app(&h, "slow", json!({"Timeout": 1})).await;
    let (_, first) = h.invoke("slow", json!({"action": "hi"}), json!({})).await;
    let pid = first["pid"].as_i64().unwrap();
    let (out, body) = h.invoke("slow", json!({"action": "sleep", "seconds": 5}), json!({})).await;
    assert_eq!(out["FunctionError"], "Unhandled");
    assert_eq!(body["errorType"], "Sandbox.Timedout");
    let message = body["errorMessage"].as_str().unwrap();
    assert!(
        message.starts_with("RequestId: ") && message.ends_with(" Error: Task timed out after 1.00 seconds"),
        "{message}"
    );
    let log = tail(&out);
    assert!(log.contains(" Task timed out after 1.00 seconds\n"), "{log}");
    assert!(log.contains("\tStatus: timeout\t"), "{log}");
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert!(!alive(pid), "the timed-out process is stopped");
    let (_, again) = h.invoke("slow", json!({"action": "hi"}), json!({})).await;
    assert_ne!(again["pid"], first["pid"], "a fresh environment serves the next invocation");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_runtime_that_exits_is_an_exit_error() {
    let h = harness();
    app(&h, "quits", json!({})).await;
    let (out, body) = h.invoke("quits", json!({"action": "exit"}), json!({})).await;
    assert_eq!(out["FunctionError"], "Unhandled");
    assert_eq!(body["errorType"], "Runtime.ExitError");
    assert!(body["errorMessage"].as_str().unwrap().ends_with("Error: Runtime exited with error: exit status 3"));
    let log = tail(&out);
    assert!(
        log.contains("Runtime.ExitError\n") && log.contains("Status: error\tError Type: Runtime.ExitError"),
        "{log}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn layers_are_importable_in_order_and_the_client_context_arrives() {
    let h = harness();
    let layer =
        |body: &[u8]| json!({"ZipFile": b64(&sekisho_lambda::zip::build(&[("python/shared.py", body, 0o644)]))});
    let v1 = h
        .call(
            "PublishLayerVersion",
            json!({"LayerName": "shared", "Content": layer(b"WHO = 'first'\n"), "CompatibleRuntimes": ["python3.12"]}),
        )
        .await
        .unwrap();
    let v2 = h
        .call("PublishLayerVersion", json!({"LayerName": "other", "Content": layer(b"WHO = 'second'\n")}))
        .await
        .unwrap();
    assert_eq!(v1["Version"], 1);
    assert_eq!(v1["LayerVersionArn"], "arn:aws:lambda:us-east-1:111111111111:layer:shared:1");
    let code: &[u8] = b"import shared\ndef handler(event, context):\n    return {'who': shared.WHO, 'custom': context.client_context.custom, 'title': context.client_context.client.app_title}\n";
    let layers = json!({"Layers": [v1["LayerVersionArn"], v2["LayerVersionArn"]]});
    h.create("layered", "python3.12", "app.handler", &[("app.py", code, 0o644)], layers).await;
    let cc = b64(br#"{"custom": {"tenant": "t1"}, "client": {"app_title": "demo"}}"#);
    let (_, body) = h.invoke("layered", json!({}), json!({"ClientContext": cc})).await;
    assert_eq!(body, json!({"who": "second", "custom": {"tenant": "t1"}, "title": "demo"}));

    let config = h.call("GetFunctionConfiguration", json!({"FunctionName": "layered"})).await.unwrap();
    assert_eq!(config["Layers"][0]["Arn"], v1["LayerVersionArn"]);
    let e = h
        .call(
            "CreateFunction",
            json!({
        "FunctionName": "nolayer", "Runtime": "python3.12", "Handler": "app.handler", "Role": h.execution_role(A),
        "Code": {"ZipFile": b64(&sekisho_lambda::zip::build(&[("app.py", b"", 0o644)]))},
        "Layers": ["arn:aws:lambda:us-east-1:111111111111:layer:shared:9"]}),
        )
        .await
        .unwrap_err();
    assert_eq!(
        (e.code.as_str(), e.message.as_str()),
        (
            "InvalidParameterValueException",
            "Layer version arn:aws:lambda:us-east-1:111111111111:layer:shared:9 does not exist."
        )
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn json_log_format_and_levels() {
    let h = harness();
    let code: &[u8] = b"import logging\nlog = logging.getLogger('app')\ndef handler(event, context):\n    log.debug('hidden')\n    log.info('shown', extra={'order': 7})\n    return 1\n";
    let logging = json!({"LoggingConfig": {"LogFormat": "JSON"}});
    h.create("jsonlog", "python3.12", "app.handler", &[("app.py", code, 0o644)], logging).await;
    let (out, body) = h.invoke("jsonlog", json!({}), json!({})).await;
    assert_eq!(body, json!(1));
    let log = tail(&out);
    let records: Vec<Value> = log.lines().filter_map(|l| serde_json::from_str(l).ok()).collect();
    let types: Vec<&str> = records.iter().filter_map(|r| r["type"].as_str()).collect();
    assert_eq!(types, ["platform.initStart", "platform.start", "platform.report"], "{log}");
    let app: Vec<&Value> = records.iter().filter(|r| r["logger"] == "app").collect();
    assert_eq!(app.len(), 1, "{log}");
    assert_eq!(app[0]["message"], "shown");
    assert_eq!(app[0]["logger"], "app");
    assert_eq!(app[0]["order"], 7);
    assert_eq!(app[0]["level"], "INFO");
    assert!(app[0]["timestamp"].as_str().unwrap().ends_with('Z'));
    assert!(app[0]["requestId"].as_str().unwrap().len() == 36);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_invokes_get_their_own_environments_up_to_the_limit() {
    let h = harness_with("max_concurrency = 2\n");
    app(&h, "busy", json!({})).await;
    let event = json!({"action": "sleep", "seconds": 0.4});
    let started = std::time::Instant::now();
    let (a, b, c) = tokio::join!(
        h.invoke("busy", event.clone(), json!({})),
        h.invoke("busy", event.clone(), json!({})),
        h.invoke("busy", event.clone(), json!({}))
    );
    let mut pids: Vec<i64> = [a.1, b.1, c.1].iter().map(|b| b["pid"].as_i64().unwrap()).collect();
    pids.sort();
    pids.dedup();
    assert_eq!(pids.len(), 2, "two environments serve three invokes");
    assert!(started.elapsed() >= Duration::from_millis(800), "the third waited for a free environment");
    assert_eq!(h.lambda.runtimes().environment_count(), 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn updates_and_deletes_stop_processes() {
    let h = harness();
    app(&h, "changing", json!({})).await;
    let (_, first) = h.invoke("changing", json!({"action": "hi"}), json!({})).await;
    let pid = first["pid"].as_i64().unwrap();
    let updated = h
        .call(
            "UpdateFunctionConfiguration",
            json!({"FunctionName": "changing", "Environment": {"Variables": {"TABLE": "v2"}}}),
        )
        .await
        .unwrap();
    assert_eq!(updated["LastUpdateStatus"], "InProgress");
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert!(!alive(pid), "the old configuration's environment stopped");
    let (_, second) = h.invoke("changing", json!({"action": "hi"}), json!({})).await;
    assert_eq!(second["env"]["TABLE"], "v2");
    let code = json!({"FunctionName": "changing", "ZipFile": b64(&sekisho_lambda::zip::build(&[("app.py", b"def handler(e, c):\n    return 'v3'\n", 0o644)]))});
    h.call("UpdateFunctionCode", code).await.unwrap();
    let (_, third) = h.invoke("changing", json!({}), json!({})).await;
    assert_eq!(third, json!("v3"));
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert!(!alive(second["pid"].as_i64().unwrap()));
    h.call("DeleteFunction", json!({"FunctionName": "changing"})).await.unwrap();
    assert_eq!(h.lambda.runtimes().environment_count(), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn event_invocations_run_in_the_background() {
    let h = harness();
    let marker = cache_dir().join(format!("event-{}", sekisho_core::ids::lower_alnum(6)));
    let code =
        format!("def handler(event, context):\n    open({:?}, 'w').write(event['v'])\n", marker.to_string_lossy());
    h.create("queued", "python3.12", "app.handler", &[("app.py", code.as_bytes(), 0o644)], json!({})).await;
    let out = h
        .call(
            "Invoke",
            json!({"FunctionName": "queued", "InvocationType": "Event", "Payload": b64(br#"{"v": "done"}"#)}),
        )
        .await
        .unwrap();
    assert_eq!(out["StatusCode"], 202);
    for _ in 0..200 {
        if std::fs::read_to_string(&marker).is_ok_and(|s| s == "done") {
            return;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    panic!("the queued event never ran");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn environments_are_replaced_before_their_credentials_expire() {
    let h = harness_with("\n[clock]\nmode = \"virtual\"\n");
    app(&h, "longlived", json!({})).await;
    let (_, first) = h.invoke("longlived", json!({"action": "hi"}), json!({})).await;
    let (_, warm) = h.invoke("longlived", json!({"action": "hi"}), json!({})).await;
    assert_eq!(warm["pid"], first["pid"]);
    // Fifty-nine minutes on, the one-hour session would expire during a 10 s invocation plus margin.
    h.world.clock.advance(59 * 60 * 1000 + 30_000);
    let (_, fresh) = h.invoke("longlived", json!({"action": "hi"}), json!({})).await;
    assert_ne!(fresh["pid"], first["pid"]);
    assert_ne!(fresh["env"]["AWS_ACCESS_KEY_ID"], first["env"]["AWS_ACCESS_KEY_ID"], "new credentials");
}
