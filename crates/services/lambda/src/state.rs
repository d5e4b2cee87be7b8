//! Lambda's state per (account, region) as plain data: functions with their versions, aliases, resource
//! policies and tags; layers with their versions. Deployment packages are kept as the zip bytes.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::sync::Arc;

/// A deployment package or layer archive: the zip as uploaded, with the digest Lambda reports.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Code {
    pub zip: Arc<Vec<u8>>,
    /// Base64 of the SHA-256 of the zip (`CodeSha256`).
    pub sha256: String,
    /// Lower-case hex of the same digest: names the unpacked copy on disk.
    pub sha256_hex: String,
}

impl Code {
    pub fn new(zip: Vec<u8>) -> Code {
        use base64::Engine;
        use sha2::Digest;
        let digest = sha2::Sha256::digest(&zip);
        let hex: String = digest.iter().map(|b| format!("{b:02x}")).collect();
        Code { sha256: base64::engine::general_purpose::STANDARD.encode(digest), sha256_hex: hex, zip: Arc::new(zip) }
    }

    pub fn size(&self) -> u64 {
        self.zip.len() as u64
    }
}

/// A layer version attached to a function, with its content so the function keeps running when the
/// layer version is deleted later (as in AWS).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AttachedLayer {
    pub arn: String,
    pub content: Code,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LoggingConfig {
    /// `Text` or `JSON`.
    pub log_format: String,
    pub application_log_level: Option<String>,
    pub system_log_level: Option<String>,
    pub log_group: String,
}

/// One version of a function: `$LATEST` or a published number. Published versions never change.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FunctionVersion {
    pub version: String,
    pub runtime: Option<String>,
    pub role: String,
    pub handler: Option<String>,
    pub description: String,
    pub timeout: u64,
    pub memory_size: u64,
    pub environment: Option<BTreeMap<String, String>>,
    pub layers: Vec<AttachedLayer>,
    pub logging: LoggingConfig,
    pub architectures: Vec<String>,
    pub ephemeral_storage: u64,
    pub tracing_mode: String,
    pub package_type: String,
    pub last_modified_ms: i64,
    pub revision_id: String,
    pub code: Code,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Alias {
    pub name: String,
    pub function_version: String,
    pub description: String,
    pub routing_config: Option<serde_json::Value>,
    pub revision_id: String,
}

/// A resource-based policy: the statements AddPermission added, for one qualifier.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ResourcePolicyDoc {
    pub statements: Vec<serde_json::Value>,
    pub revision_id: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Function {
    pub name: String,
    pub latest: FunctionVersion,
    pub versions: BTreeMap<u64, FunctionVersion>,
    pub next_version: u64,
    pub aliases: BTreeMap<String, Alias>,
    /// Keyed by qualifier; `""` is the unqualified function.
    pub policies: BTreeMap<String, ResourcePolicyDoc>,
    pub tags: BTreeMap<String, String>,
}

impl Function {
    /// The version a qualifier designates: `$LATEST`, a number, or an alias.
    pub fn resolve(&self, qualifier: Option<&str>) -> Option<&FunctionVersion> {
        match qualifier {
            None | Some("$LATEST") => Some(&self.latest),
            Some(q) => match q.parse::<u64>() {
                Ok(n) => self.versions.get(&n),
                Err(_) => {
                    let alias = self.aliases.get(q)?;
                    self.resolve(Some(alias.function_version.as_str()))
                }
            },
        }
    }

    /// `true` when the qualifier names something that exists (for policy operations).
    pub fn has_qualifier(&self, qualifier: &str) -> bool {
        qualifier == "$LATEST"
            || self.aliases.contains_key(qualifier)
            || qualifier.parse::<u64>().is_ok_and(|n| self.versions.contains_key(&n))
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LayerVersion {
    pub version: u64,
    pub description: String,
    pub created_ms: i64,
    pub compatible_runtimes: Vec<String>,
    pub compatible_architectures: Vec<String>,
    pub license_info: Option<String>,
    pub content: Code,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Layer {
    pub name: String,
    pub versions: BTreeMap<u64, LayerVersion>,
    pub next_version: u64,
}

/// Everything Lambda keeps for one (account, region).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct LambdaState {
    pub functions: BTreeMap<String, Function>,
    pub layers: BTreeMap<String, Layer>,
}
