//! The world (accounts, principals, credentials, IAM's identity store, clock, configuration) and the one
//! door every AWS operation passes: authenticate, authorize, dispatch, record.

pub mod audit;
pub mod authz;
pub mod clock;
pub mod config;
pub mod credentials;
pub mod door;
pub mod durable;
pub mod identity;
pub mod ids;
pub mod managed;
pub mod oidc;
pub mod organization;
pub mod persist;
pub mod service;
pub mod state;
pub mod totp;
pub mod world;

pub use door::{Call, Door};
pub use sekisho_policy as policy;
pub use sekisho_wire::AwsError;
pub use service::{AuthzRequest, Caller, Check, OpContext, Output, Service};
pub use world::World;
