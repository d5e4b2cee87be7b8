//! Lambda's own log lines: `INIT_START`, `START`, `END`, `REPORT` (with `Init Duration` on a cold start and
//! `Status` when the platform ended the invocation), in Text form or as JSON `platform.*` records.

use crate::state::FunctionVersion;
use serde_json::{Map, Value, json};

fn is_json(v: &FunctionVersion) -> bool {
    v.logging.log_format == "JSON"
}

/// JSON platform records are INFO; a WARN system log level keeps only failures.
fn info_records(v: &FunctionVersion) -> bool {
    !matches!(v.logging.system_log_level.as_deref(), Some("WARN"))
}

fn now_iso() -> String {
    let ms =
        std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_millis() as i64).unwrap_or(0);
    sekisho_core::clock::iso8601_ms(ms)
}

fn record(kind: &str, record: Value) -> String {
    json!({ "time": now_iso(), "type": kind, "record": record }).to_string() + "\n"
}

/// `python:3.12.v1`, `provided:al2023.v1`: the runtime version INIT_START names.
fn runtime_version(runtime: &str) -> String {
    match runtime.strip_prefix("python") {
        Some(v) => format!("python:{v}.v1"),
        None => match runtime.strip_prefix("provided") {
            Some("") => "provided:al1.v1".into(),
            Some(rest) => format!("provided:{}.v1", rest.trim_start_matches('.')),
            None => format!("{runtime}.v1"),
        },
    }
}

pub fn init_start(v: &FunctionVersion, region: &str) -> Option<String> {
    let runtime = v.runtime.as_deref()?;
    let version = runtime_version(runtime);
    let arn = {
        use sha2::Digest;
        let digest = sha2::Sha256::digest(format!("sekisho:{runtime}").as_bytes());
        let hex: String = digest.iter().map(|b| format!("{b:02x}")).collect();
        format!("arn:aws:lambda:{region}::runtime:{hex}")
    };
    if is_json(v) {
        return info_records(v).then(|| {
            record(
                "platform.initStart",
                json!({ "initializationType": "on-demand", "phase": "init", "runtimeVersion": version, "runtimeVersionArn": arn }),
            )
        });
    }
    Some(format!("INIT_START Runtime Version: {version}\tRuntime Version ARN: {arn}\n"))
}

pub fn start(v: &FunctionVersion, request_id: &str) -> Option<String> {
    if is_json(v) {
        return info_records(v)
            .then(|| record("platform.start", json!({ "requestId": request_id, "version": v.version })));
    }
    Some(format!("START RequestId: {request_id} Version: {}\n", v.version))
}

pub fn end(v: &FunctionVersion, request_id: &str) -> Option<String> {
    (!is_json(v)).then(|| format!("END RequestId: {request_id}\n"))
}

/// How the platform saw an invocation end.
#[derive(Debug, Clone, PartialEq)]
pub enum Status {
    Success,
    Timeout,
    /// An error the platform reports (`Runtime.ExitError`, an init error, ...).
    Error(String),
}

pub struct Report {
    pub duration_ms: f64,
    pub memory_size_mb: u64,
    pub max_memory_used_mb: u64,
    pub init_duration_ms: Option<f64>,
    pub status: Status,
}

impl Report {
    /// Lambda bills by the millisecond, init included since August 2025.
    pub fn billed_ms(&self) -> u64 {
        (self.duration_ms + self.init_duration_ms.unwrap_or(0.0)).ceil().max(1.0) as u64
    }
}

pub fn report(v: &FunctionVersion, request_id: &str, r: &Report) -> Option<String> {
    if is_json(v) {
        if !info_records(v) && r.status == Status::Success {
            return None;
        }
        let mut metrics = Map::new();
        metrics.insert("durationMs".into(), json!(round2(r.duration_ms)));
        metrics.insert("billedDurationMs".into(), json!(r.billed_ms()));
        metrics.insert("memorySizeMB".into(), json!(r.memory_size_mb));
        metrics.insert("maxMemoryUsedMB".into(), json!(r.max_memory_used_mb));
        if let Some(init) = r.init_duration_ms {
            metrics.insert("initDurationMs".into(), json!(round2(init)));
        }
        let mut rec = Map::new();
        rec.insert("requestId".into(), json!(request_id));
        rec.insert("metrics".into(), Value::Object(metrics));
        let status = match &r.status {
            Status::Success => "success",
            Status::Timeout => "timeout",
            Status::Error(_) => "error",
        };
        rec.insert("status".into(), json!(status));
        if let Status::Error(t) = &r.status {
            rec.insert("errorType".into(), json!(t));
        }
        return Some(record("platform.report", Value::Object(rec)));
    }
    let mut line = format!(
        "REPORT RequestId: {request_id}\tDuration: {:.2} ms\tBilled Duration: {} ms\tMemory Size: {} MB\tMax Memory Used: {} MB\t",
        r.duration_ms,
        r.billed_ms(),
        r.memory_size_mb,
        r.max_memory_used_mb
    );
    if let Some(init) = r.init_duration_ms {
        line += &format!("Init Duration: {init:.2} ms\t");
    }
    match &r.status {
        Status::Success => {}
        Status::Timeout => line += "Status: timeout\t",
        Status::Error(t) => line += &format!("Status: error\tError Type: {t}\t"),
    }
    Some(line + "\n")
}

/// `INIT_REPORT` for an init phase that failed.
pub fn init_report(v: &FunctionVersion, init_ms: f64, error_type: &str) -> Option<String> {
    if is_json(v) {
        return Some(record(
            "platform.initReport",
            json!({ "initializationType": "on-demand", "phase": "init", "status": "error", "errorType": error_type, "metrics": { "durationMs": round2(init_ms) } }),
        ));
    }
    Some(format!("INIT_REPORT Init Duration: {init_ms:.2} ms\tPhase: init\tStatus: error\tError Type: {error_type}\n"))
}

/// The line Lambda writes when it stops a function at its timeout.
pub fn timed_out(request_id: &str, timeout_s: f64) -> String {
    format!("{} {request_id} Task timed out after {timeout_s:.2} seconds\n", now_iso())
}

fn round2(x: f64) -> f64 {
    (x * 100.0).round() / 100.0
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::state::{Code, LoggingConfig};

    pub fn version(format: &str) -> FunctionVersion {
        FunctionVersion {
            version: "$LATEST".into(),
            runtime: Some("python3.12".into()),
            role: "arn:aws:iam::111111111111:role/r".into(),
            handler: Some("app.handler".into()),
            description: String::new(),
            timeout: 3,
            memory_size: 128,
            environment: None,
            layers: vec![],
            logging: LoggingConfig {
                log_format: format.into(),
                application_log_level: None,
                system_log_level: None,
                log_group: "/aws/lambda/f".into(),
            },
            architectures: vec!["x86_64".into()],
            ephemeral_storage: 512,
            tracing_mode: "PassThrough".into(),
            package_type: "Zip".into(),
            last_modified_ms: 0,
            revision_id: "r".into(),
            code: Code::new(Vec::new()),
        }
    }

    #[test]
    fn text_lines_as_lambda_writes_them() {
        let v = version("Text");
        assert_eq!(start(&v, "id").unwrap(), "START RequestId: id Version: $LATEST\n");
        assert_eq!(end(&v, "id").unwrap(), "END RequestId: id\n");
        let r = Report {
            duration_ms: 12.345,
            memory_size_mb: 128,
            max_memory_used_mb: 40,
            init_duration_ms: Some(150.5),
            status: Status::Timeout,
        };
        assert_eq!(
            report(&v, "id", &r).unwrap(),
            "REPORT RequestId: id\tDuration: 12.35 ms\tBilled Duration: 163 ms\tMemory Size: 128 MB\tMax Memory Used: 40 MB\tInit Duration: 150.50 ms\tStatus: timeout\t\n"
        );
        assert!(init_start(&v, "us-east-1").unwrap().starts_with("INIT_START Runtime Version: python:3.12.v1\t"));
        assert!(timed_out("id", 3.0).ends_with(" id Task timed out after 3.00 seconds\n"));
    }

    #[test]
    fn json_records() {
        let v = version("JSON");
        assert!(end(&v, "id").is_none());
        let s: Value = serde_json::from_str(&start(&v, "id").unwrap()).unwrap();
        assert_eq!(s["type"], "platform.start");
        assert_eq!(s["record"], json!({"requestId": "id", "version": "$LATEST"}));
        let r = Report {
            duration_ms: 1.0,
            memory_size_mb: 128,
            max_memory_used_mb: 30,
            init_duration_ms: None,
            status: Status::Error("Runtime.ExitError".into()),
        };
        let rep: Value = serde_json::from_str(&report(&v, "id", &r).unwrap()).unwrap();
        assert_eq!(rep["record"]["status"], "error");
        assert_eq!(rep["record"]["errorType"], "Runtime.ExitError");
        assert_eq!(rep["record"]["metrics"]["billedDurationMs"], 1);
    }

    #[test]
    fn runtime_versions() {
        assert_eq!(runtime_version("provided.al2023"), "provided:al2023.v1");
        assert_eq!(runtime_version("provided"), "provided:al1.v1");
    }
}
