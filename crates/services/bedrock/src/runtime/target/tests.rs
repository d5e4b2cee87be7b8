//! Model-id resolution (BR-9 errors) and the checks of an invocation (BR-4..BR-6, seed 001).
//! The checks are compared as text: action, resource and context keys, in order.

use super::*;
use crate::config::BedrockConfig;

const VENDOR: &str = "222222222222";
const JP_HAIKU: &str = "jp.anthropic.claude-haiku-4-5-20251001-v1:0";

fn shared(config: BedrockConfig) -> Shared {
    Shared::new(config).unwrap()
}

fn described(checks: &[Check]) -> Vec<String> {
    checks
        .iter()
        .map(|c| {
            let ctx: Vec<String> = c.context.iter().map(|(k, v)| format!("{k}={}", v.join(","))).collect();
            format!("{} {} {}", c.action, c.resource, ctx.join(" ")).trim_end().to_string()
        })
        .collect()
}

#[test]
fn seed_001_jp_profile_from_tokyo() {
    let s = shared(BedrockConfig::default());
    let t = resolve(&s, JP_HAIKU, "ap-northeast-1", VENDOR).unwrap();
    let (picked, checks) = t.checks(&s, "bedrock:InvokeModel", "ap-northeast-1", b"{}");
    assert_eq!(picked, "ap-northeast-1", "the default strategy keeps the request in the source Region");
    let profile = format!("arn:aws:bedrock:ap-northeast-1:{VENDOR}:inference-profile/{JP_HAIKU}");
    assert_eq!(
        described(&checks),
        [
            format!("bedrock:InvokeModel {profile}"),
            format!(
                "bedrock:InvokeModel arn:aws:bedrock:ap-northeast-1::foundation-model/anthropic.claude-haiku-4-5-20251001-v1:0 bedrock:InferenceProfileArn={profile}"
            ),
        ]
    );
}

#[test]
fn routing_to_osaka_adds_the_osaka_model_check() {
    let mut config = BedrockConfig::default();
    config.routing.profiles.insert("jp.*".into(), "ap-northeast-3".into());
    let s = shared(config);
    let t = resolve(&s, JP_HAIKU, "ap-northeast-1", VENDOR).unwrap();
    let (picked, checks) = t.checks(&s, "bedrock:InvokeModelWithResponseStream", "ap-northeast-1", b"{}");
    assert_eq!(picked, "ap-northeast-3");
    let resources: Vec<&str> = checks.iter().map(|c| c.resource.as_str()).collect();
    assert_eq!(resources.len(), 3);
    assert!(resources[2].starts_with("arn:aws:bedrock:ap-northeast-3::foundation-model/"));
    assert!(checks.iter().all(|c| c.action == "bedrock:InvokeModelWithResponseStream"));
}

#[test]
fn strict_mode_checks_every_destination() {
    let config = BedrockConfig { authorize_all_destinations: true, ..Default::default() };
    let s = shared(config);
    let t = resolve(&s, "us.anthropic.claude-3-haiku-20240307-v1:0", "us-east-2", VENDOR).unwrap();
    let (_, checks) = t.checks(&s, "bedrock:InvokeModel", "us-east-2", b"{}");
    let regions: Vec<&str> = checks[1..].iter().map(|c| c.resource.split(':').nth(3).unwrap()).collect();
    assert_eq!(regions, ["us-east-2", "us-east-1", "us-west-2"]);
}

#[test]
fn global_profiles_check_the_regionless_arn() {
    let s = shared(BedrockConfig::default());
    let t = resolve(&s, "global.anthropic.claude-haiku-4-5-20251001-v1:0", "eu-west-1", VENDOR).unwrap();
    let (picked, checks) = t.checks(&s, "bedrock:InvokeModel", "eu-west-1", b"{}");
    assert_eq!(picked, "");
    assert_eq!(
        checks[1].resource,
        "arn:aws:bedrock:eu-west-1::foundation-model/anthropic.claude-haiku-4-5-20251001-v1:0"
    );
    assert_eq!(checks[2].resource, "arn:aws:bedrock:::foundation-model/anthropic.claude-haiku-4-5-20251001-v1:0");
}

#[test]
fn direct_model_ids() {
    let s = shared(BedrockConfig::default());
    let t = resolve(&s, "anthropic.claude-haiku-4-5-20251001-v1:0", "ap-northeast-1", VENDOR).unwrap();
    assert_eq!(t.via, Via::Model);
    let (_, checks) = t.checks(&s, "bedrock:InvokeModel", "ap-northeast-1", b"{}");
    assert_eq!(
        described(&checks),
        [
            "bedrock:InvokeModel arn:aws:bedrock:ap-northeast-1::foundation-model/anthropic.claude-haiku-4-5-20251001-v1:0"
        ]
    );
    let by_arn = resolve(
        &s,
        "arn:aws:bedrock:ap-northeast-1::foundation-model/anthropic.claude-haiku-4-5-20251001-v1:0",
        "ap-northeast-1",
        VENDOR,
    );
    assert!(by_arn.is_ok());
}

#[test]
fn errors_of_br_9() {
    let s = shared(BedrockConfig::default());
    let e = resolve(&s, "anthropic.claude-sonnet-4-20250514-v1:0", "us-east-1", VENDOR).unwrap_err();
    assert_eq!(
        e.error.message,
        "Invocation of model ID anthropic.claude-sonnet-4-20250514-v1:0 with on-demand throughput isn\u{2019}t supported. Retry your request with the ID or ARN of an inference profile that contains this model."
    );
    assert_eq!(e.resource, "arn:aws:bedrock:us-east-1::foundation-model/anthropic.claude-sonnet-4-20250514-v1:0");
    for (id, region) in [
        ("apac.anthropic.claude-haiku-4-5-20251001-v1:0", "ap-northeast-1"),
        ("us.anthropic.claude-sonnet-4-20250514-v1:0", "eu-central-1"),
        ("jp.anthropic.claude-haiku-4-5-20251001-v1:0", "us-east-1"),
        ("anthropic.claude-nonexistent-v9:0", "us-east-1"),
        ("arn:aws:bedrock:us-west-2::foundation-model/anthropic.claude-3-haiku-20240307-v1:0", "us-east-1"),
    ] {
        let e = resolve(&s, id, region, VENDOR).unwrap_err();
        assert_eq!(
            (e.error.code.as_str(), e.error.message.as_str()),
            ("ValidationException", "The provided model identifier is invalid."),
            "{id}"
        );
    }
    let unknown_profile = resolve(&s, "jp.anthropic.claude-haiku-4-5-20251001-v1:0", "us-east-1", VENDOR).unwrap_err();
    assert_eq!(unknown_profile.resource, format!("arn:aws:bedrock:us-east-1:{VENDOR}:inference-profile/{JP_HAIKU}"));
}

#[test]
fn end_of_life_only_when_enforced() {
    let old = "anthropic.claude-3-haiku-20240307-v1:0";
    let lenient = shared(BedrockConfig::default());
    assert!(for_call(&lenient, old, "us-east-1", VENDOR, "2030-01-01").is_ok());
    let strict = shared(BedrockConfig { enforce_end_of_life: true, ..Default::default() });
    assert!(for_call(&strict, old, "us-east-1", VENDOR, "2026-01-01").is_ok(), "before EOL");
    let e = for_call(&strict, old, "us-east-1", VENDOR, "2026-09-10").unwrap_err();
    assert_eq!(e.message, "The provided model identifier is invalid.");
}

#[test]
fn application_profiles_route_like_what_they_copy() {
    use crate::control::application_profiles::AppProfile;
    let s = shared(BedrockConfig::default());
    let global = catalog().profile("global.anthropic.claude-haiku-4-5-20251001-v1:0").unwrap();
    let arn = format!("arn:aws:bedrock:eu-west-1:{VENDOR}:application-inference-profile/abcdefghijkl");
    s.app_profiles.with(VENDOR, "eu-west-1", |p| {
        p.insert(
            "abcdefghijkl".into(),
            AppProfile {
                id: "abcdefghijkl".into(),
                name: "team".into(),
                description: None,
                arn: arn.clone(),
                model_id: global.model_id.clone(),
                model_arns: global.model_arns("eu-west-1"),
                copied_from: global.arn("eu-west-1", VENDOR),
                created_secs: 0.0,
                tags: vec![],
            },
        )
    });
    let t = resolve(&s, &arn, "eu-west-1", VENDOR).unwrap();
    let (picked, checks) = t.checks(&s, "bedrock:InvokeModel", "eu-west-1", b"{}");
    assert_eq!(picked, "");
    assert_eq!(
        described(&checks),
        [
            format!("bedrock:InvokeModel {arn}"),
            format!(
                "bedrock:InvokeModel arn:aws:bedrock:eu-west-1::foundation-model/anthropic.claude-haiku-4-5-20251001-v1:0 bedrock:InferenceProfileArn={arn}"
            ),
            format!(
                "bedrock:InvokeModel arn:aws:bedrock:::foundation-model/anthropic.claude-haiku-4-5-20251001-v1:0 bedrock:InferenceProfileArn={arn}"
            ),
        ]
    );
    let elsewhere = resolve(&s, &arn, "eu-west-1", "333333333333").unwrap_err();
    assert_eq!(elsewhere.error.message, "The provided model identifier is invalid.", "another account's profile");
}
