//! Access to the caller's account in the world's identity store, under the world's one lock, so an
//! operation's checks and changes see one consistent state.

use sekisho_core::OpContext;
use sekisho_core::identity::store::AccountIam;
use sekisho_core::world::WorldState;

/// Reads the caller's account (an account that does not exist yet reads as empty).
pub fn read<R>(ctx: &OpContext, f: impl FnOnce(&AccountIam) -> R) -> R {
    let state = ctx.world.read();
    match state.account(ctx.account()) {
        Some(a) => f(&a.iam),
        None => f(&AccountIam::default()),
    }
}

/// Changes the caller's account, creating it on first use.
pub fn write<R>(ctx: &OpContext, f: impl FnOnce(&mut AccountIam) -> R) -> R {
    let now = ctx.now_ms();
    let mut state = ctx.world.write();
    f(&mut state.account_mut(ctx.account(), now).iam)
}

/// Changes the world (identity store and credential registry together).
pub fn world<R>(ctx: &OpContext, f: impl FnOnce(&mut WorldState) -> R) -> R {
    let mut state = ctx.world.write();
    f(&mut state)
}

/// Lower-case key of an entity name: IAM names are unique case-insensitively.
pub fn key(name: &str) -> String {
    name.to_ascii_lowercase()
}
