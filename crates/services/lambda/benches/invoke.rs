//! Invoke latency through the door: a warm Python environment, and a cold start (a new process, the
//! runtime client, the handler's import). The interpreter is `SEKISHO_BENCH_PYTHON` or `python3` on PATH.
//! With `SEKISHO_BENCH_RUST_BOOTSTRAP` naming a `lambda_runtime` binary (tests/fixtures/lambda/rust-hello),
//! the same two figures for a Rust function on `provided.al2023`.

use base64::Engine;
use criterion::{Criterion, criterion_group, criterion_main};
use sekisho_core::config::Config;
use sekisho_core::door::Call;
use sekisho_core::identity::Identity;
use sekisho_core::identity::store::{DocKind, PolicyDoc, Role};
use sekisho_core::service::Caller;
use sekisho_core::{Door, World};
use sekisho_lambda::Lambda;
use serde_json::{Value, json};
use std::sync::Arc;
use std::time::{Duration, Instant};

const A: &str = "111111111111";
const TRUST: &str = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"lambda.amazonaws.com"},"Action":"sts:AssumeRole"}]}"#;

struct Bench {
    door: Arc<Door>,
    root: Caller,
}

impl Bench {
    fn new() -> Bench {
        let python = std::env::var("SEKISHO_BENCH_PYTHON").unwrap_or_else(|_| "python3".into());
        let cache = std::env::temp_dir().join("sekisho-lambda-bench");
        let text = format!("[lambda]\npython = {python:?}\ncache_dir = {:?}\n", cache.to_string_lossy());
        let world = Arc::new(World::new(Config::parse(&text).expect("bench configuration")));
        world.write().account_mut(A, 0).iam.roles.insert(
            "exec".into(),
            Role {
                name: "exec".into(),
                path: "/".into(),
                id: "AROABENCHEXAMPLE0001".into(),
                create_date_ms: 0,
                trust_policy: PolicyDoc::parse(TRUST, DocKind::Trust).expect("trust policy"),
                description: None,
                max_session_duration: 3600,
                inline_policies: Default::default(),
                attached_policies: vec![],
                permissions_boundary: None,
                tags: vec![],
                last_used_ms: None,
                last_used_region: None,
            },
        );
        let lambda = Arc::new(Lambda::new(world.clone()).expect("lambda"));
        let door = Door::builder(world).register(lambda).build();
        Bench { door, root: Caller::new(Identity::Root { account: A.into() }) }
    }

    async fn call(&self, op: &str, input: Value) -> Value {
        self.door.call(&self.root, Call::new("lambda", op, input, "us-east-1")).await.expect(op).body
    }
}

/// Warm and cold invoke figures for one function.
fn measure(c: &mut Criterion, rt: &tokio::runtime::Runtime, b: &Bench, name: &str, create: Value) {
    rt.block_on(b.call("CreateFunction", create));
    let payload = base64::engine::general_purpose::STANDARD.encode(br#"{"n": 1}"#);
    let event = json!({"FunctionName": name, "Payload": payload});
    rt.block_on(b.call("Invoke", event.clone()));

    let mut group = c.benchmark_group(format!("invoke/{name}"));
    group.bench_function("warm", |bench| bench.iter(|| rt.block_on(b.call("Invoke", event.clone()))));
    group.sample_size(20).measurement_time(Duration::from_secs(20));
    group.bench_function("cold", |bench| {
        bench.iter_custom(|iters| {
            let mut total = Duration::ZERO;
            for i in 0..iters {
                // A configuration change retires the warm environment, so the next invoke starts a new one.
                let change = json!({"FunctionName": name, "Description": format!("{i}")});
                rt.block_on(b.call("UpdateFunctionConfiguration", change));
                let started = Instant::now();
                rt.block_on(b.call("Invoke", event.clone()));
                total += started.elapsed();
            }
            total
        })
    });
    group.finish();
}

fn invoke(c: &mut Criterion) {
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().expect("runtime");
    let b = Bench::new();
    let b64 = |zip: Vec<u8>| base64::engine::general_purpose::STANDARD.encode(zip);
    let role = "arn:aws:iam::111111111111:role/exec";
    let python = sekisho_lambda::zip::build(&[("app.py", b"def handler(event, context):\n    return event\n", 0o644)]);
    let create = json!({"FunctionName": "python", "Runtime": "python3.12", "Handler": "app.handler", "Role": role,
                        "Code": {"ZipFile": b64(python)}});
    measure(c, &rt, &b, "python", create);
    if let Ok(path) = std::env::var("SEKISHO_BENCH_RUST_BOOTSTRAP") {
        let binary = std::fs::read(&path).expect("the Rust bootstrap binary");
        let zip = sekisho_lambda::zip::build(&[("bootstrap", &binary, 0o755)]);
        let create = json!({"FunctionName": "rust", "Runtime": "provided.al2023", "Handler": "bootstrap", "Role": role,
                            "Code": {"ZipFile": b64(zip)}});
        measure(c, &rt, &b, "rust", create);
    }
}

criterion_group!(benches, invoke);
criterion_main!(benches);
