//! Inline policies of roles, users and groups: Put/Get/Delete/List{Role,User,Group}Policy (12 operations
//! over one implementation). Documents are identity policies; each entity kind has its own size quota.

use crate::input::Input;
use crate::{authz, errors, lookup, paging, render, state, validate};
use sekisho_core::identity::store::{AccountIam, DocKind, PolicyDoc};
use sekisho_core::{AuthzRequest, AwsError, Check, OpContext};
use serde_json::{Value, json};
use std::collections::BTreeMap;

#[derive(Clone, Copy)]
pub enum Kind {
    Role,
    User,
    Group,
}

impl Kind {
    /// The member naming the entity (`RoleName`, ...).
    fn member(self) -> &'static str {
        match self {
            Kind::Role => "RoleName",
            Kind::User => "UserName",
            Kind::Group => "GroupName",
        }
    }

    fn word(self) -> &'static str {
        match self {
            Kind::Role => "role",
            Kind::User => "user",
            Kind::Group => "group",
        }
    }

    fn check(self, req: &AuthzRequest<'_>, action: &str) -> Result<Vec<Check>, AwsError> {
        match self {
            Kind::Role => authz::role(req, action),
            Kind::User => authz::user(req, action),
            Kind::Group => authz::group(req, action),
        }
    }

    fn policies<'a>(self, iam: &'a AccountIam, name: &str) -> Result<&'a BTreeMap<String, PolicyDoc>, AwsError> {
        Ok(match self {
            Kind::Role => &lookup::role(iam, name)?.inline_policies,
            Kind::User => &lookup::user(iam, name)?.inline_policies,
            Kind::Group => &lookup::group(iam, name)?.inline_policies,
        })
    }

    fn policies_mut<'a>(
        self,
        iam: &'a mut AccountIam,
        name: &str,
    ) -> Result<&'a mut BTreeMap<String, PolicyDoc>, AwsError> {
        Ok(match self {
            Kind::Role => {
                let role = lookup::role_mut(iam, name)?;
                crate::ops::roles::check_modifiable(role)?;
                &mut role.inline_policies
            }
            Kind::User => &mut lookup::user_mut(iam, name)?.inline_policies,
            Kind::Group => &mut lookup::group_mut(iam, name)?.inline_policies,
        })
    }
}

fn put(ctx: &OpContext, input: Input<'_>, kind: Kind) -> Result<Value, AwsError> {
    let name = input.str(kind.member())?;
    let policy_name = input.str("PolicyName")?;
    let text = input.str("PolicyDocument")?;
    let doc = PolicyDoc::parse(text, DocKind::Inline).map_err(|e| errors::malformed(&e))?;
    state::write(ctx, |iam| {
        let policies = kind.policies_mut(iam, name)?;
        let others: usize =
            policies.iter().filter(|(k, _)| *k != policy_name).map(|(_, d)| validate::policy_size(&d.text)).sum();
        validate::inline_total(kind.word(), name, others + validate::policy_size(text))?;
        policies.insert(policy_name.to_string(), doc);
        Ok(json!({}))
    })
}

fn get(ctx: &OpContext, input: Input<'_>, kind: Kind) -> Result<Value, AwsError> {
    let name = input.str(kind.member())?;
    let policy_name = input.str("PolicyName")?;
    state::read(ctx, |iam| {
        let doc = kind
            .policies(iam, name)?
            .get(policy_name)
            .ok_or_else(|| errors::no_such_inline_policy(kind.word(), policy_name))?;
        Ok(json!({
            kind.member(): name,
            "PolicyName": policy_name,
            "PolicyDocument": render::url_encode(&doc.text),
        }))
    })
}

fn delete(ctx: &OpContext, input: Input<'_>, kind: Kind) -> Result<Value, AwsError> {
    let name = input.str(kind.member())?;
    let policy_name = input.str("PolicyName")?;
    state::write(ctx, |iam| {
        kind.policies_mut(iam, name)?
            .remove(policy_name)
            .ok_or_else(|| errors::no_such_inline_policy(kind.word(), policy_name))?;
        Ok(json!({}))
    })
}

fn list(ctx: &OpContext, input: Input<'_>, kind: Kind) -> Result<Value, AwsError> {
    let name = input.str(kind.member())?;
    let items = state::read(ctx, |iam| {
        Ok::<_, AwsError>(kind.policies(iam, name)?.keys().map(|k| (k.clone(), json!(k))).collect())
    })?;
    Ok(paging::page(items, input)?.into_output("PolicyNames"))
}

macro_rules! inline_ops {
    ($kind:expr, $put:ident/$pa:literal, $get:ident/$ga:literal, $delete:ident/$da:literal, $list:ident/$la:literal) => {
        pub mod $put {
            use super::*;
            pub fn authorize(req: &AuthzRequest<'_>) -> Result<Vec<Check>, AwsError> {
                $kind.check(req, $pa)
            }
            pub fn handle(ctx: &OpContext, input: Input<'_>) -> Result<Value, AwsError> {
                put(ctx, input, $kind)
            }
        }
        pub mod $get {
            use super::*;
            pub fn authorize(req: &AuthzRequest<'_>) -> Result<Vec<Check>, AwsError> {
                $kind.check(req, $ga)
            }
            pub fn handle(ctx: &OpContext, input: Input<'_>) -> Result<Value, AwsError> {
                get(ctx, input, $kind)
            }
        }
        pub mod $delete {
            use super::*;
            pub fn authorize(req: &AuthzRequest<'_>) -> Result<Vec<Check>, AwsError> {
                $kind.check(req, $da)
            }
            pub fn handle(ctx: &OpContext, input: Input<'_>) -> Result<Value, AwsError> {
                delete(ctx, input, $kind)
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

inline_ops!(
    Kind::Role,
    put_role_policy / "iam:PutRolePolicy",
    get_role_policy / "iam:GetRolePolicy",
    delete_role_policy / "iam:DeleteRolePolicy",
    list_role_policies / "iam:ListRolePolicies"
);
inline_ops!(
    Kind::User,
    put_user_policy / "iam:PutUserPolicy",
    get_user_policy / "iam:GetUserPolicy",
    delete_user_policy / "iam:DeleteUserPolicy",
    list_user_policies / "iam:ListUserPolicies"
);
inline_ops!(
    Kind::Group,
    put_group_policy / "iam:PutGroupPolicy",
    get_group_policy / "iam:GetGroupPolicy",
    delete_group_policy / "iam:DeleteGroupPolicy",
    list_group_policies / "iam:ListGroupPolicies"
);

#[cfg(test)]
mod tests {
    use super::*;
    use crate::authz::testing::{checks, world};

    #[test]
    fn each_kind_is_checked_on_its_entity() {
        let w = world();
        let c =
            checks(&w, put_role_policy::authorize, json!({"RoleName": "r", "PolicyName": "p", "PolicyDocument": "{}"}));
        assert_eq!(
            (c[0].action.as_str(), c[0].resource.as_str()),
            ("iam:PutRolePolicy", "arn:aws:iam::111111111111:role/r")
        );
        let c = checks(&w, get_user_policy::authorize, json!({"UserName": "u", "PolicyName": "p"}));
        assert_eq!(
            (c[0].action.as_str(), c[0].resource.as_str()),
            ("iam:GetUserPolicy", "arn:aws:iam::111111111111:user/u")
        );
        let c = checks(&w, list_group_policies::authorize, json!({"GroupName": "g"}));
        assert_eq!(
            (c[0].action.as_str(), c[0].resource.as_str()),
            ("iam:ListGroupPolicies", "arn:aws:iam::111111111111:group/g")
        );
    }
}
