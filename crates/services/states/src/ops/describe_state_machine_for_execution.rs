//! DescribeStateMachineForExecution: the definition, role and configuration an execution runs with.

use super::{execution_check, input, read_execution};
use crate::Shared;
use crate::state::seconds;
use sekisho_core::{AuthzRequest, AwsError, Check, OpContext, Output};
use serde::Deserialize;
use serde_json::{Value, json};
use std::sync::Arc;

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Input {
    execution_arn: String,
}

pub fn authorize(shared: &Shared, req: &AuthzRequest<'_>) -> Result<Vec<Check>, AwsError> {
    let i: Input = input(req.input)?;
    Ok(vec![execution_check(shared, "states:DescribeStateMachineForExecution", &i.execution_arn)?.1])
}

pub async fn handle(shared: &Arc<Shared>, ctx: OpContext, value: Value) -> Result<Output, AwsError> {
    let i: Input = input(&value)?;
    read_execution(shared, &ctx.region, &i.execution_arn, |rec| {
        let r = &rec.revision;
        let mut out = json!({
            "stateMachineArn": rec.state_machine_arn,
            "name": rec.state_machine_name,
            "definition": r.definition.as_str(),
            "roleArn": r.role_arn,
            "updateDate": seconds(r.updated_ms),
            "loggingConfiguration": r.logging.to_json(),
            "tracingConfiguration": {"enabled": r.tracing_enabled},
        });
        if let Some(id) = &r.revision_id {
            out["revisionId"] = json!(id);
        }
        Ok(out.into())
    })
}
