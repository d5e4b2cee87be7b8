//! Engine throughput: a long Pass chain, a large inline Map, and JSONata Output per state.
//! Run with `cargo bench -p sekisho-asl`; figures are reported by criterion.

use criterion::{Criterion, criterion_group, criterion_main};
use serde_json::{Map, Value, json};

use sekisho_asl::definition::{StateMachine, StateMachineType};
use sekisho_asl::env::SeededEnv;
use sekisho_asl::exec::{Execution, ExecutionContext, Progress, Status};
use sekisho_asl::query::JsonataEngine;
use std::sync::Arc;

const ARN: &str = "arn:aws:states:us-east-1:111111111111:stateMachine:bench";

fn run_to_end(sm: &StateMachine, input: Value) -> usize {
    let mut env = SeededEnv::new(1);
    let context = ExecutionContext::new(ARN, "e", "arn:aws:iam::111111111111:role/r", 0);
    let mut execution = Execution::start(sm, input, context, &mut env);
    let progress = execution.run(sm, 0, &mut env);
    assert_eq!(progress, Progress::Done);
    assert_eq!(execution.status(), Status::Succeeded);
    execution.events().len()
}

fn pass_chain(n: usize) -> String {
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
    json!({"StartAt": "S0", "States": states}).to_string()
}

fn benches(c: &mut Criterion) {
    let chain = StateMachine::parse(&pass_chain(1000)).expect("valid chain");
    c.bench_function("pass_chain_1000_states", |b| b.iter(|| run_to_end(&chain, json!({"value": 1}))));
    c.bench_function("parse_pass_chain_1000_states", |b| {
        let text = pass_chain(1000);
        b.iter(|| StateMachine::parse(&text).expect("valid chain"))
    });

    // Express: 10,000 inline iterations emit 40,000 events, past the 25,000 AWS allows a Standard
    // execution's history (it would fail there, as on AWS).
    let map = StateMachine::parse_with(
        &json!({"StartAt": "M", "States": {"M": {"Type": "Map", "ItemsPath": "$.items",
            "ItemSelector": {"v.$": "$$.Map.Item.Value", "i.$": "$$.Map.Item.Index"},
            "ItemProcessor": {"StartAt": "P", "States": {"P": {"Type": "Pass", "End": true}}}, "End": true}}})
        .to_string(),
        StateMachineType::Express,
        Arc::new(JsonataEngine),
    )
    .expect("valid map");
    let items: Vec<Value> = (0..10_000).map(|i| json!({"n": i})).collect();
    let input = json!({"items": items});
    let mut group = c.benchmark_group("map");
    group.sample_size(10);
    group.bench_function("map_10000_items", |b| b.iter(|| run_to_end(&map, input.clone())));
    group.finish();

    let jsonata = StateMachine::parse(
        &json!({"QueryLanguage": "JSONata", "StartAt": "P", "States": {"P": {"Type": "Pass",
            "Output": {"total": "{% $sum($states.input.orders.(price * quantity)) %}", "who": "{% $uppercase($states.input.customer) %}"},
            "End": true}}})
        .to_string(),
    )
    .expect("valid JSONata state");
    let orders: Vec<Value> = (0..10).map(|i| json!({"price": i, "quantity": 2})).collect();
    let input = json!({"customer": "ada", "orders": orders});
    c.bench_function("jsonata_output_one_state", |b| b.iter(|| run_to_end(&jsonata, input.clone())));
}

criterion_group!(engine, benches);
criterion_main!(engine);
