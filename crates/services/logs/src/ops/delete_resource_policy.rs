//! DeleteResourcePolicy: removes an account resource policy by name, or a log group's policy.

use super::put_resource_policy::{policy_resource, revision_conflict};
use super::{Store, input, with_group};
use crate::errors;
use crate::names::{group_arn_in, home_account};
use sekisho_core::{AuthzRequest, AwsError, Check, OpContext, Output};
use serde::Deserialize;
use serde_json::Value;

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Input {
    policy_name: Option<String>,
    resource_arn: Option<String>,
    expected_revision_id: Option<String>,
}

pub fn authorize(_store: &Store, req: &AuthzRequest<'_>) -> Result<Vec<Check>, AwsError> {
    let i: Input = input(req.input)?;
    Ok(vec![Check::new("logs:DeleteResourcePolicy", policy_resource(i.resource_arn.as_deref(), req.region)?)])
}

pub fn handle(store: &Store, ctx: &OpContext, value: &Value) -> Result<Output, AwsError> {
    let i: Input = input(value)?;
    let name = i.policy_name.unwrap_or_default();
    match i.resource_arn {
        None => store.with(&home_account(&ctx.caller), &ctx.region, |s| {
            s.resource_policies.remove(&name).map(|_| Output::empty()).ok_or_else(|| errors::policy_not_found(&name))
        }),
        Some(arn) => {
            let g = group_arn_in(&arn, &ctx.region)?;
            with_group(store, &g, |group| {
                let Some(policy) = &group.resource_policy else {
                    return Err(errors::policy_not_found(&name));
                };
                if !name.is_empty() && policy.policy_name != name {
                    return Err(errors::policy_not_found(&name));
                }
                if i.expected_revision_id.is_some() && i.expected_revision_id != policy.revision_id {
                    return Err(revision_conflict());
                }
                group.resource_policy = None;
                Ok(Output::empty())
            })
        }
    }
}
