//! PublishVersion and ListVersionsByFunction: immutable numbered snapshots of `$LATEST`. Publishing an
//! unchanged `$LATEST` again returns the version that already has its code and configuration.

use crate::state::{Function, FunctionVersion};
use crate::view::{self, Phase};
use crate::{Lambda, errors, function_ref, input};
use sekisho_core::{AwsError, OpContext, Output};
use serde_json::{Map, Value, json};

/// `true` when two versions run the same code with the same configuration.
fn same(a: &FunctionVersion, b: &FunctionVersion) -> bool {
    let strip = |v: &FunctionVersion| {
        let mut v = v.clone();
        v.version = String::new();
        v.revision_id = String::new();
        v.last_modified_ms = 0;
        v.description = String::new();
        v
    };
    strip(a) == strip(b)
}

/// Publishes `$LATEST` (or finds the version that already matches it) and returns that version.
pub fn publish(f: &mut Function, description: Option<&str>, now_ms: i64) -> FunctionVersion {
    if let Some(existing) = f.versions.values().next_back().filter(|v| same(v, &f.latest)) {
        return existing.clone();
    }
    let n = f.next_version;
    f.next_version += 1;
    let mut v = f.latest.clone();
    v.version = n.to_string();
    v.last_modified_ms = now_ms;
    v.revision_id = sekisho_core::ids::uuid_v4();
    if let Some(d) = description {
        v.description = d.to_string();
    }
    f.versions.insert(n, v.clone());
    v
}

pub fn handle(l: &Lambda, ctx: &OpContext, input: Value) -> Result<Output, AwsError> {
    let r = function_ref(&input, ctx.account(), &ctx.region, false)?;
    let body = l.state.with(&r.account, &r.region, |s| {
        let f = s.functions.get_mut(&r.name).ok_or_else(|| errors::function_not_found(&r.arn()))?;
        if let Some(sha) = input::str(&input, "CodeSha256")
            && sha != f.latest.code.sha256
        {
            return Err(errors::invalid_parameter(format!(
                "CodeSHA256 ({sha}) is different from current CodeSHA256 in $LATEST ({}). Please try again with the CodeSHA256 in $LATEST.",
                f.latest.code.sha256
            )));
        }
        if input::str(&input, "RevisionId").is_some_and(|rev| rev != f.latest.revision_id) {
            return Err(errors::precondition_failed());
        }
        let v = publish(f, input::str(&input, "Description"), ctx.now_ms());
        Ok(view::configuration(&r.region, &r.account, f, &v, Phase::Creating))
    })?;
    Ok(Output::new(body))
}

pub fn list(l: &Lambda, ctx: &OpContext, input: Value) -> Result<Output, AwsError> {
    let r = function_ref(&input, ctx.account(), &ctx.region, false)?;
    let versions = l.with_function(&r, |f| {
        let f = f.ok_or_else(|| errors::function_not_found(&r.arn()))?;
        let mut out = vec![view::configuration(&r.region, &r.account, f, &f.latest, Phase::Listed)];
        out.extend(f.versions.values().map(|v| view::configuration(&r.region, &r.account, f, v, Phase::Listed)));
        Ok::<_, AwsError>(out)
    })?;
    let mut out = Map::new();
    out.insert("Versions".into(), json!(versions));
    Ok(Output::new(Value::Object(out)))
}
