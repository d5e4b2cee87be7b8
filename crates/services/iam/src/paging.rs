//! Marker/MaxItems paging of IAM's list operations. A marker is opaque to clients: the base64 of a MAC and the
//! sort key of the next item, so a page boundary survives items being added or deleted in between, and a marker
//! sekisho did not issue is refused.

use crate::input::Input;
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use hmac::{Hmac, Mac};
use sekisho_core::AwsError;
use serde_json::{Value, json};
use sha2::Sha256;

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

/// Domain separation of the marker MAC from any other use of the key.
const MARKER_TAG: &[u8] = b"iam-page\x00";
/// Bytes of the MAC a marker carries (128 bits: not guessable).
const MAC_BYTES: usize = 16;

/// The key markers are authenticated with: random per server process, so a marker is good until sekisho
/// restarts ([inf]: AWS documents markers as opaque values to pass back, not how long they last).
fn marker_key() -> &'static [u8; 32] {
    static KEY: std::sync::OnceLock<[u8; 32]> = std::sync::OnceLock::new();
    KEY.get_or_init(sekisho_core::ids::secret_bytes::<32>)
}

fn mac(key: &[u8]) -> [u8; MAC_BYTES] {
    let mut out = [0u8; MAC_BYTES];
    if let Ok(mut m) = Hmac::<Sha256>::new_from_slice(marker_key()) {
        m.update(MARKER_TAG);
        m.update(key);
        out.copy_from_slice(&m.finalize().into_bytes()[..MAC_BYTES]);
    }
    out
}

/// The MAC, then the sort key of the next item: a client cannot make one up.
fn encode_marker(key: &str) -> String {
    let mut bytes = mac(key.as_bytes()).to_vec();
    bytes.extend_from_slice(key.as_bytes());
    STANDARD.encode(bytes)
}

/// [obs] AWS answers a Marker it did not issue with ValidationError "Invalid Marker." (reported by SDK users
/// who passed one list's marker to another list). Only markers carrying our MAC are read.
fn decode_marker(marker: &str) -> Result<String, AwsError> {
    let invalid = || AwsError::new("ValidationError", 400, "Invalid Marker.");
    let bytes = STANDARD.decode(marker).map_err(|_| invalid())?;
    if bytes.len() < MAC_BYTES {
        return Err(invalid());
    }
    let (tag, key) = bytes.split_at(MAC_BYTES);
    // Not constant-time: the MAC of a sort key the caller may list anyway protects nothing secret.
    if tag != mac(key) {
        return Err(invalid());
    }
    String::from_utf8(key.to_vec()).map_err(|_| invalid())
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
        // A marker in the old, unauthenticated form (tag and key) and one with a wrong MAC are forgeries too.
        let forged = STANDARD.encode(b"iam-page\x00k02");
        let mut tampered =
            STANDARD.decode(page(items(5), Input(&json!({"MaxItems": 2}))).unwrap().marker.unwrap()).unwrap();
        *tampered.last_mut().unwrap() ^= 1;
        let tampered = STANDARD.encode(tampered);
        for marker in ["k02%", "10", &STANDARD.encode("k02"), &forged, &tampered] {
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
