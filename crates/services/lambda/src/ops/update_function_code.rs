//! UpdateFunctionCode: a new package for `$LATEST` (optionally published as a version). Warm environments of
//! the old code stop; invocations in flight finish on it.

use super::configure;
use crate::view::{self, Phase};
use crate::{Lambda, errors, function_ref, input};
use sekisho_core::{AwsError, OpContext, Output};
use serde_json::Value;

pub async fn handle(l: &Lambda, ctx: &OpContext, input: Value) -> Result<Output, AwsError> {
    let r = function_ref(&input, ctx.account(), &ctx.region, false)?;
    let code = configure::package(&input)?;
    configure::check_upload(&code, "UpdateFunctionCode").await?;
    let dry_run = input::bool(&input, "DryRun");
    let publish = input::bool(&input, "Publish");
    let revision = input::str(&input, "RevisionId");
    let body = l.state.with(&r.account, &r.region, |s| {
        let f = s.functions.get_mut(&r.name).ok_or_else(|| errors::function_not_found(&r.arn()))?;
        if revision.is_some_and(|rev| rev != f.latest.revision_id) {
            return Err(errors::precondition_failed());
        }
        configure::check_package(&code.zip, &f.latest.layers)?;
        if dry_run {
            let mut preview = f.latest.clone();
            preview.code = code.clone();
            return Ok(view::configuration(&r.region, &r.account, f, &preview, Phase::Settled));
        }
        f.latest.code = code;
        f.latest.last_modified_ms = ctx.now_ms();
        f.latest.revision_id = sekisho_core::ids::uuid_v4();
        let shown = if publish { super::publish_version::publish(f, None, ctx.now_ms()) } else { f.latest.clone() };
        Ok(view::configuration(&r.region, &r.account, f, &shown, Phase::Updating))
    })?;
    if !dry_run {
        l.runtimes.retire(&r.arn(), Some("$LATEST"), false);
    }
    Ok(Output::new(body))
}
