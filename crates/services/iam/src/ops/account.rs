//! Account-level IAM: aliases, the password policy, GetAccountSummary and GetAccountAuthorizationDetails
//! (every user, group, role and policy with their documents URL-encoded, as IAM returns them).

use crate::input::Input;
use crate::render::{self, View};
use crate::{authz, errors, paging, state};
use sekisho_core::identity::store::{AccountIam, PasswordPolicy};
use sekisho_core::managed;
use sekisho_core::{AuthzRequest, AwsError, Check, OpContext};
use serde_json::{Map, Value, json};

pub mod create_account_alias {
    use super::*;

    pub fn authorize(_req: &AuthzRequest<'_>) -> Result<Vec<Check>, AwsError> {
        authz::star("iam:CreateAccountAlias")
    }

    /// An alias is unique across all accounts; an account has at most one, and a new one replaces it.
    pub fn handle(ctx: &OpContext, input: Input<'_>) -> Result<Value, AwsError> {
        let alias = input.str("AccountAlias")?;
        let account = ctx.account().to_string();
        let now = ctx.now_ms();
        state::world(ctx, |w| {
            let taken = w.accounts.values().any(|a| a.id != account && a.iam.aliases.iter().any(|x| x == alias));
            if taken {
                // [inf] wording after IAM's other EntityAlreadyExists messages.
                return Err(errors::already_exists(format!("The account alias {alias} already exists.")));
            }
            w.account_mut(&account, now).iam.aliases = vec![alias.to_string()];
            Ok(json!({}))
        })
    }
}

pub mod list_account_aliases {
    use super::*;

    pub fn authorize(_req: &AuthzRequest<'_>) -> Result<Vec<Check>, AwsError> {
        authz::star("iam:ListAccountAliases")
    }

    pub fn handle(ctx: &OpContext, _input: Input<'_>) -> Result<Value, AwsError> {
        let aliases = state::read(ctx, |iam| iam.aliases.clone());
        Ok(json!({ "AccountAliases": aliases, "IsTruncated": false }))
    }
}

pub mod delete_account_alias {
    use super::*;

    pub fn authorize(_req: &AuthzRequest<'_>) -> Result<Vec<Check>, AwsError> {
        authz::star("iam:DeleteAccountAlias")
    }

    pub fn handle(ctx: &OpContext, input: Input<'_>) -> Result<Value, AwsError> {
        let alias = input.str("AccountAlias")?;
        state::write(ctx, |iam| {
            if !iam.aliases.iter().any(|a| a == alias) {
                // [inf]
                return Err(errors::no_such_entity(format!("The account alias {alias} cannot be found.")));
            }
            iam.aliases.retain(|a| a != alias);
            Ok(json!({}))
        })
    }
}

pub mod update_account_password_policy {
    use super::*;

    pub fn authorize(_req: &AuthzRequest<'_>) -> Result<Vec<Check>, AwsError> {
        authz::star("iam:UpdateAccountPasswordPolicy")
    }

    /// Replaces the whole policy: members left out take their defaults.
    pub fn handle(ctx: &OpContext, input: Input<'_>) -> Result<Value, AwsError> {
        let flag = |name: &str| input.opt_bool(name).unwrap_or(false);
        let policy = PasswordPolicy {
            minimum_password_length: Some(input.opt_i64("MinimumPasswordLength").unwrap_or(6)),
            require_symbols: flag("RequireSymbols"),
            require_numbers: flag("RequireNumbers"),
            require_uppercase_characters: flag("RequireUppercaseCharacters"),
            require_lowercase_characters: flag("RequireLowercaseCharacters"),
            allow_users_to_change_password: flag("AllowUsersToChangePassword"),
            max_password_age: input.opt_i64("MaxPasswordAge"),
            password_reuse_prevention: input.opt_i64("PasswordReusePrevention"),
            hard_expiry: input.opt_bool("HardExpiry"),
        };
        state::write(ctx, |iam| iam.password_policy = Some(policy));
        Ok(json!({}))
    }
}

fn no_password_policy(account: &str) -> AwsError {
    errors::no_such_entity(format!("The Password Policy with domain name {account} cannot be found."))
}

pub mod get_account_password_policy {
    use super::*;

    pub fn authorize(_req: &AuthzRequest<'_>) -> Result<Vec<Check>, AwsError> {
        authz::star("iam:GetAccountPasswordPolicy")
    }

    pub fn handle(ctx: &OpContext, _input: Input<'_>) -> Result<Value, AwsError> {
        let policy =
            state::read(ctx, |iam| iam.password_policy.clone()).ok_or_else(|| no_password_policy(ctx.account()))?;
        let mut out = json!({
            "MinimumPasswordLength": policy.minimum_password_length.unwrap_or(6),
            "RequireSymbols": policy.require_symbols,
            "RequireNumbers": policy.require_numbers,
            "RequireUppercaseCharacters": policy.require_uppercase_characters,
            "RequireLowercaseCharacters": policy.require_lowercase_characters,
            "AllowUsersToChangePassword": policy.allow_users_to_change_password,
            "ExpirePasswords": policy.max_password_age.is_some_and(|a| a > 0),
            "MaxPasswordAge": policy.max_password_age.unwrap_or(0),
            "HardExpiry": policy.hard_expiry.unwrap_or(false),
        });
        if let Some(r) = policy.password_reuse_prevention {
            out["PasswordReusePrevention"] = json!(r);
        }
        Ok(json!({ "PasswordPolicy": out }))
    }
}

pub mod delete_account_password_policy {
    use super::*;

    pub fn authorize(_req: &AuthzRequest<'_>) -> Result<Vec<Check>, AwsError> {
        authz::star("iam:DeleteAccountPasswordPolicy")
    }

    pub fn handle(ctx: &OpContext, _input: Input<'_>) -> Result<Value, AwsError> {
        state::write(ctx, |iam| iam.password_policy.take())
            .ok_or_else(|| errors::no_such_entity("The account policy with name PasswordPolicy cannot be found."))?;
        Ok(json!({}))
    }
}

pub mod get_account_summary {
    use super::*;

    pub fn authorize(_req: &AuthzRequest<'_>) -> Result<Vec<Check>, AwsError> {
        authz::star("iam:GetAccountSummary")
    }

    pub fn handle(ctx: &OpContext, _input: Input<'_>) -> Result<Value, AwsError> {
        let map = state::read(ctx, summary);
        Ok(json!({ "SummaryMap": map }))
    }

    /// Counts of the account's entities next to IAM's default quotas.
    fn summary(iam: &AccountIam) -> Value {
        let versions: usize = iam.policies.values().map(|p| p.versions.len()).sum();
        let mfa_in_use = iam.mfa_devices.values().filter(|d| d.user_name.is_some()).count();
        let pairs: [(&str, usize); 33] = [
            ("Users", iam.users.len()),
            ("UsersQuota", 5000),
            ("Groups", iam.groups.len()),
            ("GroupsQuota", 300),
            ("Roles", iam.roles.len()),
            ("RolesQuota", 1000),
            ("Policies", iam.policies.len()),
            ("PoliciesQuota", 1500),
            ("InstanceProfiles", iam.instance_profiles.len()),
            ("InstanceProfilesQuota", 1000),
            ("ServerCertificates", iam.server_certificates.len()),
            ("ServerCertificatesQuota", 20),
            ("MFADevices", iam.mfa_devices.len()),
            ("MFADevicesInUse", mfa_in_use),
            ("Providers", iam.saml_providers.len() + iam.oidc_providers.len()),
            ("PolicyVersionsInUse", versions),
            ("PolicyVersionsInUseQuota", 10000),
            ("VersionsPerPolicyQuota", 5),
            ("AccountMFAEnabled", 0),
            ("AccountAccessKeysPresent", 0),
            ("AccountSigningCertificatesPresent", 0),
            ("AccessKeysPerUserQuota", 2),
            ("SigningCertificatesPerUserQuota", 2),
            ("AssumeRolePolicySizeQuota", 2048),
            ("AttachedPoliciesPerGroupQuota", 10),
            ("AttachedPoliciesPerRoleQuota", 10),
            ("AttachedPoliciesPerUserQuota", 10),
            ("GroupPolicySizeQuota", 5120),
            ("GroupsPerUserQuota", 10),
            ("PolicySizeQuota", 6144),
            ("RolePolicySizeQuota", 10240),
            ("UserPolicySizeQuota", 2048),
            ("GlobalEndpointTokenVersion", 1),
        ];
        Value::Object(pairs.iter().map(|(k, v)| (k.to_string(), json!(v))).collect::<Map<_, _>>())
    }
}

pub mod get_account_authorization_details {
    use super::*;

    pub fn authorize(_req: &AuthzRequest<'_>) -> Result<Vec<Check>, AwsError> {
        authz::star("iam:GetAccountAuthorizationDetails")
    }

    fn inline(policies: &std::collections::BTreeMap<String, sekisho_core::identity::store::PolicyDoc>) -> Value {
        Value::Array(
            policies
                .iter()
                .map(|(name, doc)| json!({"PolicyName": name, "PolicyDocument": render::url_encode(&doc.text)}))
                .collect(),
        )
    }

    fn attached(iam: &AccountIam, arns: &[String]) -> Value {
        Value::Array(arns.iter().map(|a| render::attached(iam, a)).collect())
    }

    /// Every entity the filter asks for, keyed so that pages keep users, groups, roles, policies in order.
    fn entries(account: &str, iam: &AccountIam, filter: &[String]) -> Vec<(String, Value)> {
        let wants = |f: &str| filter.is_empty() || filter.iter().any(|x| x == f);
        let mut out = Vec::new();
        if wants("User") {
            for (k, u) in &iam.users {
                let mut v = render::user(account, u, None, View::Full);
                v["UserPolicyList"] = inline(&u.inline_policies);
                v["GroupList"] = json!(u.groups);
                v["AttachedManagedPolicies"] = attached(iam, &u.attached_policies);
                out.push((format!("0|{k}"), v));
            }
        }
        if wants("Group") {
            for (k, g) in &iam.groups {
                let mut v = render::group(account, g);
                v["GroupPolicyList"] = inline(&g.inline_policies);
                v["AttachedManagedPolicies"] = attached(iam, &g.attached_policies);
                out.push((format!("1|{k}"), v));
            }
        }
        if wants("Role") {
            for (k, r) in &iam.roles {
                let mut v = render::role(account, r, View::Full);
                let profiles: Vec<Value> = iam
                    .instance_profiles
                    .values()
                    .filter(|p| p.roles.iter().any(|n| n.eq_ignore_ascii_case(&r.name)))
                    .map(|p| render::instance_profile(account, iam, p, false))
                    .collect();
                v["InstanceProfileList"] = json!(profiles);
                v["RolePolicyList"] = inline(&r.inline_policies);
                v["AttachedManagedPolicies"] = attached(iam, &r.attached_policies);
                out.push((format!("2|{k}"), v));
            }
        }
        if wants("LocalManagedPolicy") {
            for (arn, p) in &iam.policies {
                let mut v = render::customer_policy(iam, arn, p, View::Full);
                if let Some(m) = v.as_object_mut() {
                    m.remove("Tags");
                }
                let versions: Vec<Value> = p
                    .versions
                    .iter()
                    .map(|ver| {
                        json!({
                            "Document": render::url_encode(&ver.document.text),
                            "VersionId": ver.version_id,
                            "IsDefaultVersion": ver.version_id == p.default_version_id,
                            "CreateDate": render::date(ver.create_date_ms),
                        })
                    })
                    .collect();
                v["PolicyVersionList"] = json!(versions);
                out.push((format!("3|{}|{arn}", p.name.to_ascii_lowercase()), v));
            }
        }
        if wants("AWSManagedPolicy") {
            for p in managed::all() {
                if render::usage(iam, &p.arn) == (0, 0) {
                    continue;
                }
                let mut v = render::aws_policy(iam, p, View::Full);
                v["PolicyVersionList"] = json!([{
                    "Document": render::url_encode(&p.document),
                    "VersionId": p.default_version_id,
                    "IsDefaultVersion": true,
                    "CreateDate": render::date_text(&p.update_date),
                }]);
                out.push((format!("3|{}|{}", p.name.to_ascii_lowercase(), p.arn), v));
            }
        }
        out
    }

    pub fn handle(ctx: &OpContext, input: Input<'_>) -> Result<Value, AwsError> {
        let filter = input.strings("Filter");
        let items = state::read(ctx, |iam| {
            entries(ctx.account(), iam, &filter).into_iter().map(|(k, v)| (k.clone(), json!([k, v]))).collect()
        });
        let page = paging::page(items, input)?;
        let mut lists: [Vec<Value>; 4] = Default::default();
        for item in page.items {
            let kind =
                item[0].as_str().and_then(|k| k.chars().next()).and_then(|c| c.to_digit(10)).unwrap_or(0) as usize;
            if let Some(list) = lists.get_mut(kind) {
                list.push(item[1].clone());
            }
        }
        let [users, groups, roles, policies] = lists;
        let mut out = json!({
            "UserDetailList": users,
            "GroupDetailList": groups,
            "RoleDetailList": roles,
            "Policies": policies,
            "IsTruncated": page.marker.is_some(),
        });
        if let Some(m) = page.marker {
            out["Marker"] = json!(m);
        }
        Ok(out)
    }
}
