//! ListMapRuns: the runs of an execution's distributed Map states, in the order they started.

use super::paging::{decode, encode, page_size};
use super::{execution_check, input, map_runs, read_execution};
use crate::{Shared, errors};
use sekisho_core::{AuthzRequest, AwsError, Check, OpContext, Output};
use serde::Deserialize;
use serde_json::{Value, json};
use std::sync::Arc;

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Input {
    execution_arn: String,
    max_results: Option<i64>,
    next_token: Option<String>,
}

pub fn authorize(shared: &Shared, req: &AuthzRequest<'_>) -> Result<Vec<Check>, AwsError> {
    let i: Input = input(req.input)?;
    Ok(vec![execution_check(shared, "states:ListMapRuns", &i.execution_arn)?.1])
}

pub async fn handle(shared: &Arc<Shared>, ctx: OpContext, value: Value) -> Result<Output, AwsError> {
    let i: Input = input(&value)?;
    let skip: usize = match &i.next_token {
        Some(t) => decode("mapruns", t)?.parse().map_err(|_| errors::invalid_next_token())?,
        None => 0,
    };
    let size = page_size(i.max_results);
    read_execution(shared, &ctx.region, &i.execution_arn, |rec| {
        let runs = rec.execution.map_runs();
        let page: Vec<Value> = runs
            .iter()
            .skip(skip)
            .take(size)
            .map(|m| map_runs::list_item(&rec.arn, &rec.state_machine_arn, m))
            .collect();
        let mut out = json!({"mapRuns": page});
        if runs.len() > skip + size {
            out["nextToken"] = json!(encode("mapruns", &(skip + size).to_string()));
        }
        Ok(out.into())
    })
}
