//! SigV4 verification against the aws-sigv4 crate's test suite (header and query forms), an independent
//! signer (aws-sigv4) and a tamper matrix: every signed element changed must be rejected.

use super::*;
use crate::HttpRequest;
use std::path::{Path, PathBuf};

struct Raw {
    method: String,
    path: String,
    query: String,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl Raw {
    fn req(&self) -> HttpRequest<'_> {
        HttpRequest {
            method: &self.method,
            path: &self.path,
            query: &self.query,
            headers: &self.headers,
            body: &self.body,
        }
    }
}

/// Parses the suite's request files: request line, `Name:value` headers (indented lines continue a value), body.
fn parse_raw(text: &str) -> Raw {
    let (head, body) = text.split_once("\n\n").unwrap_or((text, ""));
    let mut lines = head.lines();
    let first = lines.next().expect("request line");
    let (method, rest) = first.split_once(' ').expect("method");
    let target = rest.strip_suffix(" HTTP/1.1").unwrap_or(rest);
    let (path, query) = target.split_once('?').unwrap_or((target, ""));
    let mut headers: Vec<(String, String)> = Vec::new();
    for line in lines {
        if line.starts_with(' ') || line.starts_with('\t') {
            if let Some(last) = headers.last_mut() {
                last.1.push('\n');
                last.1.push_str(line);
            }
            continue;
        }
        let (k, v) = line.split_once(':').expect("header");
        headers.push((k.to_ascii_lowercase(), v.to_string()));
    }
    let len = headers.iter().find(|(k, _)| k == "content-length").and_then(|(_, v)| v.trim().parse::<usize>().ok());
    let body = match len {
        Some(n) => body.as_bytes()[..n.min(body.len())].to_vec(),
        None => Vec::new(),
    };
    Raw { method: method.into(), path: path.into(), query: query.into(), headers, body }
}

fn suite_dir() -> PathBuf {
    let home = std::env::var_os("CARGO_HOME")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(std::env::var_os("HOME").expect("HOME")).join(".cargo"));
    let src = home.join("registry").join("src");
    for index in std::fs::read_dir(&src).expect("cargo registry sources") {
        let dir = index.expect("entry").path().join("aws-sigv4-1.6.4").join("aws-signing-test-suite").join("v4");
        if dir.is_dir() {
            return dir;
        }
    }
    panic!("aws-sigv4 1.6.4 test suite not found under {}", src.display());
}

fn context(dir: &Path) -> Option<(String, i64)> {
    let text = std::fs::read_to_string(dir.join("context.json")).ok()?;
    let v: serde_json::Value = serde_json::from_str(&text).expect("context json");
    let secret = v["credentials"]["secret_access_key"].as_str()?.to_string();
    let ts = v["timestamp"].as_str()?.replace(['-', ':'], "");
    Some((secret, parse_amz_date(&ts).expect("timestamp")))
}

#[test]
fn every_suite_vector_verifies_in_header_and_query_form() {
    let mut checked = 0;
    for entry in std::fs::read_dir(suite_dir()).expect("suite") {
        let dir = entry.expect("entry").path();
        let name = dir.file_name().unwrap().to_string_lossy().to_string();
        let Some((secret, now)) = context(&dir) else {
            // The two legacy vectors carry only the canonical request: check that we build it.
            let raw = parse_raw(&std::fs::read_to_string(dir.join("header-signed-request.txt")).unwrap());
            let expected = std::fs::read_to_string(dir.join("header-canonical-request.txt")).unwrap();
            let signed = parse(&raw.req()).expect(&name);
            let hash = hex(&Sha256::digest(&raw.body));
            let ours: Vec<String> = canonical::uri_candidates(raw.req().path)
                .map(|u| canonical::request(&raw.req(), &signed, &u, &hash, true))
                .collect();
            let expected_uri = expected.lines().nth(1).unwrap();
            assert_eq!(ours[0].lines().nth(1).unwrap(), expected_uri, "{name}: first canonical URI candidate");
            checked += 1;
            continue;
        };
        for form in ["header", "query"] {
            let raw = parse_raw(&std::fs::read_to_string(dir.join(format!("{form}-signed-request.txt"))).unwrap());
            let signed = parse(&raw.req()).unwrap_or_else(|e| panic!("{name} {form}: {e:?}"));
            verify(&raw.req(), &signed, &secret, now).unwrap_or_else(|e| panic!("{name} {form}: {e:?}"));
            let wrong = verify(&raw.req(), &signed, "not-the-secret", now);
            assert_eq!(wrong, Err(SigError::Mismatch), "{name} {form} with a wrong secret");
            checked += 1;
        }
    }
    assert!(checked >= 78, "only {checked} vectors checked");
}

const SECRET: &str = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
const NOW: i64 = 1_440_938_160; // 2015-08-30T12:36:00Z

/// A StartExecution-like request signed by the aws-sigv4 crate, the independent reference signer.
fn signed_by_reference(token: Option<&str>) -> Raw {
    use aws_sigv4::http_request::{SignableBody, SignableRequest, SigningSettings, sign};
    let body = br#"{"stateMachineArn":"arn:aws:states:us-east-1:111111111111:stateMachine:m"}"#.to_vec();
    let headers = vec![
        ("host".to_string(), "localhost:4566".to_string()),
        ("content-type".to_string(), "application/x-amz-json-1.0".to_string()),
        ("x-amz-target".to_string(), "AWSStepFunctions.StartExecution".to_string()),
    ];
    let creds = aws_credential_types::Credentials::new("AKIDEXAMPLE", SECRET, token.map(String::from), None, "test");
    let identity = creds.into();
    let time = std::time::UNIX_EPOCH + std::time::Duration::from_secs(NOW as u64);
    let params = aws_sigv4::sign::v4::SigningParams::builder()
        .identity(&identity)
        .region("us-east-1")
        .name("states")
        .time(time)
        .settings(SigningSettings::default())
        .build()
        .unwrap()
        .into();
    let signable = SignableRequest::new(
        "POST",
        "http://localhost:4566/a%20b/x?b=2&a=1",
        headers.iter().map(|(k, v)| (k.as_str(), v.as_str())),
        SignableBody::Bytes(&body),
    )
    .unwrap();
    let (instructions, _) = sign(signable, &params).unwrap().into_parts();
    let mut all = headers.clone();
    for (k, v) in instructions.headers() {
        all.push((k.to_ascii_lowercase(), v.to_string()));
    }
    Raw { method: "POST".into(), path: "/a%20b/x".into(), query: "b=2&a=1".into(), headers: all, body }
}

#[test]
fn reference_signer_requests_verify() {
    for token in [None, Some("session-token-value")] {
        let raw = signed_by_reference(token);
        let signed = parse(&raw.req()).unwrap();
        assert_eq!(signed.security_token.as_deref(), token);
        assert_eq!(signed.scope.service, "states");
        verify(&raw.req(), &signed, SECRET, NOW).unwrap();
        // Our own signer agrees with the reference signer.
        let names: Vec<&str> = signed.signed_headers.iter().map(String::as_str).collect();
        let ours = sign_header(&raw.req(), "AKIDEXAMPLE", SECRET, &signed.scope, &signed.amz_date, &names);
        assert_eq!(ours, raw.req().header("authorization").unwrap());
    }
}

#[test]
fn tamper_matrix_is_all_rejected() {
    let base = signed_by_reference(Some("tok"));
    type Tamper = (&'static str, fn(&mut Raw));
    let tampers: Vec<Tamper> = vec![
        ("method", |r| r.method = "PUT".into()),
        ("path", |r| r.path = "/a%20b/y".into()),
        ("query value", |r| r.query = "b=3&a=1".into()),
        ("query added", |r| r.query.push_str("&c=1")),
        ("query removed", |r| r.query = "a=1".into()),
        ("body", |r| r.body.push(b' ')),
        ("host header", |r| set(r, "host", "evil:4566")),
        ("target header", |r| set(r, "x-amz-target", "AWSStepFunctions.StopExecution")),
        ("content-type", |r| set(r, "content-type", "application/json")),
        ("date within skew", |r| set(r, "x-amz-date", "20150830T123601Z")),
        ("session token", |r| set(r, "x-amz-security-token", "other")),
        ("scope region", |r| replace_auth(r, "/us-east-1/", "/us-west-2/")),
        ("scope service", |r| replace_auth(r, "/states/", "/lambda/")),
        ("signed headers list", |r| replace_auth(r, "host;", "")),
        ("signature", |r| {
            let auth = get(r, "authorization");
            let flipped = if auth.ends_with('0') { "1" } else { "0" };
            set(r, "authorization", &format!("{}{flipped}", &auth[..auth.len() - 1]));
        }),
    ];
    for (what, tamper) in tampers {
        let mut raw = Raw {
            method: base.method.clone(),
            path: base.path.clone(),
            query: base.query.clone(),
            headers: base.headers.clone(),
            body: base.body.clone(),
        };
        tamper(&mut raw);
        let result = parse(&raw.req()).and_then(|s| verify(&raw.req(), &s, SECRET, NOW));
        assert!(result.is_err(), "tampered {what} was accepted");
    }
}

fn get(r: &Raw, name: &str) -> String {
    r.headers.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone()).unwrap()
}

fn set(r: &mut Raw, name: &str, value: &str) {
    for h in r.headers.iter_mut().filter(|(k, _)| k == name) {
        h.1 = value.to_string();
    }
}

fn replace_auth(r: &mut Raw, from: &str, to: &str) {
    let auth = get(r, "authorization").replacen(from, to, 1);
    set(r, "authorization", &auth);
}

#[test]
fn clock_skew_is_reported_as_aws_does() {
    let raw = signed_by_reference(None);
    let signed = parse(&raw.req()).unwrap();
    let late = verify(&raw.req(), &signed, SECRET, NOW + 20 * 60).unwrap_err();
    let err = late.to_aws_error(ErrorStyle::Query);
    assert_eq!(err.code, "SignatureDoesNotMatch");
    assert_eq!(err.status, 403);
    assert_eq!(
        err.message,
        "Signature expired: 20150830T123600Z is now earlier than 20150830T125100Z (20150830T125600Z - 5 min.)"
    );
    let json = late.to_aws_error(ErrorStyle::Json);
    assert_eq!((json.code.as_str(), json.status), ("InvalidSignatureException", 400));
    let early = verify(&raw.req(), &signed, SECRET, NOW - 20 * 60).unwrap_err();
    assert_eq!(
        early.to_aws_error(ErrorStyle::Query).message,
        "Signature not yet current: 20150830T123600Z is still later than 20150830T122100Z (20150830T121600Z + 5 min.)"
    );
    assert!(verify(&raw.req(), &signed, SECRET, NOW + 299).is_ok());
}

#[test]
fn missing_and_incomplete_signatures() {
    let raw = Raw { method: "POST".into(), path: "/".into(), query: String::new(), headers: vec![], body: vec![] };
    assert_eq!(parse(&raw.req()), Err(SigError::Missing));
    let e = SigError::Missing.to_aws_error(ErrorStyle::Query);
    assert_eq!(
        (e.code.as_str(), e.status, e.message.as_str()),
        ("MissingAuthenticationToken", 403, "Request is missing Authentication Token")
    );
    let raw = Raw {
        method: "POST".into(),
        path: "/".into(),
        query: String::new(),
        headers: vec![(
            "authorization".into(),
            "AWS4-HMAC-SHA256 Credential=AKID/20150830/us-east-1/sts/aws4_request".into(),
        )],
        body: vec![],
    };
    match parse(&raw.req()) {
        Err(SigError::Incomplete(msg)) => {
            assert!(msg.starts_with("Authorization header requires 'Signature' parameter."), "{msg}");
            assert!(msg.contains("'X-Amz-Date'"), "{msg}");
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn amz_dates_round_trip() {
    for t in [0, NOW, 1_700_000_000, 4_102_444_800] {
        assert_eq!(parse_amz_date(&format_amz_date(t)), Some(t));
    }
    assert_eq!(parse_amz_date("2015-08-30T12:36:00Z"), None);
    assert_eq!(parse_amz_date("20151330T123600Z"), None);
}

/// A GetCallerIdentity URL presigned by the aws-sigv4 crate, valid for `expires` seconds from `NOW`.
fn presigned_by_reference(expires: u64, body: aws_sigv4::http_request::SignableBody<'_>) -> Raw {
    use aws_sigv4::http_request::{SignableRequest, SignatureLocation, SigningSettings, sign};
    let creds = aws_credential_types::Credentials::new("AKIDEXAMPLE", SECRET, None, None, "test");
    let identity = creds.into();
    let mut settings = SigningSettings::default();
    settings.signature_location = SignatureLocation::QueryParams;
    settings.expires_in = Some(std::time::Duration::from_secs(expires));
    let params = aws_sigv4::sign::v4::SigningParams::builder()
        .identity(&identity)
        .region("us-east-1")
        .name("sts")
        .time(std::time::UNIX_EPOCH + std::time::Duration::from_secs(NOW as u64))
        .settings(settings)
        .build()
        .unwrap()
        .into();
    let headers = vec![("host".to_string(), "localhost:4566".to_string())];
    let query = "Action=GetCallerIdentity&Version=2011-06-15";
    let url = format!("http://localhost:4566/?{query}");
    let signable =
        SignableRequest::new("GET", &url, headers.iter().map(|(k, v)| (k.as_str(), v.as_str())), body).unwrap();
    let (instructions, _) = sign(signable, &params).unwrap().into_parts();
    let mut query = query.to_string();
    for (k, v) in instructions.params() {
        query.push_str(&format!("&{}={}", canonical::uri_encode(k, false), canonical::uri_encode(v, false)));
    }
    Raw { method: "GET".into(), path: "/".into(), query, headers, body: vec![] }
}

fn with_expires(raw: &Raw, value: &str) -> Raw {
    let query: Vec<String> = raw
        .query
        .split('&')
        .map(|p| if p.starts_with("X-Amz-Expires=") { format!("X-Amz-Expires={value}") } else { p.to_string() })
        .collect();
    Raw {
        method: raw.method.clone(),
        path: raw.path.clone(),
        query: query.join("&"),
        headers: raw.headers.clone(),
        body: vec![],
    }
}

#[test]
fn presigned_urls_live_at_most_a_week() {
    use aws_sigv4::http_request::SignableBody;
    let week = presigned_by_reference(604_800, SignableBody::Bytes(&[]));
    let signed = parse(&week.req()).unwrap();
    assert_eq!(signed.expires, Some(604_800));
    verify(&week.req(), &signed, SECRET, NOW + 604_800).unwrap();
    assert_eq!(verify(&week.req(), &signed, SECRET, NOW + 604_801), Err(SigError::PresignExpired));

    let over = presigned_by_reference(604_801, SignableBody::Bytes(&[]));
    let err = parse(&over.req()).unwrap_err();
    assert_eq!(err, SigError::QueryParameters(QueryParameterError::ExpiresOverAWeek));
    let aws = err.to_aws_error(ErrorStyle::Query);
    assert_eq!(
        (aws.code.as_str(), aws.status, aws.message.as_str()),
        (
            "AuthorizationQueryParametersError",
            400,
            "X-Amz-Expires must be less than a week (in seconds); that is, the given X-Amz-Expires must be less than \
             604800 seconds"
        )
    );
    for (value, expected) in [
        ("-1", QueryParameterError::ExpiresNegative),
        ("abc", QueryParameterError::ExpiresNotANumber),
        ("", QueryParameterError::ExpiresNotANumber),
        ("99999999999999999999", QueryParameterError::ExpiresNotANumber),
        // Once overflowed the expiry arithmetic (a panic in debug builds).
        ("9223372036854775807", QueryParameterError::ExpiresOverAWeek),
    ] {
        let raw = with_expires(&week, value);
        assert_eq!(parse(&raw.req()), Err(SigError::QueryParameters(expected)), "X-Amz-Expires={value}");
    }
}

#[test]
fn unsigned_payloads_only_where_the_service_takes_them() {
    use aws_sigv4::http_request::SignableBody;
    // Presigned with UNSIGNED-PAYLOAD in place of the body hash (S3's presigning).
    let raw = presigned_by_reference(300, SignableBody::UnsignedPayload);
    let signed = parse(&raw.req()).unwrap();
    let key = signing_key(SECRET, &signed.scope);
    assert_eq!(verify_with_key(&raw.req(), &signed, &key, NOW), Err(SigError::Mismatch));
    assert_eq!(verify_payload(&raw.req(), &signed, &key, NOW, PayloadModes::ALL), Ok(Payload::Unsigned));
    // The header form: `x-amz-content-sha256: UNSIGNED-PAYLOAD`, signed over that stand-in.
    let mut header = signed_by_reference(None);
    header.headers.push(("x-amz-content-sha256".into(), UNSIGNED_PAYLOAD.into()));
    header.body = b"a body nobody signed".to_vec();
    let claims = parse(&header.req()).unwrap();
    let names: Vec<&str> = claims.signed_headers.iter().map(String::as_str).collect();
    let auth = sign_header(&header.req(), "AKIDEXAMPLE", SECRET, &claims.scope, &claims.amz_date, &names);
    set(&mut header, "authorization", &auth);
    let claims = parse(&header.req()).unwrap();
    let key = signing_key(SECRET, &claims.scope);
    assert_eq!(
        verify_with_key(&header.req(), &claims, &key, NOW),
        Err(SigError::PayloadNotAccepted(UNSIGNED_PAYLOAD.into()))
    );
    assert_eq!(verify_payload(&header.req(), &claims, &key, NOW, PayloadModes::ALL), Ok(Payload::Unsigned));
}

/// The AWS SDK for JavaScript v3 over HTTP/2 signs the `:authority` pseudo-header instead of `host` (captured
/// from @aws-sdk/client-bedrock-runtime 3.1177 on Node 20 with secret `test`); AWS accepts either, as its own
/// error text says ("'Host' or ':authority' must be a 'SignedHeader'").
#[test]
fn an_http2_request_signed_with_authority_verifies() {
    let headers = [
        ("content-type", "application/json"),
        ("content-length", "15"),
        ("x-amz-user-agent", "aws-sdk-js/3.1177.0"),
        (":authority", "127.0.0.1:9"),
        ("amz-sdk-invocation-id", "73bc794f-55ca-4fec-855a-5042801bbb67"),
        ("amz-sdk-request", "attempt=1; max=3"),
        ("x-amz-date", "20261208T035522Z"),
        ("x-amz-content-sha256", "5e4ce7b36ba37b78a5d5f9fd08e6b7b54ba6879d651aa46ec9e1d6fa24ebe30a"),
        (
            "authorization",
            "AWS4-HMAC-SHA256 Credential=111111111111/20261208/ap-northeast-1/bedrock/aws4_request, \
             SignedHeaders=:authority;amz-sdk-invocation-id;amz-sdk-request;content-length;content-type;\
             x-amz-content-sha256;x-amz-date;x-amz-user-agent, \
             Signature=9b3033ab636a524436255b1a902be9f67158113ca48ecc317fb437790ddb1414",
        ),
    ];
    let raw = Raw {
        method: "POST".into(),
        path: "/model/m/converse".into(),
        query: String::new(),
        headers: headers.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect(),
        body: br#"{"messages":[]}"#.to_vec(),
    };
    let now = parse_amz_date("20261208T035522Z").unwrap();
    let signed = parse(&raw.req()).unwrap();
    assert_eq!(verify(&raw.req(), &signed, "test", now), Ok(()));
    assert_eq!(verify(&raw.req(), &signed, "not-test", now), Err(SigError::Mismatch));
}
