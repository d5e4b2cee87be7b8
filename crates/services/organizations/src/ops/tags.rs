//! Tags on roots, OUs, accounts and policies: TagResource, UntagResource, ListTagsForResource.

use crate::input::Input;
use crate::{access, errors, paging, state};
use sekisho_core::organization::Organization;
use sekisho_core::{AuthzRequest, AwsError, Check, OpContext};
use serde_json::{Value, json};

/// AWS's limit of tags on one resource.
const MAX_TAGS: usize = 50;

fn exists(org: &Organization, id: &str) -> bool {
    org.target_kind(id).is_some() || org.policies.contains_key(id)
}

fn resource_check(req: &AuthzRequest<'_>, action: &str) -> Result<Vec<Check>, AwsError> {
    let input = Input(req.input);
    let id = input.str("ResourceId")?;
    access::management(req, |org| {
        let arn = if id.starts_with("p-") { access::policy_arn(org, id).0 } else { access::target_arn(org, id) };
        let mut check = access::with_request_tags(Check::new(action, arn), input);
        let keys = input.strings("TagKeys");
        if !keys.is_empty() {
            check = check.with_context_values("aws:TagKeys", keys);
        }
        Ok(vec![check])
    })
}

pub mod tag_resource {
    use super::*;

    pub fn authorize(req: &AuthzRequest<'_>) -> Result<Vec<Check>, AwsError> {
        resource_check(req, "organizations:TagResource")
    }

    pub fn handle(ctx: &OpContext, input: Input<'_>) -> Result<Value, AwsError> {
        let id = input.str("ResourceId")?;
        let new = input.tags("Tags");
        state::write(ctx, |org| {
            if !exists(org, id) {
                return Err(errors::target_not_found());
            }
            let mut tags = org.tags.get(id).cloned().unwrap_or_default();
            for (k, v) in new {
                tags.retain(|(key, _)| *key != k);
                tags.push((k, v));
            }
            if tags.len() > MAX_TAGS {
                return Err(errors::constraint(
                    "MAX_TAG_LIMIT_EXCEEDED",
                    "You have exceeded the number of tags allowed on this resource.",
                ));
            }
            org.tags.insert(id.to_string(), tags);
            Ok(json!({}))
        })
    }
}

pub mod untag_resource {
    use super::*;

    pub fn authorize(req: &AuthzRequest<'_>) -> Result<Vec<Check>, AwsError> {
        resource_check(req, "organizations:UntagResource")
    }

    pub fn handle(ctx: &OpContext, input: Input<'_>) -> Result<Value, AwsError> {
        let id = input.str("ResourceId")?;
        let keys = input.strings("TagKeys");
        state::write(ctx, |org| {
            if !exists(org, id) {
                return Err(errors::target_not_found());
            }
            if let Some(tags) = org.tags.get_mut(id) {
                tags.retain(|(k, _)| !keys.contains(k));
            }
            org.tags.retain(|_, t| !t.is_empty());
            Ok(json!({}))
        })
    }
}

pub mod list_tags_for_resource {
    use super::*;

    pub fn authorize(req: &AuthzRequest<'_>) -> Result<Vec<Check>, AwsError> {
        resource_check(req, "organizations:ListTagsForResource")
    }

    pub fn handle(ctx: &OpContext, input: Input<'_>) -> Result<Value, AwsError> {
        let id = input.str("ResourceId")?;
        let items = state::read(ctx, |org| {
            if !exists(org, id) {
                return Err(errors::target_not_found());
            }
            let tags = org.tags.get(id).map(Vec::as_slice).unwrap_or_default();
            Ok(tags.iter().map(|(k, v)| (k.clone(), json!({"Key": k, "Value": v}))).collect())
        })?;
        paging::page(items, input, "Tags")
    }
}
