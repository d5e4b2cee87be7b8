//! UpdateFunctionConfiguration: change `$LATEST`'s settings (role, handler, runtime, memory, timeout,
//! environment, layers, logging, ...). Warm environments of the old configuration stop.

use super::configure;
use crate::view::{self, Phase};
use crate::{Lambda, errors, function_ref, input};
use sekisho_core::{AuthzRequest, AwsError, Check, OpContext, Output};
use serde_json::Value;

pub fn authorize(l: &Lambda, req: &AuthzRequest<'_>) -> Result<Vec<Check>, AwsError> {
    let function = l.function_check(req, "lambda:UpdateFunctionConfiguration", false)?;
    let account = sekisho_core::authz::arn_account(&function.resource).unwrap_or_default().to_string();
    let mut checks = vec![function];
    checks.extend(configure::layer_checks(req.input));
    if let Some(role) = input::str(req.input, "Role") {
        checks.extend(configure::pass_role_check(role, &account));
    }
    Ok(checks)
}

pub async fn handle(l: &Lambda, ctx: &OpContext, input: Value) -> Result<Output, AwsError> {
    let r = function_ref(&input, ctx.account(), &ctx.region, false)?;
    if let Some(role) = input::str(&input, "Role") {
        configure::check_role(ctx, role, &r.account, &r.arn())?;
    }
    if let Some(rt) = input::str(&input, "Runtime") {
        configure::check_runtime(rt)?;
    }
    let environment = input.get("Environment").map(|e| input::string_map(e, "Variables").unwrap_or_default());
    if let Some(vars) = &environment {
        configure::check_environment(vars)?;
    }
    let layers = match input::strings(&input, "Layers") {
        Some(arns) => Some(configure::resolve_layers(l, &arns, &r.region)?),
        None => None,
    };
    let body = l.state.with(&r.account, &r.region, |s| {
        let f = s.functions.get_mut(&r.name).ok_or_else(|| errors::function_not_found(&r.arn()))?;
        if input::str(&input, "RevisionId").is_some_and(|rev| rev != f.latest.revision_id) {
            return Err(errors::precondition_failed());
        }
        let v = &mut f.latest;
        if let Some(layers) = layers {
            configure::check_package(&v.code.zip, &layers)?;
            v.layers = layers;
        }
        if let Some(role) = input::str(&input, "Role") {
            v.role = role.to_string();
        }
        if let Some(h) = input::str(&input, "Handler") {
            v.handler = Some(h.to_string());
        }
        if let Some(rt) = input::str(&input, "Runtime") {
            v.runtime = Some(rt.to_string());
        }
        if let Some(d) = input::str(&input, "Description") {
            v.description = d.to_string();
        }
        if let Some(t) = input::u64(&input, "Timeout") {
            v.timeout = t;
        }
        if let Some(m) = input::u64(&input, "MemorySize") {
            v.memory_size = m;
        }
        if let Some(vars) = environment {
            v.environment = Some(vars);
        }
        if let Some(mode) = input.get("TracingConfig").and_then(|t| input::str(t, "Mode")) {
            v.tracing_mode = mode.to_string();
        }
        if let Some(size) = input.get("EphemeralStorage").and_then(|e| input::u64(e, "Size")) {
            v.ephemeral_storage = size;
        }
        if let Some(logging) = input.get("LoggingConfig") {
            v.logging = configure::logging(Some(logging), &r.name, Some(&v.logging));
        }
        v.last_modified_ms = ctx.now_ms();
        v.revision_id = sekisho_core::ids::uuid_v4();
        Ok(view::configuration(&r.region, &r.account, f, &f.latest, Phase::Updating))
    })?;
    l.runtimes.retire(&r.arn(), Some("$LATEST"), false);
    Ok(Output::new(body))
}
