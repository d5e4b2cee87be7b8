//! Lambda's state per (account, region) as plain data: functions with their versions, aliases, resource
//! policies and tags; layers with their versions; `Event` invocations not yet over. Deployment packages are
//! kept as the zip bytes, and stored once per digest (see the `Records` implementation below).

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::sync::Arc;

/// A deployment package or layer archive: the zip as uploaded, with the digest Lambda reports.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Code {
    /// Not in the function's or layer's record: the store keeps each package once, as a `code` record
    /// named by its digest, and `restore` puts it back.
    #[serde(skip)]
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

/// An `Event` invocation Lambda accepted (202) and has not finished: kept so a restarted sekisho runs it
/// (AWS keeps the event in its queue until the function ran, with its retries).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct QueuedInvoke {
    pub function_name: String,
    pub qualifier: Option<String>,
    /// Base64 of the event.
    pub payload: String,
    pub client_context: Option<String>,
    /// Attempts already made (0 until the first one ended with a function error).
    pub attempts: u32,
    /// When the next attempt is due (epoch milliseconds).
    pub due_ms: i64,
}

/// Everything Lambda keeps for one (account, region).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct LambdaState {
    pub functions: BTreeMap<String, Function>,
    pub layers: BTreeMap<String, Layer>,
    /// `Event` invocations not yet over, by their first request id.
    #[serde(default)]
    pub event_queue: BTreeMap<String, QueuedInvoke>,
}

impl Function {
    fn codes_mut(&mut self) -> impl Iterator<Item = &mut Code> {
        std::iter::once(&mut self.latest)
            .chain(self.versions.values_mut())
            .flat_map(|v| std::iter::once(&mut v.code).chain(v.layers.iter_mut().map(|l| &mut l.content)))
    }

    fn codes(&self) -> impl Iterator<Item = &Code> {
        std::iter::once(&self.latest)
            .chain(self.versions.values())
            .flat_map(|v| std::iter::once(&v.code).chain(v.layers.iter().map(|l| &l.content)))
    }
}

/// One record per function (its versions, aliases, policies and tags with it), per layer and per queued
/// `Event` invocation; each package once, as a `code` record named by the hex digest whose value is the
/// zip itself (not JSON), shared by every version and layer that has the same bytes. Execution
/// environments are not stored: they start again on demand, unpacking the restored zip.
impl sekisho_core::state::Records for LambdaState {
    fn records(&self, out: &mut sekisho_core::state::RecordSink<'_>) -> Result<(), String> {
        let mut packages: BTreeMap<&str, &Arc<Vec<u8>>> = BTreeMap::new();
        for (name, f) in &self.functions {
            out.put("function", name, f)?;
            for c in f.codes() {
                packages.insert(&c.sha256_hex, &c.zip);
            }
        }
        for (name, layer) in &self.layers {
            out.put("layer", name, layer)?;
            for v in layer.versions.values() {
                packages.insert(&v.content.sha256_hex, &v.content.zip);
            }
        }
        for (id, q) in &self.event_queue {
            out.put("event", id, q)?;
        }
        for (hex, zip) in packages {
            // Named by its digest, a package never changes: written once, never serialized again.
            out.put_bytes_versioned("code", hex, 1, zip);
        }
        Ok(())
    }

    fn restore(records: Vec<sekisho_core::persist::Record>) -> Result<Self, String> {
        use sekisho_core::persist::decode;
        let mut st = LambdaState::default();
        let mut packages: BTreeMap<String, Arc<Vec<u8>>> = BTreeMap::new();
        for r in records {
            match r.kind.as_str() {
                "function" => {
                    st.functions.insert(r.id.clone(), decode(&r)?);
                }
                "layer" => {
                    st.layers.insert(r.id.clone(), decode(&r)?);
                }
                "event" => {
                    st.event_queue.insert(r.id.clone(), decode(&r)?);
                }
                "code" => {
                    packages.insert(r.id, Arc::new(r.value));
                }
                other => return Err(format!("lambda: unknown record kind {other:?}")),
            }
        }
        let fill = |c: &mut Code, owner: &str| match packages.get(&c.sha256_hex) {
            Some(zip) => {
                c.zip = zip.clone();
                Ok(())
            }
            None => Err(format!("lambda: the package {} of {owner} is missing", c.sha256_hex)),
        };
        for (name, f) in st.functions.iter_mut() {
            for c in f.codes_mut() {
                fill(c, name)?;
            }
        }
        for (name, layer) in st.layers.iter_mut() {
            for v in layer.versions.values_mut() {
                fill(&mut v.content, name)?;
            }
        }
        Ok(st)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use sekisho_core::persist::Record;
    use sekisho_core::state::Records;

    fn version(code: &Code) -> FunctionVersion {
        FunctionVersion {
            version: "$LATEST".into(),
            runtime: Some("python3.12".into()),
            role: "arn:aws:iam::111111111111:role/r".into(),
            handler: Some("index.handler".into()),
            description: String::new(),
            timeout: 3,
            memory_size: 128,
            environment: None,
            layers: vec![AttachedLayer { arn: "arn:layer:1".into(), content: Code::new(b"layer".to_vec()) }],
            logging: LoggingConfig {
                log_format: "Text".into(),
                application_log_level: None,
                system_log_level: None,
                log_group: "/aws/lambda/f".into(),
            },
            architectures: vec!["x86_64".into()],
            ephemeral_storage: 512,
            tracing_mode: "PassThrough".into(),
            package_type: "Zip".into(),
            last_modified_ms: 1,
            revision_id: "r".into(),
            code: code.clone(),
        }
    }

    #[test]
    fn packages_are_stored_once_and_come_back_with_their_functions() {
        let code = Code::new(b"PK zip bytes".to_vec());
        let mut st = LambdaState::default();
        let mut f = Function {
            name: "f".into(),
            latest: version(&code),
            versions: BTreeMap::new(),
            next_version: 2,
            aliases: BTreeMap::new(),
            policies: BTreeMap::new(),
            tags: BTreeMap::new(),
        };
        f.versions.insert(1, version(&code));
        st.functions.insert("f".into(), f);
        let out = sekisho_core::state::all_records(&st).unwrap();
        let codes: Vec<_> = out.iter().filter(|(k, _, _)| k == "code").collect();
        assert_eq!(codes.len(), 2, "the function's package and its layer's, each once");
        let function = &out.iter().find(|(k, _, _)| k == "function").unwrap().2;
        assert!(!function.windows(12).any(|w| w == b"PK zip bytes"), "the zip is not in the function record");
        let records = out
            .into_iter()
            .map(|(kind, id, value)| Record {
                part: "lambda".into(),
                account: "111111111111".into(),
                region: "us-east-1".into(),
                kind,
                id,
                value,
            })
            .collect::<Vec<_>>();
        let back = LambdaState::restore(records.clone()).unwrap();
        assert_eq!(back, st);
        let without_code: Vec<Record> = records.into_iter().filter(|r| r.kind != "code").collect();
        let e = LambdaState::restore(without_code).unwrap_err();
        assert!(e.contains("is missing"), "{e}");
    }
}
