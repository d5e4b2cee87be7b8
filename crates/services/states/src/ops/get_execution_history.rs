//! GetExecutionHistory: a Standard execution's events, oldest or newest first, paged, with or without
//! execution data (`input`, `output`, `parameters` and their details).

use super::paging::{decode, encode, page_size};
use super::{execution_check, input, read_execution};
use crate::state::seconds;
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
    #[serde(default)]
    reverse_order: bool,
    next_token: Option<String>,
    include_execution_data: Option<bool>,
}

pub fn authorize(shared: &Shared, req: &AuthzRequest<'_>) -> Result<Vec<Check>, AwsError> {
    let i: Input = input(req.input)?;
    Ok(vec![execution_check(shared, "states:GetExecutionHistory", &i.execution_arn)?.1])
}

const DATA_MEMBERS: &[&str] = &["input", "inputDetails", "output", "outputDetails", "parameters"];

pub async fn handle(shared: &Arc<Shared>, ctx: OpContext, value: Value) -> Result<Output, AwsError> {
    let i: Input = input(&value)?;
    let size = page_size(i.max_results);
    let start: usize = match &i.next_token {
        Some(t) => {
            let kind = if i.reverse_order { "history-reverse" } else { "history" };
            decode(kind, t)?.parse().map_err(|_| errors::invalid_next_token())?
        }
        None => 0,
    };
    let include = i.include_execution_data.unwrap_or(true);
    read_execution(shared, &ctx.region, &i.execution_arn, |rec| {
        let events = rec.execution.events();
        let ordered: Box<dyn Iterator<Item = _>> =
            if i.reverse_order { Box::new(events.iter().rev()) } else { Box::new(events.iter()) };
        let page: Vec<Value> = ordered
            .skip(start)
            .take(size)
            .map(|e| {
                let mut v = e.to_api_json();
                v["timestamp"] = seconds(e.timestamp_ms);
                if !include {
                    for d in v.as_object_mut().into_iter().flat_map(|m| m.values_mut()).filter_map(Value::as_object_mut)
                    {
                        d.retain(|k, _| !DATA_MEMBERS.contains(&k.as_str()));
                    }
                }
                v
            })
            .collect();
        let mut out = json!({"events": page});
        if start + size < events.len() {
            let kind = if i.reverse_order { "history-reverse" } else { "history" };
            out["nextToken"] = json!(encode(kind, &(start + size).to_string()));
        }
        Ok(out.into())
    })
}
