//! GetLayerVersion: one version of a layer, with its content's digest, size and download location.
//! Also the layer-version addressing DeleteLayerVersion shares.

use crate::{Lambda, errors, input, names, view};
use sekisho_core::{AuthzRequest, AwsError, Check, OpContext, Output};
use serde_json::Value;

/// `(account, name, version)` of a layer-version request.
pub fn target(input: &Value, account: &str, region: &str) -> Result<(String, String, u64), AwsError> {
    let (account, name) = names::layer_ref(input::required(input, "LayerName")?, account, region)?;
    let version = input::u64(input, "VersionNumber").ok_or_else(errors::resource_not_found)?;
    Ok((account, name, version))
}

pub fn authorize(req: &AuthzRequest<'_>, action: &str) -> Result<Vec<Check>, AwsError> {
    let (account, name, version) = target(req.input, req.caller.account(), req.region)?;
    Ok(vec![Check::new(action, format!("{}:{version}", names::layer_arn(req.region, &account, &name)))])
}

pub async fn handle(l: &Lambda, ctx: &OpContext, input: Value) -> Result<Output, AwsError> {
    let (account, name, version) = target(&input, ctx.account(), &ctx.region)?;
    let v = l.state.read(&account, &ctx.region, |s| {
        s.and_then(|s| s.layers.get(&name)).and_then(|layer| layer.versions.get(&version)).cloned()
    });
    let v = v.ok_or_else(errors::resource_not_found)?;
    let location = l.packages.location(&v.content).await;
    Ok(Output::new(view::layer_version(&ctx.region, &account, &name, &v, &location)))
}
