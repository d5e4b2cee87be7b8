//! Managed policies attached to roles, users and groups: Attach/Detach/ListAttached{Role,User,Group}Policies
//! (at most 10 per entity), and permissions boundaries: Put/Delete{Role,User}PermissionsBoundary.

use crate::input::Input;
use crate::{authz, errors, lookup, paging, render, state};
use sekisho_core::identity::store::AccountIam;
use sekisho_core::managed;
use sekisho_core::{AuthzRequest, AwsError, Check, OpContext};
use serde_json::{Value, json};

#[derive(Clone, Copy)]
pub enum Kind {
    Role,
    User,
    Group,
}

impl Kind {
    fn member(self) -> &'static str {
        match self {
            Kind::Role => "RoleName",
            Kind::User => "UserName",
            Kind::Group => "GroupName",
        }
    }

    fn quota(self) -> &'static str {
        match self {
            Kind::Role => "PoliciesPerRole",
            Kind::User => "PoliciesPerUser",
            Kind::Group => "PoliciesPerGroup",
        }
    }

    /// The entity's check, with `iam:PolicyARN` and (roles, users) the boundary it has.
    fn check(self, req: &AuthzRequest<'_>, action: &str) -> Result<Vec<Check>, AwsError> {
        let input = Input(req.input);
        let name = input.str(self.member())?;
        let mut check = match self {
            Kind::Role => Check::new(action, authz::role_arn(req, name)),
            Kind::User => Check::new(action, authz::user_arn(req, name)),
            Kind::Group => Check::new(action, authz::group_arn(req, name)),
        };
        if let Some(arn) = input.opt_str("PolicyArn") {
            check = check.with_context("iam:PolicyARN", arn);
        }
        if let Some(b) = existing_boundary(req, self, name) {
            check = check.with_context("iam:PermissionsBoundary", b);
        }
        Ok(vec![check])
    }

    fn attached<'a>(self, iam: &'a AccountIam, name: &str) -> Result<&'a Vec<String>, AwsError> {
        Ok(match self {
            Kind::Role => &lookup::role(iam, name)?.attached_policies,
            Kind::User => &lookup::user(iam, name)?.attached_policies,
            Kind::Group => &lookup::group(iam, name)?.attached_policies,
        })
    }

    fn attached_mut<'a>(self, iam: &'a mut AccountIam, name: &str) -> Result<&'a mut Vec<String>, AwsError> {
        Ok(match self {
            Kind::Role => {
                let role = lookup::role_mut(iam, name)?;
                crate::ops::roles::check_modifiable(role)?;
                &mut role.attached_policies
            }
            Kind::User => &mut lookup::user_mut(iam, name)?.attached_policies,
            Kind::Group => &mut lookup::group_mut(iam, name)?.attached_policies,
        })
    }
}

fn existing_boundary(req: &AuthzRequest<'_>, kind: Kind, name: &str) -> Option<String> {
    let state = req.world.read();
    let iam = &state.account(authz::account(req))?.iam;
    match kind {
        Kind::Role => iam.role(name)?.permissions_boundary.clone(),
        Kind::User => iam.user(name)?.permissions_boundary.clone(),
        Kind::Group => None,
    }
}

fn attach(ctx: &OpContext, input: Input<'_>, kind: Kind) -> Result<Value, AwsError> {
    let name = input.str(kind.member())?;
    let arn = input.str("PolicyArn")?;
    lookup::check_policy_arn(arn)?;
    state::write(ctx, |iam| {
        kind.attached(iam, name)?;
        if !lookup::attachable(iam, arn) {
            return Err(errors::policy_not_attachable(arn));
        }
        let attached = kind.attached_mut(iam, name)?;
        if attached.iter().any(|a| a == arn) {
            return Ok(json!({}));
        }
        if attached.len() >= 10 {
            return Err(errors::quota(kind.quota(), 10));
        }
        attached.push(arn.to_string());
        Ok(json!({}))
    })
}

fn detach(ctx: &OpContext, input: Input<'_>, kind: Kind) -> Result<Value, AwsError> {
    let name = input.str(kind.member())?;
    let arn = input.str("PolicyArn")?;
    lookup::check_policy_arn(arn)?;
    state::write(ctx, |iam| {
        let attached = kind.attached_mut(iam, name)?;
        let before = attached.len();
        attached.retain(|a| a != arn);
        if attached.len() == before {
            return Err(errors::policy_not_found(arn));
        }
        Ok(json!({}))
    })
}

fn policy_path(iam: &AccountIam, arn: &str) -> String {
    if let Some(p) = iam.policies.get(arn) {
        return p.path.clone();
    }
    managed::get(arn).map(|p| p.path.clone()).unwrap_or_else(|| "/".to_string())
}

fn list(ctx: &OpContext, input: Input<'_>, kind: Kind) -> Result<Value, AwsError> {
    let name = input.str(kind.member())?;
    let prefix = input.opt_str("PathPrefix").unwrap_or("/");
    let items = state::read(ctx, |iam| {
        Ok::<_, AwsError>(
            kind.attached(iam, name)?
                .iter()
                .filter(|arn| policy_path(iam, arn).starts_with(prefix))
                .enumerate()
                .map(|(i, arn)| (format!("{i:04}"), render::attached(iam, arn)))
                .collect(),
        )
    })?;
    Ok(paging::page(items, input)?.into_output("AttachedPolicies"))
}

macro_rules! attached_ops {
    ($kind:expr, $attach:ident/$aa:literal, $detach:ident/$da:literal, $list:ident/$la:literal) => {
        pub mod $attach {
            use super::*;
            pub fn authorize(req: &AuthzRequest<'_>) -> Result<Vec<Check>, AwsError> {
                $kind.check(req, $aa)
            }
            pub fn handle(ctx: &OpContext, input: Input<'_>) -> Result<Value, AwsError> {
                attach(ctx, input, $kind)
            }
        }
        pub mod $detach {
            use super::*;
            pub fn authorize(req: &AuthzRequest<'_>) -> Result<Vec<Check>, AwsError> {
                $kind.check(req, $da)
            }
            pub fn handle(ctx: &OpContext, input: Input<'_>) -> Result<Value, AwsError> {
                detach(ctx, input, $kind)
            }
        }
        pub mod $list {
            use super::*;
            pub fn authorize(req: &AuthzRequest<'_>) -> Result<Vec<Check>, AwsError> {
                $kind.check(req, $la)
            }
            pub fn handle(ctx: &OpContext, input: Input<'_>) -> Result<Value, AwsError> {
                list(ctx, input, $kind)
            }
        }
    };
}

attached_ops!(
    Kind::Role,
    attach_role_policy / "iam:AttachRolePolicy",
    detach_role_policy / "iam:DetachRolePolicy",
    list_attached_role_policies / "iam:ListAttachedRolePolicies"
);
attached_ops!(
    Kind::User,
    attach_user_policy / "iam:AttachUserPolicy",
    detach_user_policy / "iam:DetachUserPolicy",
    list_attached_user_policies / "iam:ListAttachedUserPolicies"
);
attached_ops!(
    Kind::Group,
    attach_group_policy / "iam:AttachGroupPolicy",
    detach_group_policy / "iam:DetachGroupPolicy",
    list_attached_group_policies / "iam:ListAttachedGroupPolicies"
);

/// Sets or clears the boundary of a role or user; `None` clears it.
fn set_boundary(ctx: &OpContext, input: Input<'_>, kind: Kind, set: bool) -> Result<Value, AwsError> {
    let name = input.str(kind.member())?;
    let arn = if set { Some(input.str("PermissionsBoundary")?) } else { None };
    state::write(ctx, |iam| {
        if let Some(a) = arn {
            crate::ops::roles::check_boundary(iam, a)?;
        }
        let slot = match kind {
            Kind::Role => {
                let role = lookup::role_mut(iam, name)?;
                crate::ops::roles::check_modifiable(role)?;
                &mut role.permissions_boundary
            }
            _ => &mut lookup::user_mut(iam, name)?.permissions_boundary,
        };
        *slot = arn.map(str::to_string);
        Ok(json!({}))
    })
}

fn boundary_check(req: &AuthzRequest<'_>, kind: Kind, action: &str) -> Result<Vec<Check>, AwsError> {
    let input = Input(req.input);
    let name = input.str(kind.member())?;
    let mut check = match kind {
        Kind::Role => Check::new(action, authz::role_arn(req, name)),
        _ => Check::new(action, authz::user_arn(req, name)),
    };
    let boundary =
        input.opt_str("PermissionsBoundary").map(str::to_string).or_else(|| existing_boundary(req, kind, name));
    if let Some(b) = boundary {
        check = check.with_context("iam:PermissionsBoundary", b);
    }
    Ok(vec![check])
}

pub mod put_role_permissions_boundary {
    use super::*;
    pub fn authorize(req: &AuthzRequest<'_>) -> Result<Vec<Check>, AwsError> {
        boundary_check(req, Kind::Role, "iam:PutRolePermissionsBoundary")
    }
    pub fn handle(ctx: &OpContext, input: Input<'_>) -> Result<Value, AwsError> {
        set_boundary(ctx, input, Kind::Role, true)
    }
}

pub mod delete_role_permissions_boundary {
    use super::*;
    pub fn authorize(req: &AuthzRequest<'_>) -> Result<Vec<Check>, AwsError> {
        boundary_check(req, Kind::Role, "iam:DeleteRolePermissionsBoundary")
    }
    pub fn handle(ctx: &OpContext, input: Input<'_>) -> Result<Value, AwsError> {
        set_boundary(ctx, input, Kind::Role, false)
    }
}

pub mod put_user_permissions_boundary {
    use super::*;
    pub fn authorize(req: &AuthzRequest<'_>) -> Result<Vec<Check>, AwsError> {
        boundary_check(req, Kind::User, "iam:PutUserPermissionsBoundary")
    }
    pub fn handle(ctx: &OpContext, input: Input<'_>) -> Result<Value, AwsError> {
        set_boundary(ctx, input, Kind::User, true)
    }
}

pub mod delete_user_permissions_boundary {
    use super::*;
    pub fn authorize(req: &AuthzRequest<'_>) -> Result<Vec<Check>, AwsError> {
        boundary_check(req, Kind::User, "iam:DeleteUserPermissionsBoundary")
    }
    pub fn handle(ctx: &OpContext, input: Input<'_>) -> Result<Value, AwsError> {
        set_boundary(ctx, input, Kind::User, false)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::authz::testing::{checks, context, world};

    #[test]
    fn attach_role_policy_carries_the_policy_arn_condition_key() {
        let w = world();
        let c = checks(
            &w,
            attach_role_policy::authorize,
            json!({"RoleName": "r", "PolicyArn": "arn:aws:iam::aws:policy/ReadOnlyAccess"}),
        );
        assert_eq!(
            (c[0].action.as_str(), c[0].resource.as_str()),
            ("iam:AttachRolePolicy", "arn:aws:iam::111111111111:role/r")
        );
        assert_eq!(context(&c[0], "iam:PolicyARN").unwrap(), ["arn:aws:iam::aws:policy/ReadOnlyAccess"]);
        let c = checks(
            &w,
            put_user_permissions_boundary::authorize,
            json!({"UserName": "u", "PermissionsBoundary": "arn:aws:iam::aws:policy/ReadOnlyAccess"}),
        );
        assert_eq!(c[0].action, "iam:PutUserPermissionsBoundary");
        assert_eq!(context(&c[0], "iam:PermissionsBoundary").unwrap(), ["arn:aws:iam::aws:policy/ReadOnlyAccess"]);
    }
}
