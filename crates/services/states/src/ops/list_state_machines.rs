//! ListStateMachines: the account's state machines in the region, by name.

use super::paging::{decode, encode, page_size};
use super::{input, star};
use crate::Shared;
use crate::state::{seconds, type_name};
use sekisho_core::{AuthzRequest, AwsError, Check, OpContext, Output};
use serde::Deserialize;
use serde_json::{Value, json};
use std::sync::Arc;

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Input {
    next_token: Option<String>,
    max_results: Option<i64>,
}

pub fn authorize(_shared: &Shared, _req: &AuthzRequest<'_>) -> Result<Vec<Check>, AwsError> {
    star("states:ListStateMachines")
}

pub async fn handle(shared: &Arc<Shared>, ctx: OpContext, value: Value) -> Result<Output, AwsError> {
    let i: Input = input(&value)?;
    let after = i.next_token.as_deref().map(|t| decode("machines", t)).transpose()?;
    let size = page_size(i.max_results);
    shared.store.read(ctx.account(), &ctx.region, |s| {
        let Some(s) = s else { return Ok(json!({"stateMachines": []}).into()) };
        let rest: Vec<_> =
            s.state_machines.values().filter(|m| after.as_deref().is_none_or(|a| m.name.as_str() > a)).collect();
        let page: Vec<Value> = rest
            .iter()
            .take(size)
            .map(|m| {
                json!({"stateMachineArn": m.arn, "name": m.name, "type": type_name(m.kind), "creationDate": seconds(m.creation_ms)})
            })
            .collect();
        let mut out = json!({"stateMachines": page});
        if rest.len() > size {
            out["nextToken"] = json!(encode("machines", &rest[size - 1].name));
        }
        Ok(out.into())
    })
}
