//! DescribeResourcePolicies: the account's resource policies (scope ACCOUNT, the default), or the
//! log-group-scoped ones (scope RESOURCE, or the one of `resourceArn`), a page at a time.

use super::put_resource_policy::{policy_json, policy_resource};
use super::{Store, input, read_group};
use crate::names::{group_arn_in, home_account};
use crate::paging;
use crate::state::ResourcePolicy;
use sekisho_core::{AuthzRequest, AwsError, Check, OpContext, Output};
use serde::Deserialize;
use serde_json::{Map, Value};

const DEFAULT_LIMIT: usize = 50;

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Input {
    next_token: Option<String>,
    limit: Option<usize>,
    resource_arn: Option<String>,
    policy_scope: Option<String>,
}

pub fn authorize(_store: &Store, req: &AuthzRequest<'_>) -> Result<Vec<Check>, AwsError> {
    let i: Input = input(req.input)?;
    Ok(vec![Check::new("logs:DescribeResourcePolicies", policy_resource(i.resource_arn.as_deref(), req.region)?)])
}

pub fn handle(store: &Store, ctx: &OpContext, value: &Value) -> Result<Output, AwsError> {
    let i: Input = input(value)?;
    let after = i.next_token.as_deref().map(paging::decode).transpose()?;
    let limit = i.limit.unwrap_or(DEFAULT_LIMIT).max(1);
    let policies: Vec<ResourcePolicy> = if let Some(arn) = &i.resource_arn {
        let g = group_arn_in(arn, &ctx.region)?;
        read_group(store, &g, |group| Ok(group.resource_policy.iter().cloned().collect()))?
    } else {
        let resource_scope = i.policy_scope.as_deref() == Some("RESOURCE");
        store.read(&home_account(&ctx.caller), &ctx.region, |s| {
            let Some(s) = s else { return Vec::new() };
            if resource_scope {
                s.log_groups.values().filter_map(|g| g.resource_policy.clone()).collect()
            } else {
                s.resource_policies.values().cloned().collect()
            }
        })
    };
    // Policies come in name order (groups and account policies are both kept by name); the cursor is a
    // position in that order.
    let key = |p: &ResourcePolicy| format!("{}\n{}", p.resource_arn.as_deref().unwrap_or(""), p.policy_name);
    let mut rest = policies.iter().filter(|p| after.as_ref().is_none_or(|a| key(p) > *a));
    let page: Vec<&ResourcePolicy> = rest.by_ref().take(limit).collect();
    let mut out = Map::new();
    out.insert("resourcePolicies".into(), page.iter().map(|p| policy_json(p)).collect());
    if let (Some(last), Some(_)) = (page.last(), rest.next()) {
        out.insert("nextToken".into(), paging::encode(&key(last)).into());
    }
    Ok(Output::new(Value::Object(out)))
}
