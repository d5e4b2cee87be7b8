//! Who is calling: the principals of AWS (root, IAM user, role session, service principal), the identity
//! store behind them (IAM's users, roles, groups, policies) and the credential registry.

mod principal;
pub mod store;

pub use principal::{Identity, RoleSession, SessionTag};
