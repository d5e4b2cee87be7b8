//! CreateGateway / GetGateway / ListGateways / UpdateGateway / DeleteGateway (spec AGC-1, AGC-2). A new or
//! updated gateway is CREATING/UPDATING for the configured delay, then READY.

use super::{page, view};
use crate::state::Gateway;
use crate::{Shared, errors, mcp, names};
use sekisho_core::{AwsError, OpContext};
use serde_json::{Value, json};
use std::collections::BTreeMap;

/// Gateways per account and Region ("Gateways per account", AgentCore quotas page: 1,000).
pub const MAX_GATEWAYS: usize = 1000;

fn str_of(input: &Value, key: &str) -> Option<String> {
    input[key].as_str().map(str::to_string)
}

/// The rules the model's constraints do not carry: the authorizer's configuration, MCP versions.
fn validate(input: &Value) -> Result<(), AwsError> {
    match input["authorizerType"].as_str().unwrap_or_default() {
        "AWS_IAM" | "NONE" => {}
        "CUSTOM_JWT" => {
            if input["authorizerConfiguration"]["customJWTAuthorizer"].is_null() {
                return Err(errors::validation(
                    "authorizerConfiguration is required when authorizerType is CUSTOM_JWT",
                    Some("authorizerConfiguration"),
                ));
            }
            return Err(sekisho_core::service::not_implemented("bedrock-agentcore-control", "CUSTOM_JWT gateways"));
        }
        other => {
            return Err(sekisho_core::service::not_implemented(
                "bedrock-agentcore-control",
                &format!("{other} gateways"),
            ));
        }
    }
    if let Some(versions) = input["protocolConfiguration"]["mcp"]["supportedVersions"].as_array() {
        for v in versions {
            let v = v.as_str().unwrap_or_default();
            if !mcp::KNOWN_VERSIONS.contains(&v) {
                return Err(errors::validation(
                    format!(
                        "Unsupported MCP protocol version: {v}. Supported versions: {}",
                        mcp::KNOWN_VERSIONS.join(", ")
                    ),
                    Some("protocolConfiguration.mcp.supportedVersions"),
                ));
            }
        }
    }
    Ok(())
}

pub fn create(s: &Shared, ctx: &OpContext, input: &Value) -> Result<Value, AwsError> {
    validate(input)?;
    let (account, region, now) = (ctx.account().to_string(), ctx.region.clone(), ctx.now_ms());
    let name = str_of(input, "name").unwrap_or_default();
    s.state.with(&account, &region, |st| {
        if let Some(token) = input["clientToken"].as_str()
            && let Some(g) = st.client_tokens.get(token).and_then(|id| st.gateways.get(id))
        {
            return Ok(view::gateway(g, &region, &account, now));
        }
        if st.gateways.values().any(|g| g.name == name) {
            return Err(errors::conflict(format!("A gateway with name {name} already exists")));
        }
        if st.gateways.len() >= MAX_GATEWAYS {
            return Err(errors::quota(format!("You have reached the maximum of {MAX_GATEWAYS} gateways")));
        }
        let id = names::gateway_id(&name);
        let arn = names::gateway_arn(&region, &account, &id);
        let g = Gateway {
            id: id.clone(),
            arn: arn.clone(),
            name,
            description: str_of(input, "description"),
            role_arn: str_of(input, "roleArn").unwrap_or_default(),
            protocol_type: str_of(input, "protocolType").unwrap_or_else(|| "MCP".into()),
            protocol_configuration: Some(input["protocolConfiguration"].clone()).filter(|v| !v.is_null()),
            authorizer_type: str_of(input, "authorizerType").unwrap_or_default(),
            authorizer_configuration: Some(input["authorizerConfiguration"].clone()).filter(|v| !v.is_null()),
            kms_key_arn: str_of(input, "kmsKeyArn"),
            exception_level: str_of(input, "exceptionLevel"),
            created_ms: now,
            updated_ms: now,
            ready_ms: now + s.settings.ready_delay_ms,
            pending_status: "CREATING".into(),
            targets: BTreeMap::new(),
            sessions: BTreeMap::new(),
        };
        // CreateGateway always answers CREATING; readers see READY once the delay has passed.
        let mut out = view::gateway(&g, &region, &account, now);
        out["status"] = json!("CREATING");
        if let Some(tags) = input["tags"].as_object() {
            let tags = tags.iter().map(|(k, v)| (k.clone(), v.as_str().unwrap_or_default().to_string())).collect();
            st.tags.insert(arn, tags);
        }
        if let Some(token) = input["clientToken"].as_str() {
            st.client_tokens.insert(token.to_string(), id.clone());
        }
        st.gateways.insert(id, g);
        Ok(out)
    })
}

/// Runs `f` on the gateway `gatewayIdentifier` names in the caller's account and Region.
pub fn with_gateway<R>(
    s: &Shared,
    ctx: &OpContext,
    input: &Value,
    f: impl FnOnce(&mut Gateway, i64) -> Result<R, AwsError>,
) -> Result<R, AwsError> {
    let id = names::gateway_identifier(input["gatewayIdentifier"].as_str().unwrap_or_default()).to_string();
    let now = ctx.now_ms();
    s.state.with(ctx.account(), &ctx.region, |st| match st.gateways.get_mut(&id) {
        Some(g) => f(g, now),
        None => Err(errors::gateway_not_found(&id)),
    })
}

pub fn get(s: &Shared, ctx: &OpContext, input: &Value) -> Result<Value, AwsError> {
    with_gateway(s, ctx, input, |g, now| Ok(view::gateway(g, &ctx.region, ctx.account(), now)))
}

pub fn list(s: &Shared, ctx: &OpContext, input: &Value) -> Result<Value, AwsError> {
    let now = ctx.now_ms();
    let items = s.state.read(ctx.account(), &ctx.region, |st| {
        st.map(|st| st.gateways.values().map(|g| view::gateway_summary(g, now)).collect()).unwrap_or_default()
    });
    page(items, input)
}

/// UpdateGateway replaces the gateway's configuration (the name may change too, if no other gateway has it).
pub fn update(s: &Shared, ctx: &OpContext, input: &Value) -> Result<Value, AwsError> {
    validate(input)?;
    let id = names::gateway_identifier(input["gatewayIdentifier"].as_str().unwrap_or_default()).to_string();
    let name = str_of(input, "name").unwrap_or_default();
    let taken = s.state.read(ctx.account(), &ctx.region, |st| {
        st.is_some_and(|st| st.gateways.values().any(|g| g.name == name && g.id != id))
    });
    if taken {
        return Err(errors::conflict(format!("A gateway with name {name} already exists")));
    }
    let delay = s.settings.ready_delay_ms;
    with_gateway(s, ctx, input, |g, now| {
        g.name = name.clone();
        g.description = str_of(input, "description");
        g.role_arn = str_of(input, "roleArn").unwrap_or_default();
        g.protocol_type = str_of(input, "protocolType").unwrap_or_else(|| "MCP".into());
        g.protocol_configuration = Some(input["protocolConfiguration"].clone()).filter(|v| !v.is_null());
        g.authorizer_type = str_of(input, "authorizerType").unwrap_or_default();
        g.authorizer_configuration = Some(input["authorizerConfiguration"].clone()).filter(|v| !v.is_null());
        g.kms_key_arn = str_of(input, "kmsKeyArn");
        g.exception_level = str_of(input, "exceptionLevel");
        g.updated_ms = now;
        g.ready_ms = now + delay;
        g.pending_status = "UPDATING".into();
        let mut out = view::gateway(g, &ctx.region, ctx.account(), now);
        out["status"] = json!("UPDATING");
        Ok(out)
    })
}

/// DeleteGateway: a gateway that still has targets is refused (its targets are deleted first, as the
/// console and the seed's cleanup do). The gateway's resource policy and tags go with it.
pub fn delete(s: &Shared, ctx: &OpContext, input: &Value) -> Result<Value, AwsError> {
    let id = names::gateway_identifier(input["gatewayIdentifier"].as_str().unwrap_or_default()).to_string();
    s.state.with(ctx.account(), &ctx.region, |st| {
        let g = st.gateways.get(&id).ok_or_else(|| errors::gateway_not_found(&id))?;
        if !g.targets.is_empty() {
            return Err(errors::validation(
                format!("Gateway {id} has targets associated with it. Delete all targets before deleting the gateway."),
                None,
            ));
        }
        let arn = g.arn.clone();
        st.gateways.remove(&id);
        st.policies.remove(&arn);
        st.tags.remove(&arn);
        st.client_tokens.retain(|_, g| g != &id);
        Ok(json!({ "gatewayId": id, "status": "DELETING" }))
    })
}
