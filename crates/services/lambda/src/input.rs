//! Reading operation inputs (JSON keyed by the model's member names) without trusting them: internal
//! callers reach handlers without the wire layer's validation, so every read is checked here too.

use base64::Engine;
use sekisho_core::AwsError;
use serde_json::Value;
use std::collections::BTreeMap;

pub fn str<'a>(v: &'a Value, key: &str) -> Option<&'a str> {
    v.get(key).and_then(Value::as_str)
}

/// A required member; absent is the validation error AWS's front end gives.
pub fn required<'a>(v: &'a Value, key: &str) -> Result<&'a str, AwsError> {
    str(v, key).ok_or_else(|| {
        let mut field = key.to_string();
        if let Some(first) = field.get_mut(..1) {
            first.make_ascii_lowercase();
        }
        AwsError::new(
            "ValidationException",
            400,
            format!("1 validation error detected: Value null at '{field}' failed to satisfy constraint: Member must not be null"),
        )
    })
}

pub fn u64(v: &Value, key: &str) -> Option<u64> {
    match v.get(key)? {
        Value::Number(n) => n.as_u64(),
        Value::String(s) => s.parse().ok(),
        _ => None,
    }
}

pub fn bool(v: &Value, key: &str) -> bool {
    v.get(key).and_then(Value::as_bool).unwrap_or(false)
}

pub fn strings(v: &Value, key: &str) -> Option<Vec<String>> {
    v.get(key)?.as_array().map(|a| a.iter().filter_map(Value::as_str).map(str::to_string).collect())
}

pub fn string_map(v: &Value, key: &str) -> Option<BTreeMap<String, String>> {
    v.get(key)?
        .as_object()
        .map(|m| m.iter().filter_map(|(k, val)| val.as_str().map(|s| (k.clone(), s.to_string()))).collect())
}

/// A blob member (base64 in the internal convention).
pub fn blob(v: &Value, key: &str) -> Result<Option<Vec<u8>>, AwsError> {
    match v.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => base64::engine::general_purpose::STANDARD
            .decode(s)
            .map(Some)
            .map_err(|_| AwsError::new("InvalidRequestContentException", 400, format!("Could not decode {key}"))),
        Some(_) => Err(AwsError::new("InvalidRequestContentException", 400, format!("{key} must be a blob"))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn reads() {
        let v = json!({"FunctionName": "f", "Timeout": 5, "Tags": {"a": "b"}, "Layers": ["x"], "ZipFile": "aGk="});
        assert_eq!(required(&v, "FunctionName").unwrap(), "f");
        assert_eq!(
            required(&v, "Role").unwrap_err().message,
            "1 validation error detected: Value null at 'role' failed to satisfy constraint: Member must not be null"
        );
        assert_eq!(u64(&v, "Timeout"), Some(5));
        assert_eq!(string_map(&v, "Tags").unwrap()["a"], "b");
        assert_eq!(strings(&v, "Layers").unwrap(), vec!["x"]);
        assert_eq!(blob(&v, "ZipFile").unwrap().unwrap(), b"hi");
        assert!(blob(&json!({"ZipFile": "%%%"}), "ZipFile").is_err());
    }
}
