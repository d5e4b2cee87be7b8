//! Decision throughput: a 10-statement identity set, a ReadOnlyAccess-sized policy, and a cross-account
//! AssumeRole with trust policy, identity policy and permissions boundary. Also the cost of parsing.

use criterion::{Criterion, black_box, criterion_group, criterion_main};
use sekisho_policy::*;

fn ten_statements() -> (Policy, Policy) {
    let a = r#"{"Version":"2012-10-17","Statement":[
      {"Sid":"Logs","Effect":"Allow","Action":["logs:CreateLogStream","logs:PutLogEvents"],"Resource":"arn:aws:logs:*:111122223333:log-group:/app/*"},
      {"Sid":"Queue","Effect":"Allow","Action":"sqs:SendMessage","Resource":"arn:aws:sqs:us-east-1:111122223333:orders"},
      {"Sid":"Table","Effect":"Allow","Action":["dynamodb:GetItem","dynamodb:PutItem","dynamodb:Query"],"Resource":"arn:aws:dynamodb:us-east-1:111122223333:table/Orders"},
      {"Sid":"Secrets","Effect":"Allow","Action":"secretsmanager:GetSecretValue","Resource":"arn:aws:secretsmanager:us-east-1:111122223333:secret:app/*"},
      {"Sid":"NoDelete","Effect":"Deny","Action":"s3:DeleteBucket","Resource":"*"}]}"#;
    let b = r#"{"Version":"2012-10-17","Statement":[
      {"Sid":"Tagged","Effect":"Allow","Action":"ec2:StartInstances","Resource":"*","Condition":{"StringEquals":{"aws:ResourceTag/team":"${aws:PrincipalTag/team}"}}},
      {"Sid":"Region","Effect":"Deny","NotAction":["iam:*","sts:*"],"Resource":"*","Condition":{"StringNotEquals":{"aws:RequestedRegion":["us-east-1","eu-west-1"]}}},
      {"Sid":"Tls","Effect":"Deny","Action":"s3:*","Resource":"*","Condition":{"Bool":{"aws:SecureTransport":"false"}}},
      {"Sid":"Home","Effect":"Allow","Action":"s3:*","Resource":"arn:aws:s3:::home/${aws:username}/*"},
      {"Sid":"Read","Effect":"Allow","Action":["s3:GetObject","s3:ListBucket"],"Resource":["arn:aws:s3:::data","arn:aws:s3:::data/*"],"Condition":{"IpAddress":{"aws:SourceIp":"203.0.113.0/24"}}}]}"#;
    (Policy::parse(a, PolicyKind::Identity).expect("valid"), Policy::parse(b, PolicyKind::Identity).expect("valid"))
}

/// A synthetic policy the size of ReadOnlyAccess: ~4000 `svc:Get*`/`List*`/`Describe*` patterns over 400 services.
fn read_only_text() -> String {
    let mut first = Vec::new();
    let mut second = Vec::new();
    for i in 0..400 {
        for (j, verb) in ["Get", "List", "Describe", "BatchGet", "Search"].iter().enumerate() {
            let p = format!("\"service{i:03}:{verb}*\"");
            if j < 3 { first.push(p) } else { second.push(p) }
        }
        for k in 0..5 {
            second.push(format!("\"service{i:03}:View{k}Details\""));
        }
    }
    format!(
        r#"{{"Version":"2012-10-17","Statement":[{{"Sid":"ReadOnlyActions","Effect":"Allow","Action":[{}],"Resource":"*"}},{{"Sid":"MoreReadOnly","Effect":"Allow","Action":[{}],"Resource":"*"}}]}}"#,
        first.join(","),
        second.join(",")
    )
}

fn bench(c: &mut Criterion) {
    let (a, b) = ten_statements();
    let user = Principal::user("arn:aws:iam::111122223333:user/alice", Some("AIDAALICEEXAMPLE001"));
    let ctx = Context::new()
        .with_principal(&user)
        .with("aws:RequestedRegion", "us-east-1")
        .with("aws:SecureTransport", "true")
        .with("aws:SourceIp", "203.0.113.10")
        .with("aws:PrincipalTag/team", "red")
        .with("aws:ResourceTag/team", "red");
    let identity =
        [PolicyRef::new("app", PolicySource::Managed, &a), PolicyRef::new("guardrails", PolicySource::InlineUser, &b)];
    let mut req = Request::new(&user, "s3:GetObject", "arn:aws:s3:::data/report.csv", &ctx);
    req.identity_policies = &identity;
    assert_eq!(evaluate(&req).effect(), EvalDecision::Allow);
    c.bench_function("decision/10-statement identity set (allow, last statement)", |bn| {
        bn.iter(|| black_box(evaluate(black_box(&req)).effect()))
    });
    let mut denied = req;
    denied.action = "kms:Decrypt";
    assert_eq!(evaluate(&denied).effect(), EvalDecision::ImplicitDeny);
    c.bench_function("decision/10-statement identity set (implicit deny)", |bn| {
        bn.iter(|| black_box(evaluate(black_box(&denied)).effect()))
    });

    let text = read_only_text();
    c.bench_function("parse/ReadOnlyAccess-sized policy (4000 patterns)", |bn| {
        bn.iter(|| black_box(Policy::parse(black_box(&text), PolicyKind::ManagedIdentity).is_ok()))
    });
    let ro = Policy::parse(&text, PolicyKind::ManagedIdentity).expect("valid");
    let ro_refs = [PolicyRef::new("arn:aws:iam::aws:policy/ReadOnlyAccess", PolicySource::AwsManaged, &ro)];
    let session =
        Principal::assumed_role("arn:aws:iam::222222222222:role/external-role", "s", Some("AROAEXTERNALEXAMPL1"));
    let sctx = Context::new().with_principal(&session);
    let mut ro_req = Request::new(&session, "service399:SearchThings", "*", &sctx);
    ro_req.identity_policies = &ro_refs;
    assert_eq!(evaluate(&ro_req).effect(), EvalDecision::Allow);
    c.bench_function("decision/ReadOnlyAccess-sized policy (match in the last service)", |bn| {
        bn.iter(|| black_box(evaluate(black_box(&ro_req)).effect()))
    });
    let mut ro_miss = ro_req;
    ro_miss.action = "service200:PutThing";
    assert_eq!(evaluate(&ro_miss).effect(), EvalDecision::ImplicitDeny);
    c.bench_function("decision/ReadOnlyAccess-sized policy (no match)", |bn| {
        bn.iter(|| black_box(evaluate(black_box(&ro_miss)).effect()))
    });

    let trust = Policy::parse(
        r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111111111111:role/CrossAccountBedrockInvokerRole"},
            "Action":"sts:AssumeRole","Condition":{"StringEquals":{"sts:ExternalId":"arn:aws:states:ap-northeast-1:111111111111:stateMachine:Operator"}}}]}"#,
        PolicyKind::RoleTrust,
    )
    .expect("valid");
    let exec_policy = Policy::parse(
        r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"sts:AssumeRole","Resource":"arn:aws:iam::222222222222:role/CrossAccountBedrockExecutionRole"},
            {"Effect":"Allow","Action":["logs:*","xray:PutTraceSegments"],"Resource":"*"}]}"#,
        PolicyKind::Identity,
    )
    .expect("valid");
    let boundary = Policy::parse(
        r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["sts:AssumeRole","logs:*","bedrock:*"],"Resource":"*"}]}"#,
        PolicyKind::PermissionsBoundary,
    )
    .expect("valid");
    let exec = Principal::assumed_role(
        "arn:aws:iam::111111111111:role/CrossAccountBedrockInvokerRole",
        "exec-1",
        Some("AROASFNEXECEXAMPLE1"),
    );
    let xctx = Context::new()
        .with_principal(&exec)
        .with("sts:ExternalId", "arn:aws:states:ap-northeast-1:111111111111:stateMachine:Operator");
    let exec_refs = [PolicyRef::new("AssumeBedrockRole", PolicySource::InlineRole, &exec_policy)];
    let mut x =
        Request::new(&exec, "sts:AssumeRole", "arn:aws:iam::222222222222:role/CrossAccountBedrockExecutionRole", &xctx);
    x.resource_account = Some("222222222222");
    x.identity_policies = &exec_refs;
    x.permissions_boundary = Some(PolicyRef::new("Boundary", PolicySource::PermissionsBoundary, &boundary));
    x.resource_policy = Some(PolicyRef::new("CrossAccountBedrockExecutionRole", PolicySource::RoleTrust, &trust));
    assert_eq!(evaluate(&x).effect(), EvalDecision::Allow);
    c.bench_function("decision/cross-account AssumeRole (trust + identity + boundary)", |bn| {
        bn.iter(|| black_box(evaluate(black_box(&x)).effect()))
    });
    c.bench_function("explain/cross-account AssumeRole", |bn| {
        bn.iter(|| black_box(evaluate(black_box(&x)).explain().len()))
    });
}

criterion_group!(benches, bench);
criterion_main!(benches);
