//! Marker/MaxItems paging of IAM's list operations. A marker is opaque to clients: the base64 of a tagged sort
//! key of the next item, so a page boundary survives items being added or deleted in between; a marker sekisho
//! did not issue is refused.

use crate::input::Input;
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use sekisho_core::AwsError;
use serde_json::{Value, json};

/// One page of a list, in the order of the sort keys.
pub struct Page {
    pub items: Vec<Value>,
    pub marker: Option<String>,
}

impl Page {
    /// Writes `{<member>: [...], IsTruncated, Marker?}`.
    pub fn into_output(self, member: &str) -> Value {
        let mut out = json!({ member: self.items, "IsTruncated": self.marker.is_some() });
        if let Some(m) = self.marker {
            out["Marker"] = json!(m);
        }
        out
    }
}

/// Tags the sort key inside a marker, so a string sekisho did not issue is recognised.
const MARKER_TAG: &str = "iam-page\u{0}";

fn encode_marker(key: &str) -> String {
    STANDARD.encode(format!("{MARKER_TAG}{key}").as_bytes())
}

/// [obs] AWS answers a Marker it did not issue with ValidationError "Invalid Marker." (reported by SDK users
/// who passed one list's marker to another list).
fn decode_marker(marker: &str) -> Result<String, AwsError> {
    STANDARD
        .decode(marker)
        .ok()
        .and_then(|b| String::from_utf8(b).ok())
        .and_then(|s| s.strip_prefix(MARKER_TAG).map(str::to_string))
        .ok_or_else(|| AwsError::new("ValidationError", 400, "Invalid Marker."))
}

/// Pages `items` (sort key, value), already sorted by key, with the request's `Marker` and `MaxItems`
/// (default 100, AWS's default for IAM lists).
pub fn page(mut items: Vec<(String, Value)>, input: Input<'_>) -> Result<Page, AwsError> {
    items.sort_by(|a, b| a.0.cmp(&b.0));
    let start = match input.opt_str("Marker") {
        Some(m) => {
            let key = decode_marker(m)?;
            items.iter().position(|(k, _)| *k >= key).unwrap_or(items.len())
        }
        None => 0,
    };
    let max = input.opt_i64("MaxItems").filter(|n| *n > 0).unwrap_or(100) as usize;
    let end = start.saturating_add(max).min(items.len());
    let marker = items.get(end).map(|(k, _)| encode_marker(k));
    let items = items.drain(start..end).map(|(_, v)| v).collect();
    Ok(Page { items, marker })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn items(n: usize) -> Vec<(String, Value)> {
        (0..n).map(|i| (format!("k{i:02}"), json!(i))).collect()
    }

    #[test]
    fn pages_follow_markers_to_the_end() {
        let first = page(items(5), Input(&json!({"MaxItems": 2}))).unwrap();
        assert_eq!(first.items, vec![json!(0), json!(1)]);
        let marker = first.marker.clone().unwrap();
        let second = page(items(5), Input(&json!({"Marker": marker, "MaxItems": 10}))).unwrap();
        assert_eq!(second.items, vec![json!(2), json!(3), json!(4)]);
        assert!(second.marker.is_none());
        let out = second.into_output("Roles");
        assert_eq!(out["IsTruncated"], json!(false));
        assert!(out.get("Marker").is_none());
    }

    #[test]
    fn a_marker_that_is_not_ours_is_refused() {
        for marker in ["k02%", "10", &STANDARD.encode("k02")] {
            let Err(err) = page(items(5), Input(&json!({ "Marker": marker }))) else {
                panic!("{marker} was accepted");
            };
            assert_eq!(
                (err.code.as_str(), err.status, err.message.as_str()),
                ("ValidationError", 400, "Invalid Marker.")
            );
        }
    }
}
