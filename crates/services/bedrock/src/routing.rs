//! Which destination Region serves a request made through a cross-Region inference profile. AWS picks
//! one per request; sekisho picks deterministically (configurable per profile) so tests can aim at a Region.

use crate::config::{RoutingConfig, glob_match};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Strategy {
    /// The source Region when it is a destination, else the first destination.
    Source,
    First,
    Last,
    /// A destination chosen by a hash of the request: spread like AWS, yet the same request lands in the
    /// same Region every time.
    Hash,
}

impl Strategy {
    fn parse(name: &str) -> Option<Strategy> {
        match name {
            "source" => Some(Strategy::Source),
            "first" => Some(Strategy::First),
            "last" => Some(Strategy::Last),
            "hash" => Some(Strategy::Hash),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Choice {
    Strategy(Strategy),
    Region(String),
}

#[derive(Debug, Clone)]
pub struct Router {
    default: Strategy,
    rules: Vec<(String, Choice)>,
}

impl Router {
    pub fn new(config: &RoutingConfig) -> Result<Router, String> {
        let default = match config.strategy.as_deref() {
            None => Strategy::Source,
            Some(name) => Strategy::parse(name).ok_or_else(|| {
                format!("[bedrock.routing] strategy: expected source, first, last or hash, got {name:?}")
            })?,
        };
        // Exact ids first, then the more specific (longer) patterns, so the table reads in any order.
        let mut rules: Vec<(String, Choice)> = config
            .profiles
            .iter()
            .map(|(pattern, value)| {
                let choice = match Strategy::parse(value) {
                    Some(s) => Choice::Strategy(s),
                    None if is_region_code(value) => Choice::Region(value.clone()),
                    None => {
                        return Err(format!(
                            "[bedrock.routing.profiles] {pattern:?}: expected a strategy or a Region code, got {value:?}"
                        ));
                    }
                };
                Ok((pattern.clone(), choice))
            })
            .collect::<Result<_, _>>()?;
        rules.sort_by_key(|(p, _)| (p.contains('*'), std::cmp::Reverse(p.len())));
        Ok(Router { default, rules })
    }

    /// The destination of a request to `profile_id` from `source`, among `destinations` (never empty).
    /// A configured Region that is not a destination from `source` is ignored for the default strategy.
    pub fn pick(&self, profile_id: &str, source: &str, destinations: &[String], fingerprint: u64) -> String {
        let choice = self.rules.iter().find(|(p, _)| glob_match(p, profile_id)).map(|(_, c)| c.clone());
        let strategy = match choice {
            Some(Choice::Region(r)) if destinations.contains(&r) => return r,
            Some(Choice::Strategy(s)) => s,
            _ => self.default,
        };
        let Some(first) = destinations.first() else { return source.to_string() };
        match strategy {
            Strategy::Source if destinations.iter().any(|d| d == source) => source.to_string(),
            Strategy::Source | Strategy::First => first.clone(),
            Strategy::Last => destinations.last().unwrap_or(first).clone(),
            Strategy::Hash => destinations[(fingerprint % destinations.len() as u64) as usize].clone(),
        }
    }
}

fn is_region_code(s: &str) -> bool {
    let parts: Vec<&str> = s.split('-').collect();
    parts.len() >= 3
        && parts.iter().all(|p| !p.is_empty() && p.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit()))
        && parts.last().is_some_and(|p| p.chars().all(|c| c.is_ascii_digit()))
}

/// FNV-1a: a hash that stays the same across runs and Rust versions.
pub fn fingerprint(bytes: &[u8]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in bytes {
        h ^= u64::from(*b);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    h
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    fn regions(v: &[&str]) -> Vec<String> {
        v.iter().map(|s| s.to_string()).collect()
    }

    fn router(strategy: Option<&str>, profiles: &[(&str, &str)]) -> Result<Router, String> {
        Router::new(&RoutingConfig {
            strategy: strategy.map(str::to_string),
            profiles: profiles.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect::<BTreeMap<_, _>>(),
        })
    }

    const JP: &str = "jp.anthropic.claude-haiku-4-5-20251001-v1:0";

    #[test]
    fn default_prefers_the_source_region() {
        let r = router(None, &[]).unwrap();
        let jp = regions(&["ap-northeast-1", "ap-northeast-3"]);
        assert_eq!(r.pick(JP, "ap-northeast-1", &jp, 0), "ap-northeast-1");
        assert_eq!(r.pick(JP, "ap-northeast-3", &jp, 0), "ap-northeast-3");
        let eu = regions(&["eu-central-1", "eu-west-1"]);
        assert_eq!(r.pick("eu.x", "eu-west-2", &eu, 0), "eu-central-1", "a source outside the list takes the first");
    }

    #[test]
    fn fixed_regions_and_per_profile_strategies() {
        let r = router(Some("first"), &[("jp.*", "ap-northeast-3"), (JP, "last"), ("apac.*", "hash")]).unwrap();
        let jp = regions(&["ap-northeast-1", "ap-northeast-3"]);
        assert_eq!(r.pick(JP, "ap-northeast-1", &jp, 0), "ap-northeast-3", "exact id wins over the glob");
        assert_eq!(r.pick("jp.other", "ap-northeast-1", &jp, 0), "ap-northeast-3");
        assert_eq!(r.pick("us.x", "us-east-1", &regions(&["us-east-1", "us-west-2"]), 0), "us-east-1");
        let apac = regions(&["a-b-1", "a-b-2", "a-b-3"]);
        let picks: Vec<String> = (0..3).map(|f| r.pick("apac.x", "a-b-1", &apac, f)).collect();
        assert_eq!(picks, apac, "hash spreads");
        assert_eq!(r.pick("apac.x", "a-b-1", &apac, 7), r.pick("apac.x", "a-b-1", &apac, 7), "and is stable");
    }

    #[test]
    fn a_fixed_region_outside_the_destinations_is_ignored() {
        let r = router(None, &[("*", "eu-west-1")]).unwrap();
        let jp = regions(&["ap-northeast-1", "ap-northeast-3"]);
        assert_eq!(r.pick(JP, "ap-northeast-1", &jp, 0), "ap-northeast-1");
    }

    #[test]
    fn bad_configuration_is_reported() {
        assert!(router(Some("random"), &[]).unwrap_err().contains("strategy"));
        assert!(router(None, &[("jp.*", "osaka")]).unwrap_err().contains("jp.*"));
    }

    #[test]
    fn fingerprint_is_fnv1a() {
        assert_eq!(fingerprint(b""), 0xcbf2_9ce4_8422_2325);
        assert_eq!(fingerprint(b"a"), 0xaf63_dc4c_8601_ec8c);
    }
}
