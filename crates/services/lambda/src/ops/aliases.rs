//! CreateAlias, GetAlias, UpdateAlias, DeleteAlias and ListAliases: names for published versions (or
//! `$LATEST`) that Invoke and the other qualified operations accept as qualifiers.

use crate::state::{Alias, Function};
use crate::view;
use crate::{Lambda, errors, function_ref, input, names::FunctionRef};
use sekisho_core::{AwsError, OpContext, Output};
use serde_json::{Value, json};

fn alias_arn(r: &FunctionRef, name: &str) -> String {
    format!("{}:{name}", r.arn())
}

fn check_version(f: &Function, r: &FunctionRef, version: &str) -> Result<(), AwsError> {
    let exists = version == "$LATEST" || version.parse::<u64>().is_ok_and(|n| f.versions.contains_key(&n));
    if exists { Ok(()) } else { Err(errors::function_not_found(&format!("{}:{version}", r.arn()))) }
}

pub fn create(l: &Lambda, ctx: &OpContext, input: Value) -> Result<Output, AwsError> {
    let r = function_ref(&input, ctx.account(), &ctx.region, false)?;
    let name = input::required(&input, "Name")?.to_string();
    let version = input::required(&input, "FunctionVersion")?.to_string();
    let body = l.state.with(&r.account, &r.region, |s| {
        let f = s.functions.get_mut(&r.name).ok_or_else(|| errors::function_not_found(&r.arn()))?;
        check_version(f, &r, &version)?;
        if f.aliases.contains_key(&name) {
            return Err(errors::conflict(format!("Alias already exists: {}", alias_arn(&r, &name))));
        }
        let alias = Alias {
            name: name.clone(),
            function_version: version,
            description: input::str(&input, "Description").unwrap_or_default().to_string(),
            routing_config: input.get("RoutingConfig").cloned(),
            revision_id: sekisho_core::ids::uuid_v4(),
        };
        let body = view::alias(&r.region, &r.account, &f.name, &alias);
        f.aliases.insert(name, alias);
        Ok(body)
    })?;
    Ok(Output::new(body))
}

pub fn get(l: &Lambda, ctx: &OpContext, input: Value) -> Result<Output, AwsError> {
    let r = function_ref(&input, ctx.account(), &ctx.region, false)?;
    let name = input::required(&input, "Name")?;
    l.with_function(&r, |f| {
        let f = f.ok_or_else(|| errors::function_not_found(&r.arn()))?;
        let a = f
            .aliases
            .get(name)
            .ok_or_else(|| errors::not_found(format!("Alias not found: {}", alias_arn(&r, name))))?;
        Ok(Output::new(view::alias(&r.region, &r.account, &f.name, a)))
    })
}

pub fn update(l: &Lambda, ctx: &OpContext, input: Value) -> Result<Output, AwsError> {
    let r = function_ref(&input, ctx.account(), &ctx.region, false)?;
    let name = input::required(&input, "Name")?.to_string();
    let body = l.state.with(&r.account, &r.region, |s| {
        let f = s.functions.get_mut(&r.name).ok_or_else(|| errors::function_not_found(&r.arn()))?;
        if let Some(v) = input::str(&input, "FunctionVersion") {
            check_version(f, &r, v)?;
        }
        let fname = f.name.clone();
        let a = f
            .aliases
            .get_mut(&name)
            .ok_or_else(|| errors::not_found(format!("Alias not found: {}", alias_arn(&r, &name))))?;
        if input::str(&input, "RevisionId").is_some_and(|rev| rev != a.revision_id) {
            return Err(errors::precondition_failed());
        }
        if let Some(v) = input::str(&input, "FunctionVersion") {
            a.function_version = v.to_string();
        }
        if let Some(d) = input::str(&input, "Description") {
            a.description = d.to_string();
        }
        if let Some(rc) = input.get("RoutingConfig") {
            a.routing_config = Some(rc.clone());
        }
        a.revision_id = sekisho_core::ids::uuid_v4();
        Ok(view::alias(&r.region, &r.account, &fname, a))
    })?;
    Ok(Output::new(body))
}

pub fn delete(l: &Lambda, ctx: &OpContext, input: Value) -> Result<Output, AwsError> {
    let r = function_ref(&input, ctx.account(), &ctx.region, false)?;
    let name = input::required(&input, "Name")?.to_string();
    l.state.with(&r.account, &r.region, |s| {
        let f = s.functions.get_mut(&r.name).ok_or_else(|| errors::function_not_found(&r.arn()))?;
        f.aliases.remove(&name);
        f.policies.remove(&name);
        Ok::<_, AwsError>(())
    })?;
    Ok(Output::empty())
}

pub fn list(l: &Lambda, ctx: &OpContext, input: Value) -> Result<Output, AwsError> {
    let r = function_ref(&input, ctx.account(), &ctx.region, false)?;
    let only = input::str(&input, "FunctionVersion");
    let aliases = l.with_function(&r, |f| {
        let f = f.ok_or_else(|| errors::function_not_found(&r.arn()))?;
        Ok::<_, AwsError>(
            f.aliases
                .values()
                .filter(|a| only.is_none_or(|v| a.function_version == v))
                .map(|a| view::alias(&r.region, &r.account, &f.name, a))
                .collect::<Vec<_>>(),
        )
    })?;
    Ok(Output::new(json!({ "Aliases": aliases })))
}
