//! PutResourcePolicy / GetResourcePolicy / DeleteResourcePolicy (spec AGC-5): a gateway's resource-based
//! policy, stored as written and compiled for the door when a check needs it. Runtimes and memories take
//! resource policies in AWS too; sekisho has neither, so their ARNs are not found.

use crate::{Shared, errors, names};
use sekisho_core::AwsError;
use sekisho_core::policy::{Policy, PolicyKind};
use serde_json::{Value, json};
use std::sync::Arc;

/// The document compiled for the door.
pub fn compile(text: &str) -> Result<Arc<Policy>, AwsError> {
    Policy::parse(text, PolicyKind::Resource)
        .map(Arc::new)
        .map_err(|e| errors::validation(e.message().to_string(), Some("policy")))
}

/// Every statement's `Resource` must be the resource's own ARN: AWS refuses `*` and other resources
/// (classmethod's seed article: "Resource には "*" は使えずGatewayの正確なARNを指定します").
fn check_resources(text: &str, arn: &str) -> Result<(), AwsError> {
    let doc: Value =
        serde_json::from_str(text).map_err(|_| errors::validation("Policy is not valid JSON", Some("policy")))?;
    let statements = match &doc["Statement"] {
        Value::Array(a) => a.clone(),
        s @ Value::Object(_) => vec![s.clone()],
        _ => Vec::new(),
    };
    for s in &statements {
        let resources: Vec<&str> = match &s["Resource"] {
            Value::String(r) => vec![r.as_str()],
            Value::Array(a) => a.iter().filter_map(Value::as_str).collect(),
            _ => Vec::new(),
        };
        if let Some(bad) = resources.iter().find(|r| **r != arn) {
            return Err(errors::validation(
                format!(
                    "Policy resource {bad} does not match the resource ARN {arn}; the Resource must be the exact ARN of the resource the policy is attached to"
                ),
                Some("policy"),
            ));
        }
        if !s["NotResource"].is_null() {
            return Err(errors::validation("NotResource is not supported in resource-based policies", Some("policy")));
        }
    }
    Ok(())
}

/// The ARN's owner and Region, when it names a gateway that exists.
fn existing(s: &Shared, arn: &str) -> Result<names::ResourceArn, AwsError> {
    let missing = || errors::not_found(format!("Resource not found: {arn}"));
    let p = names::parse_arn(arn).ok_or_else(missing)?;
    if p.kind != "gateway" {
        return Err(missing());
    }
    let exists = s.state.read(&p.account, &p.region, |st| st.is_some_and(|st| st.gateways.contains_key(&p.id)));
    if exists { Ok(p) } else { Err(missing()) }
}

pub fn put(s: &Shared, input: &Value) -> Result<Value, AwsError> {
    let arn = input["resourceArn"].as_str().unwrap_or_default();
    let text = input["policy"].as_str().unwrap_or_default();
    let p = existing(s, arn)?;
    compile(text)?;
    check_resources(text, arn)?;
    s.state.with(&p.account, &p.region, |st| st.policies.insert(arn.to_string(), text.to_string()));
    Ok(json!({ "policy": text }))
}

pub fn get(s: &Shared, input: &Value) -> Result<Value, AwsError> {
    let arn = input["resourceArn"].as_str().unwrap_or_default();
    let p = existing(s, arn)?;
    let text = s.state.read(&p.account, &p.region, |st| st.and_then(|st| st.policies.get(arn).cloned()));
    match text {
        Some(t) => Ok(json!({ "policy": t })),
        None => Err(errors::not_found(format!("No resource policy found for {arn}"))),
    }
}

pub fn delete(s: &Shared, input: &Value) -> Result<Value, AwsError> {
    let arn = input["resourceArn"].as_str().unwrap_or_default();
    let p = existing(s, arn)?;
    match s.state.with(&p.account, &p.region, |st| st.policies.remove(arn)) {
        Some(_) => Ok(json!({})),
        None => Err(errors::not_found(format!("No resource policy found for {arn}"))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ARN: &str = "arn:aws:bedrock-agentcore:us-east-1:111122223333:gateway/g-abc1234567";

    fn policy(resource: Value) -> String {
        json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
            "Principal": {"AWS": "arn:aws:iam::444455556666:root"},
            "Action": "bedrock-agentcore:InvokeGateway", "Resource": resource}]})
        .to_string()
    }

    #[test]
    fn a_star_resource_is_refused_and_the_exact_arn_accepted() {
        let err = check_resources(&policy(json!("*")), ARN).unwrap_err();
        assert_eq!(err.code, "ValidationException");
        assert!(err.message.contains("Policy resource * does not match"), "{}", err.message);
        check_resources(&policy(json!(ARN)), ARN).unwrap();
        check_resources(&policy(json!([ARN])), ARN).unwrap();
        assert!(
            check_resources(
                &policy(json!([ARN, "arn:aws:bedrock-agentcore:us-east-1:111122223333:gateway/other-abc1234567"])),
                ARN
            )
            .is_err()
        );
    }

    #[test]
    fn a_resource_policy_needs_a_principal() {
        let text = json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
            "Action": "bedrock-agentcore:InvokeGateway", "Resource": ARN}]})
        .to_string();
        assert_eq!(compile(&text).unwrap_err().code, "ValidationException");
        assert!(compile(&policy(json!(ARN))).is_ok());
    }
}
