//! CreateLogGroup: a new, empty log group with optional tags, class, KMS key id and deletion protection.
//! Creating with tags needs `logs:TagResource` as well, as AWS requires.

use super::{Store, input, with_request_tags};
use crate::errors;
use crate::names::own_group;
use crate::state::LogGroup;
use sekisho_core::{AuthzRequest, AwsError, Check, OpContext, Output};
use serde::Deserialize;
use serde_json::Value;
use std::collections::BTreeMap;

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Input {
    log_group_name: String,
    kms_key_id: Option<String>,
    #[serde(default)]
    tags: BTreeMap<String, String>,
    log_group_class: Option<String>,
    deletion_protection_enabled: Option<bool>,
}

pub fn authorize(_store: &Store, req: &AuthzRequest<'_>) -> Result<Vec<Check>, AwsError> {
    let i: Input = input(req.input)?;
    let g = own_group(req.caller, req.region, &i.log_group_name);
    let mut checks = vec![with_request_tags(Check::new("logs:CreateLogGroup", g.authz_resource()), &i.tags)];
    if !i.tags.is_empty() {
        checks.push(with_request_tags(Check::new("logs:TagResource", g.arn()), &i.tags));
    }
    Ok(checks)
}

pub fn handle(store: &Store, ctx: &OpContext, value: &Value) -> Result<Output, AwsError> {
    let i: Input = input(value)?;
    if i.log_group_name.starts_with("aws/") {
        // A documented naming rule. [inf: message]
        return Err(errors::invalid_parameter("Log group names can't start with the string aws/"));
    }
    let g = own_group(&ctx.caller, &ctx.region, &i.log_group_name);
    let now = ctx.now_ms();
    store.with(&g.account, &g.region, |s| {
        if s.log_groups.contains_key(&g.name) {
            return Err(errors::group_exists());
        }
        let mut group = LogGroup::new(&g.name, now);
        group.kms_key_id = i.kms_key_id;
        group.tags = i.tags;
        if let Some(class) = i.log_group_class {
            group.log_group_class = class;
        }
        group.deletion_protection_enabled = i.deletion_protection_enabled.unwrap_or(false);
        s.log_groups.insert(g.name.clone(), group);
        Ok(Output::empty())
    })
}
