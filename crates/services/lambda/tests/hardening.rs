//! Lambda against hostile packages and functions, behind the door: packages that escape by symlink or
//! name, zip bombs, package URLs without a valid token, chatty functions, functions exceeding their
//! memory and functions that leave processes behind.

mod common;

use common::*;
use sekisho_lambda::zip::{self, RawEntry};
use serde_json::{Value, json};

const UNREADABLE: &str = "Could not unzip uploaded file. Please check your file, then try to upload again.";

fn create_with(name: &str, role: &str, zip_bytes: &[u8]) -> Value {
    json!({"FunctionName": name, "Runtime": "python3.12", "Handler": "app.handler", "Role": role,
           "Code": {"ZipFile": b64(zip_bytes)}})
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn packages_that_escape_by_symlink_or_name_are_refused_and_nothing_lands_outside() {
    let h = harness();
    let role = h.execution_role(A);
    let outside = std::env::temp_dir().join(format!("sekisho-hardening-outside-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&outside);
    std::fs::create_dir_all(&outside).unwrap();
    let victim = outside.join("victim.py");
    let victim_path = victim.to_string_lossy().into_owned();
    let outside_path = outside.to_string_lossy().into_owned();
    let app = RawEntry::file("app.py", b"def handler(e, c):\n    return 1\n", 0o644);
    let packages: Vec<(&str, Vec<RawEntry>)> = vec![
        (
            "absolute-link",
            vec![app.clone(), RawEntry::symlink("evil", &victim_path), RawEntry::file("evil", b"x", 0o644)],
        ),
        (
            "dir-link",
            vec![app.clone(), RawEntry::symlink("d", &outside_path), RawEntry::file("d/victim.py", b"x", 0o644)],
        ),
        ("climbing-link", vec![app.clone(), RawEntry::symlink("up", "../../../../../../tmp")]),
        ("climbing-name", vec![app.clone(), RawEntry::file("../../../../victim.py", b"x", 0o644)]),
        ("absolute-name", vec![app.clone(), RawEntry::file(&victim_path, b"x", 0o644)]),
    ];
    for (name, entries) in &packages {
        let bytes = zip::build_entries(entries);
        let e = h.call("CreateFunction", create_with(name, &role, &bytes)).await.unwrap_err();
        assert_eq!(
            (e.code.as_str(), e.status, e.message.as_str()),
            ("InvalidParameterValueException", 400, UNREADABLE),
            "{name}"
        );
        let layer = json!({"LayerName": name, "Content": {"ZipFile": b64(&bytes)}});
        let e = h.call("PublishLayerVersion", layer).await.unwrap_err();
        assert_eq!((e.code.as_str(), e.message.as_str()), ("InvalidParameterValueException", UNREADABLE), "{name}");
    }
    // UpdateFunctionCode checks the same way.
    let ok = zip::build_entries(std::slice::from_ref(&app));
    h.call("CreateFunction", create_with("fine", &role, &ok)).await.unwrap();
    let bad = zip::build_entries(&packages[0].1);
    let e = h.call("UpdateFunctionCode", json!({"FunctionName": "fine", "ZipFile": b64(&bad)})).await.unwrap_err();
    assert_eq!(e.message, UNREADABLE);
    let (_, payload) = h.invoke("fine", json!({}), json!({})).await;
    assert_eq!(payload, json!(1));
    assert!(!victim.exists());
    assert_eq!(std::fs::read_dir(&outside).unwrap().count(), 0);
    let _ = std::fs::remove_dir_all(&outside);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn zip_bombs_are_refused_by_their_declared_and_their_actual_size() {
    let h = harness();
    let role = h.execution_role(A);
    let too_large = ("InvalidParameterValueException", 400, "Unzipped size must be smaller than 262144000 bytes");
    // Declared: two small entries declaring 150 MB each.
    let little = zip::deflate(b"tiny");
    let declared = zip::build_entries(&[
        RawEntry::deflated("a.bin", &little, 150_000_000),
        RawEntry::deflated("b.bin", &little, 150_000_000),
    ]);
    // Actual: 300 MB of zeros (about 300 KB deflated) declaring 10 bytes.
    let zeros = zip::deflate(&vec![0u8; 300 << 20]);
    let actual = zip::build_entries(&[RawEntry::deflated("bomb.bin", &zeros, 10)]);
    for (name, bytes) in [("declared", &declared), ("actual", &actual)] {
        let e = h.call("CreateFunction", create_with(name, &role, bytes)).await.unwrap_err();
        assert_eq!((e.code.as_str(), e.status, e.message.as_str()), too_large, "{name}");
        let layer = json!({"LayerName": name, "Content": {"ZipFile": b64(bytes)}});
        let e = h.call("PublishLayerVersion", layer).await.unwrap_err();
        assert_eq!((e.code.as_str(), e.status, e.message.as_str()), too_large, "{name}");
    }
    // A package over 50 MB zipped is refused before anything is read.
    let stored = vec![7u8; 50 * 1024 * 1024 + 1];
    let big = zip::build(&[("big.bin", &stored, 0o644)]);
    let e = h.call("CreateFunction", create_with("big", &role, &big)).await.unwrap_err();
    assert_eq!(
        (e.code.as_str(), e.status, e.message.as_str()),
        (
            "RequestEntityTooLargeException",
            413,
            "Request must be smaller than 69905067 bytes for the CreateFunction operation"
        )
    );
    // The server goes on answering.
    let listed = h.call("ListFunctions", json!({})).await.unwrap();
    assert_eq!(listed["Functions"], json!([]));
}

/// A plain HTTP GET: the status code and the body.
fn http_get(url: &str) -> (u16, String) {
    use std::io::{Read, Write};
    let rest = url.strip_prefix("http://").expect("an http URL");
    let (host, path) = rest.split_once('/').expect("a path");
    let mut s = std::net::TcpStream::connect(host).expect("the package listener");
    write!(s, "GET /{path} HTTP/1.0\r\nHost: {host}\r\n\r\n").expect("request written");
    let mut response = Vec::new();
    s.read_to_end(&mut response).expect("response read");
    let text = String::from_utf8_lossy(&response).into_owned();
    let status = text.get(9..12).and_then(|c| c.parse().ok()).unwrap_or(0);
    let body = text.split_once("\r\n\r\n").map(|(_, b)| b.to_string()).unwrap_or_default();
    (status, body)
}

/// `url` with the query parameter `key` set to `value` (or removed when `None`).
fn with_param(url: &str, key: &str, value: Option<&str>) -> String {
    let (base, query) = url.split_once('?').expect("a query");
    let mut parts: Vec<String> =
        query.split('&').filter(|p| !p.starts_with(&format!("{key}="))).map(String::from).collect();
    if let Some(v) = value {
        parts.push(format!("{key}={v}"));
    }
    format!("{base}?{}", parts.join("&"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn package_urls_need_their_unexpired_token() {
    let h = harness_with("[clock]\nmode = \"virtual\"\n");
    let role = h.execution_role(A);
    let secret = b"def handler(e, c):\n    return 'secret sauce'\n";
    let package = zip::build(&[("app.py", secret, 0o644)]);
    h.call("CreateFunction", create_with("private", &role, &package)).await.unwrap();
    let other = zip::build(&[("app.py", b"def handler(e, c):\n    return 2\n", 0o644)]);
    h.call("CreateFunction", create_with("other", &role, &other)).await.unwrap();
    let url = h.call("GetFunction", json!({"FunctionName": "private"})).await.unwrap()["Code"]["Location"]
        .as_str()
        .unwrap()
        .to_string();
    let other_url = h.call("GetFunction", json!({"FunctionName": "other"})).await.unwrap()["Code"]["Location"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(url.contains("X-Amz-Expires=600") && url.contains("X-Amz-Signature="));

    let (status, body) = tokio::task::spawn_blocking({
        let url = url.clone();
        move || http_get(&url)
    })
    .await
    .unwrap();
    assert_eq!(status, 200);
    assert!(body.contains("secret sauce"));

    let digest = url.split("/lambda-packages/").nth(1).unwrap().split('.').next().unwrap().to_string();
    let bare = url.split('?').next().unwrap().to_string();
    let other_token = other_url.split_once('?').unwrap().1.to_string();
    let forged = with_param(&url, "X-Amz-Signature", Some(&"0".repeat(64)));
    let stretched = with_param(&url, "X-Amz-Expires", Some("604800"));
    let borrowed = format!("{}/{digest}.zip?{other_token}", bare.rsplit_once('/').unwrap().0);
    let refusals =
        tokio::task::spawn_blocking(move || [bare, forged, stretched, borrowed].map(|u| http_get(&u))).await.unwrap();
    let codes: Vec<(u16, bool)> = refusals.iter().map(|(s, b)| (*s, b.contains("<Code>"))).collect();
    assert_eq!(codes, vec![(403, true); 4]);
    assert!(refusals[0].1.contains("<Code>AccessDenied</Code>"));
    for (_, body) in &refusals[1..] {
        assert!(body.contains("<Code>SignatureDoesNotMatch</Code>"), "{body}");
        assert!(!body.contains("secret sauce"));
    }

    // Ten minutes later the URL has expired.
    h.world.clock.advance(601_000);
    let (status, body) = tokio::task::spawn_blocking(move || http_get(&url)).await.unwrap();
    assert_eq!(status, 403);
    assert!(body.contains("<Code>AccessDenied</Code><Message>Request has expired</Message>"), "{body}");
    assert!(body.contains("<X-Amz-Expires>600</X-Amz-Expires>"));

    // A fresh URL works again; once the function is gone, its package is too.
    let fresh = h.call("GetFunction", json!({"FunctionName": "private"})).await.unwrap()["Code"]["Location"]
        .as_str()
        .unwrap()
        .to_string();
    h.call("DeleteFunction", json!({"FunctionName": "private"})).await.unwrap();
    let (status, body) = tokio::task::spawn_blocking(move || http_get(&fresh)).await.unwrap();
    assert_eq!(status, 404);
    assert!(body.contains("<Code>NoSuchKey</Code>"));
}

const CHATTY: &[u8] = br#"
def handler(event, context):
    for i in range(event["lines"]):
        print("line %06d %s" % (i, "x" * event["pad"]))
    print("y" * event["huge"])
    print("last line")
    return "done"
"#;

/// The messages shipped for `group` once `count(messages)` reaches `want` (or the last seen).
async fn shipped_until(h: &Harness, group: &str, want: usize, count: impl Fn(&[String]) -> usize) -> Vec<String> {
    let mut messages = Vec::new();
    for _ in 0..600 {
        messages =
            h.logs.events.lock().unwrap().iter().filter(|(g, _, _)| g == group).map(|(_, _, m)| m.clone()).collect();
        if count(&messages) >= want {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    messages
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_chatty_functions_log_arrives_whole_in_batches_put_log_events_accepts() {
    let h = harness();
    h.create("chatty", "python3.12", "app.handler", &[("app.py", CHATTY, 0o644)], json!({"Timeout": 120})).await;
    // 20,000 lines of 1.1 KB: 1,000 of them are more than PutLogEvents takes at once.
    let (out, payload) = h.invoke("chatty", json!({"lines": 20_000, "pad": 1_100, "huge": 600_000}), json!({})).await;
    assert_eq!(payload, json!("done"), "{out}");
    // REPORT is the last event of the invocation: once it is there, everything before it is too.
    let reports = |m: &[String]| m.iter().filter(|m| m.starts_with("REPORT RequestId: ")).count();
    let messages = shipped_until(&h, "/aws/lambda/chatty", 1, reports).await;
    let lines = |m: &[String]| m.iter().filter(|m| m.starts_with("line ")).count();
    assert_eq!(lines(&messages), 20_000);
    let numbers: Vec<usize> =
        messages.iter().filter(|m| m.starts_with("line ")).filter_map(|m| m.get(5..11)?.parse().ok()).collect();
    assert_eq!(numbers, (0..20_000).collect::<Vec<_>>());
    // The 600,000-byte line arrives as events of at most 262,118 bytes that rejoin into it.
    let pieces: Vec<&String> = messages.iter().filter(|m| m.starts_with('y')).collect();
    assert_eq!(pieces.len(), 3);
    assert!(pieces.iter().all(|p| p.len() <= 262_118));
    assert_eq!(pieces.iter().map(|p| p.as_str()).collect::<String>(), "y".repeat(600_000) + "\n");
    assert!(messages.iter().any(|m| m == "last line\n"));
    // Every call stayed within PutLogEvents' limits (the stand-in refuses what AWS refuses).
    let batches = h.logs.batches.lock().unwrap().clone();
    assert!(batches.iter().all(|&n| n <= 10_000));
    assert!(batches.len() >= 22, "{batches:?}");
}

const HUNGRY: &[u8] = br#"
import subprocess, sys
def handler(event, context):
    if event.get("child_mb"):
        code = "x = [b'x' * (1 << 20) for _ in range(%d)]" % event["child_mb"]
        subprocess.run([sys.executable, "-c", code])
        return "child done"
    blocks = [b"x" * (1 << 20) for _ in range(event["mb"])]
    return len(blocks)
"#;

/// The request id of the invocation whose log tail this is.
fn request_id_of(tail: &str) -> String {
    tail.split("START RequestId: ").nth(1).and_then(|r| r.split_whitespace().next()).unwrap_or_default().to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_function_over_its_memory_size_is_killed_with_lambdas_error() {
    let h = harness();
    h.create("hungry", "python3.12", "app.handler", &[("app.py", HUNGRY, 0o644)], json!({"MemorySize": 128})).await;
    let (out, payload) = h.invoke("hungry", json!({"mb": 10}), json!({})).await;
    assert_eq!(payload, json!(10), "{out}");
    let report = tail(&out);
    assert!(report.contains("Memory Size: 128 MB\tMax Memory Used: "), "{report}");
    assert!(!report.contains("OutOfMemory"));

    for event in [json!({"mb": 400}), json!({"child_mb": 400})] {
        let (out, payload) = h.invoke("hungry", event.clone(), json!({})).await;
        let log = tail(&out);
        let id = request_id_of(&log);
        assert_eq!(out["FunctionError"], "Unhandled", "{event}: {out}");
        assert_eq!(
            payload,
            json!({"errorType": "Runtime.ExitError", "errorMessage": format!("RequestId: {id} Error: Runtime exited with error: signal: killed")}),
            "{event}: {log}"
        );
        assert!(log.contains(&format!(
            "RequestId: {id} Error: Runtime exited with error: signal: killed\nRuntime.ExitError\n"
        )));
        assert!(
            log.contains("Memory Size: 128 MB\tMax Memory Used: 128 MB\t")
                && log.contains("Status: error\tError Type: Runtime.OutOfMemory\t"),
            "{event}: {log}"
        );
    }
    // A fresh environment serves the next invocation.
    let (_, payload) = h.invoke("hungry", json!({"mb": 1}), json!({})).await;
    assert_eq!(payload, json!(1));
}

const INSPECT: &[u8] = br#"
import os, resource, subprocess, tempfile

def fd_kinds():
    kinds = []
    for fd in os.listdir("/proc/self/fd"):
        try:
            kinds.append(os.readlink("/proc/self/fd/" + fd).split(":")[0])
        except OSError:
            pass  # the descriptor that listed the directory, closed since
    return sorted(kinds)

def handler(event, context):
    if event.get("spawn"):
        return subprocess.Popen(["sleep", "1000"]).pid
    tmp = tempfile.gettempdir()
    with open(os.path.join(tmp, "mine-" + context.function_name), "w") as f:
        f.write("x")
    return {
        "tmp": tmp,
        "tmp_entries": sorted(os.listdir(tmp)),
        "fds": fd_kinds(),
        "nofile": resource.getrlimit(resource.RLIMIT_NOFILE)[0],
        "core": resource.getrlimit(resource.RLIMIT_CORE)[1],
        # What the process was started with (Python adds LC_CTYPE to os.environ itself).
        "env": sorted(
            kv.split("=")[0] for kv in open("/proc/self/environ").read().split("\0")
            if kv and not kv.startswith(("AWS_", "LAMBDA_", "_"))
        ),
    }
"#;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn environments_have_their_own_tmp_no_stray_descriptors_and_lambdas_limits() {
    let h = harness();
    h.create("one", "python3.12", "app.handler", &[("app.py", INSPECT, 0o644)], json!({})).await;
    h.create("two", "python3.12", "app.handler", &[("app.py", INSPECT, 0o644)], json!({})).await;
    let (_, one) = h.invoke("one", json!({}), json!({})).await;
    let (_, two) = h.invoke("two", json!({}), json!({})).await;
    assert_ne!(one["tmp"], two["tmp"]);
    assert_eq!(one["tmp_entries"], json!(["mine-one"]));
    assert_eq!(two["tmp_entries"], json!(["mine-two"]));
    // stdin (null), stdout, stderr and the runtime's log pipe, and the runtime's connection to the
    // Runtime API: nothing of sekisho's.
    assert_eq!(one["fds"], json!(["/dev/null", "pipe", "pipe", "pipe", "socket"]), "{one}");
    assert_eq!(one["nofile"], 1024);
    assert_eq!(one["core"], 0);
    assert_eq!(one["env"], json!(["LANG", "LD_LIBRARY_PATH", "PATH", "PYTHONPATH", "TMPDIR", "TZ"]));
    // The environment's temporary directory goes with it.
    let tmp = std::path::PathBuf::from(one["tmp"].as_str().unwrap());
    assert!(tmp.is_dir());
    h.call("DeleteFunction", json!({"FunctionName": "one"})).await.unwrap();
    for _ in 0..100 {
        if !tmp.exists() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    assert!(!tmp.exists());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn processes_a_function_starts_end_with_its_environment() {
    let h = harness();
    h.create("spawner", "python3.12", "app.handler", &[("app.py", INSPECT, 0o644)], json!({})).await;
    let (_, pid) = h.invoke("spawner", json!({"spawn": true}), json!({})).await;
    let pid = pid.as_i64().unwrap();
    assert!(alive(pid));
    h.call("DeleteFunction", json!({"FunctionName": "spawner"})).await.unwrap();
    for _ in 0..100 {
        if !alive(pid) {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    assert!(!alive(pid));
}
