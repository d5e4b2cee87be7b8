//! Reading an STS operation's input value (keyed by the model's member names).

use sekisho_core::AwsError;
use serde_json::Value;

#[derive(Clone, Copy)]
pub struct Input<'a>(pub &'a Value);

impl<'a> Input<'a> {
    fn get(&self, name: &str) -> Option<&'a Value> {
        self.0.get(name).filter(|v| !v.is_null())
    }

    pub fn str(&self, name: &str) -> Result<&'a str, AwsError> {
        self.opt_str(name).ok_or_else(|| {
            let mut chars = name.chars();
            let member: String = chars.next().map(|c| c.to_lowercase().chain(chars).collect()).unwrap_or_default();
            AwsError::new(
                "ValidationError",
                400,
                format!("1 validation error detected: Value null at '{member}' failed to satisfy constraint: Member must not be null"),
            )
        })
    }

    pub fn opt_str(&self, name: &str) -> Option<&'a str> {
        self.get(name).and_then(Value::as_str)
    }

    pub fn opt_i64(&self, name: &str) -> Option<i64> {
        self.get(name).and_then(Value::as_i64)
    }

    pub fn strings(&self, name: &str) -> Vec<String> {
        self.get(name)
            .and_then(Value::as_array)
            .map(|v| v.iter().filter_map(Value::as_str).map(str::to_string).collect())
            .unwrap_or_default()
    }

    /// `[{Key, Value}]` lists (Tags).
    pub fn pairs(&self, name: &str) -> Vec<(String, String)> {
        self.get(name)
            .and_then(Value::as_array)
            .map(|v| {
                v.iter()
                    .map(|t| {
                        let s = |k: &str| t.get(k).and_then(Value::as_str).unwrap_or_default().to_string();
                        (s("Key"), s("Value"))
                    })
                    .collect()
            })
            .unwrap_or_default()
    }

    /// `[{arn}]` lists (PolicyArns).
    pub fn arns(&self, name: &str) -> Vec<String> {
        self.get(name)
            .and_then(Value::as_array)
            .map(|v| v.iter().filter_map(|p| p.get("arn").and_then(Value::as_str)).map(str::to_string).collect())
            .unwrap_or_default()
    }
}
