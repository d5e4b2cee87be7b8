//! ListInferenceProfiles: system-defined profiles callable from the Region (the default, as AWS lists
//! them), or the account's application profiles with `type=APPLICATION`; paged by `maxResults`.

use super::str_of;
use crate::Shared;
use crate::catalog::catalog;
use crate::errors;
use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;
use sekisho_core::{AuthzRequest, AwsError, Check, OpContext, Output};
use serde_json::{Value, json};

const MAX_PAGE: usize = 1000;

pub fn authorize(_req: &AuthzRequest<'_>) -> Vec<Check> {
    vec![Check::new("bedrock:ListInferenceProfiles", "*")]
}

pub fn handle(shared: &Shared, ctx: &OpContext, input: &Value) -> Result<Output, AwsError> {
    let region = ctx.region.as_str();
    let account = ctx.account();
    let summaries: Vec<Value> = match str_of(input, "typeEquals") {
        Some("APPLICATION") => shared
            .app_profiles
            .read(account, region, |p| p.map(|p| p.values().map(|a| a.summary()).collect()).unwrap_or_default()),
        _ => catalog().profiles_in(region).map(|p| p.summary(region, account)).collect(),
    };
    let start = match str_of(input, "nextToken") {
        None => 0,
        Some(token) => decode_token(token).filter(|s| *s <= summaries.len()).ok_or_else(|| {
            // [inf] the text AWS uses for a bad token was not found.
            errors::validation("The provided pagination token is invalid.")
        })?,
    };
    let size = input.get("maxResults").and_then(Value::as_u64).map(|n| n as usize).unwrap_or(MAX_PAGE).min(MAX_PAGE);
    let end = (start + size).min(summaries.len());
    let mut out = json!({ "inferenceProfileSummaries": summaries[start..end] });
    if end < summaries.len() {
        out["nextToken"] = json!(B64.encode(format!("sekisho:{end}")));
    }
    Ok(out.into())
}

fn decode_token(token: &str) -> Option<usize> {
    let bytes = B64.decode(token).ok()?;
    String::from_utf8(bytes).ok()?.strip_prefix("sekisho:")?.parse().ok()
}
