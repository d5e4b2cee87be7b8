//! Accounts of an organization: CreateAccount (a new account with OrganizationAccountAccessRole),
//! DescribeCreateAccountStatus, ListCreateAccountStatus, ListAccounts, DescribeAccount, ListAccountsForParent,
//! MoveAccount, RemoveAccountFromOrganization, LeaveOrganization.

use super::organization::account_name;
use crate::input::Input;
use crate::{access, errors, ids, paging, render, state};
use sekisho_core::identity::store::{DocKind, PolicyDoc, Role};
use sekisho_core::organization::{CreateAccountRequest, Member, TargetKind};
use sekisho_core::world::WorldState;
use sekisho_core::{AuthzRequest, AwsError, Check, OpContext};
use serde_json::{Value, json};
use std::collections::BTreeMap;

const ADMINISTRATOR_ACCESS: &str =
    r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}"#;

/// The role AWS creates in a new member account: trusted by the management account, administrator inside.
fn access_role(
    state: &mut WorldState,
    account: &str,
    role_name: &str,
    management: &str,
    now: i64,
) -> Result<(), AwsError> {
    let trust = format!(
        r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Principal":{{"AWS":"arn:aws:iam::{management}:root"}},"Action":"sts:AssumeRole"}}]}}"#
    );
    let invalid = |_| errors::invalid_input("INVALID_ROLE_NAME", "You provided a role name that isn't valid.");
    let trust_policy = PolicyDoc::parse(&trust, DocKind::Trust).map_err(invalid)?;
    let inline = PolicyDoc::parse(ADMINISTRATOR_ACCESS, DocKind::Inline).map_err(invalid)?;
    let mut inline_policies = BTreeMap::new();
    inline_policies.insert("AdministratorAccess".to_string(), inline);
    let role = Role {
        name: role_name.to_string(),
        path: "/".into(),
        id: sekisho_core::ids::unique_id("AROA"),
        create_date_ms: now,
        trust_policy,
        description: None,
        max_session_duration: 3600,
        inline_policies,
        attached_policies: Vec::new(),
        permissions_boundary: None,
        tags: Vec::new(),
        last_used_ms: None,
        last_used_region: None,
    };
    state.account_mut(account, now).iam.roles.insert(role_name.to_ascii_lowercase(), role);
    Ok(())
}

/// A 12-digit id no account has yet.
fn fresh_account_id(state: &WorldState) -> String {
    loop {
        let id = ids::account();
        if state.account(&id).is_none() && !state.organizations.member_of.contains_key(&id) {
            return id;
        }
    }
}

pub mod create_account {
    use super::*;

    pub fn authorize(req: &AuthzRequest<'_>) -> Result<Vec<Check>, AwsError> {
        let input = Input(req.input);
        access::management(req, |_| {
            Ok(vec![access::with_request_tags(Check::new("organizations:CreateAccount", "*"), input)])
        })
    }

    pub fn handle(ctx: &OpContext, input: Input<'_>) -> Result<Value, AwsError> {
        let email = input.str("Email")?;
        let name = input.str("AccountName")?;
        let role_name = input.opt_str("RoleName").unwrap_or("OrganizationAccountAccessRole");
        let now = ctx.now_ms();
        let management = ctx.account().to_string();
        state::write_world(ctx, |state, org_id| {
            let taken = state.organizations.by_id.values().flat_map(|o| o.accounts.values()).any(|a| a.email == email);
            let mut request = CreateAccountRequest {
                id: ids::create_account_request(),
                account_name: name.to_string(),
                state: "SUCCEEDED".into(),
                requested_ms: now,
                completed_ms: Some(now),
                account_id: None,
                failure_reason: None,
            };
            if taken {
                request.state = "FAILED".into();
                request.failure_reason = Some("EMAIL_ALREADY_EXISTS".into());
            } else {
                let id = fresh_account_id(state);
                state.account_mut(&id, now);
                access_role(state, &id, role_name, &management, now)?;
                let root = state.organizations.by_id.get(&org_id).map(|o| o.root.id.clone()).unwrap_or_default();
                let member = Member {
                    id: id.clone(),
                    name: name.to_string(),
                    email: email.to_string(),
                    parent_id: root,
                    joined_method: "CREATED".into(),
                    joined_ms: now,
                };
                state.organizations.join(&org_id, member);
                let tags = input.tags("Tags");
                if let Some(org) = state.organizations.by_id.get_mut(&org_id)
                    && !tags.is_empty()
                {
                    org.tags.insert(id.clone(), tags);
                }
                request.account_id = Some(id);
            }
            let out = json!({ "CreateAccountStatus": render::create_account_status(&request) });
            if let Some(org) = state.organizations.by_id.get_mut(&org_id) {
                org.create_account_requests.insert(request.id.clone(), request);
            }
            Ok(out)
        })
    }
}

pub mod describe_create_account_status {
    use super::*;

    pub fn authorize(req: &AuthzRequest<'_>) -> Result<Vec<Check>, AwsError> {
        access::star(req, "organizations:DescribeCreateAccountStatus")
    }

    pub fn handle(ctx: &OpContext, input: Input<'_>) -> Result<Value, AwsError> {
        let id = input.str("CreateAccountRequestId")?;
        state::read(ctx, |org| {
            let r = org.create_account_requests.get(id).ok_or_else(errors::create_account_status_not_found)?;
            Ok(json!({ "CreateAccountStatus": render::create_account_status(r) }))
        })
    }
}

pub mod list_create_account_status {
    use super::*;

    pub fn authorize(req: &AuthzRequest<'_>) -> Result<Vec<Check>, AwsError> {
        access::star(req, "organizations:ListCreateAccountStatus")
    }

    pub fn handle(ctx: &OpContext, input: Input<'_>) -> Result<Value, AwsError> {
        let states = input.strings("States");
        let items = state::read(ctx, |org| {
            Ok(org
                .create_account_requests
                .values()
                .filter(|r| states.is_empty() || states.contains(&r.state))
                .map(|r| (format!("{:020}{}", r.requested_ms, r.id), render::create_account_status(r)))
                .collect())
        })?;
        paging::page(items, input, "CreateAccountStatuses")
    }
}

pub mod list_accounts {
    use super::*;

    pub fn authorize(req: &AuthzRequest<'_>) -> Result<Vec<Check>, AwsError> {
        access::star(req, "organizations:ListAccounts")
    }

    pub fn handle(ctx: &OpContext, input: Input<'_>) -> Result<Value, AwsError> {
        let items = state::read(ctx, |org| {
            Ok(org.accounts.values().map(|a| (a.id.clone(), render::account(org, a))).collect())
        })?;
        paging::page(items, input, "Accounts")
    }
}

pub mod describe_account {
    use super::*;

    pub fn authorize(req: &AuthzRequest<'_>) -> Result<Vec<Check>, AwsError> {
        access::target(req, "organizations:DescribeAccount", "AccountId")
    }

    pub fn handle(ctx: &OpContext, input: Input<'_>) -> Result<Value, AwsError> {
        let id = input.str("AccountId")?;
        state::read(ctx, |org| {
            let a = org.accounts.get(id).ok_or_else(errors::account_not_found)?;
            Ok(json!({ "Account": render::account(org, a) }))
        })
    }
}

pub mod list_accounts_for_parent {
    use super::*;

    pub fn authorize(req: &AuthzRequest<'_>) -> Result<Vec<Check>, AwsError> {
        access::target(req, "organizations:ListAccountsForParent", "ParentId")
    }

    pub fn handle(ctx: &OpContext, input: Input<'_>) -> Result<Value, AwsError> {
        let parent = input.str("ParentId")?;
        let items = state::read(ctx, |org| {
            if !matches!(org.target_kind(parent), Some(TargetKind::Root | TargetKind::Unit)) {
                return Err(errors::parent_not_found());
            }
            Ok(org.accounts_under(parent).map(|a| (a.id.clone(), render::account(org, a))).collect())
        })?;
        paging::page(items, input, "Accounts")
    }
}

pub mod move_account {
    use super::*;

    /// AWS authorizes MoveAccount on the account and on both parents.
    pub fn authorize(req: &AuthzRequest<'_>) -> Result<Vec<Check>, AwsError> {
        let input = Input(req.input);
        let (account, source, destination) =
            (input.str("AccountId")?, input.str("SourceParentId")?, input.str("DestinationParentId")?);
        access::management(req, |org| {
            Ok([account, source, destination]
                .into_iter()
                .map(|id| Check::new("organizations:MoveAccount", access::target_arn(org, id)))
                .collect())
        })
    }

    pub fn handle(ctx: &OpContext, input: Input<'_>) -> Result<Value, AwsError> {
        let account = input.str("AccountId")?;
        let source = input.str("SourceParentId")?;
        let destination = input.str("DestinationParentId")?;
        state::write(ctx, |org| {
            let container = |id: &str| matches!(org.target_kind(id), Some(TargetKind::Root | TargetKind::Unit));
            if !container(source) {
                return Err(errors::source_parent_not_found());
            }
            if !container(destination) {
                return Err(errors::destination_parent_not_found());
            }
            let member = org.accounts.get_mut(account).ok_or_else(errors::account_not_found)?;
            if member.parent_id != source {
                return Err(errors::account_not_found());
            }
            if source == destination {
                return Err(errors::duplicate_account());
            }
            member.parent_id = destination.to_string();
            Ok(json!({}))
        })
    }
}

pub mod remove_account_from_organization {
    use super::*;

    pub fn authorize(req: &AuthzRequest<'_>) -> Result<Vec<Check>, AwsError> {
        access::target(req, "organizations:RemoveAccountFromOrganization", "AccountId")
    }

    pub fn handle(ctx: &OpContext, input: Input<'_>) -> Result<Value, AwsError> {
        let account = input.str("AccountId")?;
        state::write_world(ctx, |state, org_id| {
            let org = state.organizations.by_id.get(&org_id).ok_or_else(errors::not_in_use)?;
            if org.management_account == account {
                return Err(errors::master_cannot_leave());
            }
            if !org.accounts.contains_key(account) {
                return Err(errors::account_not_found());
            }
            state.organizations.leave(account);
            Ok(json!({}))
        })
    }
}

pub mod leave_organization {
    use super::*;

    pub fn authorize(req: &AuthzRequest<'_>) -> Result<Vec<Check>, AwsError> {
        access::member(req, "organizations:LeaveOrganization")
    }

    pub fn handle(ctx: &OpContext, _input: Input<'_>) -> Result<Value, AwsError> {
        let mut state = ctx.world.write();
        let org = state.organizations.of_account(ctx.account()).ok_or_else(errors::not_in_use)?;
        if org.management_account == ctx.account() {
            return Err(errors::master_cannot_leave());
        }
        state.organizations.leave(ctx.account());
        Ok(json!({}))
    }
}

/// The name of an account that joins by invitation.
pub fn invited_member(ctx: &OpContext, account: &str, root: &str, now: i64) -> Member {
    Member {
        id: account.to_string(),
        name: account_name(ctx, account),
        email: super::organization::account_email(account),
        parent_id: root.to_string(),
        joined_method: "INVITED".into(),
        joined_ms: now,
    }
}
