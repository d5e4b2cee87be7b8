//! TagResource, UntagResource and ListTags on functions, addressed by the unqualified function ARN;
//! the tag keys take part in authorization as `aws:TagKeys`.

use crate::names::FunctionRef;
use crate::{Lambda, errors, input, names};
use sekisho_core::{AuthzRequest, AwsError, Check, OpContext, Output};
use serde_json::{Value, json};

fn resource(input: &Value, account: &str, region: &str) -> Result<FunctionRef, AwsError> {
    let arn = input::required(input, "Resource")?;
    let r = names::function_ref(arn, None, account, region)?;
    if r.qualifier.is_some() {
        return Err(errors::invalid_parameter("Tags are not supported on function versions or aliases."));
    }
    Ok(r)
}

pub fn authorize(req: &AuthzRequest<'_>) -> Result<Vec<Check>, AwsError> {
    let r = resource(req.input, req.caller.account(), req.region)?;
    let mut check = Check::new(format!("lambda:{}", req.operation), r.arn());
    if req.operation == "TagResource" {
        let keys: Vec<String> = input::string_map(req.input, "Tags").unwrap_or_default().into_keys().collect();
        check = check.with_context_values("aws:TagKeys", keys);
    } else if req.operation == "UntagResource" {
        check = check.with_context_values("aws:TagKeys", input::strings(req.input, "TagKeys").unwrap_or_default());
    }
    Ok(vec![check])
}

fn with_tags<R>(
    l: &Lambda,
    r: &FunctionRef,
    f: impl FnOnce(&mut std::collections::BTreeMap<String, String>) -> R,
) -> Result<R, AwsError> {
    l.state.with(&r.account, &r.region, |s| {
        let func = s.functions.get_mut(&r.name).ok_or_else(|| errors::function_not_found(&r.arn()))?;
        Ok(f(&mut func.tags))
    })
}

pub fn tag(l: &Lambda, ctx: &OpContext, input: Value) -> Result<Output, AwsError> {
    let r = resource(&input, ctx.account(), &ctx.region)?;
    let new = input::string_map(&input, "Tags").unwrap_or_default();
    with_tags(l, &r, |tags| tags.extend(new))?;
    Ok(Output::empty())
}

pub fn untag(l: &Lambda, ctx: &OpContext, input: Value) -> Result<Output, AwsError> {
    let r = resource(&input, ctx.account(), &ctx.region)?;
    let keys = input::strings(&input, "TagKeys").unwrap_or_default();
    with_tags(l, &r, |tags| tags.retain(|k, _| !keys.contains(k)))?;
    Ok(Output::empty())
}

pub fn list(l: &Lambda, ctx: &OpContext, input: Value) -> Result<Output, AwsError> {
    let r = resource(&input, ctx.account(), &ctx.region)?;
    let tags = with_tags(l, &r, |tags| tags.clone())?;
    Ok(Output::new(json!({ "Tags": tags })))
}
