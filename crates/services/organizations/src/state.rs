//! Handlers' access to the organizations in the world: the caller's organization, read or changed under the
//! world lock, after Organizations' own rule (management account only) is checked again under that lock.

use crate::errors;
use sekisho_core::organization::Organization;
use sekisho_core::world::WorldState;
use sekisho_core::{AwsError, OpContext};

fn managed_org<'a>(state: &'a WorldState, account: &str) -> Result<&'a Organization, AwsError> {
    let org = state.organizations.of_account(account).ok_or_else(errors::not_in_use)?;
    if org.management_account != account {
        return Err(errors::access_denied());
    }
    Ok(org)
}

/// Reads the organization the caller manages.
pub fn read<R>(ctx: &OpContext, f: impl FnOnce(&Organization) -> Result<R, AwsError>) -> Result<R, AwsError> {
    let state = ctx.world.read();
    f(managed_org(&state, ctx.account())?)
}

/// Changes the organization the caller manages.
pub fn write<R>(ctx: &OpContext, f: impl FnOnce(&mut Organization) -> Result<R, AwsError>) -> Result<R, AwsError> {
    let mut state = ctx.world.write();
    managed_org(&state, ctx.account())?;
    let org = state.organizations.of_account_mut(ctx.account()).ok_or_else(errors::not_in_use)?;
    f(org)
}

/// Changes the whole world (memberships, new accounts), for the caller's managed organization `org_id`.
pub fn write_world<R>(
    ctx: &OpContext,
    f: impl FnOnce(&mut WorldState, String) -> Result<R, AwsError>,
) -> Result<R, AwsError> {
    let mut state = ctx.world.write();
    let org_id = managed_org(&state, ctx.account())?.id.clone();
    f(&mut state, org_id)
}
