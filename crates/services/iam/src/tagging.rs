//! Tagging shared by every taggable IAM entity (roles, users, policies, instance profiles, identity
//! providers, server certificates, MFA devices): Tag*, Untag*, List*Tags over the entity's tag list.

use crate::input::Input;
use crate::{paging, render, state, validate};
use sekisho_core::identity::store::{AccountIam, Tag};
use sekisho_core::{AwsError, OpContext};
use serde_json::{Value, json};

/// Tag*: merges the request's `Tags` into the entity's tags (quota `quota`, e.g. `TagsPerRole`).
pub fn tag(
    ctx: &OpContext,
    input: Input<'_>,
    quota: &str,
    find: impl FnOnce(&mut AccountIam) -> Result<&mut Vec<Tag>, AwsError>,
) -> Result<Value, AwsError> {
    let new = input.tags("Tags");
    state::write(ctx, |iam| {
        let tags = find(iam)?;
        validate::merge_tags(tags, new, quota)?;
        Ok(json!({}))
    })
}

/// Untag*: removes the request's `TagKeys` (case-insensitively).
pub fn untag(
    ctx: &OpContext,
    input: Input<'_>,
    find: impl FnOnce(&mut AccountIam) -> Result<&mut Vec<Tag>, AwsError>,
) -> Result<Value, AwsError> {
    let keys = input.strings("TagKeys");
    state::write(ctx, |iam| {
        validate::remove_tags(find(iam)?, &keys);
        Ok(json!({}))
    })
}

/// List*Tags: the entity's tags, paged.
pub fn list(
    ctx: &OpContext,
    input: Input<'_>,
    find: impl FnOnce(&AccountIam) -> Result<Vec<Tag>, AwsError>,
) -> Result<Value, AwsError> {
    let tags = state::read(ctx, find)?;
    let items = tags
        .iter()
        .enumerate()
        .map(|(i, t)| (format!("{i:04}"), render::tags(std::slice::from_ref(t))[0].clone()))
        .collect();
    Ok(paging::page(items, input)?.into_output("Tags"))
}
