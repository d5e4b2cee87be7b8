//! Managed policies: CreatePolicy, GetPolicy, DeletePolicy, ListPolicies (customer managed and the
//! AWS-managed catalog), ListEntitiesForPolicy, and policy tags.

use crate::input::Input;
use crate::render::{self, View};
use crate::{authz, errors, paging, state, tagging, validate};
use sekisho_core::identity::store::{AccountIam, DocKind, ManagedPolicy, PolicyDoc, PolicyVersion};
use sekisho_core::managed;
use sekisho_core::{AuthzRequest, AwsError, Check, OpContext, ids};
use serde_json::{Value, json};

/// A customer managed policy document: `Version` 2012-10-17 required, at most 6,144 characters.
pub fn managed_document(text: &str) -> Result<PolicyDoc, AwsError> {
    let doc = PolicyDoc::parse(text, DocKind::Managed).map_err(|e| errors::malformed(&e))?;
    validate::managed_policy_size(text)?;
    Ok(doc)
}

/// The customer managed policy `arn` of this account.
pub fn customer_mut<'a>(iam: &'a mut AccountIam, arn: &str) -> Result<&'a mut ManagedPolicy, AwsError> {
    iam.policies.get_mut(arn).ok_or_else(|| errors::policy_not_found(arn))
}

/// GetPolicy's view of a customer managed or AWS managed policy.
fn describe(iam: &AccountIam, arn: &str, view: View) -> Option<Value> {
    if let Some(p) = iam.policies.get(arn) {
        return Some(render::customer_policy(iam, arn, p, view));
    }
    managed::get(arn).map(|p| render::aws_policy(iam, p, view))
}

pub mod create_policy {
    use super::*;

    pub fn authorize(req: &AuthzRequest<'_>) -> Result<Vec<Check>, AwsError> {
        let input = Input(req.input);
        let name = input.str("PolicyName")?;
        let check = Check::new("iam:CreatePolicy", authz::new_arn(req, "policy", name));
        Ok(vec![authz::with_request_tags(check, &input.tags("Tags"))])
    }

    pub fn handle(ctx: &OpContext, input: Input<'_>) -> Result<Value, AwsError> {
        let name = input.str("PolicyName")?;
        let doc = managed_document(input.str("PolicyDocument")?)?;
        let tags = input.tags("Tags");
        validate::tags(&tags)?;
        let path = input.opt_str("Path").unwrap_or("/");
        let arn = render::arn(ctx.account(), "policy", path, name);
        let now = ctx.now_ms();
        state::write(ctx, |iam| {
            if iam.policies.values().any(|p| p.name.eq_ignore_ascii_case(name)) {
                return Err(errors::already_exists(format!(
                    "A policy called {name} already exists. Duplicate names are not allowed."
                )));
            }
            let policy = ManagedPolicy {
                name: name.to_string(),
                path: path.to_string(),
                id: ids::unique_id("ANPA"),
                create_date_ms: now,
                update_date_ms: now,
                description: input.opt_str("Description").map(str::to_string),
                default_version_id: "v1".into(),
                versions: vec![PolicyVersion { version_id: "v1".into(), document: doc, create_date_ms: now }],
                next_version: 2,
                tags,
            };
            iam.policies.insert(arn.clone(), policy);
            let mut out = describe(iam, &arn, View::Full).unwrap_or_default();
            if let Some(m) = out.as_object_mut() {
                // CreatePolicy echoes neither the description nor an empty tag list.
                m.remove("Description");
                if m.get("Tags").and_then(Value::as_array).is_some_and(Vec::is_empty) {
                    m.remove("Tags");
                }
            }
            Ok(json!({ "Policy": out }))
        })
    }
}

pub mod get_policy {
    use super::*;

    pub fn authorize(req: &AuthzRequest<'_>) -> Result<Vec<Check>, AwsError> {
        authz::policy(req, "iam:GetPolicy")
    }

    pub fn handle(ctx: &OpContext, input: Input<'_>) -> Result<Value, AwsError> {
        let arn = input.str("PolicyArn")?;
        state::read(ctx, |iam| {
            let policy = describe(iam, arn, View::Full).ok_or_else(|| errors::policy_not_found(arn))?;
            Ok(json!({ "Policy": policy }))
        })
    }
}

pub mod delete_policy {
    use super::*;

    pub fn authorize(req: &AuthzRequest<'_>) -> Result<Vec<Check>, AwsError> {
        authz::policy(req, "iam:DeletePolicy")
    }

    pub fn handle(ctx: &OpContext, input: Input<'_>) -> Result<Value, AwsError> {
        let arn = input.str("PolicyArn")?;
        state::write(ctx, |iam| {
            let versions = customer_mut(iam, arn)?.versions.len();
            let (attached, boundary) = render::usage(iam, arn);
            if attached + boundary > 0 {
                return Err(errors::delete_conflict("Cannot delete a policy attached to entities."));
            }
            if versions > 1 {
                return Err(errors::delete_conflict(
                    "This policy has more than one version. Before you delete a policy, you must delete the policy's versions. The default version is deleted with the policy.",
                ));
            }
            iam.policies.remove(arn);
            Ok(json!({}))
        })
    }
}

pub mod list_policies {
    use super::*;

    pub fn authorize(_req: &AuthzRequest<'_>) -> Result<Vec<Check>, AwsError> {
        authz::star("iam:ListPolicies")
    }

    pub fn handle(ctx: &OpContext, input: Input<'_>) -> Result<Value, AwsError> {
        let scope = input.opt_str("Scope").unwrap_or("All");
        let only_attached = input.opt_bool("OnlyAttached").unwrap_or(false);
        let prefix = input.opt_str("PathPrefix").unwrap_or("/");
        let usage = input.opt_str("PolicyUsageFilter");
        let items = state::read(ctx, |iam| {
            let keep = |arn: &str, path: &str| {
                let (attached, boundary) = render::usage(iam, arn);
                let used = match usage {
                    Some("PermissionsPolicy") => attached > 0,
                    Some("PermissionsBoundary") => boundary > 0,
                    _ => attached + boundary > 0,
                };
                path.starts_with(prefix) && (!only_attached || used)
            };
            let mut items: Vec<(String, Value)> = Vec::new();
            if scope != "AWS" {
                for (arn, p) in &iam.policies {
                    if keep(arn, &p.path) {
                        items.push((
                            format!("{}|{arn}", p.name.to_ascii_lowercase()),
                            render::customer_policy(iam, arn, p, View::List),
                        ));
                    }
                }
            }
            if scope != "Local" {
                for p in managed::all() {
                    if keep(&p.arn, &p.path) {
                        items.push((
                            format!("{}|{}", p.name.to_ascii_lowercase(), p.arn),
                            render::aws_policy(iam, p, View::List),
                        ));
                    }
                }
            }
            items
        });
        Ok(paging::page(items, input)?.into_output("Policies"))
    }
}

pub mod list_entities_for_policy {
    use super::*;

    pub fn authorize(req: &AuthzRequest<'_>) -> Result<Vec<Check>, AwsError> {
        authz::policy(req, "iam:ListEntitiesForPolicy")
    }

    pub fn handle(ctx: &OpContext, input: Input<'_>) -> Result<Value, AwsError> {
        let arn = input.str("PolicyArn")?;
        let filter = input.opt_str("EntityFilter");
        let prefix = input.opt_str("PathPrefix").unwrap_or("/");
        let boundary = input.opt_str("PolicyUsageFilter") == Some("PermissionsBoundary");
        let permissions = input.opt_str("PolicyUsageFilter") != Some("PermissionsBoundary");
        let wants = |kind: &str| filter.is_none_or(|f| f == kind);
        state::read(ctx, |iam| {
            if !iam.policies.contains_key(arn) && managed::get(arn).is_none() {
                return Err(errors::policy_not_found(arn));
            }
            let uses = |attached: &[String], b: &Option<String>| {
                (permissions && attached.iter().any(|a| a == arn)) || (boundary && b.as_deref() == Some(arn))
            };
            let mut groups = Vec::new();
            let mut users = Vec::new();
            let mut roles = Vec::new();
            if wants("Group") && !boundary {
                for g in iam.groups.values().filter(|g| g.path.starts_with(prefix) && uses(&g.attached_policies, &None))
                {
                    groups.push(json!({"GroupName": g.name, "GroupId": g.id}));
                }
            }
            if wants("User") {
                for u in iam
                    .users
                    .values()
                    .filter(|u| u.path.starts_with(prefix) && uses(&u.attached_policies, &u.permissions_boundary))
                {
                    users.push(json!({"UserName": u.name, "UserId": u.id}));
                }
            }
            if wants("Role") {
                for r in iam
                    .roles
                    .values()
                    .filter(|r| r.path.starts_with(prefix) && uses(&r.attached_policies, &r.permissions_boundary))
                {
                    roles.push(json!({"RoleName": r.name, "RoleId": r.id}));
                }
            }
            Ok(json!({"PolicyGroups": groups, "PolicyUsers": users, "PolicyRoles": roles, "IsTruncated": false}))
        })
    }
}

pub mod tag_policy {
    use super::*;

    pub fn authorize(req: &AuthzRequest<'_>) -> Result<Vec<Check>, AwsError> {
        let tags = Input(req.input).tags("Tags");
        Ok(authz::policy(req, "iam:TagPolicy")?.into_iter().map(|c| authz::with_request_tags(c, &tags)).collect())
    }

    pub fn handle(ctx: &OpContext, input: Input<'_>) -> Result<Value, AwsError> {
        let arn = input.str("PolicyArn")?;
        tagging::tag(ctx, input, "TagsPerPolicy", |iam| Ok(&mut customer_mut(iam, arn)?.tags))
    }
}

pub mod untag_policy {
    use super::*;

    pub fn authorize(req: &AuthzRequest<'_>) -> Result<Vec<Check>, AwsError> {
        let keys = Input(req.input).strings("TagKeys");
        Ok(authz::policy(req, "iam:UntagPolicy")?
            .into_iter()
            .map(|c| c.with_context_values("aws:TagKeys", keys.clone()))
            .collect())
    }

    pub fn handle(ctx: &OpContext, input: Input<'_>) -> Result<Value, AwsError> {
        let arn = input.str("PolicyArn")?;
        tagging::untag(ctx, input, |iam| Ok(&mut customer_mut(iam, arn)?.tags))
    }
}

pub mod list_policy_tags {
    use super::*;

    pub fn authorize(req: &AuthzRequest<'_>) -> Result<Vec<Check>, AwsError> {
        authz::policy(req, "iam:ListPolicyTags")
    }

    pub fn handle(ctx: &OpContext, input: Input<'_>) -> Result<Value, AwsError> {
        let arn = input.str("PolicyArn")?;
        tagging::list(ctx, input, |iam| {
            if managed::get(arn).is_some() {
                return Ok(Vec::new());
            }
            Ok(iam.policies.get(arn).ok_or_else(|| errors::policy_not_found(arn))?.tags.clone())
        })
    }
}
