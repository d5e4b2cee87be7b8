//! Function and layer names as Lambda accepts them: a bare name, `name:qualifier`, a partial ARN
//! (`123456789012:function:name`) or a full ARN, resolved against the caller's account and region.

use crate::errors;
use sekisho_core::AwsError;

/// A function a request names: whose, where, which one, and which version or alias.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FunctionRef {
    pub account: String,
    pub region: String,
    pub name: String,
    pub qualifier: Option<String>,
}

impl FunctionRef {
    /// `arn:aws:lambda:<region>:<account>:function:<name>`.
    pub fn arn(&self) -> String {
        function_arn(&self.region, &self.account, &self.name)
    }

    /// The ARN with the qualifier when there is one (the resource IAM sees).
    pub fn qualified_arn(&self) -> String {
        match &self.qualifier {
            Some(q) => format!("{}:{q}", self.arn()),
            None => self.arn(),
        }
    }
}

pub fn function_arn(region: &str, account: &str, name: &str) -> String {
    format!("arn:aws:lambda:{region}:{account}:function:{name}")
}

pub fn layer_arn(region: &str, account: &str, name: &str) -> String {
    format!("arn:aws:lambda:{region}:{account}:layer:{name}")
}

/// Reads a `FunctionName` member (and the `Qualifier` member, when the operation has one).
pub fn function_ref(
    input: &str,
    qualifier: Option<&str>,
    caller_account: &str,
    region: &str,
) -> Result<FunctionRef, AwsError> {
    let parts: Vec<&str> = input.split(':').collect();
    let (account, arn_region, name, derived) = match parts.as_slice() {
        [name] => (caller_account, region, *name, None),
        [name, q] => (caller_account, region, *name, Some(*q)),
        [account, "function", name] => (*account, region, *name, None),
        [account, "function", name, q] => (*account, region, *name, Some(*q)),
        ["arn", _, "lambda", r, account, "function", name] => (*account, *r, *name, None),
        ["arn", _, "lambda", r, account, "function", name, q] => (*account, *r, *name, Some(*q)),
        _ => return Err(errors::invalid_parameter(format!("Invalid function name: {input}"))),
    };
    if arn_region != region {
        return Err(errors::not_found(format!(
            "Functions from '{arn_region}' are not reachable in this region ('{region}')"
        )));
    }
    if name.is_empty() || !name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_' || b == b'.') {
        return Err(errors::invalid_parameter(format!("Invalid function name: {name}")));
    }
    let qualifier = match (derived, qualifier) {
        (Some(d), Some(q)) if d != q => {
            return Err(errors::invalid_parameter(
                "The derived qualifier from the function name does not match the specified qualifier.",
            ));
        }
        (Some(d), _) => Some(d.to_string()),
        (None, q) => q.map(str::to_string),
    };
    Ok(FunctionRef {
        account: account.to_string(),
        region: region.to_string(),
        name: name.to_string(),
        qualifier: qualifier.filter(|q| !q.is_empty()),
    })
}

/// A layer a request names: `name` or `arn:aws:lambda:<region>:<account>:layer:<name>`.
pub fn layer_ref(input: &str, caller_account: &str, region: &str) -> Result<(String, String), AwsError> {
    let parts: Vec<&str> = input.split(':').collect();
    match parts.as_slice() {
        [name] => Ok((caller_account.to_string(), name.to_string())),
        ["arn", _, "lambda", r, account, "layer", name] if *r == region => Ok((account.to_string(), name.to_string())),
        ["arn", _, "lambda", _, _, "layer", _] => Err(errors::resource_not_found()),
        _ => Err(errors::invalid_parameter(format!("Invalid layer name: {input}"))),
    }
}

/// A layer version ARN from a function's `Layers`: `(region, account, name, version)`.
pub fn layer_version_arn(arn: &str) -> Option<(String, String, String, u64)> {
    let parts: Vec<&str> = arn.split(':').collect();
    match parts.as_slice() {
        ["arn", _, "lambda", region, account, "layer", name, version] => {
            Some((region.to_string(), account.to_string(), name.to_string(), version.parse().ok()?))
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const A: &str = "111111111111";

    #[test]
    fn every_form_of_a_function_name() {
        let r = function_ref("f", None, A, "us-east-1").unwrap();
        assert_eq!(r.arn(), "arn:aws:lambda:us-east-1:111111111111:function:f");
        let r = function_ref("f:prod", None, A, "us-east-1").unwrap();
        assert_eq!(r.qualifier.as_deref(), Some("prod"));
        let r = function_ref("222222222222:function:f", Some("3"), A, "us-east-1").unwrap();
        assert_eq!((r.account.as_str(), r.qualifier.as_deref()), ("222222222222", Some("3")));
        let r = function_ref("arn:aws:lambda:us-east-1:222222222222:function:f:$LATEST", None, A, "us-east-1").unwrap();
        assert_eq!(r.qualified_arn(), "arn:aws:lambda:us-east-1:222222222222:function:f:$LATEST");
    }

    #[test]
    fn mismatches_are_refused_as_aws_refuses_them() {
        let e = function_ref("arn:aws:lambda:us-west-2:111111111111:function:f", None, A, "us-east-1").unwrap_err();
        assert_eq!(e.code, "ResourceNotFoundException");
        assert_eq!(e.message, "Functions from 'us-west-2' are not reachable in this region ('us-east-1')");
        let e = function_ref("f:1", Some("2"), A, "us-east-1").unwrap_err();
        assert_eq!(e.code, "InvalidParameterValueException");
        assert!(function_ref("a:b:c:d:e", None, A, "us-east-1").is_err());
    }

    #[test]
    fn layer_names_and_version_arns() {
        assert_eq!(layer_ref("l", A, "us-east-1").unwrap(), (A.to_string(), "l".to_string()));
        let arn = "arn:aws:lambda:us-east-1:222222222222:layer:l";
        assert_eq!(layer_ref(arn, A, "us-east-1").unwrap().0, "222222222222");
        assert_eq!(
            layer_version_arn("arn:aws:lambda:us-east-1:1:layer:l:7"),
            Some(("us-east-1".into(), "1".into(), "l".into(), 7))
        );
        assert_eq!(layer_version_arn("arn:aws:lambda:us-east-1:1:layer:l"), None);
    }
}
