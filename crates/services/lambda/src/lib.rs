//! AWS Lambda: functions, layers, versions, aliases and resource policies (rest-json), and functions run as
//! real local processes on the Lambda Runtime API, with the execution role's credentials and CloudWatch Logs.
//!
//! One module per operation under `ops/`, each with its `authorize` (the checks, as data) next to its
//! handler. `runtime/` owns the execution environments: processes, the Runtime API, logs, credentials.
//! Internal callers (a Step Functions task, an AgentCore target) invoke through the door with the same
//! input and output as `Invoke` over HTTP.

pub mod config;
pub mod errors;
mod input;
pub mod names;
mod ops;
mod packages;
pub mod policy;
pub mod runtime;
pub mod state;
pub mod view;
pub mod zip;

use names::FunctionRef;
use sekisho_core::service::ResourcePolicy;
use sekisho_core::state::Regional;
use sekisho_core::{AuthzRequest, AwsError, Check, OpContext, Output, Service, World};
use sekisho_wire::sigv4::ErrorStyle;
use serde_json::Value;
use state::{Function, LambdaState};
use std::sync::Arc;

/// The Lambda service.
pub struct Lambda {
    state: Regional<LambdaState>,
    runtimes: runtime::Runtimes,
    packages: packages::Packages,
}

impl Lambda {
    /// Lambda with the `[lambda]` section of the world's configuration.
    pub fn new(world: Arc<World>) -> Result<Lambda, String> {
        let cfg: config::LambdaConfig = world.config.section("lambda")?;
        let settings = config::Settings::from_config(cfg);
        Ok(Lambda::with_settings(world, &settings))
    }

    /// Like [`Lambda::new`]; a bad `[lambda]` section is reported on stderr and the defaults are used.
    pub fn from_world(world: Arc<World>) -> Lambda {
        match Lambda::new(world.clone()) {
            Ok(l) => l,
            Err(e) => {
                eprintln!("sekisho: {e} (Lambda uses its defaults)");
                let settings = config::Settings::from_config(config::LambdaConfig::default());
                Lambda::with_settings(world, &settings)
            }
        }
    }

    fn with_settings(world: Arc<World>, settings: &config::Settings) -> Lambda {
        Lambda {
            state: Regional::default(),
            runtimes: runtime::Runtimes::new(world.clone(), settings),
            packages: packages::Packages::new(world),
        }
    }

    /// Lambda's state, for persistence and for tests.
    pub fn state(&self) -> &Regional<LambdaState> {
        &self.state
    }

    pub fn runtimes(&self) -> &runtime::Runtimes {
        &self.runtimes
    }

    /// Reads a function (in the account and region the reference names).
    fn with_function<R>(&self, r: &FunctionRef, f: impl FnOnce(Option<&Function>) -> R) -> R {
        self.state.read(&r.account, &r.region, |s| f(s.and_then(|s| s.functions.get(&r.name))))
    }

    /// The function's resource-based policy for `qualifier`, compiled for the door.
    fn resource_policy(&self, r: &FunctionRef) -> Option<ResourcePolicy> {
        let key = r.qualifier.clone().unwrap_or_default();
        let doc = self.with_function(r, |f| f.and_then(|f| f.policies.get(&key).cloned()))?;
        let compiled = policy::compile(&doc).ok()?;
        Some(ResourcePolicy::Document {
            owner: r.account.clone(),
            id: format!("resource-based policy of {}", r.qualified_arn()),
            policy: compiled,
        })
    }

    /// The usual check of a function operation: `action` on the (qualified) function ARN, with the
    /// function's resource policy taking part.
    fn function_check(&self, req: &AuthzRequest<'_>, action: &str, qualifier_member: bool) -> Result<Check, AwsError> {
        let r = function_ref(req.input, req.caller.account(), req.region, qualifier_member)?;
        let mut check = Check::new(action, r.qualified_arn());
        if let Some(p) = self.resource_policy(&r) {
            check = check.with_resource_policy(p);
        }
        Ok(check)
    }
}

/// The function an input's `FunctionName` (and `Qualifier`) name.
fn function_ref(input: &Value, account: &str, region: &str, qualifier_member: bool) -> Result<FunctionRef, AwsError> {
    let name = input::required(input, "FunctionName")?;
    let qualifier = if qualifier_member { input::str(input, "Qualifier") } else { None };
    names::function_ref(name, qualifier, account, region)
}

#[async_trait::async_trait]
impl Service for Lambda {
    fn name(&self) -> &'static str {
        "lambda"
    }

    fn error_style(&self) -> ErrorStyle {
        ErrorStyle::RestJson
    }

    fn authorize(&self, req: &AuthzRequest<'_>) -> Result<Vec<Check>, AwsError> {
        ops::authorize(self, req)
    }

    async fn call(&self, ctx: OpContext, operation: &str, input: Value) -> Result<Output, AwsError> {
        ops::call(self, ctx, operation, input).await
    }

    /// Forgets every function and layer and stops every execution environment.
    fn reset(&self) {
        self.state.lock().clear();
        self.runtimes.retire("", None, true);
    }

    /// Functions (with their packages), layers, versions, aliases, permissions and queued `Event`
    /// invocations; execution environments start again on demand.
    fn durable(&self) -> Vec<Arc<dyn sekisho_core::persist::Durable>> {
        vec![self.state.durable("lambda")]
    }

    /// Queued `Event` invocations run again.
    fn resume(&self, door: &Arc<sekisho_core::Door>) {
        ops::invoke::resume(self, door);
    }
}
