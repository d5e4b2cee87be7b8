//! IAM's entities per account, as plain data: users, roles, groups, customer managed policies,
//! instance profiles and access key metadata. The IAM service changes them; the door reads them.

use sekisho_policy::{Policy, PolicyError, PolicyKind};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::collections::BTreeMap;
use std::sync::Arc;

/// A policy document as stored: the text exactly as given (URL-decoded), as IAM returns it, and the policy
/// compiled once when it was saved.
#[derive(Debug, Clone)]
pub struct PolicyDoc {
    pub text: String,
    pub kind: DocKind,
    pub policy: Arc<Policy>,
}

/// What a stored document is, which decides the rules it was parsed under.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum DocKind {
    Inline,
    Managed,
    Trust,
}

impl DocKind {
    fn policy_kind(self) -> PolicyKind {
        match self {
            DocKind::Inline => PolicyKind::Identity,
            DocKind::Managed => PolicyKind::ManagedIdentity,
            DocKind::Trust => PolicyKind::RoleTrust,
        }
    }
}

impl PolicyDoc {
    /// Parses and compiles `text`; bad documents get IAM's `MalformedPolicyDocument` message.
    pub fn parse(text: &str, kind: DocKind) -> Result<PolicyDoc, PolicyError> {
        let policy = Policy::parse(text, kind.policy_kind())?;
        Ok(PolicyDoc { text: text.to_string(), kind, policy: Arc::new(policy) })
    }
}

impl PartialEq for PolicyDoc {
    fn eq(&self, other: &Self) -> bool {
        self.text == other.text && self.kind == other.kind
    }
}

#[derive(Serialize, Deserialize)]
struct StoredDoc {
    text: String,
    kind: DocKind,
}

impl Serialize for PolicyDoc {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        StoredDoc { text: self.text.clone(), kind: self.kind }.serialize(s)
    }
}

impl<'de> Deserialize<'de> for PolicyDoc {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let stored = StoredDoc::deserialize(d)?;
        PolicyDoc::parse(&stored.text, stored.kind).map_err(|e| serde::de::Error::custom(e.message()))
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Tag {
    pub key: String,
    pub value: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct User {
    pub name: String,
    pub path: String,
    pub id: String,
    pub create_date_ms: i64,
    pub inline_policies: BTreeMap<String, PolicyDoc>,
    pub attached_policies: Vec<String>,
    pub groups: Vec<String>,
    pub permissions_boundary: Option<String>,
    pub tags: Vec<Tag>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Role {
    pub name: String,
    pub path: String,
    pub id: String,
    pub create_date_ms: i64,
    pub trust_policy: PolicyDoc,
    pub description: Option<String>,
    /// Seconds, 3600..=43200.
    pub max_session_duration: i64,
    pub inline_policies: BTreeMap<String, PolicyDoc>,
    pub attached_policies: Vec<String>,
    pub permissions_boundary: Option<String>,
    pub tags: Vec<Tag>,
    pub last_used_ms: Option<i64>,
    pub last_used_region: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Group {
    pub name: String,
    pub path: String,
    pub id: String,
    pub create_date_ms: i64,
    pub inline_policies: BTreeMap<String, PolicyDoc>,
    pub attached_policies: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PolicyVersion {
    pub version_id: String,
    pub document: PolicyDoc,
    pub create_date_ms: i64,
}

/// A customer managed policy (AWS managed ones come from the catalog).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ManagedPolicy {
    pub name: String,
    pub path: String,
    pub id: String,
    pub create_date_ms: i64,
    pub update_date_ms: i64,
    pub description: Option<String>,
    pub default_version_id: String,
    pub versions: Vec<PolicyVersion>,
    pub next_version: u32,
    pub tags: Vec<Tag>,
}

impl ManagedPolicy {
    pub fn default_document(&self) -> Option<&PolicyDoc> {
        self.versions.iter().find(|v| v.version_id == self.default_version_id).map(|v| &v.document)
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct InstanceProfile {
    pub name: String,
    pub path: String,
    pub id: String,
    pub create_date_ms: i64,
    pub roles: Vec<String>,
    pub tags: Vec<Tag>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AccessKeyMeta {
    pub user_name: String,
    pub access_key_id: String,
    pub active: bool,
    pub create_date_ms: i64,
    pub last_used_ms: Option<i64>,
    #[serde(default)]
    pub last_used_service: Option<String>,
    #[serde(default)]
    pub last_used_region: Option<String>,
}

/// A user's console password (only its existence and flags are kept).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LoginProfile {
    pub user_name: String,
    pub create_date_ms: i64,
    pub password_reset_required: bool,
}

/// A virtual MFA device; `user_name` is set once it is enabled for a user.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MfaDevice {
    pub serial_number: String,
    pub user_name: Option<String>,
    pub enable_date_ms: Option<i64>,
    /// Base32 seed, returned once by CreateVirtualMFADevice.
    pub seed: String,
    pub virtual_device: bool,
    pub tags: Vec<Tag>,
    /// How many time steps the device's clock is off ours, learnt by EnableMFADevice / ResyncMFADevice.
    #[serde(default)]
    pub drift_steps: i64,
    /// The last time step whose code was accepted: a code is good once.
    #[serde(default)]
    pub last_step: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SshPublicKey {
    pub user_name: String,
    pub id: String,
    pub fingerprint: String,
    pub body: String,
    pub active: bool,
    pub upload_date_ms: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SigningCertificate {
    pub user_name: String,
    pub id: String,
    pub body: String,
    pub active: bool,
    pub upload_date_ms: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ServerCertificate {
    pub name: String,
    pub path: String,
    pub id: String,
    pub body: String,
    pub chain: Option<String>,
    pub upload_date_ms: i64,
    pub expiration_ms: i64,
    pub tags: Vec<Tag>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SamlProvider {
    pub name: String,
    pub metadata_document: String,
    pub create_date_ms: i64,
    pub valid_until_ms: i64,
    pub tags: Vec<Tag>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OidcProvider {
    /// The URL without `https://`, as the ARN names it.
    pub url: String,
    pub client_ids: Vec<String>,
    pub thumbprints: Vec<String>,
    pub create_date_ms: i64,
    pub tags: Vec<Tag>,
}

/// The account password policy; absent fields are AWS's defaults.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct PasswordPolicy {
    pub minimum_password_length: Option<i64>,
    pub require_symbols: bool,
    pub require_numbers: bool,
    pub require_uppercase_characters: bool,
    pub require_lowercase_characters: bool,
    pub allow_users_to_change_password: bool,
    pub max_password_age: Option<i64>,
    pub password_reuse_prevention: Option<i64>,
    pub hard_expiry: Option<bool>,
}

/// IAM's state of one account. Names are unique case-insensitively, so maps are keyed by lower-case name.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct AccountIam {
    pub users: BTreeMap<String, User>,
    pub roles: BTreeMap<String, Role>,
    pub groups: BTreeMap<String, Group>,
    /// Customer managed policies keyed by ARN.
    pub policies: BTreeMap<String, ManagedPolicy>,
    pub instance_profiles: BTreeMap<String, InstanceProfile>,
    pub access_keys: BTreeMap<String, AccessKeyMeta>,
    pub aliases: Vec<String>,
    /// Keyed by lower-case user name.
    #[serde(default)]
    pub login_profiles: BTreeMap<String, LoginProfile>,
    /// Keyed by serial number (an ARN for virtual devices).
    #[serde(default)]
    pub mfa_devices: BTreeMap<String, MfaDevice>,
    /// Keyed by key id.
    #[serde(default)]
    pub ssh_public_keys: BTreeMap<String, SshPublicKey>,
    /// Keyed by certificate id.
    #[serde(default)]
    pub signing_certificates: BTreeMap<String, SigningCertificate>,
    /// Keyed by lower-case name.
    #[serde(default)]
    pub server_certificates: BTreeMap<String, ServerCertificate>,
    /// Keyed by ARN.
    #[serde(default)]
    pub saml_providers: BTreeMap<String, SamlProvider>,
    /// Keyed by ARN.
    #[serde(default)]
    pub oidc_providers: BTreeMap<String, OidcProvider>,
    #[serde(default)]
    pub password_policy: Option<PasswordPolicy>,
    #[serde(default)]
    pub credential_report_ms: Option<i64>,
}

impl AccountIam {
    pub fn role(&self, name: &str) -> Option<&Role> {
        self.roles.get(&name.to_ascii_lowercase())
    }

    pub fn user(&self, name: &str) -> Option<&User> {
        self.users.get(&name.to_ascii_lowercase())
    }

    pub fn group(&self, name: &str) -> Option<&Group> {
        self.groups.get(&name.to_ascii_lowercase())
    }
}
