//! Amazon Bedrock AgentCore Gateway: the control plane (`bedrock-agentcore-control`: gateways, targets,
//! resource policies, tags) and the gateway's MCP data plane (`bedrock-agentcore`, `InvokeGateway`).
//!
//! Both services share one `Shared` state. The data plane is reached through the door like any operation:
//! the HTTP layer hands the MCP request over as `InvokeGateway`'s input, the door checks
//! `bedrock-agentcore:InvokeGateway` with the gateway's resource policy, and `invoke.rs` answers it with
//! the pure MCP engine (`mcp/`) and the targets (`targets/`), which call Lambda through the door as the
//! gateway's execution role.

// `AwsError` carries AWS's code, message and extra members by value; errors are the cold path.
#![allow(clippy::result_large_err)]

pub mod config;
mod errors;
mod invoke;
pub mod mcp;
pub mod names;
mod ops;
mod role;
pub mod state;
mod targets;

use sekisho_core::service::{ResourcePolicy, not_implemented};
use sekisho_core::state::Regional;
use sekisho_core::{AuthzRequest, AwsError, Check, OpContext, Output, Service, World};
use sekisho_wire::sigv4::ErrorStyle;
use serde_json::Value;
use state::AgentCoreState;
use std::sync::Arc;

/// The service principal the gateway assumes its execution role as (spec AGC-9).
pub const SERVICE_PRINCIPAL: &str = "bedrock-agentcore.amazonaws.com";

/// State and settings shared by the control plane and the data plane.
pub struct Shared {
    pub state: Regional<AgentCoreState>,
    pub settings: config::Settings,
    roles: role::Sessions,
}

impl Shared {
    pub fn new(settings: config::Settings) -> Shared {
        Shared { state: Regional::default(), settings, roles: role::Sessions::default() }
    }

    /// The resource policy of `arn` (owned by `account`, in `region`), compiled for the door.
    fn resource_policy(&self, account: &str, region: &str, arn: &str) -> Option<ResourcePolicy> {
        let text = self.state.read(account, region, |s| s.and_then(|s| s.policies.get(arn).cloned()))?;
        let policy = ops::policies::compile(&text).ok()?;
        Some(ResourcePolicy::Document {
            owner: account.to_string(),
            id: format!("resource-based policy of {arn}"),
            policy,
        })
    }

    /// `action` on `arn`, with the resource's policy taking part when it has one.
    fn check_on(&self, action: &str, arn: &str) -> Check {
        let mut check = Check::new(format!("bedrock-agentcore:{action}"), arn);
        if let Some(p) = names::parse_arn(arn)
            && let Some(policy) = self.resource_policy(&p.account, &p.region, arn)
        {
            check = check.with_resource_policy(policy);
        }
        check
    }
}

/// The control plane and the data plane, in that order.
pub type Services = (Arc<dyn Service>, Arc<dyn Service>);

/// Both services over one state, with the `[agentcore]` section of the world's configuration.
pub fn services(world: &World) -> Result<Services, String> {
    let cfg: config::AgentCoreConfig = world.config.section("agentcore")?;
    Ok(services_with(Arc::new(Shared::new(config::Settings::from_config(&cfg)))))
}

pub fn services_with(shared: Arc<Shared>) -> Services {
    (Arc::new(Control(shared.clone())), Arc::new(DataPlane(shared)))
}

/// `bedrock-agentcore-control`.
pub struct Control(pub Arc<Shared>);

#[async_trait::async_trait]
impl Service for Control {
    fn name(&self) -> &'static str {
        "bedrock-agentcore-control"
    }

    fn error_style(&self) -> ErrorStyle {
        ErrorStyle::RestJson
    }

    fn authorize(&self, req: &AuthzRequest<'_>) -> Result<Vec<Check>, AwsError> {
        ops::authorize(&self.0, req)
    }

    async fn call(&self, ctx: OpContext, operation: &str, input: Value) -> Result<Output, AwsError> {
        ops::call(&self.0, ctx, operation, input).await
    }

    fn reset(&self) {
        self.0.state.lock().clear();
        self.0.roles.clear();
    }

    fn durable(&self) -> Vec<Arc<dyn sekisho_core::persist::Durable>> {
        vec![self.0.state.durable("agentcore")]
    }
}

/// `bedrock-agentcore`: the gateway's MCP endpoint (`InvokeGateway`). The Runtime and Memory data planes are
/// not built.
pub struct DataPlane(pub Arc<Shared>);

#[async_trait::async_trait]
impl Service for DataPlane {
    fn name(&self) -> &'static str {
        "bedrock-agentcore"
    }

    fn error_style(&self) -> ErrorStyle {
        ErrorStyle::RestJson
    }

    fn authorize(&self, req: &AuthzRequest<'_>) -> Result<Vec<Check>, AwsError> {
        match req.operation {
            "InvokeGateway" => invoke::authorize(&self.0, req),
            other => Err(not_implemented("bedrock-agentcore", other)),
        }
    }

    async fn call(&self, ctx: OpContext, operation: &str, input: Value) -> Result<Output, AwsError> {
        match operation {
            "InvokeGateway" => invoke::handle(&self.0, &ctx, input).await.map(Output::new),
            other => Err(not_implemented("bedrock-agentcore", other)),
        }
    }
}
