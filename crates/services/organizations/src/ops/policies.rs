//! Organization policies: CreatePolicy, UpdatePolicy, DeletePolicy, DescribePolicy, ListPolicies,
//! ListPoliciesForTarget, ListTargetsForPolicy, AttachPolicy, DetachPolicy.

use super::organization::usable_policy_type;
use crate::input::Input;
use crate::{access, errors, ids, paging, render, state};
use sekisho_core::organization::{
    OrgPolicy, Organization, RCP_FULL_AWS_ACCESS, RESOURCE_CONTROL_POLICY, SERVICE_CONTROL_POLICY, aws_managed_policies,
};
use sekisho_core::{AuthzRequest, AwsError, Check, OpContext};
use serde_json::{Value, json};
use std::sync::Arc;

/// The largest SCP or RCP, in characters (AWS Organizations quotas).
const MAX_CONTENT: usize = 5120;
/// At most five policies of one type on a root, OU or account.
const MAX_PER_TARGET: usize = 5;

/// Organizations' own rules for SCPs and RCPs, on top of the policy language: an SCP names no principal;
/// an RCP only denies, names every principal (`"*"`) and lists actions (no NotAction).
fn organization_rules(policy_type: &str, content: &str) -> Result<(), AwsError> {
    let doc: Value = serde_json::from_str(content).map_err(|_| errors::malformed_policy())?;
    let statements: Vec<&Value> = match doc.get("Statement") {
        Some(Value::Array(list)) => list.iter().collect(),
        Some(one) => vec![one],
        None => return Err(errors::malformed_policy()),
    };
    for s in statements {
        let has = |key: &str| s.get(key).is_some();
        let ok = match policy_type {
            SERVICE_CONTROL_POLICY => !has("Principal") && !has("NotPrincipal"),
            RESOURCE_CONTROL_POLICY => {
                s.get("Effect").and_then(Value::as_str) == Some("Deny")
                    && s.get("Principal").and_then(Value::as_str) == Some("*")
                    && !has("NotPrincipal")
                    && !has("NotAction")
            }
            _ => true,
        };
        if !ok {
            return Err(errors::malformed_policy());
        }
    }
    Ok(())
}

/// Parses a policy's content under the rules of its type; other types than SCP and RCP must be JSON objects.
pub(crate) fn compile(policy_type: &str, content: &str) -> Result<Option<Arc<sekisho_policy::Policy>>, AwsError> {
    if matches!(policy_type, SERVICE_CONTROL_POLICY | RESOURCE_CONTROL_POLICY) {
        if content.chars().count() > MAX_CONTENT {
            return Err(errors::policy_content_limit());
        }
        organization_rules(policy_type, content)?;
        return OrgPolicy::compile(policy_type, content).map_err(|_| errors::malformed_policy());
    }
    match serde_json::from_str::<Value>(content) {
        Ok(Value::Object(_)) => Ok(None),
        _ => Err(errors::malformed_policy()),
    }
}

fn name_taken(org: &Organization, policy_type: &str, name: &str, except: Option<&str>) -> bool {
    org.policies.values().any(|p| p.policy_type == policy_type && p.name == name && Some(p.id.as_str()) != except)
}

pub mod create_policy {
    use super::*;

    pub fn authorize(req: &AuthzRequest<'_>) -> Result<Vec<Check>, AwsError> {
        let input = Input(req.input);
        let policy_type = input.str("Type")?;
        access::management(req, |_| {
            let check =
                Check::new("organizations:CreatePolicy", "*").with_context("organizations:PolicyType", policy_type);
            Ok(vec![access::with_request_tags(check, input)])
        })
    }

    pub fn handle(ctx: &OpContext, input: Input<'_>) -> Result<Value, AwsError> {
        let content = input.str("Content")?;
        let description = input.opt_str("Description").unwrap_or_default();
        let name = input.str("Name")?;
        let policy_type = input.str("Type")?;
        state::write(ctx, |org| {
            usable_policy_type(org, policy_type)?;
            let compiled = compile(policy_type, content)?;
            if name_taken(org, policy_type, name, None) {
                return Err(errors::duplicate_policy());
            }
            let id = ids::policy();
            let p = OrgPolicy {
                arn: org.policy_arn(policy_type, &id),
                id: id.clone(),
                name: name.to_string(),
                description: description.to_string(),
                policy_type: policy_type.to_string(),
                content: content.to_string(),
                compiled,
            };
            org.policies.insert(id.clone(), p);
            let tags = input.tags("Tags");
            if !tags.is_empty() {
                org.tags.insert(id.clone(), tags);
            }
            let view = org.policy(&id).ok_or_else(errors::policy_not_found)?;
            Ok(json!({ "Policy": render::policy(&view) }))
        })
    }
}

pub mod update_policy {
    use super::*;

    pub fn authorize(req: &AuthzRequest<'_>) -> Result<Vec<Check>, AwsError> {
        access::policy(req, "organizations:UpdatePolicy")
    }

    pub fn handle(ctx: &OpContext, input: Input<'_>) -> Result<Value, AwsError> {
        let id = input.str("PolicyId")?;
        state::write(ctx, |org| {
            if sekisho_core::organization::aws_managed(id).is_some() {
                return Err(errors::immutable_policy());
            }
            let policy_type = org.policies.get(id).ok_or_else(errors::policy_not_found)?.policy_type.clone();
            if let Some(name) = input.opt_str("Name")
                && name_taken(org, &policy_type, name, Some(id))
            {
                return Err(errors::duplicate_policy());
            }
            let compiled = input.opt_str("Content").map(|c| compile(&policy_type, c).map(|p| (c, p))).transpose()?;
            let p = org.policies.get_mut(id).ok_or_else(errors::policy_not_found)?;
            if let Some(name) = input.opt_str("Name") {
                p.name = name.to_string();
            }
            if let Some(description) = input.opt_str("Description") {
                p.description = description.to_string();
            }
            if let Some((content, compiled)) = compiled {
                p.content = content.to_string();
                p.compiled = compiled;
            }
            let view = org.policy(id).ok_or_else(errors::policy_not_found)?;
            Ok(json!({ "Policy": render::policy(&view) }))
        })
    }
}

pub mod delete_policy {
    use super::*;

    pub fn authorize(req: &AuthzRequest<'_>) -> Result<Vec<Check>, AwsError> {
        access::policy(req, "organizations:DeletePolicy")
    }

    pub fn handle(ctx: &OpContext, input: Input<'_>) -> Result<Value, AwsError> {
        let id = input.str("PolicyId")?;
        state::write(ctx, |org| {
            if sekisho_core::organization::aws_managed(id).is_some() {
                return Err(errors::immutable_policy());
            }
            if !org.policies.contains_key(id) {
                return Err(errors::policy_not_found());
            }
            if org.attachments.values().flatten().any(|p| p == id) {
                return Err(errors::policy_in_use());
            }
            org.policies.remove(id);
            org.tags.remove(id);
            Ok(json!({}))
        })
    }
}

pub mod describe_policy {
    use super::*;

    pub fn authorize(req: &AuthzRequest<'_>) -> Result<Vec<Check>, AwsError> {
        access::policy(req, "organizations:DescribePolicy")
    }

    pub fn handle(ctx: &OpContext, input: Input<'_>) -> Result<Value, AwsError> {
        let id = input.str("PolicyId")?;
        state::read(ctx, |org| {
            let view = org.policy(id).ok_or_else(errors::policy_not_found)?;
            Ok(json!({ "Policy": render::policy(&view) }))
        })
    }
}

pub mod list_policies {
    use super::*;

    pub fn authorize(req: &AuthzRequest<'_>) -> Result<Vec<Check>, AwsError> {
        let filter = Input(req.input).str("Filter")?;
        access::management(req, |_| {
            Ok(vec![Check::new("organizations:ListPolicies", "*").with_context("organizations:PolicyType", filter)])
        })
    }

    pub fn handle(ctx: &OpContext, input: Input<'_>) -> Result<Value, AwsError> {
        let filter = input.str("Filter")?;
        let items = state::read(ctx, |org| {
            usable_policy_type(org, filter)?;
            let managed = aws_managed_policies().filter(|m| m.policy_type == filter).map(|m| m.view());
            let customer = org.policies.keys().filter_map(|id| org.policy(id)).filter(|p| p.policy_type == filter);
            Ok(managed.chain(customer).map(|p| (p.name.to_string(), render::policy_summary(&p))).collect())
        })?;
        paging::page(items, input, "Policies")
    }
}

pub mod list_policies_for_target {
    use super::*;

    pub fn authorize(req: &AuthzRequest<'_>) -> Result<Vec<Check>, AwsError> {
        let input = Input(req.input);
        let (target, filter) = (input.str("TargetId")?, input.str("Filter")?);
        access::management(req, |org| {
            Ok(vec![
                Check::new("organizations:ListPoliciesForTarget", access::target_arn(org, target))
                    .with_context("organizations:PolicyType", filter),
            ])
        })
    }

    pub fn handle(ctx: &OpContext, input: Input<'_>) -> Result<Value, AwsError> {
        let target = input.str("TargetId")?;
        let filter = input.str("Filter")?;
        let items = state::read(ctx, |org| {
            usable_policy_type(org, filter)?;
            org.target_kind(target).ok_or_else(errors::target_not_found)?;
            Ok(org
                .attached(target)
                .filter_map(|id| org.policy(id))
                .filter(|p| p.policy_type == filter)
                .map(|p| (p.name.to_string(), render::policy_summary(&p)))
                .collect())
        })?;
        paging::page(items, input, "Policies")
    }
}

pub mod list_targets_for_policy {
    use super::*;

    pub fn authorize(req: &AuthzRequest<'_>) -> Result<Vec<Check>, AwsError> {
        access::policy(req, "organizations:ListTargetsForPolicy")
    }

    pub fn handle(ctx: &OpContext, input: Input<'_>) -> Result<Value, AwsError> {
        let id = input.str("PolicyId")?;
        let items = state::read(ctx, |org| {
            org.policy(id).ok_or_else(errors::policy_not_found)?;
            Ok(org
                .attachments
                .iter()
                .filter(|(_, ids)| ids.iter().any(|p| p == id))
                .filter_map(|(target, _)| render::target(org, target).map(|v| (target.clone(), v)))
                .collect())
        })?;
        paging::page(items, input, "Targets")
    }
}

/// The checks of AttachPolicy and DetachPolicy: the policy and the target.
fn attachment_checks(req: &AuthzRequest<'_>, action: &str) -> Result<Vec<Check>, AwsError> {
    let input = Input(req.input);
    let (policy, target) = (input.str("PolicyId")?, input.str("TargetId")?);
    access::management(req, |org| {
        let (arn, policy_type) = access::policy_arn(org, policy);
        let with_type = |c: Check| match &policy_type {
            Some(t) => c.with_context("organizations:PolicyType", t.clone()),
            None => c,
        };
        Ok(vec![with_type(Check::new(action, arn)), with_type(Check::new(action, access::target_arn(org, target)))])
    })
}

pub mod attach_policy {
    use super::*;

    pub fn authorize(req: &AuthzRequest<'_>) -> Result<Vec<Check>, AwsError> {
        attachment_checks(req, "organizations:AttachPolicy")
    }

    pub fn handle(ctx: &OpContext, input: Input<'_>) -> Result<Value, AwsError> {
        let id = input.str("PolicyId")?;
        let target = input.str("TargetId")?;
        state::write(ctx, |org| {
            let policy_type = org.policy(id).ok_or_else(errors::policy_not_found)?.policy_type.to_string();
            org.target_kind(target).ok_or_else(errors::target_not_found)?;
            if !org.is_enabled(&policy_type) {
                return Err(errors::policy_type_not_enabled());
            }
            if org.attached(target).any(|p| p == id) {
                return Err(errors::duplicate_policy_attachment());
            }
            let same_type = org.attached(target).filter_map(|p| org.policy(p)).filter(|p| p.policy_type == policy_type);
            if same_type.count() >= MAX_PER_TARGET {
                return Err(errors::too_many_policies());
            }
            org.attach(target, id);
            Ok(json!({}))
        })
    }
}

pub mod detach_policy {
    use super::*;

    pub fn authorize(req: &AuthzRequest<'_>) -> Result<Vec<Check>, AwsError> {
        attachment_checks(req, "organizations:DetachPolicy")
    }

    pub fn handle(ctx: &OpContext, input: Input<'_>) -> Result<Value, AwsError> {
        let id = input.str("PolicyId")?;
        let target = input.str("TargetId")?;
        state::write(ctx, |org| {
            let policy_type = org.policy(id).ok_or_else(errors::policy_not_found)?.policy_type.to_string();
            org.target_kind(target).ok_or_else(errors::target_not_found)?;
            if !org.attached(target).any(|p| p == id) {
                return Err(errors::policy_not_attached());
            }
            if id == RCP_FULL_AWS_ACCESS {
                return Err(errors::non_detachable_policy());
            }
            // Every root, OU and account keeps at least one SCP while SCPs are enabled.
            let same_type =
                org.attached(target).filter_map(|p| org.policy(p)).filter(|p| p.policy_type == policy_type).count();
            if policy_type == SERVICE_CONTROL_POLICY && same_type <= 1 {
                return Err(errors::last_policy());
            }
            org.detach(target, id);
            Ok(json!({}))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn organization_rules_per_type() {
        let scp_with_principal =
            r#"{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Principal":"*","Action":"*","Resource":"*"}]}"#;
        assert!(compile(SERVICE_CONTROL_POLICY, scp_with_principal).is_err());
        assert!(compile(RESOURCE_CONTROL_POLICY, scp_with_principal).is_ok());
        let rcp_allow =
            r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"*","Resource":"*"}]}"#;
        assert_eq!(compile(RESOURCE_CONTROL_POLICY, rcp_allow).unwrap_err().code, "MalformedPolicyDocumentException");
        let scp = r#"{"Version":"2012-10-17","Statement":{"Effect":"Deny","Action":"sts:AssumeRole","Resource":"*"}}"#;
        assert!(compile(SERVICE_CONTROL_POLICY, scp).unwrap().is_some());
        assert!(compile(SERVICE_CONTROL_POLICY, "not json").is_err());
        assert!(
            compile(
                SERVICE_CONTROL_POLICY,
                r#"{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":"GetObject","Resource":"*"}]}"#
            )
            .is_err()
        );
        assert!(compile("TAG_POLICY", r#"{"tags":{}}"#).unwrap().is_none());
        assert!(compile("TAG_POLICY", "[]").is_err());
        let big = format!(
            r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Deny","Action":"s3:GetObject","Resource":"{}"}}]}}"#,
            "a".repeat(MAX_CONTENT)
        );
        assert_eq!(
            compile(SERVICE_CONTROL_POLICY, &big).unwrap_err().fields.get("Reason"),
            Some(&json!("POLICY_CONTENT_LIMIT_EXCEEDED"))
        );
    }
}
