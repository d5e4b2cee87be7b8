//! Roles: CreateRole, GetRole, DeleteRole, ListRoles, UpdateRole, UpdateRoleDescription,
//! UpdateAssumeRolePolicy. Trust policies are parsed as role trust policies and their principals must exist.

use crate::input::Input;
use crate::render::{self, View};
use crate::{authz, errors, lookup, principals, state, validate};
use sekisho_core::identity::store::{DocKind, PolicyDoc, Role};
use sekisho_core::{AuthzRequest, AwsError, Check, OpContext, ids};
use serde_json::{Value, json};

fn trust_policy(text: &str) -> Result<PolicyDoc, AwsError> {
    let doc = PolicyDoc::parse(text, DocKind::Trust).map_err(|e| errors::malformed(&e))?;
    validate::trust_policy_size(text)?;
    match principals::account_ids_as_arns(text) {
        Some(normalized) => PolicyDoc::parse(&normalized, DocKind::Trust).map_err(|e| errors::malformed(&e)),
        None => Ok(doc),
    }
}

/// A boundary must be a well-formed ARN of a policy the account can attach.
pub fn check_boundary(iam: &sekisho_core::identity::store::AccountIam, arn: &str) -> Result<(), AwsError> {
    lookup::check_boundary_arn(arn)?;
    if lookup::attachable(iam, arn) {
        Ok(())
    } else {
        Err(errors::no_such_entity(format!("Scope ARN: {arn} does not exist or is not attachable.")))
    }
}

/// Roles under `/aws-service-role/` belong to AWS services and cannot be changed by IAM's role operations.
pub fn check_modifiable(role: &Role) -> Result<(), AwsError> {
    if role.path.starts_with("/aws-service-role/") {
        return Err(AwsError::new(
            "UnmodifiableEntity",
            400,
            format!(
                "Cannot perform the operation on the protected role '{}' - this role is only modifiable by AWS",
                role.name
            ),
        ));
    }
    Ok(())
}

pub mod create_role {
    use super::*;

    pub fn authorize(req: &AuthzRequest<'_>) -> Result<Vec<Check>, AwsError> {
        let input = Input(req.input);
        let name = input.str("RoleName")?;
        let mut check = Check::new("iam:CreateRole", authz::new_arn(req, "role", name));
        if let Some(b) = input.opt_str("PermissionsBoundary") {
            check = check.with_context("iam:PermissionsBoundary", b);
        }
        Ok(vec![authz::with_request_tags(check, &input.tags("Tags"))])
    }

    pub fn handle(ctx: &OpContext, input: Input<'_>) -> Result<Value, AwsError> {
        let name = input.str("RoleName")?;
        let trust = trust_policy(input.str("AssumeRolePolicyDocument")?)?;
        let tags = input.tags("Tags");
        validate::tags(&tags)?;
        let account = ctx.account().to_string();
        let now = ctx.now_ms();
        state::world(ctx, |w| {
            principals::check(w, &trust.policy)?;
            let iam = &mut w.account_mut(&account, now).iam;
            if iam.role(name).is_some() {
                return Err(errors::already_exists(format!("Role with name {name} already exists.")));
            }
            let boundary = input.opt_str("PermissionsBoundary").map(str::to_string);
            if let Some(b) = &boundary {
                check_boundary(iam, b)?;
            }
            let role = Role {
                name: name.to_string(),
                path: input.opt_str("Path").unwrap_or("/").to_string(),
                id: ids::unique_id("AROA"),
                create_date_ms: now,
                trust_policy: trust,
                description: input.opt_str("Description").map(str::to_string),
                max_session_duration: input.opt_i64("MaxSessionDuration").unwrap_or(3600),
                inline_policies: Default::default(),
                attached_policies: Vec::new(),
                permissions_boundary: boundary,
                tags,
                last_used_ms: None,
                last_used_region: None,
            };
            let mut out = render::role(&account, &role, View::Full);
            if let Some(m) = out.as_object_mut() {
                m.remove("RoleLastUsed");
            }
            iam.roles.insert(state::key(name), role);
            Ok(json!({ "Role": out }))
        })
    }
}

pub mod get_role {
    use super::*;

    pub fn authorize(req: &AuthzRequest<'_>) -> Result<Vec<Check>, AwsError> {
        authz::role(req, "iam:GetRole")
    }

    pub fn handle(ctx: &OpContext, input: Input<'_>) -> Result<Value, AwsError> {
        let name = input.str("RoleName")?;
        state::read(ctx, |iam| {
            let role = lookup::role(iam, name)?;
            Ok(json!({ "Role": render::role(ctx.account(), role, View::Full) }))
        })
    }
}

pub mod delete_role {
    use super::*;

    pub fn authorize(req: &AuthzRequest<'_>) -> Result<Vec<Check>, AwsError> {
        authz::role(req, "iam:DeleteRole")
    }

    pub fn handle(ctx: &OpContext, input: Input<'_>) -> Result<Value, AwsError> {
        let name = input.str("RoleName")?;
        let account = ctx.account().to_string();
        let now = ctx.now_ms();
        state::world(ctx, |w| {
            let iam = &mut w.account_mut(&account, now).iam;
            let role = lookup::role(iam, name)?;
            check_modifiable(role)?;
            let key = state::key(name);
            if iam.instance_profiles.values().any(|p| p.roles.iter().any(|r| r.eq_ignore_ascii_case(name))) {
                return Err(errors::delete_conflict(
                    "Cannot delete entity, must remove roles from instance profile first.",
                ));
            }
            if !role.attached_policies.is_empty() {
                return Err(errors::delete_conflict("Cannot delete entity, must detach all policies first."));
            }
            if !role.inline_policies.is_empty() {
                return Err(errors::delete_conflict("Cannot delete entity, must delete policies first."));
            }
            if let Some(role) = iam.roles.remove(&key) {
                let arn = render::arn(&account, "role", &role.path, &role.name);
                principals::forget(w, &arn, &role.id);
            }
            Ok(json!({}))
        })
    }
}

pub mod list_roles {
    use super::*;

    pub fn authorize(_req: &AuthzRequest<'_>) -> Result<Vec<Check>, AwsError> {
        authz::star("iam:ListRoles")
    }

    pub fn handle(ctx: &OpContext, input: Input<'_>) -> Result<Value, AwsError> {
        let prefix = input.opt_str("PathPrefix").unwrap_or("/");
        let items = state::read(ctx, |iam| {
            iam.roles
                .iter()
                .filter(|(_, r)| r.path.starts_with(prefix))
                .map(|(k, r)| (k.clone(), render::role(ctx.account(), r, View::List)))
                .collect()
        });
        Ok(crate::paging::page(items, input)?.into_output("Roles"))
    }
}

pub mod update_role {
    use super::*;

    pub fn authorize(req: &AuthzRequest<'_>) -> Result<Vec<Check>, AwsError> {
        authz::role(req, "iam:UpdateRole")
    }

    pub fn handle(ctx: &OpContext, input: Input<'_>) -> Result<Value, AwsError> {
        let name = input.str("RoleName")?;
        state::write(ctx, |iam| {
            let role = lookup::role_mut(iam, name)?;
            check_modifiable(role)?;
            if let Some(d) = input.opt_str("Description") {
                role.description = Some(d.to_string());
            }
            if let Some(m) = input.opt_i64("MaxSessionDuration") {
                role.max_session_duration = m;
            }
            Ok(json!({}))
        })
    }
}

pub mod update_role_description {
    use super::*;

    pub fn authorize(req: &AuthzRequest<'_>) -> Result<Vec<Check>, AwsError> {
        authz::role(req, "iam:UpdateRoleDescription")
    }

    pub fn handle(ctx: &OpContext, input: Input<'_>) -> Result<Value, AwsError> {
        let name = input.str("RoleName")?;
        let description = input.str("Description")?;
        state::write(ctx, |iam| {
            let role = lookup::role_mut(iam, name)?;
            check_modifiable(role)?;
            role.description = Some(description.to_string());
            Ok(json!({ "Role": render::role(ctx.account(), role, View::Full) }))
        })
    }
}

pub mod update_assume_role_policy {
    use super::*;

    pub fn authorize(req: &AuthzRequest<'_>) -> Result<Vec<Check>, AwsError> {
        authz::role(req, "iam:UpdateAssumeRolePolicy")
    }

    pub fn handle(ctx: &OpContext, input: Input<'_>) -> Result<Value, AwsError> {
        let name = input.str("RoleName")?;
        let trust = trust_policy(input.str("PolicyDocument")?)?;
        let account = ctx.account().to_string();
        let now = ctx.now_ms();
        state::world(ctx, |w| {
            principals::check(w, &trust.policy)?;
            let role = lookup::role_mut(&mut w.account_mut(&account, now).iam, name)?;
            check_modifiable(role)?;
            role.trust_policy = trust;
            Ok(json!({}))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::authz::testing::{ACCOUNT, checks, context, world};

    #[test]
    fn create_role_is_checked_on_the_new_roles_arn_with_its_tags_and_boundary() {
        let w = world();
        let c = checks(
            &w,
            create_role::authorize,
            json!({"RoleName": "r", "Path": "/app/", "AssumeRolePolicyDocument": "{}",
                   "PermissionsBoundary": "arn:aws:iam::aws:policy/ReadOnlyAccess",
                   "Tags": [{"Key": "team", "Value": "a"}]}),
        );
        assert_eq!(c.len(), 1);
        assert_eq!(c[0].action, "iam:CreateRole");
        assert_eq!(c[0].resource, format!("arn:aws:iam::{ACCOUNT}:role/app/r"));
        assert_eq!(context(&c[0], "iam:PermissionsBoundary").unwrap(), ["arn:aws:iam::aws:policy/ReadOnlyAccess"]);
        assert_eq!(context(&c[0], "aws:RequestTag/team").unwrap(), ["a"]);
        assert_eq!(context(&c[0], "aws:TagKeys").unwrap(), ["team"]);
    }

    #[test]
    fn role_operations_use_the_roles_path_once_it_exists() {
        let w = world();
        let c = checks(&w, get_role::authorize, json!({"RoleName": "r"}));
        assert_eq!((c[0].action.as_str(), c[0].resource.as_str()), ("iam:GetRole", "arn:aws:iam::111111111111:role/r"));
        let trust = PolicyDoc::parse(
            r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole"}]}"#,
            DocKind::Trust,
        )
        .unwrap();
        w.write().account_mut(ACCOUNT, 0).iam.roles.insert(
            "r".into(),
            Role {
                name: "r".into(),
                path: "/svc/".into(),
                id: "AROAEXAMPLE".into(),
                create_date_ms: 0,
                trust_policy: trust,
                description: None,
                max_session_duration: 3600,
                inline_policies: Default::default(),
                attached_policies: vec![],
                permissions_boundary: None,
                tags: vec![],
                last_used_ms: None,
                last_used_region: None,
            },
        );
        let c = checks(&w, delete_role::authorize, json!({"RoleName": "R"}));
        assert_eq!(c[0].resource, "arn:aws:iam::111111111111:role/svc/R");
        let c = checks(&w, list_roles::authorize, json!({}));
        assert_eq!((c[0].action.as_str(), c[0].resource.as_str()), ("iam:ListRoles", "*"));
    }
}
