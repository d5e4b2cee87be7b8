//! GetFunction and GetFunctionConfiguration: one version's configuration (the qualifier picks `$LATEST`, a
//! number or an alias), with the code location and tags for GetFunction.

use crate::view::{self, Phase};
use crate::{Lambda, errors, function_ref};
use sekisho_core::{AwsError, OpContext, Output};
use serde_json::{Map, Value, json};

pub async fn handle(l: &Lambda, ctx: &OpContext, input: Value, with_code: bool) -> Result<Output, AwsError> {
    let r = function_ref(&input, ctx.account(), &ctx.region, true)?;
    let (mut out, code) = l.with_function(&r, |f| {
        let f = f.ok_or_else(|| errors::function_not_found(&r.qualified_arn()))?;
        let v = f.resolve(r.qualifier.as_deref()).ok_or_else(|| errors::function_not_found(&r.qualified_arn()))?;
        let configuration = view::configuration(&r.region, &r.account, f, v, Phase::Settled);
        if !with_code {
            return Ok((configuration, None));
        }
        let mut out = Map::new();
        out.insert("Configuration".into(), configuration);
        if !f.tags.is_empty() && r.qualifier.is_none() {
            out.insert("Tags".into(), json!(f.tags));
        }
        Ok::<_, AwsError>((Value::Object(out), Some(v.code.clone())))
    })?;
    if let (Some(code), Value::Object(m)) = (code, &mut out) {
        let location = l.packages.location(&code).await;
        m.insert("Code".into(), json!({ "RepositoryType": "S3", "Location": location }));
    }
    Ok(Output::new(out))
}
