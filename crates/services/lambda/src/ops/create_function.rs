//! CreateFunction: a function from a zip package, with an execution role Lambda can assume and that the
//! caller may pass (`iam:PassRole`), optional layers, environment, logging configuration and tags.

use super::configure;
use crate::state::{Code, Function, FunctionVersion};
use crate::view::{self, Phase};
use crate::{Lambda, errors, input, names};
use sekisho_core::{AuthzRequest, AwsError, Check, OpContext, Output};
use serde_json::Value;
use std::collections::BTreeMap;

pub fn authorize(_l: &Lambda, req: &AuthzRequest<'_>) -> Result<Vec<Check>, AwsError> {
    let r = names::function_ref(input::required(req.input, "FunctionName")?, None, req.caller.account(), req.region)?;
    let layers = input::strings(req.input, "Layers").unwrap_or_default();
    let mut create = Check::new("lambda:CreateFunction", r.arn());
    if !layers.is_empty() {
        create = create.with_context_values("lambda:Layer", layers);
    }
    let mut checks = vec![create];
    checks.extend(configure::layer_checks(req.input));
    checks.extend(configure::pass_role_check(input::required(req.input, "Role")?, &r.account));
    Ok(checks)
}

/// The `$LATEST` version a create request describes.
fn latest(
    l: &Lambda,
    ctx: &OpContext,
    input: &Value,
    name: &str,
    region: &str,
    code: Code,
) -> Result<FunctionVersion, AwsError> {
    let package_type = input::str(input, "PackageType").unwrap_or("Zip").to_string();
    if package_type != "Zip" {
        return Err(sekisho_core::service::not_implemented("lambda", "container image functions"));
    }
    let runtime = input::str(input, "Runtime").map(str::to_string);
    let handler = input::str(input, "Handler").map(str::to_string);
    let (Some(rt), Some(_)) = (&runtime, &handler) else {
        return Err(errors::invalid_parameter(
            "Runtime and Handler are mandatory parameters for functions created with deployment packages.",
        ));
    };
    configure::check_runtime(rt)?;
    let environment = input.get("Environment").and_then(|e| input::string_map(e, "Variables"));
    if let Some(vars) = &environment {
        configure::check_environment(vars)?;
    }
    let layers = configure::resolve_layers(l, &input::strings(input, "Layers").unwrap_or_default(), region)?;
    configure::check_package(&code.zip, &layers)?;
    Ok(FunctionVersion {
        version: "$LATEST".into(),
        runtime,
        role: input::required(input, "Role")?.to_string(),
        handler,
        description: input::str(input, "Description").unwrap_or_default().to_string(),
        timeout: input::u64(input, "Timeout").unwrap_or(3),
        memory_size: input::u64(input, "MemorySize").unwrap_or(128),
        environment,
        layers,
        logging: configure::logging(input.get("LoggingConfig"), name, None),
        architectures: input::strings(input, "Architectures").unwrap_or_else(|| vec!["x86_64".into()]),
        ephemeral_storage: input.get("EphemeralStorage").and_then(|e| input::u64(e, "Size")).unwrap_or(512),
        tracing_mode: input
            .get("TracingConfig")
            .and_then(|t| input::str(t, "Mode"))
            .unwrap_or("PassThrough")
            .to_string(),
        package_type,
        last_modified_ms: ctx.now_ms(),
        revision_id: sekisho_core::ids::uuid_v4(),
        code,
    })
}

pub async fn handle(l: &Lambda, ctx: &OpContext, input: Value) -> Result<Output, AwsError> {
    let r = names::function_ref(input::required(&input, "FunctionName")?, None, ctx.account(), &ctx.region)?;
    let code = configure::package(input.get("Code").unwrap_or(&Value::Null))?;
    configure::check_upload(&code, "CreateFunction").await?;
    let latest = latest(l, ctx, &input, &r.name, &r.region, code)?;
    configure::check_role(ctx, &latest.role, &r.account, &r.arn())?;
    let tags: BTreeMap<String, String> = input::string_map(&input, "Tags").unwrap_or_default();
    let publish = input::bool(&input, "Publish");
    let function = Function {
        name: r.name.clone(),
        latest: latest.clone(),
        versions: BTreeMap::new(),
        next_version: 1,
        aliases: BTreeMap::new(),
        policies: BTreeMap::new(),
        tags,
    };
    let created = l.state.with(&r.account, &r.region, |s| {
        if s.functions.contains_key(&r.name) {
            return Err(errors::conflict(format!("Function already exist: {}", r.name)));
        }
        let mut function = function;
        let shown = if publish { super::publish_version::publish(&mut function, None, ctx.now_ms()) } else { latest };
        let body = view::configuration(&r.region, &r.account, &function, &shown, Phase::Creating);
        s.functions.insert(r.name.clone(), function);
        Ok(body)
    })?;
    Ok(Output::new(created))
}
