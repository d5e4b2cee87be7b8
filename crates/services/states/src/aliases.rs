//! State machine aliases' rules: a routing configuration is one or two versions of the same state
//! machine whose weights add up to 100, and StartExecution through an alias picks a version at random
//! in proportion to its weight (API reference, CreateStateMachineAlias and RoutingConfigurationListItem).

use crate::arn::{self, Qualifier};
use crate::errors;
use crate::state::StateMachineRecord;
use sekisho_core::AwsError;
use serde::Deserialize;

/// AWS's quota of aliases per state machine (API reference, CreateStateMachineAlias: up to 100).
pub const MAX_ALIASES: usize = 100;

/// One `routingConfiguration` entry as the caller sent it.
#[derive(Deserialize, Clone)]
#[serde(rename_all = "camelCase")]
pub struct RouteInput {
    pub state_machine_version_arn: String,
    pub weight: i64,
}

/// The routing of `routes` as (version number, weight) on the state machine `m`; the texts are [inf]
/// (the rules are the API reference's: 1 or 2 entries, weights 0 to 100 adding up to 100, versions of
/// the same state machine, each named once).
pub fn routing(m: &StateMachineRecord, routes: &[RouteInput]) -> Result<Vec<(u32, u32)>, AwsError> {
    if routes.is_empty() || routes.len() > 2 {
        return Err(errors::validation("Routing configuration must contain one or two versions"));
    }
    let mut out = Vec::new();
    for r in routes {
        let v = arn::parse_state_machine(&r.state_machine_version_arn)?;
        let Some(Qualifier::Version(n)) = v.qualifier else {
            return Err(errors::validation(format!(
                "Invalid State Machine Version Arn: '{}'",
                r.state_machine_version_arn
            )));
        };
        if v.base_arn() != m.arn {
            return Err(errors::validation(format!(
                "Routing configuration versions must belong to the state machine '{}'",
                m.arn
            )));
        }
        if m.version(n).is_none() {
            return Err(errors::resource_not_found(&r.state_machine_version_arn));
        }
        if !(0..=100).contains(&r.weight) {
            return Err(errors::validation("Routing configuration weights must be between 0 and 100"));
        }
        if out.iter().any(|(seen, _)| *seen == n) {
            return Err(errors::validation("Routing configuration must not name a version twice"));
        }
        out.push((n, r.weight as u32));
    }
    if out.iter().map(|(_, w)| w).sum::<u32>() != 100 {
        return Err(errors::validation("Sum of routing configuration weights must be equal to 100"));
    }
    Ok(out)
}

/// The version a start through the alias runs: `roll` is uniform in 0..100.
pub fn pick(routing: &[(u32, u32)], roll: u32) -> Option<u32> {
    let mut below = 0;
    for (version, weight) in routing {
        below += weight;
        if roll < below {
            return Some(*version);
        }
    }
    routing.last().map(|(v, _)| *v)
}

/// The API shape of a routing.
pub fn to_json(m: &StateMachineRecord, routing: &[(u32, u32)]) -> serde_json::Value {
    serde_json::Value::Array(
        routing
            .iter()
            .map(|(v, w)| serde_json::json!({"stateMachineVersionArn": m.version_arn(*v), "weight": w}))
            .collect(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn weights_split_the_rolls_in_proportion() {
        let r = [(1, 30), (2, 70)];
        let firsts = (0..100).filter(|roll| pick(&r, *roll) == Some(1)).count();
        assert_eq!(firsts, 30);
        assert_eq!(pick(&[(3, 100)], 99), Some(3));
        // A weight of 0 is never picked.
        assert!((0..100).all(|roll| pick(&[(1, 0), (2, 100)], roll) == Some(2)));
    }
}
