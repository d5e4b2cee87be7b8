//! ListLayers: every layer with versions, each with its latest version matching the runtime and
//! architecture filters.

use crate::state::LayerVersion;
use crate::{Lambda, input, names, view};
use sekisho_core::{AwsError, OpContext, Output};
use serde_json::{Value, json};

/// Whether a layer version suits the `CompatibleRuntime`/`CompatibleArchitecture` filters.
pub fn matches(v: &LayerVersion, runtime: Option<&str>, architecture: Option<&str>) -> bool {
    runtime.is_none_or(|r| v.compatible_runtimes.iter().any(|c| c == r))
        && architecture.is_none_or(|a| v.compatible_architectures.iter().any(|c| c == a))
}

pub fn handle(l: &Lambda, ctx: &OpContext, input: Value) -> Result<Output, AwsError> {
    let runtime = input::str(&input, "CompatibleRuntime");
    let architecture = input::str(&input, "CompatibleArchitecture");
    let account = ctx.account().to_string();
    let layers = l.state.read(&account, &ctx.region, |s| {
        let mut out = Vec::new();
        for layer in s.map(|s| s.layers.values()).into_iter().flatten() {
            if let Some(v) = layer.versions.values().rev().find(|v| matches(v, runtime, architecture)) {
                out.push(json!({
                    "LayerName": layer.name,
                    "LayerArn": names::layer_arn(&ctx.region, &account, &layer.name),
                    "LatestMatchingVersion": view::layer_version_item(&ctx.region, &account, &layer.name, v),
                }));
            }
        }
        out
    });
    Ok(Output::new(json!({ "Layers": layers })))
}
