//! NextToken/MaxResults paging of Organizations' list operations. A token is the base64 of the sort key of
//! the next item, so a page boundary survives items being added or removed in between.

use crate::errors;
use crate::input::Input;
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use sekisho_core::AwsError;
use serde_json::{Value, json};

/// The model's ceiling for MaxResults, and the page size when none is asked for.
const MAX_RESULTS: usize = 20;

/// Pages `items` (sort key, value) and writes `{<member>: [...], NextToken?}`.
pub fn page(mut items: Vec<(String, Value)>, input: Input<'_>, member: &str) -> Result<Value, AwsError> {
    items.sort_by(|a, b| a.0.cmp(&b.0));
    let start = match input.opt_str("NextToken") {
        Some(token) => {
            let key = STANDARD
                .decode(token)
                .ok()
                .and_then(|b| String::from_utf8(b).ok())
                .ok_or_else(errors::invalid_next_token)?;
            items.iter().position(|(k, _)| *k >= key).unwrap_or(items.len())
        }
        None => 0,
    };
    let size = input.opt_i64("MaxResults").map_or(MAX_RESULTS, |n| n.clamp(1, MAX_RESULTS as i64) as usize);
    let end = (start + size).min(items.len());
    let next = items.get(end).map(|(k, _)| STANDARD.encode(k));
    let page: Vec<Value> = items.drain(start..end).map(|(_, v)| v).collect();
    let mut out = json!({ member: page });
    if let Some(token) = next {
        out["NextToken"] = json!(token);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pages_follow_the_token() {
        let items: Vec<(String, Value)> = (0..5).map(|i| (format!("k{i}"), json!(i))).collect();
        let first = page(items.clone(), Input(&json!({"MaxResults": 2})), "Items").unwrap();
        assert_eq!(first["Items"], json!([0, 1]));
        let token = first["NextToken"].as_str().unwrap().to_string();
        let second = page(items.clone(), Input(&json!({"MaxResults": 2, "NextToken": token})), "Items").unwrap();
        assert_eq!(second["Items"], json!([2, 3]));
        let all = page(items.clone(), Input(&json!({})), "Items").unwrap();
        assert_eq!(all["Items"].as_array().map(Vec::len), Some(5));
        assert!(all.get("NextToken").is_none());
        let bad = page(items, Input(&json!({"NextToken": "%%%"})), "Items").unwrap_err();
        assert_eq!(bad.code, "InvalidInputException");
    }
}
