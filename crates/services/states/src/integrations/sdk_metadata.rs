//! `SdkHttpMetadata` and `SdkResponseMetadata`: the optimized integrations' results carry the HTTP response
//! the Java SDK saw. `AllHttpHeaders` lists each header with its values in the order given here;
//! `HttpHeaders` maps each header to its value, ordered without regard to case, as the SDK's map is.

use serde_json::{Map, Value, json};
use time::OffsetDateTime;
use time::macros::format_description;

/// `Wed, 28 Jun 2023 11:07:54 GMT`, the `Date` header.
pub fn http_date(ms: i64) -> String {
    let format =
        format_description!("[weekday repr:short], [day] [month repr:short] [year] [hour]:[minute]:[second] GMT");
    OffsetDateTime::from_unix_timestamp(ms.div_euclid(1000))
        .ok()
        .and_then(|t| t.format(&format).ok())
        .unwrap_or_default()
}

/// The two metadata members for a response with `headers` (name, value) and `status`.
pub fn members(headers: &[(&str, String)], status: u16, request_id: &str) -> (Value, Value) {
    let mut all = Map::new();
    for (name, value) in headers {
        all.insert(name.to_string(), json!([value]));
    }
    let mut sorted: Vec<&(&str, String)> = headers.iter().collect();
    sorted.sort_by_key(|(name, _)| name.to_ascii_lowercase());
    let mut single = Map::new();
    for (name, value) in sorted {
        single.insert(name.to_string(), json!(value));
    }
    let http = json!({"AllHttpHeaders": all, "HttpHeaders": single, "HttpStatusCode": status});
    (http, json!({"RequestId": request_id}))
}

/// The headers of a json 1.0 response (Step Functions' API).
pub fn json_headers(request_id: &str, body_len: usize, now_ms: i64) -> Vec<(&'static str, String)> {
    vec![
        ("x-amzn-RequestId", request_id.to_string()),
        ("connection", "keep-alive".to_string()),
        ("Content-Length", body_len.to_string()),
        ("Date", http_date(now_ms)),
        ("Content-Type", "application/x-amz-json-1.0".to_string()),
    ]
}

/// An X-Ray trace id, `Root=1-<8 hex time>-<24 hex>`, as Lambda answers one.
pub fn trace_id(now_ms: i64) -> String {
    let random = sekisho_core::ids::uuid_v4().replace('-', "");
    format!("Root=1-{:08x}-{};Sampled=0", now_ms.div_euclid(1000), &random[..24])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_and_headers() {
        assert_eq!(http_date(1_687_950_474_123), "Wed, 28 Jun 2023 11:07:54 GMT");
        let headers = json_headers("r-1", 160, 1_687_950_474_000);
        let (http, response) = members(&headers, 200, "r-1");
        assert_eq!(response, json!({"RequestId": "r-1"}));
        assert_eq!(http["HttpStatusCode"], 200);
        assert_eq!(http["AllHttpHeaders"]["Content-Length"], json!(["160"]));
        let names: Vec<&String> = http["HttpHeaders"].as_object().unwrap().keys().collect();
        assert_eq!(names, ["connection", "Content-Length", "Content-Type", "Date", "x-amzn-RequestId"]);
        let all: Vec<&String> = http["AllHttpHeaders"].as_object().unwrap().keys().collect();
        assert_eq!(all, ["x-amzn-RequestId", "connection", "Content-Length", "Date", "Content-Type"]);
        assert!(trace_id(1_687_950_474_000).starts_with("Root=1-649c148a-"));
    }
}
