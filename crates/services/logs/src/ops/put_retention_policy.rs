//! PutRetentionPolicy: how many days a log group keeps events, one of AWS's fixed values.

use super::{Store, input, with_group, with_resource_tags};
use crate::errors;
use crate::names::own_group;
use sekisho_core::{AuthzRequest, AwsError, Check, OpContext, Output};
use serde::Deserialize;
use serde_json::Value;

/// The values the `Days` shape documents.
pub const RETENTION_DAYS: [i32; 22] =
    [1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653];

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Input {
    log_group_name: String,
    retention_in_days: i32,
}

pub fn authorize(store: &Store, req: &AuthzRequest<'_>) -> Result<Vec<Check>, AwsError> {
    let i: Input = input(req.input)?;
    let g = own_group(req.caller, req.region, &i.log_group_name);
    Ok(vec![with_resource_tags(store, &g, Check::new("logs:PutRetentionPolicy", g.authz_resource()))])
}

pub fn handle(store: &Store, ctx: &OpContext, value: &Value) -> Result<Output, AwsError> {
    let i: Input = input(value)?;
    if !RETENTION_DAYS.contains(&i.retention_in_days) {
        let allowed = RETENTION_DAYS.map(|d| d.to_string()).join(", ");
        // The service's own enum validation (the model types `Days` as a plain integer). [inf: exact text]
        return Err(errors::invalid_parameter(format!(
            "1 validation error detected: Value '{}' at 'retentionInDays' failed to satisfy constraint: \
             Member must satisfy enum value set: [{allowed}]",
            i.retention_in_days
        )));
    }
    let g = own_group(&ctx.caller, &ctx.region, &i.log_group_name);
    with_group(store, &g, |group| {
        group.retention_in_days = Some(i.retention_in_days);
        Ok(Output::empty())
    })
}
