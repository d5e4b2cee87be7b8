//! Organizations' errors: AWS's codes (all HTTP 400) and message texts, in one place so a wording is easy to
//! correct. `[obs]` texts were seen from AWS; the others follow the API reference's error descriptions `[inf]`.

use sekisho_core::AwsError;
use serde_json::json;

fn error(code: &str, message: impl Into<String>) -> AwsError {
    AwsError::new(code, 400, message)
}

fn with_reason(code: &str, reason: &str, message: impl Into<String>) -> AwsError {
    error(code, message).with_field("Reason", json!(reason))
}

/// [obs] The caller's account is in no organization.
pub fn not_in_use() -> AwsError {
    error("AWSOrganizationsNotInUseException", "Your account is not a member of an organization.")
}

/// [obs] A member account (or an outsider) asked for what only the management account may do.
pub fn access_denied() -> AwsError {
    error("AccessDeniedException", "You don't have permissions to access this resource.")
}

/// [obs]
pub fn already_in_organization() -> AwsError {
    error("AlreadyInOrganizationException", "The AWS account is already a member of an organization.")
}

/// [obs]
pub fn malformed_policy() -> AwsError {
    error(
        "MalformedPolicyDocumentException",
        "The provided policy document does not meet the requirements of the specified policy type.",
    )
}

/// [obs]
pub fn policy_type_not_enabled() -> AwsError {
    error("PolicyTypeNotEnabledException", "This operation can be performed only for enabled policy types.")
}

pub fn policy_type_already_enabled() -> AwsError {
    error("PolicyTypeAlreadyEnabledException", "The specified policy type is already enabled.")
}

pub fn policy_type_not_available() -> AwsError {
    error(
        "PolicyTypeNotAvailableForOrganizationException",
        "You can't use the specified policy type with the feature set currently enabled for this organization.",
    )
}

/// [obs] AWS answers a repeated AttachPolicy with this wording.
pub fn duplicate_policy_attachment() -> AwsError {
    error("DuplicatePolicyAttachmentException", "A policy with the specified name and type already exists.")
}

pub fn duplicate_policy() -> AwsError {
    error("DuplicatePolicyException", "A policy with the specified name and type already exists.")
}

pub fn policy_not_found() -> AwsError {
    error("PolicyNotFoundException", "We can't find a policy with the PolicyId that you specified.")
}

pub fn policy_not_attached() -> AwsError {
    error("PolicyNotAttachedException", "The policy isn't attached to the specified target in the specified root.")
}

pub fn policy_in_use() -> AwsError {
    error(
        "PolicyInUseException",
        "The policy is attached to one or more entities. You must detach it from all roots, OUs, and accounts before performing this operation.",
    )
}

pub fn target_not_found() -> AwsError {
    error(
        "TargetNotFoundException",
        "We can't find a root, OU, account, or policy with the TargetId that you specified.",
    )
}

pub fn parent_not_found() -> AwsError {
    error("ParentNotFoundException", "We can't find a root or OU with the ParentId that you specified.")
}

pub fn child_not_found() -> AwsError {
    error(
        "ChildNotFoundException",
        "We can't find an organizational unit (OU) or AWS account with the ChildId that you specified.",
    )
}

pub fn root_not_found() -> AwsError {
    error("RootNotFoundException", "We can't find a root with the RootId that you specified.")
}

pub fn ou_not_found() -> AwsError {
    error(
        "OrganizationalUnitNotFoundException",
        "We can't find an OU with the OrganizationalUnitId that you specified.",
    )
}

pub fn account_not_found() -> AwsError {
    error(
        "AccountNotFoundException",
        "We can't find an AWS account with the AccountId that you specified, or the account whose credentials you used to make this request isn't a member of an organization.",
    )
}

pub fn source_parent_not_found() -> AwsError {
    error("SourceParentNotFoundException", "We can't find a source root or OU with the ParentId that you specified.")
}

pub fn destination_parent_not_found() -> AwsError {
    error(
        "DestinationParentNotFoundException",
        "We can't find the destination container (a root or OU) with the ParentId that you specified.",
    )
}

pub fn duplicate_account() -> AwsError {
    error("DuplicateAccountException", "That account is already present in the specified destination.")
}

pub fn duplicate_ou() -> AwsError {
    error("DuplicateOrganizationalUnitException", "An OU with the same name already exists.")
}

pub fn ou_not_empty() -> AwsError {
    error(
        "OrganizationalUnitNotEmptyException",
        "The specified OU is not empty. Move all accounts to another root or to other OUs, remove all child OUs, and try the operation again.",
    )
}

/// [obs] (the localstack issue quoting AWS's documentation text).
pub fn organization_not_empty() -> AwsError {
    error(
        "OrganizationNotEmptyException",
        "To delete an organization you must first remove all member accounts (except the master).",
    )
}

pub fn master_cannot_leave() -> AwsError {
    error(
        "MasterCannotLeaveOrganizationException",
        "You can't remove a management account from an organization. If you want the management account to become a member account in another organization, you must first delete the current organization of the management account.",
    )
}

pub fn constraint(reason: &str, message: &str) -> AwsError {
    with_reason("ConstraintViolationException", reason, message)
}

/// [obs] The sixth policy of one type on a target.
pub fn too_many_policies() -> AwsError {
    constraint(
        "MAX_POLICY_TYPE_ATTACHMENT_LIMIT_EXCEEDED",
        "You have attached the maximum number of policies to the specified target.",
    )
}

pub fn last_policy() -> AwsError {
    constraint(
        "MIN_POLICY_TYPE_ATTACHMENT_LIMIT_EXCEEDED",
        "You attempted to detach a policy from an entity that would cause the entity to have fewer than the minimum number of policies of a certain type required.",
    )
}

pub fn ou_depth() -> AwsError {
    constraint("OU_DEPTH_LIMIT_EXCEEDED", "You attempted to create an OU tree that is too many levels deep.")
}

pub fn policy_content_limit() -> AwsError {
    constraint(
        "POLICY_CONTENT_LIMIT_EXCEEDED",
        "You attempted to create a policy that is larger than the maximum size.",
    )
}

pub fn handshake_constraint(reason: &str, message: &str) -> AwsError {
    with_reason("HandshakeConstraintViolationException", reason, message)
}

pub fn handshake_not_found() -> AwsError {
    error("HandshakeNotFoundException", "We can't find a handshake with the HandshakeId that you specified.")
}

pub fn handshake_already_in_state(state: &str) -> AwsError {
    error(
        "HandshakeAlreadyInStateException",
        format!("The specified handshake is already in the requested state: {state}."),
    )
}

pub fn invalid_handshake_transition() -> AwsError {
    error(
        "InvalidHandshakeTransitionException",
        "You can't perform the operation on the handshake in its current state.",
    )
}

pub fn duplicate_handshake() -> AwsError {
    error(
        "DuplicateHandshakeException",
        "A handshake with the same action and target already exists. For example, if you invited an account to join your organization, the invited account might already have a pending invitation from this organization.",
    )
}

pub fn create_account_status_not_found() -> AwsError {
    error(
        "CreateAccountStatusNotFoundException",
        "We can't find a create account request with the CreateAccountRequestId that you specified.",
    )
}

pub fn invalid_input(reason: &str, message: impl Into<String>) -> AwsError {
    with_reason("InvalidInputException", reason, message)
}

/// AWS-managed policies cannot be changed or deleted.
pub fn immutable_policy() -> AwsError {
    invalid_input("IMMUTABLE_POLICY", "You specified a policy that is managed by AWS and can't be modified.")
}

/// RCPFullAWSAccess stays attached while RCPs are enabled.
pub fn non_detachable_policy() -> AwsError {
    invalid_input("NON_DETACHABLE_POLICY", "You can't detach this AWS Managed Policy.")
}

/// A required member missing (internal callers; HTTP requests are checked against the model first).
pub fn input_required(member: &str) -> AwsError {
    invalid_input("INPUT_REQUIRED", format!("You must specify a value for {member}."))
}

pub fn invalid_next_token() -> AwsError {
    invalid_input("INVALID_NEXT_TOKEN", "The specified NextToken is not valid.")
}
