//! `InvokeGateway`: one HTTP request to a gateway's MCP endpoint, handed over by the HTTP layer as
//! `{gatewayId, region?, signed, method, headers, body}` and answered as `{status, headers, body}`.
//! Authorization (spec AGC-6, AGC-10): an `AWS_IAM` gateway needs a SigV4-signed request and
//! `bedrock-agentcore:InvokeGateway` on its ARN, with its resource policy (both accounts when the caller's
//! differs); a refusal is HTTP 403 before any JSON-RPC (AGC-12). A `NONE` gateway lets anyone in.

use crate::mcp::{self, HttpIn, SessionChange, Step, Tool, ToolOutcome};
use crate::state::Gateway;
use crate::{Shared, config, errors, targets};
use sekisho_core::{AuthzRequest, AwsError, Check, OpContext};
use serde_json::{Value, json};

/// Sessions a gateway keeps at most; the least recently used go first (AWS documents no limit).
pub const MAX_SESSIONS: usize = 10_000;

/// The gateway's `(account, region)` and a copy, found by id (the preferred Region first).
fn find(s: &Shared, id: &str, region: Option<&str>) -> Option<(String, String, Gateway)> {
    s.state.read_all(|all| {
        let mut hits =
            all.iter().filter_map(|((a, r), st)| st.gateways.get(id).map(|g| (a.clone(), r.clone(), g.clone())));
        let first = hits.next()?;
        if region.is_none_or(|want| first.1 == want) {
            return Some(first);
        }
        hits.find(|h| Some(h.1.as_str()) == region).or(Some(first))
    })
}

fn gateway_of(s: &Shared, input: &Value) -> Result<(String, String, Gateway), AwsError> {
    let id = input["gatewayId"].as_str().unwrap_or_default();
    find(s, id, input["region"].as_str()).ok_or_else(|| errors::gateway_not_found(id))
}

pub fn authorize(s: &Shared, req: &AuthzRequest<'_>) -> Result<Vec<Check>, AwsError> {
    let (_, region, g) = gateway_of(s, req.input)?;
    match g.authorizer_type.as_str() {
        "NONE" => Ok(Vec::new()),
        _ => {
            if !req.input["signed"].as_bool().unwrap_or(false) {
                // Inferred: AWS's front door answers unsigned requests to IAM-authorized endpoints so.
                return Err(AwsError::new("AccessDeniedException", 403, "Missing Authentication Token"));
            }
            if req.region != region {
                return Err(AwsError::new(
                    "InvalidSignatureException",
                    403,
                    format!("Credential should be scoped to a valid region, not '{}'. ", req.region),
                ));
            }
            Ok(vec![s.check_on("InvokeGateway", &g.arn)])
        }
    }
}

/// The tools of every target that is ready, in target-name order.
fn tools(g: &Gateway, now_ms: i64) -> Vec<Tool> {
    let mut targets: Vec<_> = g.targets.values().filter(|t| t.status(now_ms) != "FAILED").collect();
    targets.sort_by(|a, b| a.name.cmp(&b.name));
    targets
        .into_iter()
        .flat_map(|t| {
            t.tools.iter().map(|d| Tool { target_id: t.id.clone(), target_name: t.name.clone(), definition: d.clone() })
        })
        .collect()
}

fn headers_of(input: &Value) -> Vec<(String, String)> {
    input["headers"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|h| Some((h[0].as_str()?.to_ascii_lowercase(), h[1].as_str()?.to_string())))
        .collect()
}

fn out(http: mcp::HttpOut) -> Value {
    let headers: Vec<Value> = http.headers.iter().map(|(k, v)| json!([k, v])).collect();
    json!({"status": http.status, "headers": headers, "body": http.body})
}

/// Applies the engine's session changes to the gateway, forgetting expired and surplus sessions.
fn apply(g: &mut Gateway, changes: Vec<SessionChange>, now_ms: i64, timeout_ms: i64) {
    for c in changes {
        match c {
            SessionChange::Open { id, session } => {
                g.sessions.retain(|_, s| now_ms - s.last_used_ms < timeout_ms);
                while g.sessions.len() >= MAX_SESSIONS {
                    let oldest = g.sessions.iter().min_by_key(|(_, s)| s.last_used_ms).map(|(k, _)| k.clone());
                    match oldest {
                        Some(k) => g.sessions.remove(&k),
                        None => break,
                    };
                }
                g.sessions.insert(id, session);
            }
            SessionChange::Touch { id, initialized } => {
                if let Some(s) = g.sessions.get_mut(&id) {
                    s.last_used_ms = now_ms;
                    s.initialized = initialized;
                }
            }
            SessionChange::Close { id } => {
                g.sessions.remove(&id);
            }
        }
    }
}

fn session_timeout_ms(g: &Gateway) -> i64 {
    let secs = g
        .protocol_configuration
        .as_ref()
        .and_then(|p| p["mcp"]["sessionConfiguration"]["sessionTimeoutInSeconds"].as_i64())
        .unwrap_or(config::DEFAULT_SESSION_TIMEOUT_SECS);
    secs * 1000
}

pub async fn handle(s: &Shared, ctx: &OpContext, input: Value) -> Result<Value, AwsError> {
    let (account, region, _) = gateway_of(s, &input)?;
    let id = input["gatewayId"].as_str().unwrap_or_default().to_string();
    let headers = headers_of(&input);
    let body = input["body"].as_str().unwrap_or_default().as_bytes().to_vec();
    let method = input["method"].as_str().unwrap_or("POST").to_string();
    let principal = ctx.caller.identity.arn();
    let now = ctx.now_ms();
    let new_session = sekisho_core::ids::uuid_v4();
    let settings = &s.settings;
    let handled = s.state.with(&account, &region, |st| {
        let g = st.gateways.get_mut(&id).ok_or_else(|| errors::gateway_not_found(&id))?;
        let mcp_cfg = g.protocol_configuration.as_ref().map(|p| p["mcp"].clone()).unwrap_or(Value::Null);
        let supported: Vec<String> = match mcp_cfg["supportedVersions"].as_array() {
            Some(v) if !v.is_empty() => v.iter().filter_map(|v| v.as_str().map(str::to_string)).collect(),
            _ => mcp::DEFAULT_VERSIONS.iter().map(|s| s.to_string()).collect(),
        };
        let timeout = session_timeout_ms(g);
        let view = mcp::Gateway {
            name: &g.name,
            tools: tools(g, now),
            supported_versions: supported,
            instructions: mcp_cfg["instructions"].as_str().map(str::to_string),
            paginate: !mcp_cfg["disableMcpListToolsPagination"].as_bool().unwrap_or(false),
            page_size: settings.tools_page_size,
            max_message_bytes: settings.max_message_bytes,
            session_timeout_ms: timeout,
            sessions: &g.sessions,
        };
        let req = HttpIn { method: &method, headers: &headers, body: &body };
        let handled = mcp::handle(&req, &view, &principal, now, &new_session);
        apply(g, handled.changes, now, timeout);
        Ok::<_, AwsError>((handled.step, g.clone()))
    })?;
    let call = match handled {
        (Step::Reply(http), _) => return Ok(out(http)),
        (Step::Call(call), g) => (call, g),
    };
    let (call, g) = call;
    let outcome = call_target(s, ctx, &g, &call).await;
    Ok(out(mcp::finish_call(&call, outcome)))
}

async fn call_target(s: &Shared, ctx: &OpContext, g: &Gateway, call: &mcp::ToolCall) -> ToolOutcome {
    let Some(t) = g.targets.get(&call.target_id) else {
        return ToolOutcome::RpcError(mcp::INVALID_PARAMS, format!("Unknown tool: {}", call.full_name));
    };
    let config = &t.target_configuration["mcp"];
    if let Some(arn) = config["lambda"]["lambdaArn"].as_str() {
        let region = g.arn.split(':').nth(3).unwrap_or("us-east-1");
        let role = match s.roles.caller(&ctx.door, &g.arn, &g.id, &g.role_arn, region, &ctx.request_id).await {
            Ok(r) => r,
            Err(e) => {
                let text = format!("The gateway could not assume its execution role {}: {}", g.role_arn, e.message);
                return ToolOutcome::Content { content: vec![json!({"type": "text", "text": text})], is_error: true };
            }
        };
        return targets::lambda::invoke(&ctx.door, &role, arn, call, &g.id, &ctx.request_id).await;
    }
    if let Some(endpoint) = config["mcpServer"]["endpoint"].as_str() {
        return targets::mcp_server::call_tool(endpoint, call, s.settings.target_timeout_ms).await;
    }
    ToolOutcome::RpcError(mcp::INVALID_PARAMS, format!("Unknown tool: {}", call.full_name))
}
