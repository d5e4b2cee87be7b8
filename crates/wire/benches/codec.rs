//! Decode + encode costs of the requests sekisho serves most: STS GetCallerIdentity and AssumeRole
//! (query), Step Functions StartExecution (json 1.0); plus the one-time cost of parsing a model.

use criterion::{Criterion, black_box, criterion_group, criterion_main};
use sekisho_wire::{HttpRequest, ServiceModel, load};
use serde_json::json;

fn headers(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
    pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
}

fn sts(c: &mut Criterion) {
    let sts = load("sts").expect("embedded");
    let form = headers(&[("content-type", "application/x-www-form-urlencoded; charset=utf-8")]);
    let gci_body = b"Action=GetCallerIdentity&Version=2011-06-15";
    let gci_out =
        json!({"UserId": "AIDAEXAMPLE", "Account": "111111111111", "Arn": "arn:aws:iam::111111111111:user/alice"});
    c.bench_function("sts GetCallerIdentity decode+encode", |b| {
        b.iter(|| {
            let req = HttpRequest { method: "POST", path: "/", query: "", headers: &form, body: gci_body };
            let (op, value) = sts.decode(black_box(&req)).expect("valid");
            black_box(value);
            black_box(sts.encode_output(op, &gci_out, "c2a1d1f6-6d6a-4a36-9c8e-8f0b1b8e8b0a"))
        })
    });
    let ar_body = b"Action=AssumeRole&Version=2011-06-15&RoleArn=arn%3Aaws%3Aiam%3A%3A222222222222%3Arole%2Fexternal-role&RoleSessionName=seed-d&DurationSeconds=3600&ExternalId=arn%3Aaws%3Astates%3Aap-northeast-1%3A111111111111%3AstateMachine%3Acaller";
    let ar_out = json!({
        "Credentials": {"AccessKeyId": "ASIAEXAMPLEEXAMPLE12", "SecretAccessKey": "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
                        "SessionToken": "FwoGZXIvYXdzEBYaDExample", "Expiration": 1700003600},
        "AssumedRoleUser": {"AssumedRoleId": "AROAEXAMPLE:seed-d", "Arn": "arn:aws:sts::222222222222:assumed-role/external-role/seed-d"},
        "PackedPolicySize": 6
    });
    c.bench_function("sts AssumeRole decode+validate+encode", |b| {
        b.iter(|| {
            let req = HttpRequest { method: "POST", path: "/", query: "", headers: &form, body: ar_body };
            let (op, value) = sts.decode(black_box(&req)).expect("valid");
            black_box(value);
            black_box(sts.encode_output(op, &ar_out, "c2a1d1f6-6d6a-4a36-9c8e-8f0b1b8e8b0a"))
        })
    });
}

fn stepfunctions(c: &mut Criterion) {
    let sfn = load("stepfunctions").expect("embedded");
    let hdrs =
        headers(&[("content-type", "application/x-amz-json-1.0"), ("x-amz-target", "AWSStepFunctions.StartExecution")]);
    let body = br#"{"stateMachineArn":"arn:aws:states:ap-northeast-1:111111111111:stateMachine:caller","name":"run-0001","input":"{\"prompt\":\"hello\",\"n\":3}"}"#;
    let out = json!({"executionArn": "arn:aws:states:ap-northeast-1:111111111111:execution:caller:run-0001", "startDate": 1700000000.123});
    c.bench_function("stepfunctions StartExecution decode+validate+encode", |b| {
        b.iter(|| {
            let req = HttpRequest { method: "POST", path: "/", query: "", headers: &hdrs, body };
            let (op, value) = sfn.decode(black_box(&req)).expect("valid");
            black_box(value);
            black_box(sfn.encode_output(op, &out, "c2a1d1f6-6d6a-4a36-9c8e-8f0b1b8e8b0a"))
        })
    });
}

fn model_parsing(c: &mut Criterion) {
    let mut group = c.benchmark_group("model parse (once per service, on first use)");
    group.sample_size(10);
    for name in ["sts", "stepfunctions", "bedrock-runtime", "ec2"] {
        let json =
            std::fs::read_to_string(format!("{}/models/{name}.json", env!("CARGO_MANIFEST_DIR"))).expect("model file");
        group.bench_function(name, |b| b.iter(|| black_box(ServiceModel::from_json(name, &json).expect("valid"))));
    }
    group.finish();
}

criterion_group!(benches, sts, stepfunctions, model_parsing);
criterion_main!(benches);
