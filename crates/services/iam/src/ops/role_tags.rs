//! TagRole, UntagRole, ListRoleTags.

use crate::input::Input;
use crate::{authz, lookup, tagging};
use sekisho_core::{AuthzRequest, AwsError, Check, OpContext};
use serde_json::Value;

pub mod tag_role {
    use super::*;

    pub fn authorize(req: &AuthzRequest<'_>) -> Result<Vec<Check>, AwsError> {
        let tags = Input(req.input).tags("Tags");
        Ok(authz::role(req, "iam:TagRole")?.into_iter().map(|c| authz::with_request_tags(c, &tags)).collect())
    }

    pub fn handle(ctx: &OpContext, input: Input<'_>) -> Result<Value, AwsError> {
        let name = input.str("RoleName")?;
        tagging::tag(ctx, input, "TagsPerRole", |iam| Ok(&mut lookup::role_mut(iam, name)?.tags))
    }
}

pub mod untag_role {
    use super::*;

    pub fn authorize(req: &AuthzRequest<'_>) -> Result<Vec<Check>, AwsError> {
        let keys = Input(req.input).strings("TagKeys");
        Ok(authz::role(req, "iam:UntagRole")?
            .into_iter()
            .map(|c| c.with_context_values("aws:TagKeys", keys.clone()))
            .collect())
    }

    pub fn handle(ctx: &OpContext, input: Input<'_>) -> Result<Value, AwsError> {
        let name = input.str("RoleName")?;
        tagging::untag(ctx, input, |iam| Ok(&mut lookup::role_mut(iam, name)?.tags))
    }
}

pub mod list_role_tags {
    use super::*;

    pub fn authorize(req: &AuthzRequest<'_>) -> Result<Vec<Check>, AwsError> {
        authz::role(req, "iam:ListRoleTags")
    }

    pub fn handle(ctx: &OpContext, input: Input<'_>) -> Result<Value, AwsError> {
        let name = input.str("RoleName")?;
        tagging::list(ctx, input, |iam| Ok(lookup::role(iam, name)?.tags.clone()))
    }
}
