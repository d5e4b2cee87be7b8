//! One module per group of closely related operations; each operation is a module with its authorization
//! entry (`authorize`) next to its handler (`handle`).

pub mod access_keys;
pub mod account;
pub mod attached_policies;
pub mod groups;
pub mod inline_policies;
pub mod instance_profiles;
pub mod policies;
pub mod policy_versions;
pub mod role_tags;
pub mod roles;
pub mod simulate;
pub mod users;

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
    "CreateRole" => roles::create_role,
    "GetRole" => roles::get_role,
    "DeleteRole" => roles::delete_role,
    "ListRoles" => roles::list_roles,
    "UpdateRole" => roles::update_role,
    "UpdateRoleDescription" => roles::update_role_description,
    "UpdateAssumeRolePolicy" => roles::update_assume_role_policy,
    "TagRole" => role_tags::tag_role,
    "UntagRole" => role_tags::untag_role,
    "ListRoleTags" => role_tags::list_role_tags,
    "PutRolePolicy" => inline_policies::put_role_policy,
    "GetRolePolicy" => inline_policies::get_role_policy,
    "DeleteRolePolicy" => inline_policies::delete_role_policy,
    "ListRolePolicies" => inline_policies::list_role_policies,
    "PutUserPolicy" => inline_policies::put_user_policy,
    "GetUserPolicy" => inline_policies::get_user_policy,
    "DeleteUserPolicy" => inline_policies::delete_user_policy,
    "ListUserPolicies" => inline_policies::list_user_policies,
    "PutGroupPolicy" => inline_policies::put_group_policy,
    "GetGroupPolicy" => inline_policies::get_group_policy,
    "DeleteGroupPolicy" => inline_policies::delete_group_policy,
    "ListGroupPolicies" => inline_policies::list_group_policies,
    "AttachRolePolicy" => attached_policies::attach_role_policy,
    "DetachRolePolicy" => attached_policies::detach_role_policy,
    "ListAttachedRolePolicies" => attached_policies::list_attached_role_policies,
    "AttachUserPolicy" => attached_policies::attach_user_policy,
    "DetachUserPolicy" => attached_policies::detach_user_policy,
    "ListAttachedUserPolicies" => attached_policies::list_attached_user_policies,
    "AttachGroupPolicy" => attached_policies::attach_group_policy,
    "DetachGroupPolicy" => attached_policies::detach_group_policy,
    "ListAttachedGroupPolicies" => attached_policies::list_attached_group_policies,
    "PutRolePermissionsBoundary" => attached_policies::put_role_permissions_boundary,
    "DeleteRolePermissionsBoundary" => attached_policies::delete_role_permissions_boundary,
    "PutUserPermissionsBoundary" => attached_policies::put_user_permissions_boundary,
    "DeleteUserPermissionsBoundary" => attached_policies::delete_user_permissions_boundary,
    "CreateUser" => users::create_user,
    "GetUser" => users::get_user,
    "DeleteUser" => users::delete_user,
    "ListUsers" => users::list_users,
    "UpdateUser" => users::update_user,
    "TagUser" => users::tag_user,
    "UntagUser" => users::untag_user,
    "ListUserTags" => users::list_user_tags,
    "CreateAccessKey" => access_keys::create_access_key,
    "ListAccessKeys" => access_keys::list_access_keys,
    "UpdateAccessKey" => access_keys::update_access_key,
    "DeleteAccessKey" => access_keys::delete_access_key,
    "GetAccessKeyLastUsed" => access_keys::get_access_key_last_used,
    "CreateGroup" => groups::create_group,
    "GetGroup" => groups::get_group,
    "DeleteGroup" => groups::delete_group,
    "ListGroups" => groups::list_groups,
    "UpdateGroup" => groups::update_group,
    "AddUserToGroup" => groups::add_user_to_group,
    "RemoveUserFromGroup" => groups::remove_user_from_group,
    "ListGroupsForUser" => groups::list_groups_for_user,
    "CreatePolicy" => policies::create_policy,
    "GetPolicy" => policies::get_policy,
    "DeletePolicy" => policies::delete_policy,
    "ListPolicies" => policies::list_policies,
    "ListEntitiesForPolicy" => policies::list_entities_for_policy,
    "TagPolicy" => policies::tag_policy,
    "UntagPolicy" => policies::untag_policy,
    "ListPolicyTags" => policies::list_policy_tags,
    "CreatePolicyVersion" => policy_versions::create_policy_version,
    "GetPolicyVersion" => policy_versions::get_policy_version,
    "ListPolicyVersions" => policy_versions::list_policy_versions,
    "DeletePolicyVersion" => policy_versions::delete_policy_version,
    "SetDefaultPolicyVersion" => policy_versions::set_default_policy_version,
    "CreateInstanceProfile" => instance_profiles::create_instance_profile,
    "GetInstanceProfile" => instance_profiles::get_instance_profile,
    "DeleteInstanceProfile" => instance_profiles::delete_instance_profile,
    "ListInstanceProfiles" => instance_profiles::list_instance_profiles,
    "AddRoleToInstanceProfile" => instance_profiles::add_role_to_instance_profile,
    "RemoveRoleFromInstanceProfile" => instance_profiles::remove_role_from_instance_profile,
    "ListInstanceProfilesForRole" => instance_profiles::list_instance_profiles_for_role,
    "TagInstanceProfile" => instance_profiles::tag_instance_profile,
    "UntagInstanceProfile" => instance_profiles::untag_instance_profile,
    "ListInstanceProfileTags" => instance_profiles::list_instance_profile_tags,
    "CreateAccountAlias" => account::create_account_alias,
    "ListAccountAliases" => account::list_account_aliases,
    "DeleteAccountAlias" => account::delete_account_alias,
    "UpdateAccountPasswordPolicy" => account::update_account_password_policy,
    "GetAccountPasswordPolicy" => account::get_account_password_policy,
    "DeleteAccountPasswordPolicy" => account::delete_account_password_policy,
    "GetAccountSummary" => account::get_account_summary,
    "GetAccountAuthorizationDetails" => account::get_account_authorization_details,
    "SimulateCustomPolicy" => simulate::simulate_custom_policy,
    "SimulatePrincipalPolicy" => simulate::simulate_principal_policy,
    "GetContextKeysForCustomPolicy" => simulate::get_context_keys_for_custom_policy,
    "GetContextKeysForPrincipalPolicy" => simulate::get_context_keys_for_principal_policy,
}
