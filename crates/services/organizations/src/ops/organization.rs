//! The organization itself: CreateOrganization, DescribeOrganization, DeleteOrganization, ListRoots,
//! EnablePolicyType and DisablePolicyType.

use crate::input::Input;
use crate::{access, errors, ids, paging, render, state};
use sekisho_core::organization::{Member, Organization};
use sekisho_core::{AuthzRequest, AwsError, Check, OpContext};
use serde_json::{Value, json};

/// The name an account goes by: its configured name, else its id.
pub fn account_name(ctx: &OpContext, account: &str) -> String {
    ctx.world.config.accounts.get(account).and_then(|a| a.name.clone()).unwrap_or_else(|| account.to_string())
}

/// sekisho's accounts have no email address of their own; this one stands for it.
pub fn account_email(account: &str) -> String {
    format!("{account}@example.com")
}

pub mod create_organization {
    use super::*;

    pub fn authorize(_req: &AuthzRequest<'_>) -> Result<Vec<Check>, AwsError> {
        Ok(vec![Check::new("organizations:CreateOrganization", "*")])
    }

    pub fn handle(ctx: &OpContext, input: Input<'_>) -> Result<Value, AwsError> {
        let account = ctx.account().to_string();
        if !sekisho_core::ids::is_account_id(&account) {
            return Err(errors::access_denied());
        }
        let feature_set = input.opt_str("FeatureSet").unwrap_or("ALL");
        let now = ctx.now_ms();
        let management = Member {
            id: account.clone(),
            name: account_name(ctx, &account),
            email: account_email(&account),
            parent_id: String::new(),
            joined_method: "INVITED".into(),
            joined_ms: now,
        };
        let mut state = ctx.world.write();
        if state.organizations.of_account(&account).is_some() {
            return Err(errors::already_in_organization());
        }
        let mut org = Organization::new(&ids::organization(), &ids::root(), management, now);
        org.feature_set = feature_set.to_string();
        let out = json!({ "Organization": render::organization(&org) });
        state.organizations.insert(org);
        Ok(out)
    }
}

pub mod describe_organization {
    use super::*;

    pub fn authorize(req: &AuthzRequest<'_>) -> Result<Vec<Check>, AwsError> {
        access::member(req, "organizations:DescribeOrganization")
    }

    pub fn handle(ctx: &OpContext, _input: Input<'_>) -> Result<Value, AwsError> {
        let state = ctx.world.read();
        let org = state.organizations.of_account(ctx.account()).ok_or_else(errors::not_in_use)?;
        Ok(json!({ "Organization": render::organization(org) }))
    }
}

pub mod delete_organization {
    use super::*;

    pub fn authorize(req: &AuthzRequest<'_>) -> Result<Vec<Check>, AwsError> {
        access::star(req, "organizations:DeleteOrganization")
    }

    pub fn handle(ctx: &OpContext, _input: Input<'_>) -> Result<Value, AwsError> {
        state::write_world(ctx, |state, org_id| {
            let members = state.organizations.by_id.get(&org_id).map_or(0, |o| o.accounts.len());
            if members > 1 {
                return Err(errors::organization_not_empty());
            }
            state.organizations.remove(&org_id);
            Ok(json!({}))
        })
    }
}

pub mod list_roots {
    use super::*;

    pub fn authorize(req: &AuthzRequest<'_>) -> Result<Vec<Check>, AwsError> {
        access::star(req, "organizations:ListRoots")
    }

    pub fn handle(ctx: &OpContext, input: Input<'_>) -> Result<Value, AwsError> {
        let roots = state::read(ctx, |org| Ok(vec![(org.root.id.clone(), render::root(org))]))?;
        paging::page(roots, input, "Roots")
    }
}

/// The policy types sekisho's organizations accept (every type of the API; SCPs and RCPs are enforced).
fn known_policy_type(t: &str) -> bool {
    matches!(
        t,
        "SERVICE_CONTROL_POLICY"
            | "RESOURCE_CONTROL_POLICY"
            | "TAG_POLICY"
            | "BACKUP_POLICY"
            | "AISERVICES_OPT_OUT_POLICY"
            | "CHATBOT_POLICY"
            | "DECLARATIVE_POLICY_EC2"
            | "SECURITYHUB_POLICY"
            | "SECURITYHUB_CSPM_POLICY"
            | "INSPECTOR_POLICY"
            | "UPGRADE_ROLLOUT_POLICY"
            | "BEDROCK_POLICY"
            | "S3_POLICY"
            | "NETWORK_SECURITY_DIRECTOR_POLICY"
            | "GUARDDUTY_POLICY"
    )
}

/// A policy type this organization can use: known, and the organization has all features.
pub fn usable_policy_type(org: &Organization, t: &str) -> Result<(), AwsError> {
    if !known_policy_type(t) {
        return Err(errors::invalid_input("INVALID_ENUM_POLICY_TYPE", "You specified an invalid policy type."));
    }
    if org.feature_set != "ALL" {
        return Err(errors::policy_type_not_available());
    }
    Ok(())
}

fn root_check(req: &AuthzRequest<'_>, action: &str) -> Result<Vec<Check>, AwsError> {
    let input = Input(req.input);
    let root = input.str("RootId")?;
    let policy_type = input.str("PolicyType")?;
    access::management(req, |org| {
        Ok(vec![
            Check::new(action, access::target_arn(org, root)).with_context("organizations:PolicyType", policy_type),
        ])
    })
}

pub mod enable_policy_type {
    use super::*;

    pub fn authorize(req: &AuthzRequest<'_>) -> Result<Vec<Check>, AwsError> {
        root_check(req, "organizations:EnablePolicyType")
    }

    pub fn handle(ctx: &OpContext, input: Input<'_>) -> Result<Value, AwsError> {
        let root = input.str("RootId")?;
        let policy_type = input.str("PolicyType")?;
        state::write(ctx, |org| {
            if org.root.id != root {
                return Err(errors::root_not_found());
            }
            usable_policy_type(org, policy_type)?;
            if org.is_enabled(policy_type) {
                return Err(errors::policy_type_already_enabled());
            }
            org.enable(policy_type);
            Ok(json!({ "Root": render::root(org) }))
        })
    }
}

pub mod disable_policy_type {
    use super::*;

    pub fn authorize(req: &AuthzRequest<'_>) -> Result<Vec<Check>, AwsError> {
        root_check(req, "organizations:DisablePolicyType")
    }

    pub fn handle(ctx: &OpContext, input: Input<'_>) -> Result<Value, AwsError> {
        let root = input.str("RootId")?;
        let policy_type = input.str("PolicyType")?;
        state::write(ctx, |org| {
            if org.root.id != root {
                return Err(errors::root_not_found());
            }
            if !org.is_enabled(policy_type) {
                return Err(errors::policy_type_not_enabled());
            }
            org.disable(policy_type);
            Ok(json!({ "Root": render::root(org) }))
        })
    }
}
