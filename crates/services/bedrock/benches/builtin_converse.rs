//! The built-in model per request: its answer alone, and a whole Converse through the door (authorization
//! with the policy engine, model-access state, the backend, the response value).

use criterion::{Criterion, criterion_group, criterion_main};
use sekisho_bedrock::backend::builtin;
use sekisho_bedrock::chat::{Block, ChatRequest, Message, ModelRef, Role};
use sekisho_bedrock::config::BedrockConfig;
use sekisho_bedrock::{Shared, services_with};
use sekisho_core::config::Config;
use sekisho_core::identity::store::{DocKind, PolicyDoc, Role as IamRole};
use sekisho_core::identity::{Identity, RoleSession};
use sekisho_core::{Call, Caller, Door, World};
use serde_json::json;
use std::hint::black_box;
use std::sync::Arc;

fn request(text: &str) -> ChatRequest {
    ChatRequest {
        model: ModelRef {
            id: "anthropic.claude-haiku-4-5-20251001-v1:0".into(),
            name: "Claude Haiku 4.5".into(),
            provider: "Anthropic".into(),
        },
        system: vec!["You are a helpful guide at the Hakone checkpoint.".into()],
        messages: vec![Message { role: Role::User, content: vec![Block::Text(text.into())] }],
        max_tokens: Some(1000),
        temperature: Some(0.7),
        top_p: None,
        stop_sequences: vec![],
        tools: vec![],
        tool_choice: None,
    }
}

fn bench(c: &mut Criterion) {
    let ja = request("こんにちは、日本語でテストしています。");
    c.bench_function("builtin answer (Japanese greeting)", |b| b.iter(|| builtin::answer(black_box(&ja))));
    let en = request(&"Tell me about the old roads of Japan and the checkpoints along them. ".repeat(20));
    c.bench_function("builtin answer (1.4 KB English prompt)", |b| b.iter(|| builtin::answer(black_box(&en))));

    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    let world = Arc::new(World::new(Config::defaults()));
    let (bedrock, bedrock_runtime) = services_with(Arc::new(Shared::new(BedrockConfig::default()).unwrap()));
    let door = Door::builder(world).register(bedrock).register(bedrock_runtime).build();
    let root = Caller::new(Identity::Root { account: "222222222222".into() });
    let form = json!({"formData": "eyJjb21wYW55TmFtZSI6InNla2lzaG8ifQ=="});
    runtime
        .block_on(door.call(&root, Call::new("bedrock", "PutUseCaseForModelAccess", form, "ap-northeast-1")))
        .unwrap();
    let input = json!({
        "modelId": "jp.anthropic.claude-haiku-4-5-20251001-v1:0",
        "messages": [{"role": "user", "content": [{"text": "こんにちは"}]}]
    });
    c.bench_function("Converse through the door as root (built-in model, jp. profile)", |b| {
        b.iter(|| {
            let call = Call::new("bedrock-runtime", "Converse", input.clone(), "ap-northeast-1");
            runtime.block_on(door.call(&root, call)).unwrap()
        })
    });
    let vendor = vendor_role(&door);
    c.bench_function("Converse through the door as seed 001's vendor role", |b| {
        b.iter(|| {
            let call = Call::new("bedrock-runtime", "Converse", input.clone(), "ap-northeast-1");
            runtime.block_on(door.call(&vendor, call)).unwrap()
        })
    });
}

/// Seed 001's vendor role: the inline InvokeModel policy, AmazonBedrockLimitedAccess, AWSMarketplaceRead-only.
fn vendor_role(door: &Door) -> Caller {
    let policy = json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": ["bedrock:InvokeModel"], "Resource": [
        "arn:aws:bedrock:ap-northeast-1::foundation-model/anthropic.claude-haiku-4-5-20251001-v1:0",
        "arn:aws:bedrock:ap-northeast-3::foundation-model/anthropic.claude-haiku-4-5-20251001-v1:0",
        "arn:aws:bedrock:ap-northeast-1:222222222222:inference-profile/jp.anthropic.claude-haiku-4-5-20251001-v1:0"]}]});
    let trust = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"111111111111"},"Action":"sts:AssumeRole"}]}"#;
    let mut state = door.world().write();
    let mut inline_policies = std::collections::BTreeMap::new();
    inline_policies.insert("vendor".to_string(), PolicyDoc::parse(&policy.to_string(), DocKind::Inline).unwrap());
    state.account_mut("222222222222", 0).iam.roles.insert(
        "vendor".into(),
        IamRole {
            name: "vendor".into(),
            path: "/".into(),
            id: "AROAVENDOR0000000001".into(),
            create_date_ms: 0,
            trust_policy: PolicyDoc::parse(trust, DocKind::Trust).unwrap(),
            description: None,
            max_session_duration: 3600,
            inline_policies,
            attached_policies: vec![
                "arn:aws:iam::aws:policy/AmazonBedrockLimitedAccess".into(),
                "arn:aws:iam::aws:policy/AWSMarketplaceRead-only".into(),
            ],
            permissions_boundary: None,
            tags: vec![],
            last_used_ms: None,
            last_used_region: None,
        },
    );
    Caller::new(Identity::RoleSession(Arc::new(RoleSession {
        account: "222222222222".into(),
        role_name: "vendor".into(),
        role_path: "/".into(),
        role_id: "AROAVENDOR0000000001".into(),
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

criterion_group!(benches, bench);
criterion_main!(benches);
