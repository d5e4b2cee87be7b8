//! Organizational units and the tree: CreateOrganizationalUnit, DescribeOrganizationalUnit,
//! UpdateOrganizationalUnit, DeleteOrganizationalUnit, ListOrganizationalUnitsForParent, ListChildren, ListParents.

use crate::input::Input;
use crate::{access, errors, ids, paging, render, state};
use sekisho_core::organization::{Organization, TargetKind, Unit};
use sekisho_core::{AuthzRequest, AwsError, Check, OpContext};
use serde_json::{Value, json};

/// AWS allows five levels of OUs under the root.
const MAX_DEPTH: usize = 5;

/// A root or OU id that exists.
fn parent(org: &Organization, id: &str) -> Result<(), AwsError> {
    match org.target_kind(id) {
        Some(TargetKind::Root | TargetKind::Unit) => Ok(()),
        _ => Err(errors::parent_not_found()),
    }
}

fn name_taken(org: &Organization, parent_id: &str, name: &str, except: Option<&str>) -> bool {
    org.units_under(parent_id).any(|u| u.name == name && Some(u.id.as_str()) != except)
}

pub mod create_organizational_unit {
    use super::*;

    pub fn authorize(req: &AuthzRequest<'_>) -> Result<Vec<Check>, AwsError> {
        let input = Input(req.input);
        let parent = input.str("ParentId")?;
        access::management(req, |org| {
            let check = Check::new("organizations:CreateOrganizationalUnit", access::target_arn(org, parent));
            Ok(vec![access::with_request_tags(check, input)])
        })
    }

    pub fn handle(ctx: &OpContext, input: Input<'_>) -> Result<Value, AwsError> {
        let parent_id = input.str("ParentId")?;
        let name = input.str("Name")?;
        state::write(ctx, |org| {
            parent(org, parent_id)?;
            if org.depth(parent_id) + 1 > MAX_DEPTH {
                return Err(errors::ou_depth());
            }
            if name_taken(org, parent_id, name, None) {
                return Err(errors::duplicate_ou());
            }
            let unit = Unit { id: ids::unit(&org.root.id), name: name.to_string(), parent_id: parent_id.to_string() };
            let out = json!({ "OrganizationalUnit": render::unit(org, &unit) });
            let tags = input.tags("Tags");
            if !tags.is_empty() {
                org.tags.insert(unit.id.clone(), tags);
            }
            org.add_unit(unit);
            Ok(out)
        })
    }
}

fn unit_id<'a>(input: Input<'a>) -> Result<&'a str, AwsError> {
    input.str("OrganizationalUnitId")
}

pub mod describe_organizational_unit {
    use super::*;

    pub fn authorize(req: &AuthzRequest<'_>) -> Result<Vec<Check>, AwsError> {
        access::target(req, "organizations:DescribeOrganizationalUnit", "OrganizationalUnitId")
    }

    pub fn handle(ctx: &OpContext, input: Input<'_>) -> Result<Value, AwsError> {
        let id = unit_id(input)?;
        state::read(ctx, |org| {
            let unit = org.units.get(id).ok_or_else(errors::ou_not_found)?;
            Ok(json!({ "OrganizationalUnit": render::unit(org, unit) }))
        })
    }
}

pub mod update_organizational_unit {
    use super::*;

    pub fn authorize(req: &AuthzRequest<'_>) -> Result<Vec<Check>, AwsError> {
        access::target(req, "organizations:UpdateOrganizationalUnit", "OrganizationalUnitId")
    }

    pub fn handle(ctx: &OpContext, input: Input<'_>) -> Result<Value, AwsError> {
        let id = unit_id(input)?;
        state::write(ctx, |org| {
            let parent_id = org.units.get(id).ok_or_else(errors::ou_not_found)?.parent_id.clone();
            if let Some(name) = input.opt_str("Name") {
                if name_taken(org, &parent_id, name, Some(id)) {
                    return Err(errors::duplicate_ou());
                }
                if let Some(u) = org.units.get_mut(id) {
                    u.name = name.to_string();
                }
            }
            let unit = org.units.get(id).ok_or_else(errors::ou_not_found)?;
            Ok(json!({ "OrganizationalUnit": render::unit(org, unit) }))
        })
    }
}

pub mod delete_organizational_unit {
    use super::*;

    pub fn authorize(req: &AuthzRequest<'_>) -> Result<Vec<Check>, AwsError> {
        access::target(req, "organizations:DeleteOrganizationalUnit", "OrganizationalUnitId")
    }

    pub fn handle(ctx: &OpContext, input: Input<'_>) -> Result<Value, AwsError> {
        let id = unit_id(input)?;
        state::write(ctx, |org| {
            if !org.units.contains_key(id) {
                return Err(errors::ou_not_found());
            }
            if org.units_under(id).next().is_some() || org.accounts_under(id).next().is_some() {
                return Err(errors::ou_not_empty());
            }
            org.units.remove(id);
            org.attachments.remove(id);
            org.tags.remove(id);
            Ok(json!({}))
        })
    }
}

pub mod list_organizational_units_for_parent {
    use super::*;

    pub fn authorize(req: &AuthzRequest<'_>) -> Result<Vec<Check>, AwsError> {
        access::target(req, "organizations:ListOrganizationalUnitsForParent", "ParentId")
    }

    pub fn handle(ctx: &OpContext, input: Input<'_>) -> Result<Value, AwsError> {
        let parent_id = input.str("ParentId")?;
        let items = state::read(ctx, |org| {
            parent(org, parent_id)?;
            Ok(org.units_under(parent_id).map(|u| (u.id.clone(), render::unit(org, u))).collect())
        })?;
        paging::page(items, input, "OrganizationalUnits")
    }
}

pub mod list_children {
    use super::*;

    pub fn authorize(req: &AuthzRequest<'_>) -> Result<Vec<Check>, AwsError> {
        access::target(req, "organizations:ListChildren", "ParentId")
    }

    pub fn handle(ctx: &OpContext, input: Input<'_>) -> Result<Value, AwsError> {
        let parent_id = input.str("ParentId")?;
        let child_type = input.str("ChildType")?;
        let items = state::read(ctx, |org| {
            parent(org, parent_id)?;
            let ids: Vec<String> = match child_type {
                "ORGANIZATIONAL_UNIT" => org.units_under(parent_id).map(|u| u.id.clone()).collect(),
                _ => org.accounts_under(parent_id).map(|a| a.id.clone()).collect(),
            };
            Ok(ids.into_iter().map(|id| (id.clone(), json!({"Id": id, "Type": child_type}))).collect())
        })?;
        paging::page(items, input, "Children")
    }
}

pub mod list_parents {
    use super::*;

    pub fn authorize(req: &AuthzRequest<'_>) -> Result<Vec<Check>, AwsError> {
        access::target(req, "organizations:ListParents", "ChildId")
    }

    pub fn handle(ctx: &OpContext, input: Input<'_>) -> Result<Value, AwsError> {
        let child = input.str("ChildId")?;
        let items = state::read(ctx, |org| {
            if !matches!(org.target_kind(child), Some(TargetKind::Unit | TargetKind::Account)) {
                return Err(errors::child_not_found());
            }
            let parent_id = org.parent_of(child).ok_or_else(errors::child_not_found)?;
            let kind = org.target_kind(parent_id).map_or("ROOT", TargetKind::as_str);
            Ok(vec![(parent_id.to_string(), json!({"Id": parent_id, "Type": kind}))])
        })?;
        paging::page(items, input, "Parents")
    }
}
