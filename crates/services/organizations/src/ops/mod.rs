//! One module per group of related operations; each operation is a module with its authorization entry
//! (`authorize`) next to its handler (`handle`).

pub mod accounts;
pub mod handshakes;
pub mod organization;
pub mod policies;
pub mod tags;
pub mod units;

use crate::{Authorize, Handle};

macro_rules! table {
    ($($name:literal => $module:path),* $(,)?) => {
        pub const TABLE: &[(&str, Authorize, Handle)] = &[
            $({
                use $module as m;
                ($name, m::authorize, m::handle)
            }),*
        ];
    };
}

table! {
    "CreateOrganization" => organization::create_organization,
    "DescribeOrganization" => organization::describe_organization,
    "DeleteOrganization" => organization::delete_organization,
    "ListRoots" => organization::list_roots,
    "EnablePolicyType" => organization::enable_policy_type,
    "DisablePolicyType" => organization::disable_policy_type,
    "CreateOrganizationalUnit" => units::create_organizational_unit,
    "DescribeOrganizationalUnit" => units::describe_organizational_unit,
    "UpdateOrganizationalUnit" => units::update_organizational_unit,
    "DeleteOrganizationalUnit" => units::delete_organizational_unit,
    "ListOrganizationalUnitsForParent" => units::list_organizational_units_for_parent,
    "ListChildren" => units::list_children,
    "ListParents" => units::list_parents,
    "CreateAccount" => accounts::create_account,
    "DescribeCreateAccountStatus" => accounts::describe_create_account_status,
    "ListCreateAccountStatus" => accounts::list_create_account_status,
    "ListAccounts" => accounts::list_accounts,
    "DescribeAccount" => accounts::describe_account,
    "ListAccountsForParent" => accounts::list_accounts_for_parent,
    "MoveAccount" => accounts::move_account,
    "RemoveAccountFromOrganization" => accounts::remove_account_from_organization,
    "LeaveOrganization" => accounts::leave_organization,
    "InviteAccountToOrganization" => handshakes::invite_account_to_organization,
    "AcceptHandshake" => handshakes::accept_handshake,
    "DeclineHandshake" => handshakes::decline_handshake,
    "CancelHandshake" => handshakes::cancel_handshake,
    "DescribeHandshake" => handshakes::describe_handshake,
    "ListHandshakesForAccount" => handshakes::list_handshakes_for_account,
    "ListHandshakesForOrganization" => handshakes::list_handshakes_for_organization,
    "CreatePolicy" => policies::create_policy,
    "UpdatePolicy" => policies::update_policy,
    "DeletePolicy" => policies::delete_policy,
    "DescribePolicy" => policies::describe_policy,
    "ListPolicies" => policies::list_policies,
    "ListPoliciesForTarget" => policies::list_policies_for_target,
    "ListTargetsForPolicy" => policies::list_targets_for_policy,
    "AttachPolicy" => policies::attach_policy,
    "DetachPolicy" => policies::detach_policy,
    "TagResource" => tags::tag_resource,
    "UntagResource" => tags::untag_resource,
    "ListTagsForResource" => tags::list_tags_for_resource,
}
