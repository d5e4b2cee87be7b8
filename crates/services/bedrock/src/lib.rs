//! Amazon Bedrock: the control plane (`bedrock`: foundation models, inference profiles, model access) and
//! Bedrock Runtime (`bedrock-runtime`: Converse, ConverseStream, InvokeModel, InvokeModelWithResponseStream).
//!
//! One crate serves both services because they share one state: the model access an account gained through
//! the control plane (the Anthropic use-case form) and the Marketplace subscriptions the runtime records are
//! the same data, and application inference profiles created in the control plane are invoked through the
//! runtime. A service crate may not depend on another, so the two halves cannot live apart without moving
//! that state into core. Both sign as `bedrock`; the router tells them apart by path.
//!
//! Every operation is a module with `authorize` (its checks, as data) next to `handle`. Model answers come
//! from backends chosen per model id in `[bedrock]` of `sekisho.toml` (see `config` and `backend`).

// `AwsError` carries AWS's code, message and extra members by value; errors are the cold path.
#![allow(clippy::result_large_err)]

mod access;
pub mod backend;
pub mod catalog;
pub mod chat;
pub mod config;
mod control;
pub mod errors;
pub mod routing;
mod runtime;
pub mod tokens;

use access::ModelAccess;
use backend::Backends;
use config::BedrockConfig;
use control::application_profiles::AppProfiles;
use routing::Router;
use sekisho_core::service::not_implemented;
use sekisho_core::state::Regional;
use sekisho_core::{AuthzRequest, AwsError, Check, OpContext, Output, Service, World};
use sekisho_wire::sigv4::ErrorStyle;
use serde_json::Value;
use std::sync::Arc;

/// What both services share: configuration, backends, routing, model access and application profiles.
pub struct Shared {
    pub config: BedrockConfig,
    pub backends: Backends,
    pub router: Router,
    /// Per account (scope `access::ACCOUNT_WIDE`).
    pub access: Regional<ModelAccess>,
    /// Application inference profiles per (account, Region).
    pub app_profiles: Regional<AppProfiles>,
}

impl Shared {
    pub fn new(config: BedrockConfig) -> Result<Shared, String> {
        // Scripted backends' files are named relative to the directory sekisho runs in.
        let backends = Backends::from_config(&config.backends, std::path::Path::new("."))?;
        let router = Router::new(&config.routing)?;
        Ok(Shared { config, backends, router, access: Regional::default(), app_profiles: Regional::default() })
    }
}

/// The Bedrock control plane (botocore `bedrock`).
pub struct Bedrock {
    shared: Arc<Shared>,
}

/// Bedrock Runtime (botocore `bedrock-runtime`).
pub struct BedrockRuntime {
    shared: Arc<Shared>,
}

/// Both services over one shared state, configured from `[bedrock]` of the world's configuration.
pub fn services(world: &World) -> Result<(Arc<Bedrock>, Arc<BedrockRuntime>), String> {
    let config = BedrockConfig::from_world(world)?;
    Ok(services_with(Arc::new(Shared::new(config)?)))
}

pub fn services_with(shared: Arc<Shared>) -> (Arc<Bedrock>, Arc<BedrockRuntime>) {
    (Arc::new(Bedrock { shared: shared.clone() }), Arc::new(BedrockRuntime { shared }))
}

#[async_trait::async_trait]
impl Service for Bedrock {
    fn name(&self) -> &'static str {
        "bedrock"
    }

    fn error_style(&self) -> ErrorStyle {
        ErrorStyle::RestJson
    }

    fn authorize(&self, req: &AuthzRequest<'_>) -> Result<Vec<Check>, AwsError> {
        control::authorize(&self.shared, req)
    }

    async fn call(&self, ctx: OpContext, operation: &str, input: Value) -> Result<Output, AwsError> {
        control::handle(&self.shared, &ctx, operation, input)
    }

    fn reset(&self) {
        self.shared.access.lock().clear();
        self.shared.app_profiles.lock().clear();
    }

    /// Model access and application profiles (Bedrock Runtime shares them and reports nothing itself).
    fn durable(&self) -> Vec<Arc<dyn sekisho_core::persist::Durable>> {
        vec![self.shared.access.durable("bedrock.access"), self.shared.app_profiles.durable("bedrock.profiles")]
    }
}

#[async_trait::async_trait]
impl Service for BedrockRuntime {
    fn name(&self) -> &'static str {
        "bedrock-runtime"
    }

    fn error_style(&self) -> ErrorStyle {
        ErrorStyle::RestJson
    }

    fn authorize(&self, req: &AuthzRequest<'_>) -> Result<Vec<Check>, AwsError> {
        runtime::authorize(&self.shared, req)
    }

    async fn call(&self, ctx: OpContext, operation: &str, input: Value) -> Result<Output, AwsError> {
        runtime::handle(&self.shared, ctx, operation, input).await
    }
}

fn unsupported(service: &str, operation: &str) -> AwsError {
    not_implemented(service, operation)
}
