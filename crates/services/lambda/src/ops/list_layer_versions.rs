//! ListLayerVersions: a layer's versions, newest first, filtered by compatible runtime and
//! architecture.

use super::list_layers::matches;
use crate::{Lambda, input, names, view};
use sekisho_core::{AwsError, OpContext, Output};
use serde_json::{Value, json};

pub fn handle(l: &Lambda, ctx: &OpContext, input: Value) -> Result<Output, AwsError> {
    let (account, name) = names::layer_ref(input::required(&input, "LayerName")?, ctx.account(), &ctx.region)?;
    let runtime = input::str(&input, "CompatibleRuntime");
    let architecture = input::str(&input, "CompatibleArchitecture");
    let versions = l.state.read(&account, &ctx.region, |s| {
        s.and_then(|s| s.layers.get(&name))
            .map(|layer| {
                layer
                    .versions
                    .values()
                    .rev()
                    .filter(|v| matches(v, runtime, architecture))
                    .map(|v| view::layer_version_item(&ctx.region, &account, &name, v))
                    .collect::<Vec<_>>()
            })
            .unwrap_or_default()
    });
    Ok(Output::new(json!({ "LayerVersions": versions })))
}
