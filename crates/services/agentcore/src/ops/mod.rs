//! The control plane's operations: one module per resource kind, each with its handlers; the checks every
//! operation needs are listed here, as data (actions and resource types from the Service Authorization
//! Reference, `crates/core/data/authz/bedrock-agentcore.json`).

pub mod gateways;
pub mod policies;
mod tags;
pub mod targets;
mod view;

use crate::{SERVICE_PRINCIPAL, Shared, names};
use sekisho_core::service::not_implemented;
use sekisho_core::{AuthzRequest, AwsError, Check, OpContext, Output};
use serde_json::Value;

/// The gateway ARN an operation's `gatewayIdentifier` names, in the caller's account and Region.
fn gateway_arn(req: &AuthzRequest<'_>) -> String {
    let id = req.input["gatewayIdentifier"].as_str().map(names::gateway_identifier).unwrap_or_default();
    names::gateway_arn(req.region, req.caller.account(), id)
}

/// `iam:PassRole` for handing the execution role to AgentCore (CreateGateway, UpdateGateway).
fn pass_role(req: &AuthzRequest<'_>) -> Option<Check> {
    let role = req.input["roleArn"].as_str()?;
    Some(Check::new("iam:PassRole", role).with_context("iam:PassedToService", SERVICE_PRINCIPAL))
}

/// The request tags as condition keys (`aws:RequestTag/<k>`, `aws:TagKeys`).
fn with_request_tags(mut check: Check, tags: &Value) -> Check {
    if let Some(tags) = tags.as_object() {
        for (k, v) in tags {
            check = check.with_context(&format!("aws:RequestTag/{k}"), v.as_str().unwrap_or_default());
        }
        check = check.with_context_values("aws:TagKeys", tags.keys().cloned().collect());
    }
    check
}

pub fn authorize(s: &Shared, req: &AuthzRequest<'_>) -> Result<Vec<Check>, AwsError> {
    let on_gateway = |action: &str| s.check_on(action, &gateway_arn(req));
    let on_resource = |action: &str| s.check_on(action, req.input["resourceArn"].as_str().unwrap_or_default());
    Ok(match req.operation {
        "CreateGateway" => {
            let create = with_request_tags(Check::new("bedrock-agentcore:CreateGateway", "*"), &req.input["tags"]);
            std::iter::once(create).chain(pass_role(req)).collect()
        }
        "ListGateways" => vec![Check::new("bedrock-agentcore:ListGateways", "*")],
        "UpdateGateway" => std::iter::once(on_gateway("UpdateGateway")).chain(pass_role(req)).collect(),
        op @ ("GetGateway"
        | "DeleteGateway"
        | "CreateGatewayTarget"
        | "GetGatewayTarget"
        | "ListGatewayTargets"
        | "UpdateGatewayTarget"
        | "DeleteGatewayTarget"
        | "SynchronizeGatewayTargets") => vec![on_gateway(op)],
        op @ ("PutResourcePolicy"
        | "GetResourcePolicy"
        | "DeleteResourcePolicy"
        | "ListTagsForResource"
        | "UntagResource") => vec![on_resource(op)],
        "TagResource" => vec![with_request_tags(on_resource("TagResource"), &req.input["tags"])],
        other => return Err(not_implemented("bedrock-agentcore-control", other)),
    })
}

pub async fn call(s: &Shared, ctx: OpContext, operation: &str, input: Value) -> Result<Output, AwsError> {
    let out = match operation {
        "CreateGateway" => gateways::create(s, &ctx, &input),
        "GetGateway" => gateways::get(s, &ctx, &input),
        "ListGateways" => gateways::list(s, &ctx, &input),
        "UpdateGateway" => gateways::update(s, &ctx, &input),
        "DeleteGateway" => gateways::delete(s, &ctx, &input),
        "CreateGatewayTarget" => targets::create(s, &ctx, &input).await,
        "GetGatewayTarget" => targets::get(s, &ctx, &input),
        "ListGatewayTargets" => targets::list(s, &ctx, &input),
        "UpdateGatewayTarget" => targets::update(s, &ctx, &input).await,
        "DeleteGatewayTarget" => targets::delete(s, &ctx, &input),
        "SynchronizeGatewayTargets" => targets::synchronize(s, &ctx, &input).await,
        "PutResourcePolicy" => policies::put(s, &input),
        "GetResourcePolicy" => policies::get(s, &input),
        "DeleteResourcePolicy" => policies::delete(s, &input),
        "TagResource" => tags::tag(s, &input),
        "UntagResource" => tags::untag(s, &input),
        "ListTagsForResource" => tags::list(s, &input),
        other => Err(not_implemented("bedrock-agentcore-control", other)),
    };
    out.map(Output::new)
}

/// A page of `items` after the `nextToken` (an opaque index) with at most `maxResults` (default 1000 is
/// the model's upper bound).
fn page(items: Vec<Value>, input: &Value) -> Result<Value, AwsError> {
    let max = input["maxResults"].as_u64().unwrap_or(1000).clamp(1, 1000) as usize;
    let start = match input["nextToken"].as_str() {
        None => 0,
        Some(t) => t.parse::<usize>().map_err(|_| crate::errors::validation("Invalid nextToken", Some("nextToken")))?,
    };
    let total = items.len();
    let chunk: Vec<Value> = items.into_iter().skip(start).take(max).collect();
    let mut out = serde_json::json!({ "items": chunk });
    let next = start.saturating_add(max);
    if next < total {
        out["nextToken"] = Value::String(next.to_string());
    }
    Ok(out)
}
