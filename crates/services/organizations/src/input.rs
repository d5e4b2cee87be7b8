//! Reading an operation's input value (keyed by the model's member names). The wire layer has checked the
//! model's constraints for HTTP requests; a member missing anyway (internal callers) gets InvalidInputException.

use crate::errors;
use sekisho_core::AwsError;
use serde_json::Value;

#[derive(Clone, Copy)]
pub struct Input<'a>(pub &'a Value);

impl<'a> Input<'a> {
    pub fn get(&self, name: &str) -> Option<&'a Value> {
        self.0.get(name).filter(|v| !v.is_null())
    }

    /// A required string member.
    pub fn str(&self, name: &str) -> Result<&'a str, AwsError> {
        self.opt_str(name).ok_or_else(|| errors::input_required(name))
    }

    pub fn opt_str(&self, name: &str) -> Option<&'a str> {
        self.get(name).and_then(Value::as_str)
    }

    pub fn opt_i64(&self, name: &str) -> Option<i64> {
        self.get(name).and_then(Value::as_i64)
    }

    /// A required structure member.
    pub fn object(&self, name: &str) -> Result<Input<'a>, AwsError> {
        self.get(name).filter(|v| v.is_object()).map(Input).ok_or_else(|| errors::input_required(name))
    }

    pub fn strings(&self, name: &str) -> Vec<String> {
        self.get(name)
            .and_then(Value::as_array)
            .map(|items| items.iter().filter_map(Value::as_str).map(str::to_string).collect())
            .unwrap_or_default()
    }

    /// `Tags: [{Key, Value}]` (absent = empty).
    pub fn tags(&self, name: &str) -> Vec<(String, String)> {
        self.get(name)
            .and_then(Value::as_array)
            .map(|items| {
                items
                    .iter()
                    .map(|t| {
                        let s = |k: &str| t.get(k).and_then(Value::as_str).unwrap_or_default().to_string();
                        (s("Key"), s("Value"))
                    })
                    .collect()
            })
            .unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn reads_members_and_reports_missing_ones() {
        let v = json!({"Name": "n", "Target": {"Id": "222222222222"}, "Tags": [{"Key": "k", "Value": "v"}], "X": null});
        let input = Input(&v);
        assert_eq!(input.str("Name").ok(), Some("n"));
        assert_eq!(input.object("Target").ok().and_then(|t| t.opt_str("Id")), Some("222222222222"));
        assert_eq!(input.tags("Tags"), vec![("k".to_string(), "v".to_string())]);
        let err = input.str("X").unwrap_err();
        assert_eq!(err.code, "InvalidInputException");
        assert_eq!(err.fields.get("Reason"), Some(&json!("INPUT_REQUIRED")));
    }
}
