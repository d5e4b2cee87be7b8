//! Versions of managed policies: CreatePolicyVersion (at most 5, SetAsDefault), GetPolicyVersion,
//! ListPolicyVersions, DeletePolicyVersion, SetDefaultPolicyVersion. AWS managed policies show their default.

use crate::input::Input;
use crate::ops::policies::{customer_mut, managed_document};
use crate::{authz, errors, paging, render, state};
use sekisho_core::identity::store::{ManagedPolicy, PolicyVersion};
use sekisho_core::managed;
use sekisho_core::{AuthzRequest, AwsError, Check, OpContext};
use serde_json::{Value, json};

fn version_view(p: &ManagedPolicy, v: &PolicyVersion, with_document: bool) -> Value {
    let mut out = json!({
        "VersionId": v.version_id,
        "IsDefaultVersion": v.version_id == p.default_version_id,
        "CreateDate": render::date(v.create_date_ms),
    });
    if with_document {
        out["Document"] = json!(render::url_encode(&v.document.text));
    }
    out
}

fn aws_version_view(p: &managed::AwsManagedPolicy, with_document: bool) -> Value {
    let mut out = json!({
        "VersionId": p.default_version_id,
        "IsDefaultVersion": true,
        "CreateDate": render::date_text(&p.update_date),
    });
    if with_document {
        out["Document"] = json!(render::url_encode(&p.document));
    }
    out
}

pub mod create_policy_version {
    use super::*;

    pub fn authorize(req: &AuthzRequest<'_>) -> Result<Vec<Check>, AwsError> {
        authz::policy(req, "iam:CreatePolicyVersion")
    }

    pub fn handle(ctx: &OpContext, input: Input<'_>) -> Result<Value, AwsError> {
        let arn = input.str("PolicyArn")?;
        let doc = managed_document(input.str("PolicyDocument")?)?;
        let set_default = input.opt_bool("SetAsDefault").unwrap_or(false);
        let now = ctx.now_ms();
        state::write(ctx, |iam| {
            let p = customer_mut(iam, arn)?;
            if p.versions.len() >= 5 {
                return Err(errors::limit_exceeded(
                    "A managed policy can have up to 5 versions. Before you create a new version, you must delete an existing version.",
                ));
            }
            let version =
                PolicyVersion { version_id: format!("v{}", p.next_version), document: doc, create_date_ms: now };
            p.next_version += 1;
            if set_default {
                p.default_version_id = version.version_id.clone();
                p.update_date_ms = now;
            }
            let out = version_view(p, &version, false);
            p.versions.push(version);
            Ok(json!({ "PolicyVersion": out }))
        })
    }
}

pub mod get_policy_version {
    use super::*;

    pub fn authorize(req: &AuthzRequest<'_>) -> Result<Vec<Check>, AwsError> {
        authz::policy(req, "iam:GetPolicyVersion")
    }

    pub fn handle(ctx: &OpContext, input: Input<'_>) -> Result<Value, AwsError> {
        let arn = input.str("PolicyArn")?;
        let id = input.str("VersionId")?;
        if let Some(p) = managed::get(arn) {
            if p.default_version_id != id {
                return Err(errors::no_such_policy_version(arn, id));
            }
            return Ok(json!({ "PolicyVersion": aws_version_view(p, true) }));
        }
        state::read(ctx, |iam| {
            let p = iam.policies.get(arn).ok_or_else(|| errors::policy_not_found(arn))?;
            let v = p
                .versions
                .iter()
                .find(|v| v.version_id == id)
                .ok_or_else(|| errors::no_such_policy_version(arn, id))?;
            Ok(json!({ "PolicyVersion": version_view(p, v, true) }))
        })
    }
}

pub mod list_policy_versions {
    use super::*;

    pub fn authorize(req: &AuthzRequest<'_>) -> Result<Vec<Check>, AwsError> {
        authz::policy(req, "iam:ListPolicyVersions")
    }

    pub fn handle(ctx: &OpContext, input: Input<'_>) -> Result<Value, AwsError> {
        let arn = input.str("PolicyArn")?;
        let items: Vec<(String, Value)> = match managed::get(arn) {
            Some(p) => vec![(String::new(), aws_version_view(p, false))],
            None => state::read(ctx, |iam| {
                let p = iam.policies.get(arn).ok_or_else(|| errors::policy_not_found(arn))?;
                // Newest first, as IAM lists them.
                Ok::<_, AwsError>(
                    p.versions
                        .iter()
                        .rev()
                        .enumerate()
                        .map(|(i, v)| (format!("{i:04}"), version_view(p, v, false)))
                        .collect(),
                )
            })?,
        };
        Ok(paging::page(items, input)?.into_output("Versions"))
    }
}

pub mod delete_policy_version {
    use super::*;

    pub fn authorize(req: &AuthzRequest<'_>) -> Result<Vec<Check>, AwsError> {
        authz::policy(req, "iam:DeletePolicyVersion")
    }

    pub fn handle(ctx: &OpContext, input: Input<'_>) -> Result<Value, AwsError> {
        let arn = input.str("PolicyArn")?;
        let id = input.str("VersionId")?;
        state::write(ctx, |iam| {
            let p = customer_mut(iam, arn)?;
            if !p.versions.iter().any(|v| v.version_id == id) {
                return Err(errors::no_such_policy_version(arn, id));
            }
            if p.default_version_id == id {
                return Err(errors::delete_conflict("Cannot delete the default version of a policy."));
            }
            p.versions.retain(|v| v.version_id != id);
            Ok(json!({}))
        })
    }
}

pub mod set_default_policy_version {
    use super::*;

    pub fn authorize(req: &AuthzRequest<'_>) -> Result<Vec<Check>, AwsError> {
        authz::policy(req, "iam:SetDefaultPolicyVersion")
    }

    pub fn handle(ctx: &OpContext, input: Input<'_>) -> Result<Value, AwsError> {
        let arn = input.str("PolicyArn")?;
        let id = input.str("VersionId")?;
        let now = ctx.now_ms();
        state::write(ctx, |iam| {
            let p = customer_mut(iam, arn)?;
            if !p.versions.iter().any(|v| v.version_id == id) {
                return Err(errors::no_such_policy_version(arn, id));
            }
            p.default_version_id = id.to_string();
            p.update_date_ms = now;
            Ok(json!({}))
        })
    }
}
