//! Step Functions through the door (authorization, the handlers, the driver on tokio, history): a 1000-state
//! Pass chain, a Map over 10,000 items (6,000 for Standard, whose history AWS caps at 25,000 events), and
//! JSONata `Output` on every state of a 100-state chain.
//! Run with `cargo bench -p sekisho-states`; figures are reported by criterion.

use criterion::{Criterion, criterion_group, criterion_main};
use sekisho_core::config::{ClockConfig, Config};
use sekisho_core::identity::Identity;
use sekisho_core::identity::store::{DocKind, PolicyDoc, Role};
use sekisho_core::{Call, Caller, Door, World};
use sekisho_states::StepFunctions;
use serde_json::{Map, Value, json};
use std::sync::Arc;
use std::time::Duration;

// As the binary runs: every allocation passes the expressions' memory meter.
#[global_allocator]
static ALLOCATOR: sekisho_states::memory::MeteredAllocator = sekisho_states::memory::MeteredAllocator;

const A: &str = "111111111111";
const TRUST: &str = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"states.amazonaws.com"},"Action":"sts:AssumeRole"}]}"#;

struct Bench {
    door: Arc<Door>,
    root: Caller,
    role: String,
}

impl Bench {
    fn new() -> Bench {
        let config = Config { clock: Some(ClockConfig { mode: "virtual".into() }), ..Config::defaults() };
        let world = Arc::new(World::new(config));
        let door = Door::builder(world.clone())
            .register(Arc::new(StepFunctions::new()))
            .register(Arc::new(sekisho_sts::Sts))
            .build();
        let role = Role {
            name: "bench".into(),
            path: "/".into(),
            id: "AROABENCHBENCHBENCH1".into(),
            create_date_ms: 0,
            trust_policy: PolicyDoc::parse(TRUST, DocKind::Trust).expect("a valid trust policy"),
            description: None,
            max_session_duration: 3600,
            inline_policies: Default::default(),
            attached_policies: vec![],
            permissions_boundary: None,
            tags: vec![],
            last_used_ms: None,
            last_used_region: None,
        };
        world.write().account_mut(A, 0).iam.roles.insert("bench".into(), role);
        let root = Caller::new(Identity::Root { account: A.into() });
        Bench { door, root, role: format!("arn:aws:iam::{A}:role/bench") }
    }

    async fn call(&self, op: &str, input: Value) -> Value {
        match self.door.call(&self.root, Call::new("stepfunctions", op, input, "us-east-1")).await {
            Ok(out) => out.body,
            Err(e) => panic!("{op}: {e}"),
        }
    }

    async fn create(&self, name: &str, kind: &str, definition: &Value) -> String {
        let out = self
            .call(
                "CreateStateMachine",
                json!({"name": name, "definition": definition.to_string(), "roleArn": self.role, "type": kind}),
            )
            .await;
        out["stateMachineArn"].as_str().unwrap_or_default().to_string()
    }

    /// StartExecution, then DescribeExecution until it ends (what a client does).
    async fn run_standard(&self, arn: &str, input: &str) -> Value {
        let out = self.call("StartExecution", json!({"stateMachineArn": arn, "input": input})).await;
        let exec = out["executionArn"].clone();
        loop {
            let d = self.call("DescribeExecution", json!({"executionArn": exec})).await;
            if d["status"] != "RUNNING" {
                assert_eq!(d["status"], "SUCCEEDED", "{d}");
                return d;
            }
            tokio::time::sleep(Duration::from_micros(200)).await;
        }
    }

    async fn run_sync(&self, arn: &str, input: &str) -> Value {
        let out = self.call("StartSyncExecution", json!({"stateMachineArn": arn, "input": input})).await;
        assert_eq!(out["status"], "SUCCEEDED", "{out}");
        out
    }
}

fn pass_chain(n: usize) -> Value {
    let mut states = Map::new();
    for i in 0..n {
        let mut s = json!({"Type": "Pass", "Parameters": {"step": i, "value.$": "$.value"}});
        if i + 1 == n {
            s["End"] = json!(true);
        } else {
            s["Next"] = json!(format!("S{}", i + 1));
        }
        states.insert(format!("S{i}"), s);
    }
    json!({"StartAt": "S0", "States": states})
}

fn jsonata_chain(n: usize) -> Value {
    let mut states = Map::new();
    for i in 0..n {
        let mut s = json!({"Type": "Pass", "Output": {
            "total": "{% $states.input.total + $sum($states.input.orders.(price * quantity)) %}",
            "orders": "{% $states.input.orders %}"}});
        if i + 1 == n {
            s["End"] = json!(true);
        } else {
            s["Next"] = json!(format!("S{}", i + 1));
        }
        states.insert(format!("S{i}"), s);
    }
    json!({"QueryLanguage": "JSONata", "StartAt": "S0", "States": states})
}

fn map_state() -> Value {
    json!({"StartAt": "M", "States": {"M": {"Type": "Map", "ItemsPath": "$.items",
        "ItemSelector": {"v.$": "$$.Map.Item.Value", "i.$": "$$.Map.Item.Index"},
        "ItemProcessor": {"StartAt": "P", "States": {"P": {"Type": "Pass", "End": true}}}, "End": true}}})
}

fn benches(c: &mut Criterion) {
    let rt = tokio::runtime::Builder::new_multi_thread().enable_all().build().expect("a tokio runtime");
    let bench = Bench::new();
    let (chain_std, chain_x, map_std, map_x, jsonata_x) = rt.block_on(async {
        (
            bench.create("chain", "STANDARD", &pass_chain(1000)).await,
            bench.create("chain-x", "EXPRESS", &pass_chain(1000)).await,
            bench.create("map", "STANDARD", &map_state()).await,
            bench.create("map-x", "EXPRESS", &map_state()).await,
            bench.create("jsonata-x", "EXPRESS", &jsonata_chain(100)).await,
        )
    });
    let items: Vec<Value> = (0..10_000).map(|i| json!({"n": i})).collect();
    let map_input = json!({"items": items}).to_string();
    // A Standard execution's history holds at most 25,000 events (AWS's quota): 6,000 iterations emit 24,000.
    let items: Vec<Value> = (0..6_000).map(|i| json!({"n": i})).collect();
    let map_input_standard = json!({"items": items}).to_string();
    let orders: Vec<Value> = (0..10).map(|i| json!({"price": i, "quantity": 2})).collect();
    let jsonata_input = json!({"total": 0, "orders": orders}).to_string();

    let mut g = c.benchmark_group("api");
    g.sample_size(20);
    g.bench_function("pass_chain_1000/standard_start_until_done", |b| {
        b.iter(|| rt.block_on(bench.run_standard(&chain_std, "{\"value\": 1}")))
    });
    g.bench_function("pass_chain_1000/express_sync", |b| {
        b.iter(|| rt.block_on(bench.run_sync(&chain_x, "{\"value\": 1}")))
    });
    g.bench_function("jsonata_output_100_states/express_sync", |b| {
        b.iter(|| rt.block_on(bench.run_sync(&jsonata_x, &jsonata_input)))
    });
    g.bench_function("create_state_machine_1000_states", |b| {
        let mut definition = pass_chain(1000);
        let mut n = 0;
        b.iter(|| {
            n += 1;
            // A new text each time, so the definition is parsed and validated each time.
            definition["Comment"] = json!(format!("revision {n}"));
            rt.block_on(bench.create(&format!("c{n}"), "STANDARD", &definition))
        })
    });
    let exec = rt.block_on(bench.run_standard(&chain_std, "{\"value\": 1}"))["executionArn"].clone();
    g.bench_function("get_execution_history_2002_events", |b| {
        b.iter(|| {
            rt.block_on(async {
                let mut token: Option<Value> = None;
                loop {
                    let mut req = json!({"executionArn": exec, "maxResults": 1000});
                    if let Some(t) = &token {
                        req["nextToken"] = t.clone();
                    }
                    let page = bench.call("GetExecutionHistory", req).await;
                    match page.get("nextToken") {
                        Some(t) => token = Some(t.clone()),
                        None => break,
                    }
                }
            })
        })
    });
    g.finish();

    let mut g = c.benchmark_group("api_map");
    g.sample_size(10);
    g.bench_function("map_6000_items/standard_start_until_done", |b| {
        b.iter(|| rt.block_on(bench.run_standard(&map_std, &map_input_standard)))
    });
    g.bench_function("map_10000_items/express_sync", |b| b.iter(|| rt.block_on(bench.run_sync(&map_x, &map_input))));
    g.finish();
}

criterion_group!(api, benches);
criterion_main!(api);
