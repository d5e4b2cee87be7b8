//! AWS Identity and Access Management: the API face of the world's identity store (users, roles, groups,
//! managed policies, instance profiles, credentials). Query protocol, global, signed for us-east-1.

// `AwsError` carries AWS's code, message and extra members by value; errors are the cold path.
#![allow(clippy::result_large_err)]

mod authz;
mod der;
mod errors;
mod input;
mod lookup;
mod ops;
mod paging;
mod principals;
mod render;
mod state;
mod tagging;
mod validate;

use input::Input;
use sekisho_core::service::not_implemented;
use sekisho_core::{AuthzRequest, AwsError, Check, OpContext, Output, Service};
use sekisho_wire::sigv4::ErrorStyle;
use serde_json::Value;
use std::collections::HashMap;
use std::sync::OnceLock;

type Authorize = fn(&AuthzRequest<'_>) -> Result<Vec<Check>, AwsError>;
type Handle = fn(&OpContext, Input<'_>) -> Result<Value, AwsError>;

/// An operation: its authorization entry and its handler.
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

/// Every IAM operation sekisho serves.
pub fn operations() -> impl Iterator<Item = &'static str> {
    ops::TABLE.iter().map(|(name, _, _)| *name)
}

#[derive(Debug, Default)]
pub struct Iam;

#[async_trait::async_trait]
impl Service for Iam {
    fn name(&self) -> &'static str {
        "iam"
    }

    fn error_style(&self) -> ErrorStyle {
        ErrorStyle::Query
    }

    fn authorize(&self, req: &AuthzRequest<'_>) -> Result<Vec<Check>, AwsError> {
        match operation(req.operation) {
            Some(op) => (op.authorize)(req),
            None => Err(not_implemented("iam", req.operation)),
        }
    }

    async fn call(&self, ctx: OpContext, operation_name: &str, input: Value) -> Result<Output, AwsError> {
        match operation(operation_name) {
            Some(op) => (op.handle)(&ctx, Input(&input)).map(Output::new),
            None => Err(not_implemented("iam", operation_name)),
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn every_served_operation_is_in_the_model() {
        let model = sekisho_wire::model::load("iam").expect("the iam model is bundled");
        for name in super::operations() {
            assert!(model.operation(name).is_some(), "{name} is not an IAM operation");
        }
    }
}
