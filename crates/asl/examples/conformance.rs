//! Runs recorded Step Functions cases through the engine and compares histories event by event.
//! Usage: `cargo run -p sekisho-asl --release --example conformance -- <cases.jsonl> [-v]`

use std::process::ExitCode;
use std::sync::LazyLock;

use regex::Regex;
use sekisho_asl::definition::StateMachine;
use sekisho_asl::env::SeededEnv;
use sekisho_asl::exec::{Execution, ExecutionContext, Progress};
use serde_json::{Map, Value, json};

const MACHINE_ARN: &str = "arn:aws:states:us-east-1:111111111111:stateMachine:conformance-machine";
const ROLE_ARN: &str = "arn:aws:iam::111111111111:role/sfn-role";
const START_MS: i64 = 1_719_763_200_000;

/// Placeholders are recognised by their shape, never by name (as scripts/conformance-sfn.py does): a
/// `<...>` token stands for any text inside a string (any scalar when it is the whole value); a bare word
/// (`start-time`, `snf_role_arn`) stands for a value that differs from run to run (see [`volatile`]).
static TOKEN: LazyLock<Regex> = LazyLock::new(|| Regex::new(r#"<[A-Za-z][^<>\s"]*>"#).expect("token pattern"));
static WORD: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^[A-Za-z][A-Za-z0-9]*(?:[_\-][A-Za-z0-9]+)*$").expect("word pattern"));
static VOLATILE_TEXT: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(concat!(
        r"^(?:arn:.*",
        r"|\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+\-]\d{2}:?\d{2})?",
        r"|[A-Z][a-z]{2}, \d{2} [A-Z][a-z]{2} \d{4} \d{2}:\d{2}:\d{2} GMT",
        r"|[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12})$"
    ))
    .expect("volatile pattern")
});
/// Epoch times (seconds or milliseconds) from 2001 on.
const EPOCH_FROM: f64 = 1e9;

/// Whether a value is of a kind the recordings replace by a placeholder word: a time, an ARN, a UUID.
fn volatile(value: &Value) -> bool {
    match value {
        Value::Number(n) => n.as_f64().is_some_and(|f| f >= EPOCH_FROM),
        Value::String(s) => VOLATILE_TEXT.is_match(s),
        _ => false,
    }
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let Some(path) = args.iter().find(|a| !a.starts_with('-')) else {
        eprintln!("usage: conformance <cases.jsonl> [-v] [--only <id substring>]");
        return ExitCode::from(2);
    };
    let verbose = args.iter().any(|a| a == "-v");
    let only = args.iter().position(|a| a == "--only").and_then(|i| args.get(i + 1)).cloned();
    let text = match std::fs::read_to_string(path) {
        Ok(t) => t,
        Err(e) => {
            eprintln!("cannot read {path}: {e}");
            return ExitCode::from(2);
        }
    };
    let mut passed = 0;
    let mut failures = Vec::new();
    for (line_no, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let case: Value = match serde_json::from_str(line) {
            Ok(v) => v,
            Err(e) => {
                eprintln!("line {}: not JSON: {e}", line_no + 1);
                return ExitCode::from(2);
            }
        };
        let id = case["id"].as_str().unwrap_or("?").to_string();
        if let Some(o) = &only
            && !id.contains(o.as_str())
        {
            continue;
        }
        match run_case(&case) {
            Ok(()) => passed += 1,
            Err(diff) => failures.push((id, diff)),
        }
    }
    println!("{passed} passed, {} failed", failures.len());
    for (id, diff) in &failures {
        println!("FAIL {id}");
        let shown: String = if verbose { diff.clone() } else { diff.chars().take(600).collect() };
        println!("     {shown}");
    }
    if failures.is_empty() { ExitCode::SUCCESS } else { ExitCode::FAILURE }
}

fn run_case(case: &Value) -> Result<(), String> {
    let definition = serde_json::to_string(&case["definition"]).map_err(|e| e.to_string())?;
    let sm = StateMachine::parse(&definition).map_err(|e| format!("definition rejected: {e}"))?;
    let input_text = match &case["input"] {
        Value::Null => "{}".to_string(),
        Value::String(s) => s.clone(),
        other => serde_json::to_string(other).map_err(|e| e.to_string())?,
    };
    let context = ExecutionContext::new(MACHINE_ARN, "conformance-execution", ROLE_ARN, START_MS);
    let mut env = SeededEnv::new(42);
    let mut execution =
        Execution::start_text(&sm, &input_text, context, &mut env).map_err(|e| format!("input rejected: {e}"))?;
    let mut now = START_MS;
    for _ in 0..10_000 {
        match execution.run(&sm, now, &mut env) {
            Progress::Done => break,
            Progress::Waiting { tasks, wake_at_ms, .. } => {
                if !tasks.is_empty() {
                    return Err(format!("the case scheduled {} task(s)", tasks.len()));
                }
                match wake_at_ms {
                    Some(at) if at > now => now = at,
                    Some(_) => now += 1,
                    // Nothing left to wait for: the recording ends here too.
                    None => break,
                }
            }
        }
    }
    let mut actual: Vec<Value> = execution.events().iter().map(api_event).collect();
    let mut expected: Vec<Value> = case["expected_events"].as_array().cloned().unwrap_or_default();
    // GetExecutionHistory(reverseOrder=true) recordings list the newest event first.
    if expected.len() > 1 && expected[0]["id"].as_i64() > expected[1]["id"].as_i64() {
        expected.reverse();
    }
    normalize_parallel(&mut actual);
    compare_events(&expected, &actual)
}

fn api_event(e: &sekisho_asl::history::HistoryEvent) -> Value {
    let mut v = e.to_api_json();
    v["timestamp"] = json!("timestamp");
    if let Some(d) = v.get_mut("executionStartedEventDetails") {
        d["roleArn"] = json!("snf_role_arn");
    }
    parse_json_strings(&mut v);
    v
}

/// The recordings store strings that start with `{` and parse as JSON in parsed form (one
/// level: strings inside a parsed value stay strings).
fn parse_json_strings(v: &mut Value) {
    match v {
        Value::String(s) if s.starts_with('{') => {
            if let Ok(parsed) = serde_json::from_str::<Value>(s) {
                *v = parsed;
            }
        }
        Value::Array(items) => items.iter_mut().for_each(parse_json_strings),
        Value::Object(map) => map.values_mut().for_each(parse_json_strings),
        _ => {}
    }
}

fn canonical(v: &Value) -> String {
    fn sort(v: &Value) -> Value {
        match v {
            Value::Object(m) => {
                let mut keys: Vec<&String> = m.keys().collect();
                keys.sort();
                let mut out = Map::new();
                for k in keys {
                    out.insert(k.clone(), sort(&m[k]));
                }
                Value::Object(out)
            }
            Value::Array(a) => Value::Array(a.iter().map(sort).collect()),
            other => other.clone(),
        }
    }
    serde_json::to_string(&sort(v)).unwrap_or_default()
}

/// Branch events of a Parallel state that succeeded come in no fixed order in AWS; the
/// recordings sort them, blank their ids, and leave out `ParallelStateSucceeded`.
fn normalize_parallel(events: &mut Vec<Value>) {
    let mut i = 0;
    while i < events.len() {
        if events[i]["type"] != "ParallelStateStarted" {
            i += 1;
            continue;
        }
        let start = i + 1;
        let mut depth = 0;
        let mut end = None;
        for (j, e) in events.iter().enumerate().skip(start) {
            match e["type"].as_str().unwrap_or("") {
                "ParallelStateStarted" => depth += 1,
                "ParallelStateSucceeded" | "ParallelStateFailed" | "ParallelStateAborted" if depth > 0 => depth -= 1,
                "ParallelStateSucceeded" | "ParallelStateFailed" | "ParallelStateAborted" => {
                    end = Some(j);
                    break;
                }
                _ => {}
            }
        }
        let Some(end) = end else {
            break;
        };
        if events[end]["type"] == "ParallelStateSucceeded" {
            let mut branch: Vec<Value> = events.drain(start..=end).collect();
            branch.pop();
            for e in &mut branch {
                e["id"] = json!([0]);
                e["previousEventId"] = json!(0);
            }
            branch.sort_by_key(canonical);
            let n = branch.len();
            events.splice(start..start, branch);
            i = start + n;
        } else {
            i = end + 1;
        }
    }
}

fn placeholder_regex(expected: &str) -> Option<Regex> {
    if !TOKEN.is_match(expected) {
        return None;
    }
    let mut pattern = String::from("^");
    let mut last = 0;
    for m in TOKEN.find_iter(expected) {
        pattern.push_str(&regex::escape(&expected[last..m.start()]));
        pattern.push_str("(?s:.*)");
        last = m.end();
    }
    pattern.push_str(&regex::escape(&expected[last..]));
    pattern.push('$');
    Regex::new(&pattern).ok()
}

fn matches(expected: &Value, actual: &Value, path: &str) -> Result<(), String> {
    match (expected, actual) {
        (Value::String(e), Value::Null | Value::Bool(_) | Value::Number(_) | Value::String(_))
            if TOKEN.find(e).is_some_and(|m| m.as_str() == e) =>
        {
            Ok(())
        }
        (Value::String(e), _) if expected != actual && WORD.is_match(e) && volatile(actual) => Ok(()),
        (Value::String(e), Value::String(a)) => {
            if e == a || placeholder_regex(e).is_some_and(|r| r.is_match(a)) {
                Ok(())
            } else {
                Err(format!("{path}: expected {e:?}, got {a:?}"))
            }
        }
        (Value::Object(e), Value::Object(a)) => {
            for k in e.keys() {
                match a.get(k) {
                    Some(av) => matches(&e[k], av, &format!("{path}.{k}"))?,
                    None => return Err(format!("{path}: missing member {k:?}")),
                }
            }
            for k in a.keys() {
                if !e.contains_key(k) {
                    return Err(format!("{path}: unexpected member {k:?} = {}", a[k]));
                }
            }
            Ok(())
        }
        (Value::Array(e), Value::Array(a)) => {
            if e.len() != a.len() {
                return Err(format!(
                    "{path}: expected {} items, got {}: {}",
                    e.len(),
                    a.len(),
                    Value::Array(a.clone())
                ));
            }
            for (i, (x, y)) in e.iter().zip(a).enumerate() {
                matches(x, y, &format!("{path}[{i}]"))?;
            }
            Ok(())
        }
        (Value::Number(e), Value::Number(a)) if e.as_f64() == a.as_f64() => Ok(()),
        // Some recordings also stored JSON array text in parsed form.
        (Value::Array(_), Value::String(a)) => match serde_json::from_str::<Value>(a) {
            Ok(parsed) => matches(expected, &parsed, path),
            Err(_) => Err(format!("{path}: expected {expected}, got {actual}")),
        },
        _ if expected == actual => Ok(()),
        _ => Err(format!("{path}: expected {expected}, got {actual}")),
    }
}

fn compare_events(expected: &[Value], actual: &[Value]) -> Result<(), String> {
    for (i, e) in expected.iter().enumerate() {
        let Some(a) = actual.get(i) else {
            return Err(format!("event #{}: missing, expected {}", i + 1, e));
        };
        matches(e, a, &format!("event #{} ({})", i + 1, e["type"].as_str().unwrap_or("?")))?;
    }
    if actual.len() > expected.len() {
        return Err(format!("{} extra event(s), first: {}", actual.len() - expected.len(), actual[expected.len()]));
    }
    Ok(())
}
