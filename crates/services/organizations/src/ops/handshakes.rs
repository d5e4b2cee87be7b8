//! Invitations: InviteAccountToOrganization, AcceptHandshake, DeclineHandshake, CancelHandshake,
//! DescribeHandshake, ListHandshakesForAccount, ListHandshakesForOrganization.
//! An invitation stays open fifteen days; the invited account need not be in any organization.

use super::accounts::invited_member;
use crate::input::Input;
use crate::{access, errors, ids, paging, render, state};
use sekisho_core::organization::{Handshake, Organization};
use sekisho_core::world::WorldState;
use sekisho_core::{AuthzRequest, AwsError, Check, OpContext};
use serde_json::{Value, json};

const OPEN_FOR_MS: i64 = 15 * 24 * 3600 * 1000;

/// An open invitation past its expiration reads as EXPIRED.
fn current_state(h: &Handshake, now: i64) -> &str {
    if h.state == "OPEN" && now > h.expiration_ms { "EXPIRED" } else { &h.state }
}

fn rendered(org: &Organization, h: &Handshake, now: i64) -> Value {
    let mut shown = h.clone();
    shown.state = current_state(h, now).to_string();
    render::handshake(org, &shown)
}

/// The organization holding handshake `id` where `account` is the invited party or the management account.
fn find<'a>(state: &'a WorldState, id: &str, account: &str) -> Option<(&'a Organization, &'a Handshake)> {
    state.organizations.by_id.values().find_map(|org| {
        let h = org.handshakes.get(id)?;
        (h.account == account || org.management_account == account).then_some((org, h))
    })
}

pub mod invite_account_to_organization {
    use super::*;

    pub fn authorize(req: &AuthzRequest<'_>) -> Result<Vec<Check>, AwsError> {
        let input = Input(req.input);
        access::management(req, |_| {
            Ok(vec![access::with_request_tags(Check::new("organizations:InviteAccountToOrganization", "*"), input)])
        })
    }

    pub fn handle(ctx: &OpContext, input: Input<'_>) -> Result<Value, AwsError> {
        let target = input.object("Target")?;
        let account = target.str("Id")?;
        if target.str("Type")? != "ACCOUNT" {
            // sekisho's accounts have no email address to find them by.
            return Err(errors::invalid_input(
                "INVALID_PARTY_TYPE_TARGET",
                "You specified the wrong type for the handshake party.",
            ));
        }
        if !sekisho_core::ids::is_account_id(account) {
            return Err(errors::invalid_input(
                "INVALID_PATTERN_TARGET_ID",
                "You specified a policy target ID that doesn't match the required pattern.",
            ));
        }
        let now = ctx.now_ms();
        state::write_world(ctx, |state, org_id| {
            if state.organizations.of_account(account).is_some() {
                return Err(errors::handshake_constraint(
                    "ALREADY_IN_AN_ORGANIZATION",
                    "The account is already a member of an organization.",
                ));
            }
            state.account_mut(account, now);
            let org = state.organizations.by_id.get_mut(&org_id).ok_or_else(errors::not_in_use)?;
            let pending = org.handshakes.values().any(|h| h.account == account && current_state(h, now) == "OPEN");
            if pending {
                return Err(errors::duplicate_handshake());
            }
            let h = Handshake {
                id: ids::handshake(),
                state: "OPEN".into(),
                account: account.to_string(),
                notes: input.opt_str("Notes").map(str::to_string),
                requested_ms: now,
                expiration_ms: now + OPEN_FOR_MS,
            };
            let out = json!({ "Handshake": render::handshake(org, &h) });
            org.handshakes.insert(h.id.clone(), h);
            Ok(out)
        })
    }
}

/// Moves an open handshake to `to`; `invited` says whether the invited account (else the management
/// account) must be the caller.
fn transition(ctx: &OpContext, input: Input<'_>, to: &str, invited: bool) -> Result<Value, AwsError> {
    let id = input.str("HandshakeId")?;
    let caller = ctx.account().to_string();
    let now = ctx.now_ms();
    let mut state = ctx.world.write();
    let (org_id, account, current) = {
        let (org, h) = find(&state, id, &caller).ok_or_else(errors::handshake_not_found)?;
        let party = if invited { &h.account } else { &org.management_account };
        if *party != caller {
            return Err(errors::handshake_not_found());
        }
        (org.id.clone(), h.account.clone(), current_state(h, now).to_string())
    };
    if current == to {
        return Err(errors::handshake_already_in_state(to));
    }
    if current != "OPEN" {
        return Err(errors::invalid_handshake_transition());
    }
    if to == "ACCEPTED" {
        if state.organizations.of_account(&account).is_some() {
            return Err(errors::handshake_constraint(
                "ALREADY_IN_AN_ORGANIZATION",
                "The account is already a member of an organization.",
            ));
        }
        let root = state.organizations.by_id.get(&org_id).map(|o| o.root.id.clone()).unwrap_or_default();
        let member = invited_member(ctx, &account, &root, now);
        state.organizations.join(&org_id, member);
    }
    let org = state.organizations.by_id.get_mut(&org_id).ok_or_else(errors::handshake_not_found)?;
    let h = org.handshakes.get_mut(id).ok_or_else(errors::handshake_not_found)?;
    h.state = to.to_string();
    let h = h.clone();
    Ok(json!({ "Handshake": render::handshake(org, &h) }))
}

fn handshake_check(req: &AuthzRequest<'_>, action: &str) -> Result<Vec<Check>, AwsError> {
    Input(req.input).str("HandshakeId")?;
    // The handshake's ARN names the inviting management account: for the invited account it is another
    // account's resource, which Organizations authorizes by party instead, so the check is on `*`.
    Ok(vec![Check::new(action, "*")])
}

pub mod accept_handshake {
    use super::*;

    pub fn authorize(req: &AuthzRequest<'_>) -> Result<Vec<Check>, AwsError> {
        handshake_check(req, "organizations:AcceptHandshake")
    }

    pub fn handle(ctx: &OpContext, input: Input<'_>) -> Result<Value, AwsError> {
        transition(ctx, input, "ACCEPTED", true)
    }
}

pub mod decline_handshake {
    use super::*;

    pub fn authorize(req: &AuthzRequest<'_>) -> Result<Vec<Check>, AwsError> {
        handshake_check(req, "organizations:DeclineHandshake")
    }

    pub fn handle(ctx: &OpContext, input: Input<'_>) -> Result<Value, AwsError> {
        transition(ctx, input, "DECLINED", true)
    }
}

pub mod cancel_handshake {
    use super::*;

    pub fn authorize(req: &AuthzRequest<'_>) -> Result<Vec<Check>, AwsError> {
        handshake_check(req, "organizations:CancelHandshake")
    }

    pub fn handle(ctx: &OpContext, input: Input<'_>) -> Result<Value, AwsError> {
        transition(ctx, input, "CANCELED", false)
    }
}

pub mod describe_handshake {
    use super::*;

    pub fn authorize(req: &AuthzRequest<'_>) -> Result<Vec<Check>, AwsError> {
        handshake_check(req, "organizations:DescribeHandshake")
    }

    pub fn handle(ctx: &OpContext, input: Input<'_>) -> Result<Value, AwsError> {
        let id = input.str("HandshakeId")?;
        let state = ctx.world.read();
        let (org, h) = find(&state, id, ctx.account()).ok_or_else(errors::handshake_not_found)?;
        Ok(json!({ "Handshake": rendered(org, h, ctx.now_ms()) }))
    }
}

fn list(
    ctx: &OpContext,
    input: Input<'_>,
    keep: impl Fn(&Organization, &Handshake) -> bool,
) -> Result<Value, AwsError> {
    let now = ctx.now_ms();
    let state = ctx.world.read();
    let items = state
        .organizations
        .by_id
        .values()
        .flat_map(|org| org.handshakes.values().map(move |h| (org, h)))
        .filter(|(org, h)| keep(org, h))
        .map(|(org, h)| (format!("{:020}{}", h.requested_ms, h.id), rendered(org, h, now)))
        .collect();
    paging::page(items, input, "Handshakes")
}

pub mod list_handshakes_for_account {
    use super::*;

    pub fn authorize(_req: &AuthzRequest<'_>) -> Result<Vec<Check>, AwsError> {
        Ok(vec![Check::new("organizations:ListHandshakesForAccount", "*")])
    }

    pub fn handle(ctx: &OpContext, input: Input<'_>) -> Result<Value, AwsError> {
        let account = ctx.account().to_string();
        list(ctx, input, |_, h| h.account == account)
    }
}

pub mod list_handshakes_for_organization {
    use super::*;

    pub fn authorize(req: &AuthzRequest<'_>) -> Result<Vec<Check>, AwsError> {
        access::star(req, "organizations:ListHandshakesForOrganization")
    }

    pub fn handle(ctx: &OpContext, input: Input<'_>) -> Result<Value, AwsError> {
        let org_id = state::read(ctx, |org| Ok(org.id.clone()))?;
        list(ctx, input, |org, _| org.id == org_id)
    }
}
