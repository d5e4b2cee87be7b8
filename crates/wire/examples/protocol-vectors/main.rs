//! Runs botocore's protocol test vectors in reverse against this crate: serialized requests are
//! decoded and compared with their params, results are encoded and compared with serialized responses.
//!
//! Usage: cargo run -p sekisho-wire --example protocol-vectors -- <botocore>/tests/unit/protocols [-v]
//! (scripts/protocol-vectors.sh fetches the botocore sdist and runs this.)

mod compare;

use std::collections::BTreeSet;
use std::path::Path;

use base64::Engine;
use compare::{describe_stream, event_streams_same, json_body_same, same, sanitize_code, text_same, xml_same};
use sekisho_wire::model::{ServiceModel, Shape, ShapeType};
use sekisho_wire::timestamp;
use sekisho_wire::{AwsError, HttpRequest, HttpResponse};
use serde_json::{Map, Value};

const PROTOCOLS: [&str; 5] = ["query", "ec2", "json", "json_1_0", "rest-json"];
const B64: base64::engine::GeneralPurpose = base64::engine::general_purpose::STANDARD;

#[derive(Default)]
struct Tally {
    passed: usize,
    failed: Vec<(String, String)>,
    skipped: Vec<(String, String)>,
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let Some(dir) = args.iter().find(|a| !a.starts_with('-')) else {
        eprintln!("usage: protocol-vectors <botocore>/tests/unit/protocols [-v]");
        std::process::exit(2);
    };
    let verbose = args.iter().any(|a| a == "-v");
    let dir = Path::new(dir);
    let ignore: Value = read_json(&dir.join("protocol-tests-ignore-list.json")).unwrap_or(Value::Null);
    let mut any_failed = false;
    let mut totals = (0, 0, 0);
    for sub in ["", "legacy"] {
        for protocol in PROTOCOLS {
            for direction in ["input", "output"] {
                let path = dir.join(sub).join(direction).join(format!("{protocol}.json"));
                let Some(suites) = read_json(&path) else {
                    continue;
                };
                let ignored = ignored_cases(&ignore, protocol, direction);
                let tally = run_suites(&suites, direction, &ignored);
                let label = if sub.is_empty() {
                    format!("{protocol} {direction}")
                } else {
                    format!("legacy {protocol} {direction}")
                };
                println!(
                    "{label:28} passed {:3}  failed {:3}  skipped {:3}",
                    tally.passed,
                    tally.failed.len(),
                    tally.skipped.len()
                );
                for (id, why) in &tally.failed {
                    println!("    FAIL {id}: {}", shorten(why, verbose));
                }
                if verbose {
                    for (id, why) in &tally.skipped {
                        println!("    skip {id}: {why}");
                    }
                }
                totals.0 += tally.passed;
                totals.1 += tally.failed.len();
                totals.2 += tally.skipped.len();
                any_failed |= !tally.failed.is_empty();
            }
        }
    }
    println!("total: passed {}  failed {}  skipped {}", totals.0, totals.1, totals.2);
    if totals.0 == 0 {
        eprintln!("no vectors found under {}", dir.display());
        std::process::exit(2);
    }
    std::process::exit(i32::from(any_failed));
}

fn shorten(text: &str, verbose: bool) -> String {
    if verbose || text.len() < 300 {
        text.to_string()
    } else {
        format!("{}...", &text[..text.char_indices().nth(300).map(|(i, _)| i).unwrap_or(text.len())])
    }
}

fn read_json(path: &Path) -> Option<Value> {
    let text = std::fs::read_to_string(path).ok()?;
    serde_json::from_str(&text).ok()
}

/// Case ids and suite descriptions botocore itself does not run.
fn ignored_cases(ignore: &Value, protocol: &str, direction: &str) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    let lists = [
        &ignore["general"][direction]["suites"],
        &ignore["general"][direction]["cases"],
        &ignore["protocols"][protocol][direction]["cases"],
        &ignore["protocols"][protocol][direction]["suites"],
    ];
    for list in lists {
        for item in list.as_array().into_iter().flatten() {
            if let Some(s) = item.as_str() {
                out.insert(s.to_string());
            }
        }
    }
    out
}

fn run_suites(suites: &Value, direction: &str, ignored: &BTreeSet<String>) -> Tally {
    let mut tally = Tally::default();
    for suite in suites.as_array().into_iter().flatten() {
        let description = suite["description"].as_str().unwrap_or("");
        for (n, case) in suite["cases"].as_array().into_iter().flatten().enumerate() {
            let id = case["id"].as_str().map(str::to_string).unwrap_or_else(|| format!("{description} #{n}"));
            if ignored.contains(&id) || ignored.contains(description) {
                tally.skipped.push((id, "in botocore's ignore list".into()));
                continue;
            }
            let model = match build_model(suite, case) {
                Ok(m) => m,
                Err(e) => {
                    tally.failed.push((id, format!("model: {e}")));
                    continue;
                }
            };
            let outcome = if direction == "input" { run_input(&model, case) } else { run_output(&model, case) };
            match outcome {
                Outcome::Pass => tally.passed += 1,
                Outcome::Fail(why) => tally.failed.push((id, why)),
                Outcome::Skip(why) => tally.skipped.push((id, why)),
            }
        }
    }
    tally
}

enum Outcome {
    Pass,
    Fail(String),
    Skip(String),
}

fn build_model(suite: &Value, case: &Value) -> Result<ServiceModel, String> {
    let given = &case["given"];
    let name = given["name"].as_str().ok_or("case without operation name")?;
    let mut operations = Map::new();
    operations.insert(name.to_string(), given.clone());
    let model = serde_json::json!({
        "metadata": suite["metadata"],
        "shapes": suite["shapes"],
        "operations": operations,
    });
    ServiceModel::from_json("protocol-test", &model.to_string())
}

fn run_input(model: &ServiceModel, case: &Value) -> Outcome {
    let serialized = &case["serialized"];
    let body = serialized["body"].as_str().unwrap_or("");
    let headers: Vec<(String, String)> = serialized["headers"]
        .as_object()
        .map(|h| h.iter().map(|(k, v)| (k.to_ascii_lowercase(), v.as_str().unwrap_or("").to_string())).collect())
        .unwrap_or_default();
    if headers.iter().any(|(k, _)| k == "content-encoding") && body.is_empty() {
        return Outcome::Skip("compressed request: the vector holds no body to decode".into());
    }
    let uri = serialized["uri"].as_str().unwrap_or("/");
    let (path, query) = uri.split_once('?').unwrap_or((uri, ""));
    let method = serialized["method"].as_str().or(case["given"]["http"]["method"].as_str()).unwrap_or("POST");
    let req = HttpRequest { method, path, query, headers: &headers, body: body.as_bytes() };
    let op = match model.operations().first() {
        Some(op) => op,
        None => return Outcome::Fail("no operation".into()),
    };
    let (decoded_op, value) = match model.decode_unvalidated(&req) {
        Ok(x) => x,
        Err(e) => return Outcome::Fail(format!("decode error {e}")),
    };
    if decoded_op.name != op.name {
        return Outcome::Fail(format!("routed to {} instead of {}", decoded_op.name, op.name));
    }
    let expected = match model.input_shape(op) {
        Some(shape) => normalize(model, shape, &case["params"]),
        None => Value::Object(Map::new()),
    };
    if same(&value, &expected) {
        Outcome::Pass
    } else {
        Outcome::Fail(format!("decoded {value}\n         expected {expected}"))
    }
}

fn run_output(model: &ServiceModel, case: &Value) -> Outcome {
    let Some(op) = model.operations().first() else {
        return Outcome::Fail("no operation".into());
    };
    let response = &case["response"];
    let expected_body = response["body"].as_str().unwrap_or("");
    let request_id = find_request_id(expected_body, &response["headers"]);
    let actual = if let Some(code) = case["errorCode"].as_str() {
        let status = response["status_code"].as_u64().unwrap_or(400) as u16;
        let mut err = AwsError::new(code, status, case["errorMessage"].as_str().unwrap_or(""));
        let body_type = expected_body.contains("<Type>Receiver</Type>");
        err.sender_fault = !body_type && status < 500 || expected_body.contains("<Type>Sender</Type>");
        let fields = match model.error_shape(code) {
            Some((_, shape)) => normalize(model, shape, &case["error"]),
            None => case["error"].clone(),
        };
        for (k, v) in fields.as_object().into_iter().flatten() {
            if !k.eq_ignore_ascii_case("message") {
                err.fields.insert(k.clone(), v.clone());
            }
        }
        model.encode_error(Some(op), &err, &request_id)
    } else {
        let result = match model.output_shape(op) {
            Some(shape) => normalize(model, shape, &case["result"]),
            None => Value::Object(Map::new()),
        };
        model.encode_output(op, &result, &request_id)
    };
    compare_response(model, response, &actual)
}

fn find_request_id(body: &str, headers: &Value) -> String {
    for tag in ["RequestId", "requestId", "RequestID"] {
        let open = format!("<{tag}>");
        if let Some(start) = body.find(&open) {
            let rest = &body[start + open.len()..];
            if let Some(end) = rest.find('<') {
                return rest[..end].to_string();
            }
        }
    }
    for (k, v) in headers.as_object().into_iter().flatten() {
        if k.eq_ignore_ascii_case("x-amzn-requestid") {
            return v.as_str().unwrap_or("").to_string();
        }
    }
    "requestid".to_string()
}

fn compare_response(model: &ServiceModel, expected: &Value, actual: &HttpResponse) -> Outcome {
    let status = expected["status_code"].as_u64().unwrap_or(200) as u16;
    if status != actual.status {
        return Outcome::Fail(format!("status {} expected {status}", actual.status));
    }
    for (name, value) in expected["headers"].as_object().into_iter().flatten() {
        if name.eq_ignore_ascii_case("content-length") {
            continue;
        }
        let want = value.as_str().unwrap_or("");
        let got = actual.headers.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str());
        let error_type = name.eq_ignore_ascii_case("x-amzn-errortype");
        match got {
            Some(got) if text_same(got, want) => {}
            Some(got) if error_type && sanitize_code(got) == sanitize_code(want) => {}
            _ => return Outcome::Fail(format!("header {name}: {got:?} expected {want:?}")),
        }
    }
    let want = expected["body"].as_str().unwrap_or("");
    let got = String::from_utf8_lossy(&actual.body);
    let streaming = actual
        .headers
        .iter()
        .any(|(k, v)| k.eq_ignore_ascii_case("content-type") && v == "application/vnd.amazon.eventstream");
    let equal = if streaming {
        event_streams_same(&actual.body, want)
    } else if model.protocol().is_query_family() {
        // The vectors name a namespace their metadata does not carry; only then is it not compared.
        xml_same(&got, want, model.metadata.xml_namespace.is_none())
    } else {
        json_body_same(&got, want)
    };
    if equal {
        Outcome::Pass
    } else if streaming {
        Outcome::Fail(format!("event stream {:?}\n         expected {}", describe_stream(&actual.body), want.trim()))
    } else {
        Outcome::Fail(format!("body {got}\n         expected {}", want.trim()))
    }
}

/// Brings botocore's params/results into this crate's value convention: blobs base64,
/// timestamps epoch seconds, no nulls.
fn normalize(model: &ServiceModel, shape: &Shape, value: &Value) -> Value {
    match shape.shape_type {
        _ if shape.document => value.clone(),
        // A stream in a result is a list of single-member objects, one per event.
        _ if shape.eventstream && value.is_array() => {
            Value::Array(value.as_array().into_iter().flatten().map(|event| normalize(model, shape, event)).collect())
        }
        ShapeType::Structure | ShapeType::Union => {
            let mut out = Map::new();
            let Some(object) = value.as_object() else {
                return value.clone();
            };
            for r in model.members(shape) {
                if let Some(v) = object.get(r.name).filter(|v| !v.is_null()) {
                    out.insert(r.name.to_string(), normalize(model, r.shape, v));
                }
            }
            Value::Object(out)
        }
        ShapeType::List => match (value.as_array(), model.element("member", shape.member.as_deref())) {
            (Some(items), Some(e)) => Value::Array(items.iter().map(|i| normalize(model, e.shape, i)).collect()),
            _ => value.clone(),
        },
        ShapeType::Map => match (value.as_object(), model.element("value", shape.value.as_deref())) {
            (Some(entries), Some(e)) => Value::Object(
                entries
                    .iter()
                    .filter(|(_, v)| !v.is_null())
                    .map(|(k, v)| (k.clone(), normalize(model, e.shape, v)))
                    .collect(),
            ),
            _ => value.clone(),
        },
        ShapeType::Blob => match value {
            Value::String(s) => Value::String(B64.encode(s.as_bytes())),
            other => other.clone(),
        },
        ShapeType::Timestamp => match value {
            Value::Number(n) => timestamp::epoch_number(n.as_f64().unwrap_or(0.0)),
            Value::String(s) => timestamp::parse(s, sekisho_wire::model::TimestampFormat::Iso8601)
                .map(timestamp::epoch_number)
                .unwrap_or_else(|| value.clone()),
            other => other.clone(),
        },
        _ => value.clone(),
    }
}
