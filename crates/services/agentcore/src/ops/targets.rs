//! CreateGatewayTarget / GetGatewayTarget / ListGatewayTargets / UpdateGatewayTarget / DeleteGatewayTarget /
//! SynchronizeGatewayTargets (spec AGC-1, AGC-3). Lambda targets carry their tools inline; an MCP-server
//! target's tools are listed from the server when it is created, updated or synchronized.

use super::gateways::with_gateway;
use super::{page, view};
use crate::state::Target;
use crate::{Shared, errors, names, targets};
use sekisho_core::{AwsError, OpContext};
use serde_json::{Value, json};

/// Targets per gateway ("Targets per gateway", AgentCore quotas page: 100).
pub const MAX_TARGETS: usize = 100;

/// What a target configuration offers, checked: its tools, or the MCP server to ask for them.
enum Kind {
    Lambda(Vec<Value>),
    McpServer(String),
}

fn kind(config: &Value) -> Result<Kind, AwsError> {
    let mcp = &config["mcp"];
    if !mcp["lambda"].is_null() {
        let schema = &mcp["lambda"]["toolSchema"];
        if !schema["s3"].is_null() {
            return Err(sekisho_core::service::not_implemented(
                "bedrock-agentcore-control",
                "tool schemas in S3 (use toolSchema.inlinePayload)",
            ));
        }
        let Some(tools) = schema["inlinePayload"].as_array() else {
            return Err(errors::validation(
                "toolSchema must contain inlinePayload",
                Some("targetConfiguration.mcp.lambda.toolSchema"),
            ));
        };
        let mut seen = std::collections::BTreeSet::new();
        for t in tools {
            let name = t["name"].as_str().unwrap_or_default();
            if !seen.insert(name) {
                return Err(errors::validation(
                    format!("Duplicate tool name: {name}"),
                    Some("targetConfiguration.mcp.lambda.toolSchema.inlinePayload"),
                ));
            }
        }
        return Ok(Kind::Lambda(tools.clone()));
    }
    if let Some(endpoint) = mcp["mcpServer"]["endpoint"].as_str() {
        return Ok(Kind::McpServer(endpoint.to_string()));
    }
    let kind = config
        .as_object()
        .and_then(|o| o.iter().next())
        .map(|(k, v)| match v.as_object().and_then(|o| o.keys().next()) {
            Some(inner) => format!("{k}.{inner}"),
            None => k.clone(),
        })
        .unwrap_or_else(|| "empty".into());
    Err(sekisho_core::service::not_implemented("bedrock-agentcore-control", &format!("{kind} targets")))
}

/// The tools of a configuration: inline ones as given, a server's as it lists them (a failure is kept as
/// the target's status reason, the target is FAILED).
async fn tools_of(s: &Shared, kind: &Kind) -> (Vec<Value>, Option<String>) {
    match kind {
        Kind::Lambda(tools) => (tools.clone(), None),
        Kind::McpServer(endpoint) => {
            match targets::mcp_server::list_tools(endpoint, s.settings.target_timeout_ms).await {
                Ok(tools) => (tools, None),
                Err(e) => (Vec::new(), Some(format!("Failed to list tools from MCP server {endpoint}: {e}"))),
            }
        }
    }
}

fn credential_providers(input: &Value) -> Value {
    match &input["credentialProviderConfigurations"] {
        Value::Null => json!([{ "credentialProviderType": "GATEWAY_IAM_ROLE" }]),
        v => v.clone(),
    }
}

pub async fn create(s: &Shared, ctx: &OpContext, input: &Value) -> Result<Value, AwsError> {
    let Some(name) = input["name"].as_str().map(str::to_string) else {
        return Err(errors::validation("name is required", Some("name")));
    };
    let config = input["targetConfiguration"].clone();
    let kind = kind(&config)?;
    // The gateway must exist before a server is asked for its tools.
    with_gateway(s, ctx, input, |g, _| {
        if g.targets.values().any(|t| t.name == name) {
            return Err(errors::conflict(format!("A target with name {name} already exists in this gateway")));
        }
        if g.targets.len() >= MAX_TARGETS {
            return Err(errors::quota(format!("You have reached the maximum of {MAX_TARGETS} targets per gateway")));
        }
        Ok(())
    })?;
    let (tools, failure) = tools_of(s, &kind).await;
    let delay = s.settings.ready_delay_ms;
    with_gateway(s, ctx, input, |g, now| {
        if g.targets.values().any(|t| t.name == name) {
            return Err(errors::conflict(format!("A target with name {name} already exists in this gateway")));
        }
        let synced = matches!(kind, Kind::McpServer(_)).then_some(now);
        let t = Target {
            id: names::target_id(),
            name: name.clone(),
            description: input["description"].as_str().map(str::to_string),
            target_configuration: config.clone(),
            credential_provider_configurations: credential_providers(input),
            created_ms: now,
            updated_ms: now,
            ready_ms: now + delay,
            pending_status: "CREATING".into(),
            failure,
            last_synchronized_ms: synced,
            tools,
        };
        let mut out = view::target(g, &t, now);
        if t.failure.is_none() {
            out["status"] = json!("CREATING");
        }
        g.targets.insert(t.id.clone(), t);
        Ok(out)
    })
}

fn target_id(input: &Value) -> String {
    input["targetId"].as_str().unwrap_or_default().to_string()
}

pub fn get(s: &Shared, ctx: &OpContext, input: &Value) -> Result<Value, AwsError> {
    let id = target_id(input);
    with_gateway(s, ctx, input, |g, now| {
        let t = g.targets.get(&id).ok_or_else(|| errors::target_not_found(&id))?;
        Ok(view::target(g, t, now))
    })
}

pub fn list(s: &Shared, ctx: &OpContext, input: &Value) -> Result<Value, AwsError> {
    let items =
        with_gateway(s, ctx, input, |g, now| Ok(g.targets.values().map(|t| view::target_summary(t, now)).collect()))?;
    page(items, input)
}

pub async fn update(s: &Shared, ctx: &OpContext, input: &Value) -> Result<Value, AwsError> {
    let id = target_id(input);
    let name = input["name"].as_str().map(str::to_string);
    let config = input["targetConfiguration"].clone();
    let kind = kind(&config)?;
    with_gateway(s, ctx, input, |g, _| {
        if !g.targets.contains_key(&id) {
            return Err(errors::target_not_found(&id));
        }
        if let Some(n) = &name
            && g.targets.values().any(|t| &t.name == n && t.id != id)
        {
            return Err(errors::conflict(format!("A target with name {n} already exists in this gateway")));
        }
        Ok(())
    })?;
    let (tools, failure) = tools_of(s, &kind).await;
    let delay = s.settings.ready_delay_ms;
    with_gateway(s, ctx, input, |g, now| {
        let t = g.targets.get_mut(&id).ok_or_else(|| errors::target_not_found(&id))?;
        if let Some(n) = &name {
            t.name = n.clone();
        }
        t.description = input["description"].as_str().map(str::to_string);
        t.target_configuration = config.clone();
        t.credential_provider_configurations = credential_providers(input);
        t.tools = tools;
        t.failure = failure;
        t.updated_ms = now;
        t.ready_ms = now + delay;
        t.pending_status = "UPDATING".into();
        if matches!(kind, Kind::McpServer(_)) {
            t.last_synchronized_ms = Some(now);
        }
        let t = t.clone();
        let mut out = view::target(g, &t, now);
        if t.failure.is_none() {
            out["status"] = json!("UPDATING");
        }
        Ok(out)
    })
}

pub fn delete(s: &Shared, ctx: &OpContext, input: &Value) -> Result<Value, AwsError> {
    let id = target_id(input);
    with_gateway(s, ctx, input, |g, _| {
        g.targets.remove(&id).ok_or_else(|| errors::target_not_found(&id))?;
        Ok(json!({ "gatewayArn": g.arn, "targetId": id, "status": "DELETING" }))
    })
}

/// SynchronizeGatewayTargets: lists an MCP-server target's tools again. Only MCP-server targets are
/// synchronized ("Synchronize tools", AgentCore developer guide, MCP server targets).
pub async fn synchronize(s: &Shared, ctx: &OpContext, input: &Value) -> Result<Value, AwsError> {
    let ids: Vec<String> = input["targetIdList"]
        .as_array()
        .map(|a| a.iter().filter_map(|v| v.as_str().map(str::to_string)).collect())
        .unwrap_or_default();
    let mut endpoints = Vec::new();
    with_gateway(s, ctx, input, |g, _| {
        for id in &ids {
            let t = g.targets.get(id).ok_or_else(|| errors::target_not_found(id))?;
            match kind(&t.target_configuration)? {
                Kind::McpServer(e) => endpoints.push((id.clone(), Kind::McpServer(e))),
                Kind::Lambda(_) => {
                    return Err(errors::validation(
                        format!("Target {id} is not an MCP server target; only MCP server targets can be synchronized"),
                        Some("targetIdList"),
                    ));
                }
            }
        }
        Ok(())
    })?;
    let mut listed = Vec::new();
    for (id, kind) in &endpoints {
        listed.push((id.clone(), tools_of(s, kind).await));
    }
    with_gateway(s, ctx, input, |g, now| {
        let mut out = Vec::new();
        for (id, (tools, failure)) in listed {
            if let Some(t) = g.targets.get_mut(&id) {
                t.tools = tools;
                t.failure = failure;
                t.last_synchronized_ms = Some(now);
                t.updated_ms = now;
            }
        }
        for id in &ids {
            if let Some(t) = g.targets.get(id) {
                out.push(view::target(g, t, now));
            }
        }
        Ok(json!({ "targets": out }))
    })
}
