//! Application inference profiles: an account's own profiles that copy a foundation model or a
//! system-defined profile (for cost tracking); invoked by ARN through the runtime like the model they copy.

use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use std::collections::BTreeMap;

/// One application profile, as plain data.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AppProfile {
    /// 12 lower-case letters and digits.
    pub id: String,
    pub name: String,
    pub description: Option<String>,
    pub arn: String,
    /// The foundation model served.
    pub model_id: String,
    /// `models[].modelArn`: the copied model's ARN, or the copied profile's destinations.
    pub model_arns: Vec<String>,
    /// The ARN given as `modelSource.copyFrom`.
    pub copied_from: String,
    pub created_secs: f64,
    pub tags: Vec<(String, String)>,
}

impl AppProfile {
    pub fn summary(&self) -> Value {
        let models: Vec<Value> = self.model_arns.iter().map(|a| json!({ "modelArn": a })).collect();
        let mut v = json!({
            "inferenceProfileName": self.name,
            "createdAt": self.created_secs,
            "updatedAt": self.created_secs,
            "inferenceProfileArn": self.arn,
            "models": models,
            "inferenceProfileId": self.id,
            "status": "ACTIVE",
            "type": "APPLICATION",
        });
        if let Some(d) = &self.description {
            v["description"] = json!(d);
        }
        v
    }

    /// The Regions the profile serves from (`""` for the Region-less global ARN), in `models` order.
    pub fn regions(&self) -> Vec<String> {
        self.model_arns.iter().filter_map(|a| super::parse_arn(a).map(|p| p.region.to_string())).collect()
    }
}

/// An account's application profiles in one Region, by id.
pub type AppProfiles = BTreeMap<String, AppProfile>;
