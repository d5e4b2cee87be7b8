//! AgentCore gateway MCP endpoints: by Host (`<gatewayId>.gateway.bedrock-agentcore.<region>.amazonaws.com`,
//! path `/mcp`) and at the loopback alias `/gateways/<gatewayId>/mcp`. The request goes through the door
//! as `bedrock-agentcore` `InvokeGateway`, so a refusal is a 403 with a request id `sekisho explain` knows.

use super::{AppState, respond};
use axum::response::Response;
use sekisho_core::door::Call;
use sekisho_core::identity::Identity;
use sekisho_core::{AwsError, Caller};
use sekisho_wire::HttpResponse;
use sekisho_wire::sigv4::{ErrorStyle, SigError, SignedRequest};
use sekisho_wire::{HttpRequest, model};
use serde_json::{Value, json};
use std::net::SocketAddr;

/// A gateway a request addresses: its id, and the Region its Host names.
pub struct Target {
    id: String,
    region: Option<String>,
}

/// The gateway an MCP request addresses, if it is one.
pub fn target(req: &HttpRequest) -> Option<Target> {
    if let Some(rest) = req.path.strip_prefix("/gateways/")
        && let Some(id) = rest.strip_suffix("/mcp")
        && !id.is_empty()
        && !id.contains('/')
    {
        return Some(Target { id: id.to_string(), region: None });
    }
    let host = req.header("host")?;
    let host = host.split(':').next().unwrap_or_default();
    let (id, rest) = host.split_once(".gateway.bedrock-agentcore.")?;
    let region = rest.strip_suffix(".amazonaws.com")?;
    (req.path == "/mcp" && !id.is_empty()).then(|| Target { id: id.to_string(), region: Some(region.to_string()) })
}

fn error(err: &AwsError, request_id: &str) -> Response {
    match model::load("bedrock-agentcore") {
        Some(m) => respond(m.encode_error(None, err, request_id)),
        None => respond(HttpResponse { status: err.status, ..Default::default() }),
    }
}

/// The SigV4 service name gateway requests are signed for.
const SIGNING_NAME: &str = "bedrock-agentcore";

pub async fn handle(
    state: &AppState,
    peer: SocketAddr,
    request_id: &str,
    req: &HttpRequest<'_>,
    claims: Result<SignedRequest, SigError>,
    target: Target,
) -> Response {
    // Unsigned requests reach the door too: a `NONE` gateway admits them; an `AWS_IAM` one refuses them
    // in its authorization entry, before any check could see this placeholder principal.
    let (mut caller, region, signed) = match claims {
        Err(SigError::Missing) => {
            (Caller::new(Identity::Service { principal: "anonymous".into() }), target.region.clone(), false)
        }
        Err(e) => {
            let err = e.to_aws_error(ErrorStyle::RestJson);
            state.door.record_rejected(request_id, "bedrock-agentcore", "InvokeGateway", "anonymous", &err);
            return error(&err, request_id);
        }
        // AGC-10: a gateway verifies signatures made for `bedrock-agentcore` only (the wording is the one
        // AWS's front ends give a credential scoped to another service; [inf] for gateways).
        Ok(c) if c.scope.service != SIGNING_NAME => {
            let err = AwsError::new(
                "InvalidSignatureException",
                403,
                format!("Credential should be scoped to correct service: '{SIGNING_NAME}'."),
            );
            state.door.record_rejected(request_id, "bedrock-agentcore", "InvokeGateway", "anonymous", &err);
            return error(&err, request_id);
        }
        Ok(c) => match state.door.authenticate_claims(req, c) {
            Ok(a) => (a.caller, Some(a.region), true),
            Err(e) => {
                let err = e.to_aws_error(ErrorStyle::RestJson);
                state.door.record_rejected(request_id, "bedrock-agentcore", "InvokeGateway", "anonymous", &err);
                return error(&err, request_id);
            }
        },
    };
    caller.network.source_ip = Some(peer.ip());
    let headers: Vec<Value> = req.headers.iter().map(|(k, v)| json!([k, v])).collect();
    let input = json!({
        "gatewayId": target.id,
        "region": region,
        "signed": signed,
        "method": req.method,
        "headers": headers,
        "body": String::from_utf8_lossy(req.body),
    });
    let region = region.unwrap_or_else(|| "us-east-1".into());
    let mut call = Call::new("bedrock-agentcore", "InvokeGateway", input, &region);
    call.request_id = Some(request_id.to_string());
    match state.door.call(&caller, call).await {
        Ok(out) => {
            let body = &out.body;
            let mut headers: Vec<(String, String)> = body["headers"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|h| Some((h[0].as_str()?.to_string(), h[1].as_str()?.to_string())))
                .collect();
            headers.push(("x-amzn-requestid".into(), request_id.to_string()));
            respond(HttpResponse {
                status: body["status"].as_u64().unwrap_or(500) as u16,
                headers,
                body: body["body"].as_str().unwrap_or_default().as_bytes().to_vec(),
            })
        }
        Err(err) => error(&err, request_id),
    }
}
