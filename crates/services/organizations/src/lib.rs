//! AWS Organizations: organizations, OUs, member accounts (created or invited), and the service control
//! and resource control policies the door enforces. json 1.1, global, signed for us-east-1.
//!
//! The organizations live in core's world ([`sekisho_core::organization`]) because the door reads them for
//! every decision; this crate is their API. Most operations belong to the management account: a member account
//! is answered `AccessDeniedException`, an account outside any organization `AWSOrganizationsNotInUseException`.

// `AwsError` carries AWS's code, message and extra members by value; errors are the cold path.
#![allow(clippy::result_large_err)]

mod access;
mod declare;
mod errors;
mod ids;
mod input;
mod ops;
mod paging;
mod render;
mod state;

use declare::Declaration;
use input::Input;
use sekisho_core::World;
use sekisho_core::service::not_implemented;
use sekisho_core::{AuthzRequest, AwsError, Check, OpContext, Output, Service};
use sekisho_wire::sigv4::ErrorStyle;
use serde_json::Value;
use std::collections::HashMap;
use std::sync::{Arc, OnceLock};

type Authorize = fn(&AuthzRequest<'_>) -> Result<Vec<Check>, AwsError>;
type Handle = fn(&OpContext, Input<'_>) -> Result<Value, AwsError>;

struct Op {
    authorize: Authorize,
    handle: Handle,
}

fn operation(name: &str) -> Option<&'static Op> {
    static TABLE: OnceLock<HashMap<&'static str, Op>> = OnceLock::new();
    TABLE
        .get_or_init(|| {
            ops::TABLE
                .iter()
                .map(|(name, authorize, handle)| (*name, Op { authorize: *authorize, handle: *handle }))
                .collect()
        })
        .get(name)
}

/// Every Organizations operation sekisho serves.
pub fn operations() -> impl Iterator<Item = &'static str> {
    ops::TABLE.iter().map(|(name, _, _)| *name)
}

/// The service; with [`Organizations::from_config`], the organization declared in sekisho.toml exists from
/// start-up and again after every reset.
#[derive(Debug, Default)]
pub struct Organizations {
    declared: Option<(Arc<World>, Declaration)>,
}

impl Organizations {
    /// Reads `[organization]` from the world's configuration and puts what it declares into the world.
    pub fn from_config(world: Arc<World>) -> Result<Organizations, String> {
        let declaration = Declaration::from_world(&world)?;
        declaration.apply(&world);
        Ok(Organizations { declared: Some((world, declaration)) })
    }
}

#[async_trait::async_trait]
impl Service for Organizations {
    fn name(&self) -> &'static str {
        "organizations"
    }

    fn error_style(&self) -> ErrorStyle {
        ErrorStyle::Json
    }

    fn authorize(&self, req: &AuthzRequest<'_>) -> Result<Vec<Check>, AwsError> {
        match operation(req.operation) {
            Some(op) => (op.authorize)(req),
            None => Err(not_implemented("organizations", req.operation)),
        }
    }

    async fn call(&self, ctx: OpContext, operation_name: &str, input: Value) -> Result<Output, AwsError> {
        match operation(operation_name) {
            Some(op) => (op.handle)(&ctx, Input(&input)).map(Output::new),
            None => Err(not_implemented("organizations", operation_name)),
        }
    }

    fn reset(&self) {
        if let Some((world, declaration)) = &self.declared {
            declaration.apply(world);
        }
    }
}

#[cfg(test)]
mod tests;
