//! How Lambda shows its resources: `FunctionConfiguration`, layer versions and aliases as the output
//! shapes carry them, with Lambda's own timestamp form (`2024-03-27T09:14:35.123+0000`).

use crate::names;
use crate::state::{Alias, Function, FunctionVersion, LayerVersion};
use serde_json::{Map, Value, json};
use sha2::Digest;

/// Lambda's timestamps: ISO-8601 with milliseconds and a `+0000` offset.
pub fn timestamp(ms: i64) -> String {
    let iso = sekisho_core::clock::iso8601_ms(ms);
    format!("{}+0000", iso.trim_end_matches('Z'))
}

/// Where the function's state machine stands in a response.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Phase {
    /// CreateFunction's answer: the function is being created.
    Creating,
    /// UpdateFunctionCode/Configuration's answer: the update is in progress.
    Updating,
    /// Get*: created and up to date.
    Settled,
    /// ListFunctions and ListVersionsByFunction: no state members.
    Listed,
}

fn runtime_version_arn(region: &str, runtime: &str) -> String {
    let digest = sha2::Sha256::digest(format!("sekisho:{runtime}").as_bytes());
    let hex: String = digest.iter().map(|b| format!("{b:02x}")).collect();
    format!("arn:aws:lambda:{region}::runtime:{hex}")
}

/// `FunctionConfiguration` of one version.
pub fn configuration(region: &str, account: &str, f: &Function, v: &FunctionVersion, phase: Phase) -> Value {
    let arn = names::function_arn(region, account, &f.name);
    let arn = if v.version == "$LATEST" { arn } else { format!("{arn}:{}", v.version) };
    let mut c = Map::new();
    c.insert("FunctionName".into(), json!(f.name));
    c.insert("FunctionArn".into(), json!(arn));
    if let Some(r) = &v.runtime {
        c.insert("Runtime".into(), json!(r));
    }
    c.insert("Role".into(), json!(v.role));
    if let Some(h) = &v.handler {
        c.insert("Handler".into(), json!(h));
    }
    c.insert("CodeSize".into(), json!(v.code.size()));
    c.insert("Description".into(), json!(v.description));
    c.insert("Timeout".into(), json!(v.timeout));
    c.insert("MemorySize".into(), json!(v.memory_size));
    c.insert("LastModified".into(), json!(timestamp(v.last_modified_ms)));
    c.insert("CodeSha256".into(), json!(v.code.sha256));
    c.insert("Version".into(), json!(v.version));
    if let Some(vars) = &v.environment {
        c.insert("Environment".into(), json!({ "Variables": vars }));
    }
    c.insert("TracingConfig".into(), json!({ "Mode": v.tracing_mode }));
    c.insert("RevisionId".into(), json!(v.revision_id));
    if !v.layers.is_empty() {
        let layers: Vec<Value> =
            v.layers.iter().map(|l| json!({ "Arn": l.arn, "CodeSize": l.content.size() })).collect();
        c.insert("Layers".into(), Value::Array(layers));
    }
    match phase {
        Phase::Creating => {
            c.insert("State".into(), json!("Pending"));
            c.insert("StateReason".into(), json!("The function is being created."));
            c.insert("StateReasonCode".into(), json!("Creating"));
        }
        Phase::Updating => {
            c.insert("State".into(), json!("Active"));
            c.insert("LastUpdateStatus".into(), json!("InProgress"));
            c.insert("LastUpdateStatusReason".into(), json!("The function is being created."));
            c.insert("LastUpdateStatusReasonCode".into(), json!("Creating"));
        }
        Phase::Settled => {
            c.insert("State".into(), json!("Active"));
            c.insert("LastUpdateStatus".into(), json!("Successful"));
        }
        Phase::Listed => {}
    }
    c.insert("PackageType".into(), json!(v.package_type));
    c.insert("Architectures".into(), json!(v.architectures));
    c.insert("EphemeralStorage".into(), json!({ "Size": v.ephemeral_storage }));
    c.insert("SnapStart".into(), json!({ "ApplyOn": "None", "OptimizationStatus": "Off" }));
    if let Some(r) = &v.runtime {
        c.insert("RuntimeVersionConfig".into(), json!({ "RuntimeVersionArn": runtime_version_arn(region, r) }));
    }
    let mut logging = Map::new();
    logging.insert("LogFormat".into(), json!(v.logging.log_format));
    if let Some(l) = &v.logging.application_log_level {
        logging.insert("ApplicationLogLevel".into(), json!(l));
    }
    if let Some(l) = &v.logging.system_log_level {
        logging.insert("SystemLogLevel".into(), json!(l));
    }
    logging.insert("LogGroup".into(), json!(v.logging.log_group));
    c.insert("LoggingConfig".into(), Value::Object(logging));
    Value::Object(c)
}

/// The members every layer-version answer shares (`GetLayerVersion`, `PublishLayerVersion`).
pub fn layer_version(region: &str, account: &str, name: &str, v: &LayerVersion, location: &str) -> Value {
    let layer_arn = names::layer_arn(region, account, name);
    let mut out = Map::new();
    out.insert(
        "Content".into(),
        json!({ "Location": location, "CodeSha256": v.content.sha256, "CodeSize": v.content.size() }),
    );
    out.insert("LayerArn".into(), json!(layer_arn));
    out.insert("LayerVersionArn".into(), json!(format!("{layer_arn}:{}", v.version)));
    out.insert("Description".into(), json!(v.description));
    out.insert("CreatedDate".into(), json!(timestamp(v.created_ms)));
    out.insert("Version".into(), json!(v.version));
    if !v.compatible_architectures.is_empty() {
        out.insert("CompatibleArchitectures".into(), json!(v.compatible_architectures));
    }
    if !v.compatible_runtimes.is_empty() {
        out.insert("CompatibleRuntimes".into(), json!(v.compatible_runtimes));
    }
    if let Some(l) = &v.license_info {
        out.insert("LicenseInfo".into(), json!(l));
    }
    Value::Object(out)
}

/// `LayerVersionsListItem` (ListLayerVersions, ListLayers' `LatestMatchingVersion`).
pub fn layer_version_item(region: &str, account: &str, name: &str, v: &LayerVersion) -> Value {
    let mut full = layer_version(region, account, name, v, "");
    if let Value::Object(m) = &mut full {
        m.remove("Content");
        m.remove("LayerArn");
    }
    full
}

pub fn alias(region: &str, account: &str, function: &str, a: &Alias) -> Value {
    let mut out = Map::new();
    out.insert("AliasArn".into(), json!(format!("{}:{}", names::function_arn(region, account, function), a.name)));
    out.insert("Name".into(), json!(a.name));
    out.insert("FunctionVersion".into(), json!(a.function_version));
    out.insert("Description".into(), json!(a.description));
    if let Some(r) = &a.routing_config {
        out.insert("RoutingConfig".into(), r.clone());
    }
    out.insert("RevisionId".into(), json!(a.revision_id));
    Value::Object(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lambda_timestamps() {
        assert_eq!(timestamp(1_440_938_160_123), "2015-08-30T12:36:00.123+0000");
    }
}
