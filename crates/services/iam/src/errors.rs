//! IAM's errors with AWS's codes, HTTP statuses and message texts, in one place.
//! Texts come from real IAM answers quoted in public issue threads unless marked [inf].

use sekisho_core::AwsError;
use sekisho_policy::PolicyError;

pub fn validation(message: impl Into<String>) -> AwsError {
    AwsError::new("ValidationError", 400, message)
}

pub fn invalid_input(message: impl Into<String>) -> AwsError {
    AwsError::new("InvalidInput", 400, message)
}

pub fn no_such_entity(message: impl Into<String>) -> AwsError {
    AwsError::new("NoSuchEntity", 404, message)
}

pub fn already_exists(message: impl Into<String>) -> AwsError {
    AwsError::new("EntityAlreadyExists", 409, message)
}

pub fn delete_conflict(message: impl Into<String>) -> AwsError {
    AwsError::new("DeleteConflict", 409, message)
}

pub fn limit_exceeded(message: impl Into<String>) -> AwsError {
    AwsError::new("LimitExceeded", 409, message)
}

/// GetSessionToken credentials obtained without MFA calling IAM: AWS answers as if the token were unknown
/// (aws/aws-cli#8918 shows the XML; aws-vault#1056 the same for ListUsers). No period at the end, as IAM says it.
pub fn session_token_without_mfa() -> AwsError {
    AwsError::new("InvalidClientTokenId", 403, "The security token included in the request is invalid")
}

pub fn malformed(err: &PolicyError) -> AwsError {
    AwsError::new(err.code(), 400, err.message())
}

pub fn no_such_role(name: &str) -> AwsError {
    no_such_entity(format!("The role with name {name} cannot be found."))
}

pub fn no_such_user(name: &str) -> AwsError {
    no_such_entity(format!("The user with name {name} cannot be found."))
}

pub fn no_such_group(name: &str) -> AwsError {
    no_such_entity(format!("The group with name {name} cannot be found."))
}

pub fn no_such_instance_profile(name: &str) -> AwsError {
    no_such_entity(format!("Instance Profile {name} cannot be found."))
}

/// GetPolicy, DeletePolicy, Detach*Policy of a policy that is not attached.
pub fn policy_not_found(arn: &str) -> AwsError {
    no_such_entity(format!("Policy {arn} was not found."))
}

/// Attach*Policy and Put*PermissionsBoundary of an unknown policy.
pub fn policy_not_attachable(arn: &str) -> AwsError {
    no_such_entity(format!("Policy {arn} does not exist or is not attachable."))
}

/// [inf] GetPolicyVersion / DeletePolicyVersion / SetDefaultPolicyVersion of an unknown version.
pub fn no_such_policy_version(arn: &str, version: &str) -> AwsError {
    no_such_entity(format!("Policy {arn} version {version} does not exist or is not attachable."))
}

/// `kind` is `role`, `user` or `group`.
pub fn no_such_inline_policy(kind: &str, name: &str) -> AwsError {
    no_such_entity(format!("The {kind} policy with name {name} cannot be found."))
}

pub fn no_such_access_key(id: &str) -> AwsError {
    no_such_entity(format!("The Access Key with id {id} cannot be found."))
}

pub fn quota(name: &str, limit: usize) -> AwsError {
    limit_exceeded(format!("Cannot exceed quota for {name}: {limit}"))
}
