//! Bedrock through the real door: seed 001's vendor role (IAM policy evaluation, routing to Osaka, the
//! use-case form, the Marketplace forward-access check), seed 000's AmazonBedrockFullAccess role, and the
//! decision log naming the Regions that were checked.

use sekisho_bedrock::config::BedrockConfig;
use sekisho_bedrock::{Shared, services_with};
use sekisho_core::config::Config;
use sekisho_core::identity::store::{DocKind, PolicyDoc, Role};
use sekisho_core::identity::{Identity, RoleSession};
use sekisho_core::{Call, Caller, Door, World};
use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::sync::Arc;

const VENDOR: &str = "222222222222";
const TOKYO: &str = "ap-northeast-1";
const JP_HAIKU: &str = "jp.anthropic.claude-haiku-4-5-20251001-v1:0";
const LIMITED: &str = "arn:aws:iam::aws:policy/AmazonBedrockLimitedAccess";
const MARKETPLACE_READ: &str = "arn:aws:iam::aws:policy/AWSMarketplaceRead-only";
const FULL: &str = "arn:aws:iam::aws:policy/AmazonBedrockFullAccess";
const TRUST: &str = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"111111111111"},"Action":"sts:AssumeRole"}]}"#;

/// Seed 001's vendor policy, with or without the Osaka foundation model.
fn vendor_policy(with_osaka: bool) -> String {
    let mut resources = vec![
        "arn:aws:bedrock:ap-northeast-1::foundation-model/anthropic.claude-haiku-4-5-20251001-v1:0".to_string(),
        format!("arn:aws:bedrock:ap-northeast-1:{VENDOR}:inference-profile/{JP_HAIKU}"),
    ];
    if with_osaka {
        resources.insert(
            1,
            "arn:aws:bedrock:ap-northeast-3::foundation-model/anthropic.claude-haiku-4-5-20251001-v1:0".into(),
        );
    }
    json!({"Version": "2012-10-17", "Statement": [{"Sid": "Statement1", "Effect": "Allow",
        "Action": ["bedrock:InvokeModel"], "Resource": resources}]})
    .to_string()
}

struct Fixture {
    door: Arc<Door>,
}

impl Fixture {
    fn new(config: BedrockConfig) -> Fixture {
        let world = Arc::new(World::new(Config::defaults()));
        let (bedrock, runtime) = services_with(Arc::new(Shared::new(config).unwrap()));
        Fixture { door: Door::builder(world).register(bedrock).register(runtime).build() }
    }

    fn osaka_routing() -> Fixture {
        let mut config = BedrockConfig::default();
        config.routing.profiles.insert("jp.*".into(), "ap-northeast-3".into());
        Fixture::new(config)
    }

    /// A role in `account` with inline policies and attached managed policies, and a session of it.
    fn role(&self, account: &str, name: &str, inline: &[String], attached: &[&str]) -> Caller {
        let id = sekisho_core::ids::unique_id("AROA");
        let mut state = self.door.world().write();
        let mut inline_policies = BTreeMap::new();
        for (i, text) in inline.iter().enumerate() {
            inline_policies.insert(format!("p{i}"), PolicyDoc::parse(text, DocKind::Inline).unwrap());
        }
        state.account_mut(account, 0).iam.roles.insert(
            name.to_ascii_lowercase(),
            Role {
                name: name.into(),
                path: "/".into(),
                id: id.clone(),
                create_date_ms: 0,
                trust_policy: PolicyDoc::parse(TRUST, DocKind::Trust).unwrap(),
                description: None,
                max_session_duration: 3600,
                inline_policies,
                attached_policies: attached.iter().map(|s| s.to_string()).collect(),
                permissions_boundary: None,
                tags: vec![],
                last_used_ms: None,
                last_used_region: None,
            },
        );
        Caller::new(Identity::RoleSession(Arc::new(RoleSession {
            account: account.into(),
            role_name: name.into(),
            role_path: "/".into(),
            role_id: id,
            session_name: "assume_role_session".into(),
            issued_ms: 0,
            expires_ms: i64::MAX,
            session_policy: None,
            session_policy_arns: vec![],
            has_session_policies: false,
            tags: vec![],
            source_identity: None,
            chained: false,
            assumed_by_service: None,
        })))
    }

    fn root(account: &str) -> Caller {
        Caller::new(Identity::Root { account: account.into() })
    }

    async fn call(
        &self,
        caller: &Caller,
        service: &str,
        op: &str,
        input: Value,
        region: &str,
    ) -> Result<Value, sekisho_core::AwsError> {
        let mut call = Call::new(service, op, input, region);
        call.request_id = Some(format!("req-{op}-{}", sekisho_core::ids::lower_alnum(8)));
        self.door.call(caller, call).await.map(|o| o.body)
    }

    async fn submit_use_case(&self, account: &str) {
        let form = json!({ "formData": "eyJjb21wYW55TmFtZSI6InNla2lzaG8ifQ==" });
        self.call(&Fixture::root(account), "bedrock", "PutUseCaseForModelAccess", form, TOKYO).await.unwrap();
    }

    async fn converse(&self, caller: &Caller, text: &str) -> Result<Value, sekisho_core::AwsError> {
        let input = json!({ "modelId": JP_HAIKU, "messages": [{ "role": "user", "content": [{ "text": text }] }] });
        self.call(caller, "bedrock-runtime", "Converse", input, TOKYO).await
    }
}

#[tokio::test]
async fn seed_001_vendor_role_converses_in_japanese() {
    let f = Fixture::new(BedrockConfig::default());
    let vendor = f.role(VENDOR, "vendor-bedrock", &[vendor_policy(true)], &[LIMITED, MARKETPLACE_READ]);
    f.submit_use_case(VENDOR).await;
    let out = f.converse(&vendor, "こんにちは").await.unwrap();
    assert_eq!(out["stopReason"], "end_turn");
    assert_eq!(out["output"]["message"]["role"], "assistant");
    let text = out["output"]["message"]["content"][0]["text"].as_str().unwrap();
    assert!(text.starts_with("こんにちは"), "{text}");
    assert_eq!(out["usage"]["inputTokens"], 8, "5 characters + 3 for the message");
    assert_eq!(
        out["usage"]["totalTokens"],
        out["usage"]["inputTokens"].as_u64().unwrap() + out["usage"]["outputTokens"].as_u64().unwrap()
    );
    assert!(out["metrics"]["latencyMs"].is_u64());
}

#[tokio::test]
async fn the_use_case_form_comes_first_for_anthropic() {
    let f = Fixture::new(BedrockConfig::default());
    let vendor = f.role(VENDOR, "vendor-bedrock", &[vendor_policy(true)], &[LIMITED, MARKETPLACE_READ]);
    let e = f.converse(&vendor, "hello").await.unwrap_err();
    assert_eq!((e.code.as_str(), e.status), ("AccessDeniedException", 403));
    assert_eq!(
        e.message,
        "Model use case details have not been submitted for this account. Fill out the Anthropic use case details form before using the model. If you have already filled out the form, try again in 15 minutes."
    );
    f.submit_use_case(VENDOR).await;
    assert!(f.converse(&vendor, "hello").await.is_ok());
}

#[tokio::test]
async fn without_marketplace_permissions_the_first_call_fails_then_a_subscription_is_remembered() {
    let f = Fixture::new(BedrockConfig::default());
    f.submit_use_case(VENDOR).await;
    let bare = f.role(VENDOR, "bare", &[vendor_policy(true)], &[]);
    let e = f.converse(&bare, "hello").await.unwrap_err();
    assert_eq!((e.code.as_str(), e.status), ("AccessDeniedException", 403));
    assert!(e.message.starts_with("Model access is denied due to IAM user or service role is not authorized to perform the required AWS Marketplace actions (aws-marketplace:ViewSubscriptions, aws-marketplace:Subscribe)"));
    assert!(e.message.ends_with("If you recently fixed this issue, try again after 2 minutes."));
    // AWSMarketplaceRead-only alone allows viewing, not subscribing.
    let viewer = f.role(VENDOR, "viewer", &[vendor_policy(true)], &[MARKETPLACE_READ]);
    assert_eq!(f.converse(&viewer, "hello").await.unwrap_err().message, e.message);
    // LimitedAccess v6 allows both when Bedrock asks (aws:CalledViaLast); the account is then subscribed.
    let limited = f.role(VENDOR, "limited", &[vendor_policy(true)], &[LIMITED]);
    assert!(f.converse(&limited, "hello").await.is_ok());
    assert!(f.converse(&bare, "hello").await.is_ok(), "the account's subscription is recorded");
    let availability = f
        .call(
            &Fixture::root(VENDOR),
            "bedrock",
            "GetFoundationModelAvailability",
            json!({"modelId": "anthropic.claude-haiku-4-5-20251001-v1:0"}),
            TOKYO,
        )
        .await
        .unwrap();
    assert_eq!(availability["agreementAvailability"]["status"], "AVAILABLE");
    assert_eq!(availability["authorizationStatus"], "AUTHORIZED");
}

#[tokio::test]
async fn the_marketplace_check_is_recorded_as_forward_access() {
    let f = Fixture::new(BedrockConfig::default());
    f.submit_use_case(VENDOR).await;
    let limited = f.role(VENDOR, "limited", &[], &[LIMITED]);
    let mut call = Call::new(
        "bedrock-runtime",
        "Converse",
        json!({"modelId": JP_HAIKU, "messages": [{"role": "user", "content": [{"text": "hi"}]}]}),
        TOKYO,
    );
    call.request_id = Some("parent-request".into());
    f.door.call(&limited, call).await.unwrap();
    let children = f.door.decisions().children("parent-request");
    assert_eq!(children.len(), 1);
    let check = &children[0];
    assert_eq!(
        (check.service.as_str(), check.operation.as_str(), check.outcome.as_str()),
        ("aws-marketplace", "Subscribe", "Allowed")
    );
    let actions: Vec<&str> = check.checks.iter().map(|c| c.action.as_str()).collect();
    assert_eq!(actions, ["aws-marketplace:ViewSubscriptions", "aws-marketplace:Subscribe"]);
}

#[tokio::test]
async fn routed_to_osaka_without_the_osaka_arn_is_denied_by_iam() {
    let f = Fixture::osaka_routing();
    f.submit_use_case(VENDOR).await;
    // The account subscribed earlier (seed 001's first call from the vendor's own role).
    let first = f.role(VENDOR, "vendor-bedrock", &[vendor_policy(true)], &[MARKETPLACE_READ, LIMITED]);
    f.converse(&first, "はじめまして").await.unwrap();
    let narrow = f.role(VENDOR, "narrow", &[vendor_policy(false)], &[]);
    let e = f.converse(&narrow, "こんにちは").await.unwrap_err();
    assert_eq!((e.code.as_str(), e.status), ("AccessDeniedException", 403));
    assert_eq!(
        e.message,
        format!(
            "User: arn:aws:sts::{VENDOR}:assumed-role/narrow/assume_role_session is not authorized to perform: bedrock:InvokeModel on resource: arn:aws:bedrock:ap-northeast-3::foundation-model/anthropic.claude-haiku-4-5-20251001-v1:0 because no identity-based policy allows the bedrock:InvokeModel action"
        )
    );
    let full = f.role(VENDOR, "with-osaka", &[vendor_policy(true)], &[]);
    assert!(f.converse(&full, "こんにちは").await.is_ok());
    let log = f.door.decisions().recent(50);
    let last = log
        .iter()
        .rev()
        .find(|r| r.caller.contains("with-osaka"))
        .or_else(|| log.iter().find(|r| r.caller.contains("with-osaka")))
        .unwrap();
    let resources: Vec<&str> = last.checks.iter().map(|c| c.resource.as_str()).collect();
    assert!(
        resources.iter().any(|r| r.starts_with("arn:aws:bedrock:ap-northeast-3::")),
        "the log names the Region routed to: {resources:?}"
    );
}

#[tokio::test]
async fn seed_000_full_access_role_and_converse_stream() {
    let f = Fixture::new(BedrockConfig::default());
    f.submit_use_case(VENDOR).await;
    let role = f.role(VENDOR, "CrossAccountBedrockExecutionRole", &[], &[FULL]);
    let input = json!({
        "modelId": "apac.anthropic.claude-sonnet-4-20250514-v1:0",
        "messages": [{"role": "user", "content": [{"text": "こんにちは、日本語でテストしています。"}]}],
        "inferenceConfig": {"maxTokens": 1000, "temperature": 0.7}
    });
    let out = f.call(&role, "bedrock-runtime", "Converse", input.clone(), TOKYO).await.unwrap();
    assert_eq!(out["usage"]["inputTokens"], 22);
    assert_eq!(out["usage"]["cacheReadInputTokens"], 0);
    let mut call = Call::new("bedrock-runtime", "ConverseStream", input, TOKYO);
    call.request_id = Some("stream".into());
    let stream = f.door.call(&role, call).await.unwrap();
    let mut rx = stream.events.unwrap();
    let mut names = Vec::new();
    let mut text = String::new();
    while let Some(e) = rx.recv().await {
        let e = e.unwrap();
        if e.name == "contentBlockDelta" {
            text.push_str(e.payload["delta"]["text"].as_str().unwrap());
        }
        names.push(e.name);
    }
    assert_eq!(names.first().map(String::as_str), Some("messageStart"));
    assert_eq!(&names[names.len() - 3..], ["contentBlockStop", "messageStop", "metadata"]);
    assert_eq!(
        text,
        out["output"]["message"]["content"][0]["text"].as_str().unwrap(),
        "the stream says what Converse says"
    );
}

#[tokio::test]
async fn br_9_errors_through_the_door() {
    let f = Fixture::new(BedrockConfig::default());
    f.submit_use_case(VENDOR).await;
    let admin = Fixture::root(VENDOR);
    let converse = |model: &str| json!({"modelId": model, "messages": [{"role": "user", "content": [{"text": "hi"}]}]});
    let e = f
        .call(&admin, "bedrock-runtime", "Converse", converse("anthropic.claude-sonnet-4-20250514-v1:0"), "us-east-1")
        .await
        .unwrap_err();
    assert!(e.message.contains("with on-demand throughput isn\u{2019}t supported"), "{}", e.message);
    let e = f
        .call(
            &admin,
            "bedrock-runtime",
            "Converse",
            converse("us.anthropic.claude-sonnet-4-20250514-v1:0"),
            "eu-central-1",
        )
        .await
        .unwrap_err();
    assert_eq!(e.message, "The provided model identifier is invalid.");
    let e = f
        .call(&admin, "bedrock-runtime", "Converse", converse("amazon.titan-embed-text-v2:0"), "us-east-1")
        .await
        .unwrap_err();
    assert_eq!(
        e.message,
        "This action doesn't support the model that you provided. Try again with a supported text or chat model."
    );
    let nobody = f.role(VENDOR, "nobody", &[], &[]);
    let e =
        f.call(&nobody, "bedrock-runtime", "Converse", converse("no.such-model-v1:0"), "us-east-1").await.unwrap_err();
    assert_eq!(e.code, "AccessDeniedException", "authorization comes before the id is judged");
}

#[tokio::test]
async fn control_plane_profiles_and_models() {
    let f = Fixture::new(BedrockConfig::default());
    let root = Fixture::root(VENDOR);
    let p = f
        .call(&root, "bedrock", "GetInferenceProfile", json!({"inferenceProfileIdentifier": JP_HAIKU}), TOKYO)
        .await
        .unwrap();
    assert_eq!(p["inferenceProfileArn"], format!("arn:aws:bedrock:{TOKYO}:{VENDOR}:inference-profile/{JP_HAIKU}"));
    assert_eq!(p["models"].as_array().unwrap().len(), 2);
    let e = f
        .call(&root, "bedrock", "GetInferenceProfile", json!({"inferenceProfileIdentifier": JP_HAIKU}), "us-east-1")
        .await
        .unwrap_err();
    assert_eq!(e.code, "ResourceNotFoundException");
    let page = f.call(&root, "bedrock", "ListInferenceProfiles", json!({"maxResults": 2}), TOKYO).await.unwrap();
    assert_eq!(page["inferenceProfileSummaries"].as_array().unwrap().len(), 2);
    let next = page["nextToken"].as_str().unwrap();
    let rest = f.call(&root, "bedrock", "ListInferenceProfiles", json!({"nextToken": next}), TOKYO).await.unwrap();
    assert!(rest.get("nextToken").is_none());
    let total = 2 + rest["inferenceProfileSummaries"].as_array().unwrap().len();
    let all = f.call(&root, "bedrock", "ListInferenceProfiles", json!({}), TOKYO).await.unwrap();
    assert_eq!(all["inferenceProfileSummaries"].as_array().unwrap().len(), total);
    let models = f
        .call(
            &root,
            "bedrock",
            "ListFoundationModels",
            json!({"byProvider": "anthropic", "byInferenceType": "ON_DEMAND"}),
            TOKYO,
        )
        .await
        .unwrap();
    let ids: Vec<&str> =
        models["modelSummaries"].as_array().unwrap().iter().map(|m| m["modelId"].as_str().unwrap()).collect();
    assert!(ids.contains(&"anthropic.claude-haiku-4-5-20251001-v1:0"), "{ids:?}");
    assert!(ids.iter().all(|i| i.starts_with("anthropic.")));

    let created = f
        .call(&root, "bedrock", "CreateInferenceProfile", json!({"inferenceProfileName": "team-a", "modelSource": {"copyFrom": format!("arn:aws:bedrock:{TOKYO}:{VENDOR}:inference-profile/{JP_HAIKU}")}}), TOKYO)
        .await
        .unwrap();
    let arn = created["inferenceProfileArn"].as_str().unwrap().to_string();
    assert!(arn.starts_with(&format!("arn:aws:bedrock:{TOKYO}:{VENDOR}:application-inference-profile/")));
    let apps =
        f.call(&root, "bedrock", "ListInferenceProfiles", json!({"typeEquals": "APPLICATION"}), TOKYO).await.unwrap();
    assert_eq!(apps["inferenceProfileSummaries"][0]["type"], "APPLICATION");
    f.submit_use_case(VENDOR).await;
    let out = f
        .call(
            &root,
            "bedrock-runtime",
            "Converse",
            json!({"modelId": arn, "messages": [{"role": "user", "content": [{"text": "hi"}]}]}),
            TOKYO,
        )
        .await
        .unwrap();
    assert_eq!(out["stopReason"], "end_turn");
    f.call(&root, "bedrock", "DeleteInferenceProfile", json!({"inferenceProfileIdentifier": arn}), TOKYO)
        .await
        .unwrap();
    let e = f
        .call(&root, "bedrock", "GetInferenceProfile", json!({"inferenceProfileIdentifier": arn}), TOKYO)
        .await
        .unwrap_err();
    assert_eq!(e.code, "ResourceNotFoundException");
}

#[tokio::test]
async fn invoke_model_with_an_anthropic_body() {
    use base64::Engine;
    let b64 = base64::engine::general_purpose::STANDARD;
    let f = Fixture::new(BedrockConfig::default());
    f.submit_use_case(VENDOR).await;
    let root = Fixture::root(VENDOR);
    let body = json!({"anthropic_version": "bedrock-2023-05-31", "max_tokens": 200, "messages": [{"role": "user", "content": "Hello, Claude"}]});
    let input = json!({"modelId": JP_HAIKU, "body": b64.encode(body.to_string()), "contentType": "application/json"});
    let out = f.call(&root, "bedrock-runtime", "InvokeModel", input, TOKYO).await.unwrap();
    assert_eq!(out["contentType"], "application/json");
    let answer: Value = serde_json::from_slice(&b64.decode(out["body"].as_str().unwrap()).unwrap()).unwrap();
    assert_eq!(answer["type"], "message");
    assert_eq!(answer["model"], "claude-haiku-4-5-20251001");
    assert!(answer["content"][0]["text"].as_str().unwrap().starts_with("Hello!"));
    let bad =
        json!({"modelId": JP_HAIKU, "body": b64.encode(r#"{"anthropic_version":"bedrock-2023-05-31","messages":[]}"#)});
    let e = f.call(&root, "bedrock-runtime", "InvokeModel", bad, TOKYO).await.unwrap_err();
    assert_eq!(
        e.message,
        "Malformed input request: #: required key [max_tokens] not found, please reformat your input and try again."
    );
}

#[tokio::test]
async fn count_tokens_for_converse_and_invoke_model_bodies() {
    use base64::Engine;
    let f = Fixture::new(BedrockConfig::default());
    let root = Fixture::root(VENDOR);
    let model = "anthropic.claude-haiku-4-5-20251001-v1:0";
    let converse = json!({"modelId": model, "input": {"converse": {"messages": [{"role": "user", "content": [{"text": "こんにちは、日本語でテストしています。"}]}]}}});
    let out = f.call(&root, "bedrock-runtime", "CountTokens", converse, TOKYO).await.unwrap();
    assert_eq!(out, json!({"inputTokens": 22}));
    let body = json!({"anthropic_version": "bedrock-2023-05-31", "max_tokens": 10, "messages": [{"role": "user", "content": "こんにちは、日本語でテストしています。"}]});
    let invoke = json!({"modelId": model, "input": {"invokeModel": {"body": base64::engine::general_purpose::STANDARD.encode(body.to_string())}}});
    assert_eq!(
        f.call(&root, "bedrock-runtime", "CountTokens", invoke, TOKYO).await.unwrap(),
        json!({"inputTokens": 22})
    );
    let nobody = f.role(VENDOR, "nobody", &[], &[]);
    let e = f
        .call(&nobody, "bedrock-runtime", "CountTokens", json!({"modelId": model, "input": {"converse": {}}}), TOKYO)
        .await
        .unwrap_err();
    assert!(
        e.message
            .contains(&format!("bedrock:CountTokens on resource: arn:aws:bedrock:{TOKYO}::foundation-model/{model}")),
        "{}",
        e.message
    );
}
