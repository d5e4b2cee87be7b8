//! `sekisho mfa code <serial>` and `sekisho oidc token ...`: log in from scripts as users and CI jobs do, by
//! asking a running sekisho for a virtual MFA device's current code or a token from its local OIDC issuer.

use super::explain::request;
use super::{endpoint, option, parse_options};
use serde_json::{Map, Value, json};

const MFA_USAGE: &str = "usage: sekisho mfa code <serial-number> [--pair] [--endpoint URL]";
const OIDC_USAGE: &str = "usage: sekisho oidc token [--repo OWNER/REPO] [--ref REF] [--environment NAME] [--sub SUBJECT] \
[--aud AUDIENCE] [--issuer URL] [--expires-in SECONDS] [--endpoint URL]";

fn message(body: &str) -> String {
    serde_json::from_str::<Value>(body)
        .ok()
        .and_then(|v| v.get("message").and_then(Value::as_str).map(str::to_string))
        .unwrap_or_else(|| body.trim().to_string())
}

/// `mfa code <serial>`: prints the device's current code (`--pair`: and the next, for EnableMFADevice).
pub fn mfa(args: &[String]) -> Result<(), String> {
    let pair = args.iter().any(|a| a == "--pair");
    let args: Vec<String> = args.iter().filter(|a| *a != "--pair").cloned().collect();
    let (options, positional) = parse_options(&args, &["endpoint"])?;
    let [command, serial] = positional.as_slice() else { return Err(MFA_USAGE.into()) };
    if command != "code" {
        return Err(MFA_USAGE.into());
    }
    let endpoint = endpoint(&options);
    let encoded: String = serial.bytes().map(|b| format!("%{b:02X}")).collect();
    let (status, body) = request("GET", &endpoint, &format!("/_sekisho/mfa/code?serial={encoded}"), "")?;
    if status != 200 {
        return Err(format!("{endpoint} answered {status}: {}", message(&body)));
    }
    let v: Value = serde_json::from_str(&body).map_err(|e| e.to_string())?;
    let code = v["code"].as_str().unwrap_or_default();
    if pair {
        println!("{code} {}", v["nextCode"].as_str().unwrap_or_default());
    } else {
        println!("{code}");
    }
    Ok(())
}

/// `oidc token`: prints a token minted by the local issuer (GitHub Actions-shaped with `--repo`).
pub fn oidc(args: &[String]) -> Result<(), String> {
    let flags = ["endpoint", "repo", "ref", "environment", "sub", "aud", "issuer", "expires-in"];
    let (options, positional) = parse_options(args, &flags)?;
    if positional.as_slice() != ["token"] {
        return Err(OIDC_USAGE.into());
    }
    let mut req = Map::new();
    if let Some(repo) = option(&options, "repo") {
        let mut job = json!({ "repository": repo });
        if let Some(r) = option(&options, "ref") {
            job["ref"] = json!(r);
        }
        if let Some(e) = option(&options, "environment") {
            job["environment"] = json!(e);
        }
        req.insert("github".into(), job);
    }
    for (flag, member) in [("sub", "subject"), ("aud", "audience"), ("issuer", "issuer")] {
        if let Some(v) = option(&options, flag) {
            req.insert(member.into(), json!(v));
        }
    }
    if let Some(s) = option(&options, "expires-in") {
        let seconds: i64 = s.parse().map_err(|_| format!("--expires-in takes seconds, not {s:?}"))?;
        req.insert("expires_in".into(), json!(seconds));
    }
    let endpoint = endpoint(&options);
    let (status, body) = request("POST", &endpoint, "/_sekisho/oidc/token", &Value::Object(req).to_string())?;
    if status != 200 {
        return Err(format!("{endpoint} answered {status}: {}", message(&body)));
    }
    let v: Value = serde_json::from_str(&body).map_err(|e| e.to_string())?;
    println!("{}", v["token"].as_str().unwrap_or_default());
    Ok(())
}
