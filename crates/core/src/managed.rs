//! The catalog of AWS-managed policies (`arn:aws:iam::aws:policy/...`), embedded from
//! data/managed-policies/ and parsed on first use: ReadOnlyAccess alone is 150 KB.

use sekisho_policy::{Policy, PolicyKind};
use serde::Deserialize;
use std::collections::HashMap;
use std::sync::{Arc, OnceLock};

mod embedded {
    include!(concat!(env!("OUT_DIR"), "/managed_policies.rs"));
}

/// An AWS-managed policy as GetPolicy/GetPolicyVersion describe it.
#[derive(Debug)]
pub struct AwsManagedPolicy {
    pub name: String,
    pub id: String,
    pub path: String,
    pub arn: String,
    pub default_version_id: String,
    pub is_attachable: bool,
    pub create_date: String,
    pub update_date: String,
    pub description: Option<String>,
    /// The default version's document, as AWS prints it.
    pub document: String,
    source: &'static str,
    compiled: OnceLock<Option<Arc<Policy>>>,
}

impl AwsManagedPolicy {
    /// The compiled default version (compiled on first use).
    pub fn policy(&self) -> Option<Arc<Policy>> {
        self.compiled
            .get_or_init(|| Policy::parse(&self.document, PolicyKind::ManagedIdentity).ok().map(Arc::new))
            .clone()
    }

    pub fn source_json(&self) -> &'static str {
        self.source
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct File {
    policy_name: String,
    policy_id: String,
    path: String,
    arn: String,
    default_version_id: String,
    #[serde(default = "yes")]
    is_attachable: bool,
    create_date: String,
    update_date: String,
    description: Option<String>,
    document: serde_json::Value,
}

fn yes() -> bool {
    true
}

fn catalog() -> &'static HashMap<String, AwsManagedPolicy> {
    static CATALOG: OnceLock<HashMap<String, AwsManagedPolicy>> = OnceLock::new();
    CATALOG.get_or_init(|| {
        let mut map = HashMap::new();
        for source in embedded::EMBEDDED {
            // The files are checked by this crate's tests; a file that does not parse is left out.
            let Ok(f) = serde_json::from_str::<File>(source) else { continue };
            let document = serde_json::to_string_pretty(&f.document).unwrap_or_default();
            map.insert(
                f.arn.clone(),
                AwsManagedPolicy {
                    name: f.policy_name,
                    id: f.policy_id,
                    path: f.path,
                    arn: f.arn,
                    default_version_id: f.default_version_id,
                    is_attachable: f.is_attachable,
                    create_date: f.create_date,
                    update_date: f.update_date,
                    description: f.description,
                    document,
                    source,
                    compiled: OnceLock::new(),
                },
            );
        }
        map
    })
}

/// The AWS-managed policy with this ARN.
pub fn get(arn: &str) -> Option<&'static AwsManagedPolicy> {
    catalog().get(arn)
}

/// Every AWS-managed policy in the catalog.
pub fn all() -> impl Iterator<Item = &'static AwsManagedPolicy> {
    catalog().values()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_embedded_policy_loads_and_compiles() {
        assert_eq!(catalog().len(), embedded::EMBEDDED.len());
        for p in all() {
            assert!(p.arn.starts_with("arn:aws:iam::aws:policy/"), "{}", p.arn);
            assert!(p.arn.ends_with(&format!("{}{}", p.path, p.name)), "{}", p.arn);
            assert!(p.policy().is_some(), "{} does not compile", p.name);
        }
        let basic = get("arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole").unwrap();
        assert_eq!(basic.path, "/service-role/");
        assert!(get("arn:aws:iam::aws:policy/ReadOnlyAccess").is_some());
    }
}
