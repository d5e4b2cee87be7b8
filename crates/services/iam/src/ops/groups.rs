//! Groups: CreateGroup, GetGroup (with its users), DeleteGroup, ListGroups, UpdateGroup, AddUserToGroup,
//! RemoveUserFromGroup, ListGroupsForUser. Membership is kept on the user.

use crate::input::Input;
use crate::render::{self, View};
use crate::{authz, errors, lookup, paging, state};
use sekisho_core::identity::store::Group;
use sekisho_core::{AuthzRequest, AwsError, Check, OpContext, ids};
use serde_json::{Value, json};

pub mod create_group {
    use super::*;

    pub fn authorize(req: &AuthzRequest<'_>) -> Result<Vec<Check>, AwsError> {
        let name = Input(req.input).str("GroupName")?;
        Ok(vec![Check::new("iam:CreateGroup", authz::new_arn(req, "group", name))])
    }

    pub fn handle(ctx: &OpContext, input: Input<'_>) -> Result<Value, AwsError> {
        let name = input.str("GroupName")?;
        let now = ctx.now_ms();
        state::write(ctx, |iam| {
            if iam.group(name).is_some() {
                return Err(errors::already_exists(format!("Group with name {name} already exists.")));
            }
            let group = Group {
                name: name.to_string(),
                path: input.opt_str("Path").unwrap_or("/").to_string(),
                id: ids::unique_id("AGPA"),
                create_date_ms: now,
                inline_policies: Default::default(),
                attached_policies: Vec::new(),
            };
            let out = render::group(ctx.account(), &group);
            iam.groups.insert(state::key(name), group);
            Ok(json!({ "Group": out }))
        })
    }
}

pub mod get_group {
    use super::*;

    pub fn authorize(req: &AuthzRequest<'_>) -> Result<Vec<Check>, AwsError> {
        authz::group(req, "iam:GetGroup")
    }

    pub fn handle(ctx: &OpContext, input: Input<'_>) -> Result<Value, AwsError> {
        let name = input.str("GroupName")?;
        let (group, users) = state::read(ctx, |iam| {
            let group = lookup::group(iam, name)?;
            let users: Vec<(String, Value)> = iam
                .users
                .iter()
                .filter(|(_, u)| u.groups.iter().any(|g| g.eq_ignore_ascii_case(&group.name)))
                .map(|(k, u)| (k.clone(), render::user(ctx.account(), u, None, View::List)))
                .collect();
            Ok::<_, AwsError>((render::group(ctx.account(), group), users))
        })?;
        let mut out = paging::page(users, input)?.into_output("Users");
        out["Group"] = group;
        Ok(out)
    }
}

pub mod delete_group {
    use super::*;

    pub fn authorize(req: &AuthzRequest<'_>) -> Result<Vec<Check>, AwsError> {
        authz::group(req, "iam:DeleteGroup")
    }

    pub fn handle(ctx: &OpContext, input: Input<'_>) -> Result<Value, AwsError> {
        let name = input.str("GroupName")?;
        state::write(ctx, |iam| {
            let group = lookup::group(iam, name)?;
            if iam.users.values().any(|u| u.groups.iter().any(|g| g.eq_ignore_ascii_case(name))) {
                return Err(errors::delete_conflict("Cannot delete entity, must remove users from group first."));
            }
            if !group.attached_policies.is_empty() {
                return Err(errors::delete_conflict("Cannot delete entity, must detach all policies first."));
            }
            if !group.inline_policies.is_empty() {
                return Err(errors::delete_conflict("Cannot delete entity, must delete policies first."));
            }
            iam.groups.remove(&state::key(name));
            Ok(json!({}))
        })
    }
}

pub mod list_groups {
    use super::*;

    pub fn authorize(_req: &AuthzRequest<'_>) -> Result<Vec<Check>, AwsError> {
        authz::star("iam:ListGroups")
    }

    pub fn handle(ctx: &OpContext, input: Input<'_>) -> Result<Value, AwsError> {
        let prefix = input.opt_str("PathPrefix").unwrap_or("/");
        let items = state::read(ctx, |iam| {
            iam.groups
                .iter()
                .filter(|(_, g)| g.path.starts_with(prefix))
                .map(|(k, g)| (k.clone(), render::group(ctx.account(), g)))
                .collect()
        });
        Ok(paging::page(items, input)?.into_output("Groups"))
    }
}

pub mod update_group {
    use super::*;

    pub fn authorize(req: &AuthzRequest<'_>) -> Result<Vec<Check>, AwsError> {
        let mut checks = authz::group(req, "iam:UpdateGroup")?;
        let input = Input(req.input);
        if input.opt_str("NewGroupName").is_some() || input.opt_str("NewPath").is_some() {
            let name = input.opt_str("NewGroupName").or(input.opt_str("GroupName")).unwrap_or_default();
            let path = input.opt_str("NewPath").unwrap_or("/");
            checks.push(Check::new("iam:UpdateGroup", render::arn(authz::account(req), "group", path, name)));
        }
        Ok(checks)
    }

    pub fn handle(ctx: &OpContext, input: Input<'_>) -> Result<Value, AwsError> {
        let name = input.str("GroupName")?;
        let new_name = input.opt_str("NewGroupName");
        state::write(ctx, |iam| {
            let mut group = lookup::group(iam, name)?.clone();
            if let Some(n) = new_name
                && !n.eq_ignore_ascii_case(name)
                && iam.group(n).is_some()
            {
                return Err(errors::already_exists(format!("Group with name {n} already exists.")));
            }
            iam.groups.remove(&state::key(name));
            let old = group.name.clone();
            if let Some(n) = new_name {
                group.name = n.to_string();
            }
            if let Some(p) = input.opt_str("NewPath") {
                group.path = p.to_string();
            }
            for u in iam.users.values_mut() {
                for g in u.groups.iter_mut() {
                    if g.eq_ignore_ascii_case(&old) {
                        *g = group.name.clone();
                    }
                }
            }
            iam.groups.insert(state::key(&group.name), group);
            Ok(json!({}))
        })
    }
}

pub mod add_user_to_group {
    use super::*;

    pub fn authorize(req: &AuthzRequest<'_>) -> Result<Vec<Check>, AwsError> {
        authz::group(req, "iam:AddUserToGroup")
    }

    pub fn handle(ctx: &OpContext, input: Input<'_>) -> Result<Value, AwsError> {
        let group_name = input.str("GroupName")?;
        let user_name = input.str("UserName")?;
        state::write(ctx, |iam| {
            // IAM looks for the user before the group.
            lookup::user(iam, user_name)?;
            let group = lookup::group(iam, group_name)?.name.clone();
            let user = lookup::user_mut(iam, user_name)?;
            if !user.groups.iter().any(|g| g.eq_ignore_ascii_case(&group)) {
                user.groups.push(group);
            }
            Ok(json!({}))
        })
    }
}

pub mod remove_user_from_group {
    use super::*;

    pub fn authorize(req: &AuthzRequest<'_>) -> Result<Vec<Check>, AwsError> {
        authz::group(req, "iam:RemoveUserFromGroup")
    }

    pub fn handle(ctx: &OpContext, input: Input<'_>) -> Result<Value, AwsError> {
        let group_name = input.str("GroupName")?;
        let user_name = input.str("UserName")?;
        state::write(ctx, |iam| {
            lookup::user(iam, user_name)?;
            lookup::group(iam, group_name)?;
            let user = lookup::user_mut(iam, user_name)?;
            let before = user.groups.len();
            user.groups.retain(|g| !g.eq_ignore_ascii_case(group_name));
            if user.groups.len() == before {
                // [inf] IAM's wording for a user who is not a member.
                return Err(errors::no_such_entity(format!(
                    "The user with name {user_name} cannot be found in group {group_name}."
                )));
            }
            Ok(json!({}))
        })
    }
}

pub mod list_groups_for_user {
    use super::*;

    pub fn authorize(req: &AuthzRequest<'_>) -> Result<Vec<Check>, AwsError> {
        authz::user(req, "iam:ListGroupsForUser")
    }

    pub fn handle(ctx: &OpContext, input: Input<'_>) -> Result<Value, AwsError> {
        let name = input.str("UserName")?;
        let items = state::read(ctx, |iam| {
            let user = lookup::user(iam, name)?;
            Ok::<_, AwsError>(
                user.groups
                    .iter()
                    .filter_map(|g| iam.group(g))
                    .map(|g| (state::key(&g.name), render::group(ctx.account(), g)))
                    .collect(),
            )
        })?;
        Ok(paging::page(items, input)?.into_output("Groups"))
    }
}
