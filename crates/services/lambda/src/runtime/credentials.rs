//! The execution role's credentials: Lambda assumes the role as `lambda.amazonaws.com` through the door
//! (session name = function name), and the process gets the session's keys.

use crate::errors;
use sekisho_core::door::Call;
use sekisho_core::service::Caller;
use sekisho_core::{AwsError, Door};
use serde_json::{Value, json};

#[derive(Debug, Clone, PartialEq)]
pub struct Credentials {
    pub access_key_id: String,
    pub secret_access_key: String,
    pub session_token: String,
    pub expiration_ms: i64,
}

/// What AssumeRole gave back, read leniently (`Expiration` as epoch seconds or ISO-8601 text).
fn parse(output: &Value) -> Option<Credentials> {
    let c = output.get("Credentials")?;
    let expiration_ms = match c.get("Expiration") {
        Some(Value::Number(n)) => (n.as_f64()? * 1000.0) as i64,
        Some(Value::String(s)) => sekisho_wire::timestamp::parse_iso8601(s).map(|secs| (secs * 1000.0) as i64)?,
        _ => i64::MAX,
    };
    Some(Credentials {
        access_key_id: c.get("AccessKeyId")?.as_str()?.to_string(),
        secret_access_key: c.get("SecretAccessKey")?.as_str()?.to_string(),
        session_token: c.get("SessionToken")?.as_str()?.to_string(),
        expiration_ms,
    })
}

/// Assumes `role_arn` for the function. `Ok(None)` when this sekisho serves no AssumeRole (the function
/// then runs without credentials); a refusal is Lambda's "cannot be assumed" error.
pub async fn assume_execution_role(
    door: &Door,
    role_arn: &str,
    function_name: &str,
    function_arn: &str,
    account: &str,
    region: &str,
    parent_request_id: &str,
) -> Result<Option<Credentials>, AwsError> {
    let caller = Caller::service("lambda.amazonaws.com", Some(function_arn.to_string()), Some(account.to_string()));
    let session_name: String = function_name.chars().take(64).collect();
    let input = json!({ "RoleArn": role_arn, "RoleSessionName": session_name });
    match door.call(&caller, Call::new("sts", "AssumeRole", input, region).parent(parent_request_id)).await {
        Ok(out) => Ok(parse(&out.body)),
        Err(e) if e.code == "NotImplemented" || e.code == "UnknownServiceException" => Ok(None),
        Err(_) => Err(errors::role_cannot_be_assumed()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_both_expiration_forms() {
        let out = json!({"Credentials": {"AccessKeyId": "ASIA1", "SecretAccessKey": "s", "SessionToken": "t", "Expiration": 1700000000}});
        assert_eq!(parse(&out).unwrap().expiration_ms, 1_700_000_000_000);
        let out = json!({"Credentials": {"AccessKeyId": "ASIA1", "SecretAccessKey": "s", "SessionToken": "t", "Expiration": "2023-11-14T22:13:20Z"}});
        assert_eq!(parse(&out).unwrap().expiration_ms, 1_700_000_000_000);
        assert!(parse(&json!({})).is_none());
    }
}
