//! PublishLayerVersion: a new numbered version of a layer from a zip (its `python/` directory becomes
//! importable, its `bin/` and `lib/` usable, as under `/opt` in AWS).

use super::configure;
use crate::state::{Layer, LayerVersion};
use crate::{Lambda, errors, input, names, view};
use sekisho_core::{AuthzRequest, AwsError, Check, OpContext, Output};
use serde_json::Value;

pub fn authorize(req: &AuthzRequest<'_>) -> Result<Vec<Check>, AwsError> {
    let (account, name) = names::layer_ref(input::required(req.input, "LayerName")?, req.caller.account(), req.region)?;
    Ok(vec![Check::new("lambda:PublishLayerVersion", names::layer_arn(req.region, &account, &name))])
}

pub async fn handle(l: &Lambda, ctx: &OpContext, input: Value) -> Result<Output, AwsError> {
    let (account, name) = names::layer_ref(input::required(&input, "LayerName")?, ctx.account(), &ctx.region)?;
    let content = configure::package(input.get("Content").unwrap_or(&Value::Null))?;
    // A layer is checked as a function's package is: the same quotas apply to it alone.
    configure::check_upload(&content, "PublishLayerVersion").await?;
    let runtimes = input::strings(&input, "CompatibleRuntimes").unwrap_or_default();
    if runtimes.len() > 15 {
        return Err(errors::invalid_parameter("Maximum of 15 compatible runtimes is allowed."));
    }
    let location = l.packages.location(&content).await;
    let body = l.state.with(&account, &ctx.region, |s| {
        let layer = s.layers.entry(name.clone()).or_insert_with(|| Layer {
            name: name.clone(),
            next_version: 1,
            ..Default::default()
        });
        let version = LayerVersion {
            version: layer.next_version,
            description: input::str(&input, "Description").unwrap_or_default().to_string(),
            created_ms: ctx.now_ms(),
            compatible_runtimes: runtimes,
            compatible_architectures: input::strings(&input, "CompatibleArchitectures").unwrap_or_default(),
            license_info: input::str(&input, "LicenseInfo").map(str::to_string),
            content,
        };
        layer.next_version += 1;
        let body = view::layer_version(&ctx.region, &account, &name, &version, &location);
        layer.versions.insert(version.version, version);
        body
    });
    Ok(Output::new(body))
}
