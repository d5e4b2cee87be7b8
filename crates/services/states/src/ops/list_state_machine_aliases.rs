//! ListStateMachineAliases: a state machine's aliases, newest first (ordered as its versions are).

use super::paging::{decode, encode, page_size};
use super::{in_scope, input, state_machine_check};
use crate::state::seconds;
use crate::{Shared, errors};
use sekisho_core::{AuthzRequest, AwsError, Check, OpContext, Output};
use serde::Deserialize;
use serde_json::{Value, json};
use std::sync::Arc;

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Input {
    state_machine_arn: String,
    next_token: Option<String>,
    max_results: Option<i64>,
}

pub fn authorize(shared: &Shared, req: &AuthzRequest<'_>) -> Result<Vec<Check>, AwsError> {
    let i: Input = input(req.input)?;
    Ok(vec![state_machine_check(shared, "states:ListStateMachineAliases", &i.state_machine_arn)?.1])
}

pub async fn handle(shared: &Arc<Shared>, ctx: OpContext, value: Value) -> Result<Output, AwsError> {
    let i: Input = input(&value)?;
    let (r, _) = state_machine_check(shared, "states:ListStateMachineAliases", &i.state_machine_arn)?;
    let not_found = || errors::state_machine_does_not_exist(&i.state_machine_arn);
    if r.qualifier.is_some() || !in_scope(&ctx.region, &r.region) {
        return Err(not_found());
    }
    let skip: usize = match &i.next_token {
        Some(t) => decode("aliases", t)?.parse().map_err(|_| errors::invalid_next_token())?,
        None => 0,
    };
    let size = page_size(i.max_results);
    shared.store.read(&r.account, &r.region, |s| {
        let m = s.and_then(|s| s.state_machines.get(&r.name)).ok_or_else(not_found)?;
        let page: Vec<Value> = m
            .aliases
            .iter()
            .rev()
            .skip(skip)
            .take(size)
            .map(|a| json!({"stateMachineAliasArn": m.alias_arn(&a.name), "creationDate": seconds(a.creation_ms)}))
            .collect();
        let mut out = json!({"stateMachineAliases": page});
        if m.aliases.len() > skip + size {
            out["nextToken"] = json!(encode("aliases", &(skip + size).to_string()));
        }
        Ok(out.into())
    })
}
