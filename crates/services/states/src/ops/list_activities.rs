//! ListActivities: the caller's activities in the Region, by name, paged.

use super::paging::{decode, encode, page_size};
use super::{input, star};
use crate::Shared;
use crate::state::seconds;
use sekisho_core::{AuthzRequest, AwsError, Check, OpContext, Output};
use serde::Deserialize;
use serde_json::{Value, json};
use std::sync::Arc;

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Input {
    max_results: Option<i64>,
    next_token: Option<String>,
}

pub fn authorize(_shared: &Shared, _req: &AuthzRequest<'_>) -> Result<Vec<Check>, AwsError> {
    star("states:ListActivities")
}

pub async fn handle(shared: &Arc<Shared>, ctx: OpContext, value: Value) -> Result<Output, AwsError> {
    let i: Input = input(&value)?;
    let after = i.next_token.as_deref().map(|t| decode("activities", t)).transpose()?;
    let size = page_size(i.max_results);
    shared.store.read(ctx.account(), &ctx.region, |s| {
        let Some(s) = s else { return Ok(json!({"activities": []}).into()) };
        let rest: Vec<_> =
            s.activities.values().filter(|a| after.as_deref().is_none_or(|n| a.name.as_str() > n)).collect();
        let page: Vec<Value> = rest
            .iter()
            .take(size)
            .map(|a| json!({"activityArn": a.arn, "name": a.name, "creationDate": seconds(a.creation_ms)}))
            .collect();
        let mut out = json!({"activities": page});
        if rest.len() > size {
            out["nextToken"] = json!(encode("activities", &rest[size - 1].name));
        }
        Ok(out.into())
    })
}
