//! DeleteLayerVersion: removes a layer version (functions that use it keep their copy). Deleting a
//! version that does not exist succeeds, as in AWS.

use super::get_layer_version::target;
use crate::Lambda;
use sekisho_core::{AwsError, OpContext, Output};
use serde_json::Value;

pub fn handle(l: &Lambda, ctx: &OpContext, input: Value) -> Result<Output, AwsError> {
    let (account, name, version) = target(&input, ctx.account(), &ctx.region)?;
    l.state.with(&account, &ctx.region, |s| {
        if let Some(layer) = s.layers.get_mut(&name) {
            layer.versions.remove(&version);
        }
    });
    Ok(Output::empty())
}
