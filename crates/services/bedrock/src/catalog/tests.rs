//! The catalog's invariants (data/README.md, "Extending") and the shapes the control plane derives from it.
//! They guard the data files: a bad line fails here, not in a client.

use super::*;
use std::collections::HashSet;

const REGION_RE: &str = r"^(us|eu|ap|ca|sa|me|af|il|mx)(-gov)?-(north|south|east|west|central|northeast|southeast|northwest|southwest)-[0-9]$";

#[test]
fn ids_are_unique_and_profiles_name_known_models() {
    let c = catalog();
    let mut seen = HashSet::new();
    for m in &c.models {
        assert!(seen.insert(&m.model_id), "duplicate model {}", m.model_id);
    }
    let mut seen = HashSet::new();
    for p in &c.profiles {
        assert!(seen.insert(&p.inference_profile_id), "duplicate profile {}", p.inference_profile_id);
        let model = c.model(&p.model_id).unwrap_or_else(|| panic!("{} routes to unknown {}", p.id(), p.model_id));
        assert!(p.id().ends_with(&format!(".{}", p.model_id)), "{}", p.id());
        let mut sources = HashSet::new();
        for route in &p.routing {
            assert!(!route.destinations.is_empty(), "{}", p.id());
            if route.destinations.iter().any(|d| d == "*") {
                assert_eq!(route.destinations.len(), 1, "{}: * stands alone", p.id());
            }
            for s in &route.sources {
                assert!(sources.insert(s), "{}: source {s} twice", p.id());
                assert!(model.offered_in(s), "{}: source {s} missing from {}'s regions", p.id(), model.model_id);
            }
        }
    }
}

#[test]
fn region_names_are_region_codes() {
    let re = regex::Regex::new(REGION_RE).unwrap();
    let c = catalog();
    for m in &c.models {
        for r in m.regions.iter().chain(m.region_overrides.keys()) {
            assert!(re.is_match(r), "{}: {r}", m.model_id);
        }
    }
    for p in &c.profiles {
        for route in &p.routing {
            for r in route.sources.iter().chain(route.destinations.iter().filter(|d| *d != "*")) {
                assert!(re.is_match(r), "{}: {r}", p.id());
            }
        }
    }
}

#[test]
fn every_profile_only_model_has_a_profile() {
    let c = catalog();
    for m in &c.models {
        let on_demand_somewhere = m.regions.iter().any(|r| m.on_demand_in(r));
        if !on_demand_somewhere {
            assert!(c.profiles.iter().any(|p| p.model_id == m.model_id), "{} cannot be called at all", m.model_id);
        }
    }
}

#[test]
fn every_source_key_is_defined_in_sources_md() {
    let sources_md = include_str!("../../data/SOURCES.md");
    for text in [MODELS_JSON, PROFILES_JSON] {
        let entries: Vec<Value> = serde_json::from_str(text).unwrap();
        for e in entries {
            for key in e["sources"].as_array().unwrap() {
                let key = key.as_str().unwrap();
                assert!(sources_md.contains(&format!("**{key}**")), "source key {key} is not defined");
            }
        }
    }
}

#[test]
fn jp_profile_routes_inside_japan_and_carries_the_callers_account() {
    let c = catalog();
    let p = c.profile("jp.anthropic.claude-haiku-4-5-20251001-v1:0").unwrap();
    assert_eq!(p.destinations("ap-northeast-1").unwrap(), ["ap-northeast-1", "ap-northeast-3"]);
    assert!(p.destinations("us-east-1").is_none());
    let s = p.summary("ap-northeast-1", "222222222222");
    assert_eq!(
        s["inferenceProfileArn"],
        "arn:aws:bedrock:ap-northeast-1:222222222222:inference-profile/jp.anthropic.claude-haiku-4-5-20251001-v1:0"
    );
    assert_eq!(
        s["models"],
        json!([
            {"modelArn": "arn:aws:bedrock:ap-northeast-1::foundation-model/anthropic.claude-haiku-4-5-20251001-v1:0"},
            {"modelArn": "arn:aws:bedrock:ap-northeast-3::foundation-model/anthropic.claude-haiku-4-5-20251001-v1:0"}
        ])
    );
    assert_eq!(s["description"], "Routes requests to Anthropic Claude Haiku 4.5 in ap-northeast-1 and ap-northeast-3.");
    assert_eq!(s["type"], "SYSTEM_DEFINED");
}

#[test]
fn destinations_depend_on_the_source_region() {
    let p = catalog().profile("us.anthropic.claude-3-haiku-20240307-v1:0").unwrap();
    assert_eq!(p.destinations("us-east-2").unwrap(), ["us-east-1", "us-east-2", "us-west-2"]);
    assert_eq!(p.destinations("us-east-1").unwrap(), ["us-east-1", "us-west-2"]);
    assert_eq!(
        p.description_in("us-east-2"),
        "Routes requests to Anthropic Claude 3 Haiku in us-east-1, us-east-2 and us-west-2."
    );
    assert_eq!(p.created_at(), 1_727_654_400.0);
}

#[test]
fn global_profiles_list_the_regionless_arn_first() {
    let p = catalog().profile("global.anthropic.claude-haiku-4-5-20251001-v1:0").unwrap();
    assert!(p.is_global());
    assert_eq!(
        p.model_arns("eu-west-1"),
        [
            "arn:aws:bedrock:::foundation-model/anthropic.claude-haiku-4-5-20251001-v1:0",
            "arn:aws:bedrock:eu-west-1::foundation-model/anthropic.claude-haiku-4-5-20251001-v1:0"
        ]
    );
}

#[test]
fn summaries_use_the_regions_inference_types() {
    let m = catalog().model("anthropic.claude-3-haiku-20240307-v1:0").unwrap();
    let s = m.summary("us-east-1");
    assert_eq!(s["modelArn"], "arn:aws:bedrock:us-east-1::foundation-model/anthropic.claude-3-haiku-20240307-v1:0");
    assert_eq!(s["inferenceTypesSupported"], json!(["ON_DEMAND"]));
    assert_eq!(m.summary("ap-northeast-1")["inferenceTypesSupported"], json!(["ON_DEMAND", "INFERENCE_PROFILE"]));
    assert!(s.get("kind").is_none() && s.get("regions").is_none(), "catalog fields stay inside");
    let haiku45 = catalog().model("anthropic.claude-haiku-4-5-20251001-v1:0").unwrap();
    assert!(haiku45.on_demand_in("ap-northeast-1"));
    assert!(!haiku45.on_demand_in("ap-northeast-3"));
}

#[test]
fn join_and_reads_like_aws() {
    let v = |s: &[&str]| s.iter().map(|x| x.to_string()).collect::<Vec<_>>();
    assert_eq!(join_and(&v(&["a"])), "a");
    assert_eq!(join_and(&v(&["a", "b"])), "a and b");
    assert_eq!(join_and(&v(&["a", "b", "c"])), "a, b and c");
}
