//! The embedded model catalog (data/foundation-models.json, data/inference-profiles.json): which foundation
//! models and system-defined inference profiles exist, where they are offered and where a profile routes.

use serde::Deserialize;
use serde_json::{Value, json};
use std::collections::{BTreeMap, HashMap};
use std::sync::OnceLock;

const MODELS_JSON: &str = include_str!("../data/foundation-models.json");
const PROFILES_JSON: &str = include_str!("../data/inference-profiles.json");

/// `createdAt`/`updatedAt` of a profile the sources never showed: a fixed date, never the clock, so listings
/// stay identical from run to run (the date system-defined profiles first appeared, 2024-08-26).
const DEFAULT_PROFILE_TIME: f64 = 1_724_630_400.0;

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Lifecycle {
    pub status: String,
}

/// One foundation model: the `FoundationModelSummary` members plus the catalog's own fields.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FoundationModel {
    pub model_id: String,
    pub model_name: String,
    pub provider_name: String,
    pub input_modalities: Vec<String>,
    pub output_modalities: Vec<String>,
    pub response_streaming_supported: Option<bool>,
    pub customizations_supported: Vec<String>,
    pub inference_types_supported: Vec<String>,
    pub model_lifecycle: Lifecycle,
    /// `chat`, `embedding`, `image`, `video`, `speech`, `rerank`.
    pub kind: String,
    pub regions: Vec<String>,
    #[serde(default)]
    pub region_overrides: BTreeMap<String, Vec<String>>,
    pub legacy_date: Option<String>,
    /// `YYYY-MM-DD`.
    pub end_of_life: Option<String>,
}

impl FoundationModel {
    /// `arn:aws:bedrock:<region>::foundation-model/<id>`: the account field is always empty.
    pub fn arn(&self, region: &str) -> String {
        foundation_model_arn(region, &self.model_id)
    }

    pub fn offered_in(&self, region: &str) -> bool {
        self.regions.iter().any(|r| r == region)
    }

    /// The inference types `ListFoundationModels` reports in `region`.
    pub fn inference_types(&self, region: &str) -> &[String] {
        self.region_overrides.get(region).unwrap_or(&self.inference_types_supported)
    }

    /// Callable by its own id in `region` (without an inference profile).
    pub fn on_demand_in(&self, region: &str) -> bool {
        self.offered_in(region) && self.inference_types(region).iter().any(|t| t == "ON_DEMAND")
    }

    /// Accepted by Converse and ConverseStream.
    pub fn is_chat(&self) -> bool {
        self.kind == "chat"
    }

    pub fn is_anthropic(&self) -> bool {
        self.provider_name == "Anthropic"
    }

    /// The `FoundationModelSummary` (and `FoundationModelDetails`) as `region` reports it.
    pub fn summary(&self, region: &str) -> Value {
        let mut v = json!({
            "modelArn": self.arn(region),
            "modelId": self.model_id,
            "modelName": self.model_name,
            "providerName": self.provider_name,
            "inputModalities": self.input_modalities,
            "outputModalities": self.output_modalities,
        });
        if let Some(streaming) = self.response_streaming_supported {
            v["responseStreamingSupported"] = json!(streaming);
        }
        v["customizationsSupported"] = json!(self.customizations_supported);
        v["inferenceTypesSupported"] = json!(self.inference_types(region));
        v["modelLifecycle"] = json!({ "status": self.model_lifecycle.status });
        v
    }
}

pub fn foundation_model_arn(region: &str, model_id: &str) -> String {
    format!("arn:aws:bedrock:{region}::foundation-model/{model_id}")
}

#[derive(Debug, Clone, Deserialize)]
pub struct Route {
    pub sources: Vec<String>,
    /// `["*"]` for a global profile: every commercial Region.
    pub destinations: Vec<String>,
}

/// One system-defined (cross-Region) inference profile.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct InferenceProfile {
    pub inference_profile_id: String,
    pub inference_profile_name: String,
    /// A template: `{regions}` and `{regions_commas}` become the destinations of the calling Region.
    pub description: String,
    pub status: String,
    #[serde(rename = "type")]
    pub profile_type: String,
    pub model_id: String,
    pub routing: Vec<Route>,
    pub created_at: Option<String>,
    pub updated_at: Option<String>,
}

impl InferenceProfile {
    pub fn id(&self) -> &str {
        &self.inference_profile_id
    }

    /// The destinations when called from `source`, or `None` when `source` cannot call this profile.
    pub fn destinations(&self, source: &str) -> Option<&[String]> {
        self.routing.iter().find(|r| r.sources.iter().any(|s| s == source)).map(|r| r.destinations.as_slice())
    }

    pub fn is_global(&self) -> bool {
        self.routing.iter().any(|r| r.destinations.iter().any(|d| d == "*"))
    }

    /// `arn:aws:bedrock:<region>:<calling account>:inference-profile/<id>` (BR-5: the caller's own account).
    pub fn arn(&self, region: &str, account: &str) -> String {
        format!("arn:aws:bedrock:{region}:{account}:inference-profile/{}", self.inference_profile_id)
    }

    /// `models[].modelArn` as `GetInferenceProfile` in `source` reports them. A global profile lists the
    /// Region-less ARN and the source Region's.
    pub fn model_arns(&self, source: &str) -> Vec<String> {
        let Some(dests) = self.destinations(source) else { return Vec::new() };
        if self.is_global() {
            return vec![foundation_model_arn("", &self.model_id), foundation_model_arn(source, &self.model_id)];
        }
        dests.iter().map(|d| foundation_model_arn(d, &self.model_id)).collect()
    }

    pub fn description_in(&self, source: &str) -> String {
        let dests = self.destinations(source).unwrap_or_default();
        self.description.replace("{regions_commas}", &dests.join(", ")).replace("{regions}", &join_and(dests))
    }

    pub fn created_at(&self) -> f64 {
        time_of(self.created_at.as_deref())
    }

    pub fn updated_at(&self) -> f64 {
        time_of(self.updated_at.as_deref())
    }

    /// The `InferenceProfileSummary` (and `GetInferenceProfile` output) in `region` for `account`.
    pub fn summary(&self, region: &str, account: &str) -> Value {
        let models: Vec<Value> = self.model_arns(region).into_iter().map(|a| json!({ "modelArn": a })).collect();
        json!({
            "inferenceProfileName": self.inference_profile_name,
            "description": self.description_in(region),
            "createdAt": self.created_at(),
            "updatedAt": self.updated_at(),
            "inferenceProfileArn": self.arn(region, account),
            "models": models,
            "inferenceProfileId": self.inference_profile_id,
            "status": self.status,
            "type": self.profile_type,
        })
    }
}

fn time_of(text: Option<&str>) -> f64 {
    text.and_then(sekisho_wire::timestamp::parse_iso8601).unwrap_or(DEFAULT_PROFILE_TIME)
}

/// `a, b and c` as AWS's profile descriptions write Region lists (two: `a and b`).
fn join_and(items: &[String]) -> String {
    match items {
        [] => String::new(),
        [one] => one.clone(),
        [rest @ .., last] => format!("{} and {last}", rest.join(", ")),
    }
}

#[derive(Debug)]
pub struct Catalog {
    pub models: Vec<FoundationModel>,
    pub profiles: Vec<InferenceProfile>,
    model_index: HashMap<String, usize>,
    profile_index: HashMap<String, usize>,
}

impl Catalog {
    pub fn parse(models: &str, profiles: &str) -> Result<Catalog, String> {
        let models: Vec<FoundationModel> =
            serde_json::from_str(models).map_err(|e| format!("foundation-models.json: {e}"))?;
        let profiles: Vec<InferenceProfile> =
            serde_json::from_str(profiles).map_err(|e| format!("inference-profiles.json: {e}"))?;
        let model_index = models.iter().enumerate().map(|(i, m)| (m.model_id.clone(), i)).collect();
        let profile_index = profiles.iter().enumerate().map(|(i, p)| (p.inference_profile_id.clone(), i)).collect();
        Ok(Catalog { models, profiles, model_index, profile_index })
    }

    pub fn model(&self, id: &str) -> Option<&FoundationModel> {
        self.model_index.get(id).map(|&i| &self.models[i])
    }

    pub fn profile(&self, id: &str) -> Option<&InferenceProfile> {
        self.profile_index.get(id).map(|&i| &self.profiles[i])
    }

    /// Models `ListFoundationModels` lists in `region`, in catalog order.
    pub fn models_in<'a>(&'a self, region: &'a str) -> impl Iterator<Item = &'a FoundationModel> + 'a {
        self.models.iter().filter(move |m| m.offered_in(region))
    }

    /// System-defined profiles callable from `region`, in catalog order.
    pub fn profiles_in<'a>(&'a self, region: &'a str) -> impl Iterator<Item = &'a InferenceProfile> + 'a {
        self.profiles.iter().filter(move |p| p.destinations(region).is_some())
    }
}

/// The embedded catalog, parsed on first use.
pub fn catalog() -> &'static Catalog {
    static CATALOG: OnceLock<Catalog> = OnceLock::new();
    CATALOG.get_or_init(|| {
        Catalog::parse(MODELS_JSON, PROFILES_JSON).expect("the embedded catalog is checked by this crate's tests")
    })
}

#[cfg(test)]
mod tests;
