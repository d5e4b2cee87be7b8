//! PutResourcePolicy: creates or replaces a resource policy, for the account (up to 10 by name) or for one
//! log group (one per group, guarded by its revision id). Service principals are judged by them.

use super::{Store, input, with_group};
use crate::errors;
use crate::names::{group_arn_in, home_account};
use crate::state::ResourcePolicy;
use sekisho_core::{AuthzRequest, AwsError, Check, OpContext, Output};
use serde::Deserialize;
use serde_json::{Value, json};

/// Account-scoped policies an account may have (documented).
const MAX_ACCOUNT_POLICIES: usize = 10;

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Input {
    policy_name: Option<String>,
    policy_document: Option<String>,
    resource_arn: Option<String>,
    expected_revision_id: Option<String>,
}

pub fn authorize(_store: &Store, req: &AuthzRequest<'_>) -> Result<Vec<Check>, AwsError> {
    let i: Input = input(req.input)?;
    Ok(vec![Check::new("logs:PutResourcePolicy", policy_resource(i.resource_arn.as_deref(), req.region)?)])
}

/// What the policy actions are authorized on: the log group for resource-scoped policies, else `*`. [inf]
pub fn policy_resource(resource_arn: Option<&str>, region: &str) -> Result<String, AwsError> {
    Ok(match resource_arn {
        Some(arn) => group_arn_in(arn, region)?.authz_resource(),
        None => "*".to_string(),
    })
}

pub fn handle(store: &Store, ctx: &OpContext, value: &Value) -> Result<Output, AwsError> {
    let i: Input = input(value)?;
    // Both are documented as required though the model leaves them optional. [inf: messages]
    let name =
        i.policy_name.filter(|n| !n.is_empty()).ok_or_else(|| errors::invalid_parameter("policyName is required."))?;
    let document = i.policy_document.ok_or_else(|| errors::invalid_parameter("policyDocument is required."))?;
    if serde_json::from_str::<Value>(&document).map_or(true, |d| !d.is_object()) {
        // [inf: message]
        return Err(errors::invalid_parameter("Invalid policy document: the document is not a JSON object."));
    }
    let now = ctx.now_ms();
    match i.resource_arn {
        None => {
            let policy = ResourcePolicy {
                policy_name: name.clone(),
                policy_document: document,
                last_updated_time: now,
                resource_arn: None,
                revision_id: None,
            };
            store.with(&home_account(&ctx.caller), &ctx.region, |s| {
                if !s.resource_policies.contains_key(&name) && s.resource_policies.len() >= MAX_ACCOUNT_POLICIES {
                    return Err(errors::limit_exceeded());
                }
                s.resource_policies.insert(name, policy.clone());
                Ok(Output::new(json!({ "resourcePolicy": policy_json(&policy) })))
            })
        }
        Some(arn) => {
            let g = group_arn_in(&arn, &ctx.region)?;
            with_group(store, &g, |group| {
                let current = group.resource_policy.as_ref().and_then(|p| p.revision_id.clone());
                if current != i.expected_revision_id && current.is_some() {
                    return Err(revision_conflict());
                }
                let policy = ResourcePolicy {
                    policy_name: name,
                    policy_document: document,
                    last_updated_time: now,
                    resource_arn: Some(g.arn()),
                    revision_id: Some(sekisho_core::ids::uuid_v4()),
                };
                group.resource_policy = Some(policy.clone());
                Ok(Output::new(json!({ "resourcePolicy": policy_json(&policy), "revisionId": policy.revision_id })))
            })
        }
    }
}

/// The expected revision id does not name the policy's current revision. [inf: code and message]
pub fn revision_conflict() -> AwsError {
    AwsError::new(
        "OperationAbortedException",
        400,
        "Multiple concurrent requests to update the same resource were in conflict.",
    )
}

/// A `ResourcePolicy` as AWS prints it; the resource members only for resource-scoped policies.
pub fn policy_json(p: &ResourcePolicy) -> Value {
    let mut v = json!({
        "policyName": p.policy_name,
        "policyDocument": p.policy_document,
        "lastUpdatedTime": p.last_updated_time,
        "policyScope": if p.resource_arn.is_some() { "RESOURCE" } else { "ACCOUNT" },
    });
    let o = v.as_object_mut().expect("built as an object above");
    if let Some(arn) = &p.resource_arn {
        o.insert("resourceArn".into(), arn.clone().into());
    }
    if let Some(rev) = &p.revision_id {
        o.insert("revisionId".into(), rev.clone().into());
    }
    v
}
