//! A function's resource-based policy: the statements AddPermission writes (as Lambda writes them) and the
//! compiled document the door evaluates for cross-account and service callers.

use crate::errors;
use crate::state::ResourcePolicyDoc;
use sekisho_core::AwsError;
use sekisho_core::policy::{Policy, PolicyKind};
use serde_json::{Map, Value, json};
use std::sync::Arc;

/// The members of an AddPermission request that shape the statement.
pub struct Permission<'a> {
    pub statement_id: &'a str,
    pub action: &'a str,
    pub principal: &'a str,
    pub resource: &'a str,
    pub source_arn: Option<&'a str>,
    pub source_account: Option<&'a str>,
    pub principal_org_id: Option<&'a str>,
    pub event_source_token: Option<&'a str>,
    pub function_url_auth_type: Option<&'a str>,
}

fn principal_element(principal: &str) -> Result<Value, AwsError> {
    if principal == "*" {
        return Ok(json!("*"));
    }
    if principal.len() == 12 && principal.bytes().all(|b| b.is_ascii_digit()) {
        return Ok(json!({ "AWS": format!("arn:aws:iam::{principal}:root") }));
    }
    if principal.starts_with("arn:") {
        return Ok(json!({ "AWS": principal }));
    }
    if principal.contains('.') && !principal.contains(':') {
        return Ok(json!({ "Service": principal }));
    }
    Err(errors::invalid_parameter("The provided principal was invalid. Please check the principal and try again."))
}

/// The statement AddPermission adds, in the member order Lambda writes.
pub fn statement(p: &Permission<'_>) -> Result<Value, AwsError> {
    let mut s = Map::new();
    s.insert("Sid".into(), json!(p.statement_id));
    s.insert("Effect".into(), json!("Allow"));
    s.insert("Principal".into(), principal_element(p.principal)?);
    s.insert("Action".into(), json!(p.action));
    s.insert("Resource".into(), json!(p.resource));
    let mut string_equals = Map::new();
    if let Some(a) = p.source_account {
        string_equals.insert("AWS:SourceAccount".into(), json!(a));
    }
    if let Some(o) = p.principal_org_id {
        string_equals.insert("aws:PrincipalOrgID".into(), json!(o));
    }
    if let Some(t) = p.event_source_token {
        string_equals.insert("lambda:EventSourceToken".into(), json!(t));
    }
    if let Some(t) = p.function_url_auth_type {
        string_equals.insert("lambda:FunctionUrlAuthType".into(), json!(t));
    }
    let mut condition = Map::new();
    if !string_equals.is_empty() {
        condition.insert("StringEquals".into(), Value::Object(string_equals));
    }
    if let Some(arn) = p.source_arn {
        condition.insert("ArnLike".into(), json!({ "AWS:SourceArn": arn }));
    }
    if !condition.is_empty() {
        s.insert("Condition".into(), Value::Object(condition));
    }
    Ok(Value::Object(s))
}

/// The policy document GetPolicy returns.
pub fn document(doc: &ResourcePolicyDoc) -> String {
    json!({ "Version": "2012-10-17", "Id": "default", "Statement": doc.statements }).to_string()
}

/// The document compiled for the door.
pub fn compile(doc: &ResourcePolicyDoc) -> Result<Arc<Policy>, AwsError> {
    Policy::parse(&document(doc), PolicyKind::Resource)
        .map(Arc::new)
        .map_err(|e| errors::invalid_parameter(e.message().to_string()))
}

/// AddPermission's answer to a statement id that is already used.
pub fn duplicate_sid(sid: &str) -> AwsError {
    errors::conflict(format!(
        "The statement id ({sid}) provided already exists. Please provide a new statement id, or remove the existing statement."
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn permission<'a>(principal: &'a str) -> Permission<'a> {
        Permission {
            statement_id: "s1",
            action: "lambda:InvokeFunction",
            principal,
            resource: "arn:aws:lambda:us-east-1:111111111111:function:f",
            source_arn: None,
            source_account: None,
            principal_org_id: None,
            event_source_token: None,
            function_url_auth_type: None,
        }
    }

    #[test]
    fn principals_take_lambdas_forms() {
        let s = statement(&permission("222222222222")).unwrap();
        assert_eq!(s["Principal"], json!({"AWS": "arn:aws:iam::222222222222:root"}));
        let s = statement(&permission("s3.amazonaws.com")).unwrap();
        assert_eq!(s["Principal"], json!({"Service": "s3.amazonaws.com"}));
        let s = statement(&permission("arn:aws:iam::222222222222:role/r")).unwrap();
        assert_eq!(s["Principal"], json!({"AWS": "arn:aws:iam::222222222222:role/r"}));
        assert_eq!(statement(&permission("*")).unwrap()["Principal"], json!("*"));
        assert_eq!(statement(&permission("nobody")).unwrap_err().code, "InvalidParameterValueException");
    }

    #[test]
    fn conditions_and_the_compiled_document() {
        let mut p = permission("s3.amazonaws.com");
        p.source_account = Some("111111111111");
        p.source_arn = Some("arn:aws:s3:::bucket");
        let s = statement(&p).unwrap();
        assert_eq!(
            s["Condition"],
            json!({"StringEquals": {"AWS:SourceAccount": "111111111111"}, "ArnLike": {"AWS:SourceArn": "arn:aws:s3:::bucket"}})
        );
        let doc = ResourcePolicyDoc { statements: vec![s], revision_id: "r".into() };
        assert!(document(&doc).starts_with(r#"{"Version":"2012-10-17","Id":"default","Statement":[{"Sid":"s1""#));
        assert!(compile(&doc).is_ok());
    }
}
