//! Task states: the Resource ARN split the way history shows it, timeouts, and Credentials.
//! Express machines refuse `.sync`, `.waitForTaskToken` and activities here.

use serde_json::Value;

use super::StateMachineType;
use super::model::*;
use super::parse::Parser;
use super::reader::Obj;
use super::states::number;
use crate::messages as m;
use crate::template::{PathOrCall, expression_text};

fn parse_resource(arn: &str) -> Option<Resource> {
    let parts: Vec<&str> = arn.splitn(6, ':').collect();
    if parts.len() < 6 || parts[0] != "arn" {
        return None;
    }
    let (service, region, account, rest) = (parts[2], parts[3], parts[4], parts[5]);
    match service {
        "states" if region.is_empty() && account.is_empty() => {
            let (resource_type, action) = match rest.strip_prefix("aws-sdk:") {
                Some(sdk) => {
                    let (svc, action) = sdk.split_once(':')?;
                    (format!("aws-sdk:{svc}"), action.to_string())
                }
                None => {
                    let (svc, action) = rest.split_once(':')?;
                    (svc.to_string(), action.to_string())
                }
            };
            if resource_type.is_empty() || action.is_empty() {
                return None;
            }
            let pattern = if action.ends_with(".sync:2") {
                Pattern::Sync2
            } else if action.ends_with(".sync") {
                Pattern::Sync
            } else if action.ends_with(".waitForTaskToken") {
                Pattern::WaitForTaskToken
            } else {
                Pattern::RequestResponse
            };
            Some(Resource::Integration { arn: arn.to_string(), resource_type, resource: action, pattern })
        }
        "states" if rest.starts_with("activity:") => Some(Resource::Activity { arn: arn.to_string() }),
        "lambda" if rest.starts_with("function:") => Some(Resource::LambdaFunction { arn: arn.to_string() }),
        _ => None,
    }
}

pub fn task(p: &mut Parser, obj: &Obj, language: QueryLanguage) -> Task {
    let arn = match obj.string("Resource", &mut p.problems) {
        Some(a) => a,
        None => {
            if !obj.has("Resource") {
                p.problems.schema(m::fields_required(&["Resource"]), &obj.location);
            }
            ""
        }
    };
    let resource = match parse_resource(arn) {
        Some(r) => r,
        None => {
            if !arn.is_empty() {
                p.problems.schema(m::invalid_resource(arn), &obj.at("Resource"));
            }
            Resource::Integration {
                arn: arn.to_string(),
                resource_type: String::new(),
                resource: String::new(),
                pattern: Pattern::RequestResponse,
            }
        }
    };
    if !arn.is_empty() {
        p.resources.push(arn.to_string());
    }
    if p.kind == StateMachineType::Express {
        match &resource {
            Resource::Integration { pattern, .. } => {
                let name = match pattern {
                    Pattern::Sync => Some(".sync"),
                    Pattern::Sync2 => Some(".sync"),
                    Pattern::WaitForTaskToken => Some(".waitForTaskToken"),
                    Pattern::RequestResponse => None,
                };
                if let Some(name) = name {
                    p.problems.schema(m::express_unsupported_integration(name), &obj.at("Resource"));
                }
            }
            Resource::Activity { .. } => {
                p.problems.schema(m::EXPRESS_ACTIVITY, &obj.at("Resource"));
            }
            Resource::LambdaFunction { .. } => {}
        }
    }
    let timeout_seconds = number(p, obj, "TimeoutSeconds", "TimeoutSecondsPath", language, 1, 99_999_999);
    let heartbeat_seconds = number(p, obj, "HeartbeatSeconds", "HeartbeatSecondsPath", language, 1, 99_999_999);
    if let (Some(Number::Literal(t)), Some(Number::Literal(h))) = (&timeout_seconds, &heartbeat_seconds)
        && h.as_f64() >= t.as_f64()
    {
        p.problems.schema("HeartbeatSeconds must be smaller than TimeoutSeconds", &obj.at("HeartbeatSeconds"));
    }
    let credentials = obj
        .object("Credentials", &mut p.problems)
        .and_then(|c| credentials(p, &Obj::new(c, obj.at("Credentials")), language));
    Task { resource, timeout_seconds, heartbeat_seconds, credentials }
}

fn credentials(p: &mut Parser, c: &Obj, language: QueryLanguage) -> Option<RoleArn> {
    let allowed: &[&str] = match language {
        QueryLanguage::JsonPath => &["RoleArn", "RoleArn.$"],
        QueryLanguage::Jsonata => &["RoleArn"],
    };
    c.only(allowed, &mut p.problems);
    if c.has("RoleArn") && c.has("RoleArn.$") {
        p.problems.schema(m::only_one_of(&["RoleArn", "RoleArn.$"]), &c.location);
        return None;
    }
    if let Some(text) = c.string("RoleArn.$", &mut p.problems) {
        return match PathOrCall::parse(text) {
            Ok(path) => Some(RoleArn::Path(path)),
            Err(_) => {
                p.problems.schema(m::NOT_A_VALID_JSON_PATH_OR_INTRINSIC, &c.at("RoleArn.$"));
                None
            }
        };
    }
    match c.string("RoleArn", &mut p.problems) {
        Some(text) if language == QueryLanguage::Jsonata && expression_text(text).is_some() => {
            let v = Value::String(text.to_string());
            Some(RoleArn::Expr(p.jsonata(&v, &c.at("RoleArn"))))
        }
        Some(text) => Some(RoleArn::Literal(text.to_string())),
        None => {
            if !c.has("RoleArn") {
                p.problems.schema(m::field_required_missing("RoleArn"), &c.location);
            }
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resources_split_like_history() {
        let r = parse_resource("arn:aws:states:::lambda:invoke").unwrap();
        assert_eq!(
            r,
            Resource::Integration {
                arn: "arn:aws:states:::lambda:invoke".into(),
                resource_type: "lambda".into(),
                resource: "invoke".into(),
                pattern: Pattern::RequestResponse
            }
        );
        let Some(Resource::Integration { resource_type, resource, pattern, .. }) =
            parse_resource("arn:aws:states:::aws-sdk:bedrockruntime:converse")
        else {
            panic!("aws-sdk integration");
        };
        assert_eq!((resource_type.as_str(), resource.as_str()), ("aws-sdk:bedrockruntime", "converse"));
        assert_eq!(pattern, Pattern::RequestResponse);
        let Some(Resource::Integration { resource, pattern, .. }) =
            parse_resource("arn:aws:states:::states:startExecution.sync:2")
        else {
            panic!("sync:2");
        };
        assert_eq!((resource.as_str(), pattern), ("startExecution.sync:2", Pattern::Sync2));
        assert!(matches!(
            parse_resource("arn:aws:states:::sqs:sendMessage.waitForTaskToken"),
            Some(Resource::Integration { pattern: Pattern::WaitForTaskToken, .. })
        ));
        assert!(matches!(
            parse_resource("arn:aws:lambda:us-east-1:111111111111:function:f"),
            Some(Resource::LambdaFunction { .. })
        ));
        assert!(matches!(
            parse_resource("arn:aws:states:us-east-1:111111111111:activity:a"),
            Some(Resource::Activity { .. })
        ));
        assert!(parse_resource("not-an-arn").is_none());
    }
}
