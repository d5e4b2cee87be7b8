//! What a runtime `modelId` names in the calling Region (foundation model, system-defined or application
//! profile) and the checks invoking it takes: the profile ARN, then the foundation model in the source
//! Region and in the destination Region sekisho routes to, with `bedrock:InferenceProfileArn` (BR-4..BR-6).

use crate::Shared;
use crate::catalog::{FoundationModel, catalog, foundation_model_arn};
use crate::control::parse_arn;
use crate::errors;
use crate::routing::fingerprint;
use sekisho_core::{AwsError, Check};

/// Geography prefixes of system-defined profile ids (BR-7).
const GEO_PREFIXES: &[&str] = &["us.", "us-gov.", "eu.", "apac.", "jp.", "au.", "ca.", "in.", "global."];

#[derive(Debug, Clone, PartialEq)]
pub enum Via {
    /// The model's own id or ARN (on-demand in this Region).
    Model,
    /// A system-defined profile: its id and the destinations from this Region (`""` = the global ARN).
    SystemProfile { id: String, destinations: Vec<String> },
    /// An application profile: its Regions (`""` = the global ARN).
    ApplicationProfile { destinations: Vec<String> },
}

#[derive(Debug, Clone)]
pub struct Target {
    pub model: &'static FoundationModel,
    /// The ARN the first check names: the profile's, or the model's in this Region.
    pub arn: String,
    pub via: Via,
}

/// An id that names nothing callable here: the resource its check names, and the error the call gets.
#[derive(Debug, Clone)]
pub struct Unresolved {
    pub resource: String,
    pub error: AwsError,
}

/// Resolves `model_id` as called from `region` by `account`.
pub fn resolve(shared: &Shared, model_id: &str, region: &str, account: &str) -> Result<Target, Unresolved> {
    let cat = catalog();
    let invalid = |resource: String| Unresolved { resource, error: errors::invalid_model_identifier() };
    let (kind, id, arn_given) = match parse_arn(model_id) {
        Some(a) => {
            let elsewhere = a.region != region || (a.resource_type != "foundation-model" && a.account != account);
            if elsewhere {
                return Err(invalid(model_id.to_string()));
            }
            (a.resource_type, a.id, true)
        }
        None if GEO_PREFIXES.iter().any(|g| model_id.starts_with(g)) => ("inference-profile", model_id, false),
        None => ("foundation-model", model_id, false),
    };
    match kind {
        "inference-profile" => {
            let arn = format!("arn:aws:bedrock:{region}:{account}:inference-profile/{id}");
            let profile = cat.profile(id).ok_or_else(|| invalid(arn.clone()))?;
            let dests = profile.destinations(region).ok_or_else(|| invalid(arn.clone()))?;
            let model = cat.model(&profile.model_id).ok_or_else(|| invalid(arn.clone()))?;
            let destinations = if profile.is_global() { vec![String::new()] } else { dests.to_vec() };
            Ok(Target { model, arn, via: Via::SystemProfile { id: id.to_string(), destinations } })
        }
        "application-inference-profile" if arn_given => {
            let found = shared.app_profiles.read(account, region, |p| p.and_then(|p| p.get(id)).cloned());
            let app = found.ok_or_else(|| invalid(model_id.to_string()))?;
            let model = cat.model(&app.model_id).ok_or_else(|| invalid(model_id.to_string()))?;
            // A copy of a global profile routes globally, as the profile it copies.
            let regions = app.regions();
            let destinations = if regions.iter().any(String::is_empty) { vec![String::new()] } else { regions };
            Ok(Target { model, arn: app.arn.clone(), via: Via::ApplicationProfile { destinations } })
        }
        "foundation-model" => {
            let arn = foundation_model_arn(region, id);
            let model = cat.model(id).filter(|m| m.offered_in(region)).ok_or_else(|| invalid(arn.clone()))?;
            if !model.on_demand_in(region) {
                return Err(Unresolved { resource: arn, error: errors::on_demand_not_supported(model_id) });
            }
            Ok(Target { model, arn, via: Via::Model })
        }
        _ => Err(invalid(model_id.to_string())),
    }
}

impl Target {
    /// The destination Region serving this request (`""` for a global profile), and the checks of invoking
    /// it with `action`. `request` fingerprints the request for the `hash` routing strategy.
    pub fn checks(&self, shared: &Shared, action: &str, region: &str, request: &[u8]) -> (String, Vec<Check>) {
        let (profile_id, destinations) = match &self.via {
            Via::Model => return (region.to_string(), vec![Check::new(action, self.arn.clone())]),
            Via::SystemProfile { id, destinations } => (id.as_str(), destinations),
            Via::ApplicationProfile { destinations } => (self.arn.as_str(), destinations),
        };
        let picked = if destinations.len() == 1 {
            destinations[0].clone()
        } else {
            shared.router.pick(profile_id, region, destinations, fingerprint(request))
        };
        let mut regions = vec![region.to_string()];
        if shared.config.authorize_all_destinations {
            regions.extend(destinations.iter().cloned());
        } else {
            regions.push(picked.clone());
        }
        let mut checks = vec![Check::new(action, self.arn.clone())];
        for (i, r) in regions.iter().enumerate() {
            if regions[..i].contains(r) {
                continue;
            }
            let fm = foundation_model_arn(r, &self.model.model_id);
            checks.push(Check::new(action, fm).with_context("bedrock:InferenceProfileArn", self.arn.clone()));
        }
        (picked, checks)
    }
}

/// The checks of invoking `model_id` (the resolved target's, or one check on the resource an unresolvable
/// id names, so an unauthorized caller learns nothing about which ids exist).
pub fn authorize(
    shared: &Shared,
    model_id: &str,
    action: &str,
    region: &str,
    account: &str,
    request: &[u8],
) -> Vec<Check> {
    match resolve(shared, model_id, region, account) {
        Ok(target) => target.checks(shared, action, region, request).1,
        Err(u) => vec![Check::new(action, u.resource)],
    }
}

/// The target of a call that passed authorization, after the lifecycle rule.
pub fn for_call(shared: &Shared, model_id: &str, region: &str, account: &str, today: &str) -> Result<Target, AwsError> {
    let target = resolve(shared, model_id, region, account).map_err(|u| u.error)?;
    let past_eol = target.model.end_of_life.as_deref().is_some_and(|eol| eol <= today);
    if shared.config.enforce_end_of_life && past_eol {
        return Err(errors::invalid_model_identifier());
    }
    Ok(target)
}

#[cfg(test)]
mod tests;
