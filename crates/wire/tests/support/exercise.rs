//! Turns arbitrary bytes into a request for one of the embedded services and runs it through
//! decode, validation and encoding. Shared by the cargo-fuzz target and the proptest suite.

use sekisho_wire::model::Protocol;
use sekisho_wire::{AwsError, HttpRequest, load};

const SERVICES: [&str; 11] = [
    "sts",
    "iam",
    "stepfunctions",
    "logs",
    "lambda",
    "bedrock",
    "bedrock-runtime",
    "bedrock-agentcore-control",
    "bedrock-agentcore",
    "ec2",
    "organizations",
];
const METHODS: [&str; 6] = ["GET", "POST", "PUT", "DELETE", "PATCH", "HEAD"];

/// Layout: [service, mode, operation, method, then fields separated by 0xFF:
/// path, query, headers ("name:value" lines), body]. `mode` bit 0 makes the request routable
/// (a real Action, X-Amz-Target or URI template) so the fuzzer reaches the codecs, bit 1 adds a
/// form or JSON content type.
pub fn exercise(data: &[u8]) {
    if data.len() < 4 {
        return;
    }
    let Some(model) = load(SERVICES[data[0] as usize % SERVICES.len()]) else {
        return;
    };
    let mode = data[1];
    let ops = model.operations();
    if ops.is_empty() {
        return;
    }
    let op = &ops[data[2] as usize % ops.len()];
    let mut parts = data[4..].split(|&b| b == 0xFF);
    let text = |b: Option<&[u8]>| String::from_utf8_lossy(b.unwrap_or(&[])).into_owned();
    let mut path = text(parts.next());
    let mut query = text(parts.next());
    let header_block = text(parts.next());
    let body_part = parts.next().unwrap_or(&[]);
    let mut body = body_part.to_vec();
    let mut method = METHODS[data[3] as usize % METHODS.len()].to_string();
    let mut headers: Vec<(String, String)> = header_block
        .lines()
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_string()))
        .collect();

    if mode & 1 == 1 {
        match model.protocol() {
            Protocol::Query | Protocol::Ec2 => {
                let mut routed = format!("Action={}&Version={}&", op.name, model.metadata.api_version).into_bytes();
                routed.extend_from_slice(&body);
                body = routed;
                method = "POST".into();
            }
            Protocol::Json => {
                let prefix = model.metadata.target_prefix.clone().unwrap_or_default();
                headers.push(("x-amz-target".into(), format!("{prefix}.{}", op.name)));
            }
            Protocol::RestJson | Protocol::RestXml => {
                // Fill the template's labels with pieces of the fuzzed path.
                let mut pieces = path.split('/').filter(|p| !p.is_empty()).map(str::to_string);
                let (template, literal_query) =
                    op.http.request_uri.split_once('?').unwrap_or((&op.http.request_uri, ""));
                let filled: Vec<String> = template
                    .split('/')
                    .map(|segment| {
                        if segment.starts_with('{') {
                            pieces.next().unwrap_or_else(|| "x".into())
                        } else {
                            segment.to_string()
                        }
                    })
                    .collect();
                path = filled.join("/");
                if !literal_query.is_empty() {
                    query = format!("{literal_query}&{query}");
                }
                method = op.http.method.clone();
            }
        }
    }
    if mode & 2 == 2 {
        let content_type = match model.protocol() {
            Protocol::Query | Protocol::Ec2 => "application/x-www-form-urlencoded",
            Protocol::Json => "application/x-amz-json-1.1",
            _ => "application/json",
        };
        headers.push(("content-type".into(), content_type.into()));
    }

    let req = HttpRequest { method: &method, path: &path, query: &query, headers: &headers, body: &body };
    let _ = model.matches_rest(&method, &path);
    match model.decode(&req) {
        Ok((op, value)) => {
            // Inputs pushed through output and error encoders: wrong shapes must not panic either.
            let _ = model.encode_output(op, &value, "fuzz");
            let mut err = AwsError::new("ValidationException", 400, "fuzz");
            if let Some(fields) = value.as_object() {
                err.fields = fields.clone();
            }
            let _ = model.encode_error(Some(op), &err, "fuzz");
            let _ = model.encode_event(op, "event", &value);
            let _ = model.encode_exception(op, &err);
        }
        Err(err) => {
            let _ = model.encode_error(None, &err, "fuzz");
        }
    }
    let _ = sekisho_wire::eventstream::decode_message(body_part);
}
