//! Every message the policy language can answer with, kept in one place so that texts are easy to compare and change.
//! Texts marked `[inf]` are inferred (AWS's exact words were not found); `[obs]` were seen in real AWS answers.

use std::fmt;

/// The error code IAM, STS and most services use for a policy document they refuse.
pub const MALFORMED_POLICY_DOCUMENT: &str = "MalformedPolicyDocument";

/// A policy document was refused. `code()` is AWS's error code, `message()` AWS's text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PolicyError {
    message: String,
}

impl PolicyError {
    pub(crate) fn new(message: impl Into<String>) -> Self {
        PolicyError { message: message.into() }
    }

    /// Always `MalformedPolicyDocument`.
    pub fn code(&self) -> &'static str {
        MALFORMED_POLICY_DOCUMENT
    }

    /// AWS's message text, e.g. `Syntax errors in policy.`
    pub fn message(&self) -> &str {
        &self.message
    }

    /// The error IAM gives when a policy names a principal that does not exist (or has a bad form), e.g.
    /// `Invalid principal in policy: "AWS":"arn:aws:iam::111111111111:role/NonExistent"`. The IAM service
    /// uses it after checking [`crate::Policy::principals`] against the world.
    pub fn invalid_principal(principal: &crate::PrincipalRef<'_>) -> Self {
        PolicyError::new(msg::invalid_principal(principal.element_type, principal.value))
    }
}

impl fmt::Display for PolicyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", MALFORMED_POLICY_DOCUMENT, self.message)
    }
}

impl std::error::Error for PolicyError {}

/// The message texts. Functions build the ones that quote a value from the document.
pub mod msg {
    use crate::PrincipalType;

    // [obs]
    /// Bad JSON, unknown elements, wrong value types, duplicate elements, bad `Version`.
    pub const SYNTAX: &str = "Syntax errors in policy.";
    // [obs]
    /// A managed policy (CreatePolicy) without `"Version": "2012-10-17"`.
    pub const VERSION_TOO_OLD: &str = "Policy document must be version 2012-10-17 or greater.";
    // [obs]
    /// `Effect` not exactly `Allow`/`Deny`, an unreadable date, an ARN with too few parts.
    pub const LEGACY_PARSING: &str = "The policy failed legacy parsing";
    // [obs]
    /// (CloudTrail record of CreatePolicy) A Sid with characters other than letters and digits.
    pub const SID_NOT_ALPHANUMERIC: &str = "Statement IDs (SID) must be alpha-numeric. Check that your input satisfies the regular expression [0-9A-Za-z]*";
    // [obs]
    pub const DUPLICATE_SID: &str = "Statement IDs (SID) in a single policy must be unique.";
    // [obs]
    pub const MISSING_ACTIONS: &str = "Policy statement must contain actions.";
    // [obs]
    pub const MISSING_RESOURCES: &str = "Policy statement must contain resources.";
    // [obs]
    /// An action without `service:` prefix.
    pub const NO_VENDOR: &str = "Actions/Conditions must be prefaced by a vendor, e.g., iam, sdb, ec2, etc.";
    // [obs]
    pub const ONE_COLON: &str = "Actions/Condition can contain only one colon.";
    // [obs]
    /// An ARN whose service part is missing.
    pub const RESOURCE_VENDOR: &str = "Resource vendor must be fully qualified and cannot contain regexes.";
    // [obs]
    /// An IAM ARN whose resource part is not a known IAM resource type.
    pub const IAM_RESOURCE_PATH: &str = "IAM resource path must either be \"*\" or start with user/, federated-user/, role/, group/, instance-profile/, mfa/, server-certificate/, policy/, sms-mfa/, saml-provider/, oidc-provider/, report/, access-report/.";
    // [obs]
    /// A `Principal`/`NotPrincipal` in an identity-based policy.
    pub const PRINCIPAL_NOT_ALLOWED: &str = "Policy document should not specify a principal.";
    // [obs]
    /// (S3, Kinesis resource policies) A resource-based policy statement without `Principal`.
    pub const MISSING_PRINCIPAL: &str = "Missing required field Principal";
    // [obs]
    /// A role trust policy statement with `Resource`/`NotResource`.
    pub const PROHIBITED_RESOURCE: &str = "Has prohibited field Resource";
    // [inf] Wording as commonly reported (note the two spaces); which actions IAM accepts is inferred too.
    /// A trust policy action outside STS.
    pub const TRUST_ACTIONS: &str = "Trust Policy statement actions can only be sts:AssumeRole, sts:AssumeRoleWithSAML,  and sts:AssumeRoleWithWebIdentity";
    // [inf]
    /// `NotPrincipal` in a role trust policy.
    pub const TRUST_NOT_PRINCIPAL: &str = "AssumeRolepolicy contained an invalid principal: NotPrincipal.";
    // [obs]
    /// (S3) For services that check actions against their catalog; the engine itself never uses it.
    pub const INVALID_ACTION: &str = "Policy has invalid action";

    // [obs]
    /// `Vendor a a is not valid`
    pub fn invalid_vendor(vendor: &str) -> String {
        format!("Vendor {vendor} is not valid")
    }

    // [obs]
    /// `Resource x must be in ARN format or "*".`
    pub fn resource_not_arn(resource: &str) -> String {
        format!("Resource {resource} must be in ARN format or \"*\".")
    }

    // [obs]
    /// `Partition "b" is not valid for resource "arn:b:c:*:*:*".`
    pub fn invalid_partition(partition: &str, resource: &str) -> String {
        format!("Partition \"{partition}\" is not valid for resource \"{resource}\".")
    }

    // [obs]
    pub fn iam_region(resource: &str) -> String {
        format!("IAM resource {resource} cannot contain region information.")
    }

    // [obs]
    pub fn s3_region(resource: &str) -> String {
        format!("Resource {resource} can not contain region information.")
    }

    // [obs]
    /// Trust and resource policies: an element IAM does not know, e.g. `Unknown field Comment`.
    pub fn unknown_field(field: &str) -> String {
        format!("Unknown field {field}")
    }

    // [obs]
    /// `Invalid principal in policy: "SERVICE":"codepipeiine.amazonaws.com"`
    pub fn invalid_principal(kind: PrincipalType, value: &str) -> String {
        format!("Invalid principal in policy: \"{}\":\"{}\"", kind.message_name(), value)
    }

    // [obs]
    /// `AssumeRolepolicy contained an invalid principal: "STAR":"*".`
    pub fn trust_invalid_principal(kind: PrincipalType, value: &str) -> String {
        format!("AssumeRolepolicy contained an invalid principal: \"{}\":\"{}\".", kind.message_name(), value)
    }
}
