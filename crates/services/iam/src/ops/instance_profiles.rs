//! Instance profiles: Create/Get/Delete/List InstanceProfiles, AddRoleToInstanceProfile (one role, which the
//! caller must be allowed to pass), RemoveRoleFromInstanceProfile, ListInstanceProfilesForRole, and tags.

use crate::input::Input;
use crate::{authz, errors, lookup, paging, render, state, tagging, validate};
use sekisho_core::identity::store::InstanceProfile;
use sekisho_core::{AuthzRequest, AwsError, Check, OpContext, ids};
use serde_json::{Value, json};

pub mod create_instance_profile {
    use super::*;

    pub fn authorize(req: &AuthzRequest<'_>) -> Result<Vec<Check>, AwsError> {
        let input = Input(req.input);
        let name = input.str("InstanceProfileName")?;
        let check = Check::new("iam:CreateInstanceProfile", authz::new_arn(req, "instance-profile", name));
        Ok(vec![authz::with_request_tags(check, &input.tags("Tags"))])
    }

    pub fn handle(ctx: &OpContext, input: Input<'_>) -> Result<Value, AwsError> {
        let name = input.str("InstanceProfileName")?;
        let tags = input.tags("Tags");
        validate::tags(&tags)?;
        let now = ctx.now_ms();
        state::write(ctx, |iam| {
            let key = state::key(name);
            if iam.instance_profiles.contains_key(&key) {
                return Err(errors::already_exists(format!("Instance Profile {name} already exists.")));
            }
            let profile = InstanceProfile {
                name: name.to_string(),
                path: input.opt_str("Path").unwrap_or("/").to_string(),
                id: ids::unique_id("AIPA"),
                create_date_ms: now,
                roles: Vec::new(),
                tags,
            };
            let out = render::instance_profile(ctx.account(), iam, &profile, true);
            iam.instance_profiles.insert(key, profile);
            Ok(json!({ "InstanceProfile": out }))
        })
    }
}

pub mod get_instance_profile {
    use super::*;

    pub fn authorize(req: &AuthzRequest<'_>) -> Result<Vec<Check>, AwsError> {
        authz::instance_profile(req, "iam:GetInstanceProfile")
    }

    pub fn handle(ctx: &OpContext, input: Input<'_>) -> Result<Value, AwsError> {
        let name = input.str("InstanceProfileName")?;
        state::read(ctx, |iam| {
            let p = lookup::instance_profile(iam, name)?;
            Ok(json!({ "InstanceProfile": render::instance_profile(ctx.account(), iam, p, true) }))
        })
    }
}

pub mod delete_instance_profile {
    use super::*;

    pub fn authorize(req: &AuthzRequest<'_>) -> Result<Vec<Check>, AwsError> {
        authz::instance_profile(req, "iam:DeleteInstanceProfile")
    }

    pub fn handle(ctx: &OpContext, input: Input<'_>) -> Result<Value, AwsError> {
        let name = input.str("InstanceProfileName")?;
        state::write(ctx, |iam| {
            if !lookup::instance_profile(iam, name)?.roles.is_empty() {
                return Err(errors::delete_conflict(
                    "Cannot delete entity, must remove roles from instance profile first.",
                ));
            }
            iam.instance_profiles.remove(&state::key(name));
            Ok(json!({}))
        })
    }
}

pub mod list_instance_profiles {
    use super::*;

    pub fn authorize(_req: &AuthzRequest<'_>) -> Result<Vec<Check>, AwsError> {
        authz::star("iam:ListInstanceProfiles")
    }

    pub fn handle(ctx: &OpContext, input: Input<'_>) -> Result<Value, AwsError> {
        let prefix = input.opt_str("PathPrefix").unwrap_or("/");
        let items = state::read(ctx, |iam| {
            iam.instance_profiles
                .iter()
                .filter(|(_, p)| p.path.starts_with(prefix))
                .map(|(k, p)| (k.clone(), render::instance_profile(ctx.account(), iam, p, false)))
                .collect()
        });
        Ok(paging::page(items, input)?.into_output("InstanceProfiles"))
    }
}

pub mod add_role_to_instance_profile {
    use super::*;

    /// Adding a role lets EC2 instances use it, so the caller must also be allowed to pass the role.
    pub fn authorize(req: &AuthzRequest<'_>) -> Result<Vec<Check>, AwsError> {
        let mut checks = authz::instance_profile(req, "iam:AddRoleToInstanceProfile")?;
        let role = Input(req.input).str("RoleName")?;
        checks.push(
            Check::new("iam:PassRole", authz::role_arn(req, role))
                .with_context("iam:PassedToService", "ec2.amazonaws.com"),
        );
        Ok(checks)
    }

    pub fn handle(ctx: &OpContext, input: Input<'_>) -> Result<Value, AwsError> {
        let name = input.str("InstanceProfileName")?;
        let role_name = input.str("RoleName")?;
        state::write(ctx, |iam| {
            let role = lookup::role(iam, role_name)?.name.clone();
            let p = lookup::instance_profile_mut(iam, name)?;
            if !p.roles.is_empty() {
                return Err(errors::quota("InstanceSessionsPerInstanceProfile", 1));
            }
            p.roles.push(role);
            Ok(json!({}))
        })
    }
}

pub mod remove_role_from_instance_profile {
    use super::*;

    pub fn authorize(req: &AuthzRequest<'_>) -> Result<Vec<Check>, AwsError> {
        authz::instance_profile(req, "iam:RemoveRoleFromInstanceProfile")
    }

    pub fn handle(ctx: &OpContext, input: Input<'_>) -> Result<Value, AwsError> {
        let name = input.str("InstanceProfileName")?;
        let role_name = input.str("RoleName")?;
        state::write(ctx, |iam| {
            let p = lookup::instance_profile_mut(iam, name)?;
            let before = p.roles.len();
            p.roles.retain(|r| !r.eq_ignore_ascii_case(role_name));
            if p.roles.len() == before {
                return Err(errors::no_such_role(role_name));
            }
            Ok(json!({}))
        })
    }
}

pub mod list_instance_profiles_for_role {
    use super::*;

    pub fn authorize(req: &AuthzRequest<'_>) -> Result<Vec<Check>, AwsError> {
        authz::role(req, "iam:ListInstanceProfilesForRole")
    }

    pub fn handle(ctx: &OpContext, input: Input<'_>) -> Result<Value, AwsError> {
        let role_name = input.str("RoleName")?;
        let items = state::read(ctx, |iam| {
            lookup::role(iam, role_name)?;
            Ok::<_, AwsError>(
                iam.instance_profiles
                    .iter()
                    .filter(|(_, p)| p.roles.iter().any(|r| r.eq_ignore_ascii_case(role_name)))
                    .map(|(k, p)| (k.clone(), render::instance_profile(ctx.account(), iam, p, false)))
                    .collect(),
            )
        })?;
        Ok(paging::page(items, input)?.into_output("InstanceProfiles"))
    }
}

pub mod tag_instance_profile {
    use super::*;

    pub fn authorize(req: &AuthzRequest<'_>) -> Result<Vec<Check>, AwsError> {
        let tags = Input(req.input).tags("Tags");
        Ok(authz::instance_profile(req, "iam:TagInstanceProfile")?
            .into_iter()
            .map(|c| authz::with_request_tags(c, &tags))
            .collect())
    }

    pub fn handle(ctx: &OpContext, input: Input<'_>) -> Result<Value, AwsError> {
        let name = input.str("InstanceProfileName")?;
        tagging::tag(ctx, input, "TagsPerInstanceProfile", |iam| Ok(&mut lookup::instance_profile_mut(iam, name)?.tags))
    }
}

pub mod untag_instance_profile {
    use super::*;

    pub fn authorize(req: &AuthzRequest<'_>) -> Result<Vec<Check>, AwsError> {
        let keys = Input(req.input).strings("TagKeys");
        Ok(authz::instance_profile(req, "iam:UntagInstanceProfile")?
            .into_iter()
            .map(|c| c.with_context_values("aws:TagKeys", keys.clone()))
            .collect())
    }

    pub fn handle(ctx: &OpContext, input: Input<'_>) -> Result<Value, AwsError> {
        let name = input.str("InstanceProfileName")?;
        tagging::untag(ctx, input, |iam| Ok(&mut lookup::instance_profile_mut(iam, name)?.tags))
    }
}

pub mod list_instance_profile_tags {
    use super::*;

    pub fn authorize(req: &AuthzRequest<'_>) -> Result<Vec<Check>, AwsError> {
        authz::instance_profile(req, "iam:ListInstanceProfileTags")
    }

    pub fn handle(ctx: &OpContext, input: Input<'_>) -> Result<Value, AwsError> {
        let name = input.str("InstanceProfileName")?;
        tagging::list(ctx, input, |iam| Ok(lookup::instance_profile(iam, name)?.tags.clone()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::authz::testing::{checks, context, world};

    #[test]
    fn adding_a_role_needs_pass_role_on_it() {
        let w = world();
        let c =
            checks(&w, add_role_to_instance_profile::authorize, json!({"InstanceProfileName": "p", "RoleName": "r"}));
        assert_eq!(c.len(), 2);
        assert_eq!(c[0].resource, "arn:aws:iam::111111111111:instance-profile/p");
        assert_eq!(
            (c[1].action.as_str(), c[1].resource.as_str()),
            ("iam:PassRole", "arn:aws:iam::111111111111:role/r")
        );
        assert_eq!(context(&c[1], "iam:PassedToService").unwrap(), ["ec2.amazonaws.com"]);
    }
}
