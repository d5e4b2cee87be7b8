//! Reading an operation's input value (keyed by the model's member names). The wire layer has checked
//! the model's constraints; what is missing anyway (internal callers) gets AWS's validation message.

use crate::errors;
use sekisho_core::AwsError;
use sekisho_core::identity::store::Tag;
use serde_json::Value;

#[derive(Clone, Copy)]
pub struct Input<'a>(pub &'a Value);

fn lower_camel(name: &str) -> String {
    let mut chars = name.chars();
    match chars.next() {
        Some(first) => first.to_lowercase().chain(chars).collect(),
        None => String::new(),
    }
}

impl<'a> Input<'a> {
    pub fn get(&self, name: &str) -> Option<&'a Value> {
        self.0.get(name).filter(|v| !v.is_null())
    }

    /// A required string member.
    pub fn str(&self, name: &str) -> Result<&'a str, AwsError> {
        self.opt_str(name).ok_or_else(|| {
            errors::validation(format!(
                "1 validation error detected: Value null at '{}' failed to satisfy constraint: Member must not be null",
                lower_camel(name)
            ))
        })
    }

    pub fn opt_str(&self, name: &str) -> Option<&'a str> {
        self.get(name).and_then(Value::as_str)
    }

    pub fn opt_i64(&self, name: &str) -> Option<i64> {
        self.get(name).and_then(Value::as_i64)
    }

    pub fn opt_bool(&self, name: &str) -> Option<bool> {
        self.get(name).and_then(Value::as_bool)
    }

    /// A list of strings (absent = empty).
    pub fn strings(&self, name: &str) -> Vec<String> {
        self.get(name)
            .and_then(Value::as_array)
            .map(|items| items.iter().filter_map(Value::as_str).map(str::to_string).collect())
            .unwrap_or_default()
    }

    /// A list of structures (absent = empty).
    pub fn objects(&self, name: &str) -> Vec<Input<'a>> {
        self.get(name).and_then(Value::as_array).map(|items| items.iter().map(Input).collect()).unwrap_or_default()
    }

    /// `Tags` as given (validated separately).
    pub fn tags(&self, name: &str) -> Vec<Tag> {
        self.objects(name)
            .into_iter()
            .map(|t| Tag {
                key: t.opt_str("Key").unwrap_or_default().to_string(),
                value: t.opt_str("Value").unwrap_or_default().to_string(),
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn missing_required_members_get_the_validation_message() {
        let v = json!({"RoleName": "r", "Tags": [{"Key": "k", "Value": "v"}], "Marker": null});
        let input = Input(&v);
        assert_eq!(input.str("RoleName").unwrap(), "r");
        let err = input.str("PolicyArn").unwrap_err();
        assert_eq!(err.code, "ValidationError");
        assert_eq!(
            err.message,
            "1 validation error detected: Value null at 'policyArn' failed to satisfy constraint: Member must not be null"
        );
        assert_eq!(input.opt_str("Marker"), None);
        assert_eq!(input.tags("Tags"), vec![Tag { key: "k".into(), value: "v".into() }]);
    }
}
