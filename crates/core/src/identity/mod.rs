//! Who is calling: the principals of AWS (root, IAM user, role session, service principal), the identity
//! store behind them (IAM's users, roles, groups, policies) and the credential registry.

pub mod mfa;
mod principal;
pub mod store;

pub use principal::{FederatedSession, Identity, RoleSession, SessionTag};
