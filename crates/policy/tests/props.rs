//! Properties that must hold for any input: the parser never panics, evaluation is deterministic, and
//! adding a Deny statement or removing an Allow statement never turns a denial into an Allow.

use proptest::prelude::*;
use sekisho_policy::*;

const KINDS: [PolicyKind; 9] = [
    PolicyKind::Identity,
    PolicyKind::ManagedIdentity,
    PolicyKind::Resource,
    PolicyKind::RoleTrust,
    PolicyKind::Scp,
    PolicyKind::Rcp,
    PolicyKind::PermissionsBoundary,
    PolicyKind::Session,
    PolicyKind::VpcEndpoint,
];

/// JSON values built from the words policies use, so that generated documents reach deep into the parser.
fn json_value() -> impl Strategy<Value = String> {
    let words = prop::sample::select(vec![
        "Version",
        "2012-10-17",
        "2008-10-17",
        "Statement",
        "Effect",
        "Allow",
        "Deny",
        "Action",
        "NotAction",
        "Resource",
        "NotResource",
        "Principal",
        "NotPrincipal",
        "AWS",
        "Service",
        "Condition",
        "StringEquals",
        "ForAnyValue:StringLike",
        "DateGreaterThan",
        "IpAddress",
        "Null",
        "*",
        "s3:*",
        "s3:Get*",
        "arn:aws:s3:::b/*",
        "arn:aws",
        "a:b",
        "${aws:username}",
        "111122223333",
        "arn:aws:iam::111122223333:role/R",
        "Sid",
        "x",
        "",
        "2020-01-01T00:00:00Z",
        "10.0.0.0/8",
        "true",
    ]);
    let leaf = prop_oneof![
        words.prop_map(|w| format!("\"{w}\"")),
        Just("true".to_string()),
        Just("null".to_string()),
        (-1000i64..1000).prop_map(|n| n.to_string()),
    ];
    leaf.prop_recursive(5, 64, 6, move |inner| {
        let key = prop::sample::select(vec![
            "Version",
            "Statement",
            "Effect",
            "Action",
            "NotAction",
            "Resource",
            "NotResource",
            "Principal",
            "NotPrincipal",
            "Condition",
            "Sid",
            "Id",
            "AWS",
            "Service",
            "StringEquals",
            "ArnLike",
            "BoolIfExists",
            "aws:SourceIp",
            "k",
        ]);
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(|v| format!("[{}]", v.join(","))),
            prop::collection::vec((key, inner), 0..5).prop_map(|members| {
                let body: Vec<String> = members.into_iter().map(|(k, v)| format!("\"{k}\":{v}")).collect();
                format!("{{{}}}", body.join(","))
            }),
        ]
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn parser_never_panics_on_bytes(bytes in prop::collection::vec(any::<u8>(), 0..300)) {
        let text = String::from_utf8_lossy(&bytes);
        for kind in KINDS {
            let _ = Policy::parse(&text, kind);
        }
    }

    #[test]
    fn parser_never_panics_on_policy_shaped_json(doc in json_value()) {
        for kind in KINDS {
            if let Ok(p) = Policy::parse(&doc, kind) {
                // A parsed policy can always be evaluated and explained.
                let who = Principal::user("arn:aws:iam::111122223333:user/u", None);
                let ctx = Context::new();
                let refs = [PolicyRef::new("p", PolicySource::InlineUser, &p)];
                let mut req = Request::new(&who, "s3:GetObject", "arn:aws:s3:::b/k", &ctx);
                req.identity_policies = &refs;
                let _ = evaluate(&req).explain();
            }
        }
    }
}

#[derive(Debug, Clone)]
struct Stmt {
    allow: bool,
    actions: Vec<&'static str>,
    resources: Vec<&'static str>,
    principal: Option<&'static str>,
    condition: Option<&'static str>,
}

impl Stmt {
    fn json(&self) -> String {
        let list = |v: &[&str]| v.iter().map(|s| format!("\"{s}\"")).collect::<Vec<_>>().join(",");
        let mut s = format!(
            "{{\"Effect\":\"{}\",\"Action\":[{}],\"Resource\":[{}]",
            if self.allow { "Allow" } else { "Deny" },
            list(&self.actions),
            list(&self.resources)
        );
        if let Some(p) = self.principal {
            s.push_str(",\"Principal\":");
            s.push_str(p);
        }
        if let Some(c) = self.condition {
            s.push_str(",\"Condition\":");
            s.push_str(c);
        }
        s.push('}');
        s
    }
}

fn document(statements: &[Stmt]) -> String {
    let body: Vec<String> = statements.iter().map(Stmt::json).collect();
    format!("{{\"Version\":\"2012-10-17\",\"Statement\":[{}]}}", body.join(","))
}

/// A statement that never matches anything: what an emptied policy becomes (a boundary or session policy
/// without statements still exists and allows nothing).
fn nothing(principal: Option<&'static str>) -> Stmt {
    Stmt { allow: true, actions: vec!["none:None"], resources: vec!["*"], principal, condition: None }
}

fn stmt(with_principal: bool) -> impl Strategy<Value = Stmt> {
    let actions = prop::collection::vec(
        prop::sample::select(vec![
            "s3:GetObject",
            "s3:PutObject",
            "s3:*",
            "s3:Get*",
            "iam:*",
            "*",
            "ec2:RunInstances",
            "sts:AssumeRole",
        ]),
        1..3,
    );
    let resources = prop::collection::vec(
        prop::sample::select(vec![
            "*",
            "arn:aws:s3:::bucket/*",
            "arn:aws:s3:::bucket/key",
            "arn:aws:s3:::other/*",
            "arn:aws:iam::111122223333:role/R",
            "arn:aws:s3:::bucket/${aws:username}",
        ]),
        1..3,
    );
    let principal = prop::sample::select(vec![
        "\"*\"",
        "{\"AWS\":\"111122223333\"}",
        "{\"AWS\":\"arn:aws:iam::111122223333:role/R\"}",
        "{\"AWS\":\"arn:aws:sts::111122223333:assumed-role/R/s\"}",
        "{\"AWS\":\"arn:aws:iam::111122223333:user/u\"}",
        "{\"AWS\":\"444455556666\"}",
        "{\"Service\":\"states.amazonaws.com\"}",
    ]);
    let condition = prop::option::of(prop::sample::select(vec![
        "{\"StringEquals\":{\"aws:PrincipalTag/team\":\"red\"}}",
        "{\"StringNotEquals\":{\"aws:PrincipalTag/team\":\"red\"}}",
        "{\"Bool\":{\"aws:SecureTransport\":\"false\"}}",
        "{\"IpAddress\":{\"aws:SourceIp\":\"203.0.113.0/24\"}}",
        "{\"ForAllValues:StringEquals\":{\"aws:TagKeys\":[\"a\"]}}",
        "{\"Null\":{\"aws:TokenIssueTime\":\"true\"}}",
        "{\"StringLikeIfExists\":{\"s3:prefix\":\"home/*\"}}",
    ]));
    (any::<bool>(), actions, resources, principal, condition).prop_map(
        move |(allow, actions, resources, p, condition)| Stmt {
            allow,
            actions,
            resources,
            principal: with_principal.then_some(p),
            condition,
        },
    )
}

#[derive(Debug, Clone)]
struct Scenario {
    identity: Vec<Vec<Stmt>>,
    boundary: Option<Vec<Stmt>>,
    session: Option<Vec<Stmt>>,
    resource: Option<(Vec<Stmt>, bool)>,
    scps: Vec<Vec<Stmt>>,
    vpce: Option<Vec<Stmt>>,
    caller: usize,
    action: &'static str,
    target: &'static str,
    owner: Option<&'static str>,
    keys: Vec<(&'static str, &'static str)>,
}

fn scenario() -> impl Strategy<Value = Scenario> {
    let policy = |p: bool| prop::collection::vec(stmt(p), 1..4);
    (
        prop::collection::vec(policy(false), 0..3),
        prop::option::of(policy(false)),
        prop::option::of(policy(false)),
        prop::option::of((policy(true), any::<bool>())),
        prop::collection::vec(policy(false), 0..3),
        prop::option::of(policy(true)),
        0usize..5,
        prop::sample::select(vec![
            "s3:GetObject",
            "s3:PutObject",
            "ec2:RunInstances",
            "iam:CreateUser",
            "sts:AssumeRole",
        ]),
        prop::sample::select(vec![
            "arn:aws:s3:::bucket/key",
            "arn:aws:s3:::other/x",
            "*",
            "arn:aws:iam::111122223333:role/R",
        ]),
        prop::sample::select(vec![None, Some("111122223333"), Some("444455556666")]),
        prop::sample::subsequence(
            vec![
                ("aws:PrincipalTag/team", "red"),
                ("aws:SecureTransport", "false"),
                ("aws:SourceIp", "203.0.113.9"),
                ("aws:TokenIssueTime", "2024-01-01T00:00:00Z"),
                ("s3:prefix", "home/x"),
            ],
            0..5,
        ),
    )
        .prop_map(|(identity, boundary, session, resource, scps, vpce, caller, action, target, owner, keys)| {
            Scenario { identity, boundary, session, resource, scps, vpce, caller, action, target, owner, keys }
        })
}

fn caller(i: usize) -> Principal {
    match i {
        0 => Principal::user("arn:aws:iam::111122223333:user/u", Some("AIDAUEXAMPLE0000001")),
        1 => Principal::assumed_role("arn:aws:iam::111122223333:role/R", "s", Some("AROAREXAMPLE0000001")),
        2 => Principal::root("111122223333"),
        3 => Principal::user("arn:aws:iam::444455556666:user/x", Some("AIDAXEXAMPLE0000001")),
        _ => Principal::service("states.amazonaws.com"),
    }
}

struct Parsed {
    identity: Vec<Policy>,
    boundary: Option<Policy>,
    session: Option<Policy>,
    resource: Option<(Policy, bool)>,
    scps: Vec<Policy>,
    vpce: Option<Policy>,
}

fn parse(s: &Scenario) -> Parsed {
    let p = |stmts: &[Stmt], kind| Policy::parse(&document(stmts), kind).expect("generated policies are valid");
    Parsed {
        identity: s.identity.iter().map(|st| p(st, PolicyKind::Identity)).collect(),
        boundary: s.boundary.as_ref().map(|st| p(st, PolicyKind::PermissionsBoundary)),
        session: s.session.as_ref().map(|st| p(st, PolicyKind::Session)),
        resource: s.resource.as_ref().map(|(st, trust)| (p(st, PolicyKind::Resource), *trust)),
        scps: s.scps.iter().map(|st| p(st, PolicyKind::Scp)).collect(),
        vpce: s.vpce.as_ref().map(|st| p(st, PolicyKind::VpcEndpoint)),
    }
}

/// Evaluates a scenario and returns (effect, denied_by, explanation).
fn decide(s: &Scenario) -> (EvalDecision, Option<PolicyType>, String) {
    let parsed = parse(s);
    let who = caller(s.caller);
    let mut ctx = Context::new().with_principal(&who);
    for (k, v) in &s.keys {
        ctx.insert(k, *v);
    }
    let identity: Vec<PolicyRef<'_>> =
        parsed.identity.iter().map(|p| PolicyRef::new("id", PolicySource::InlineUser, p)).collect();
    let session: Vec<PolicyRef<'_>> =
        parsed.session.iter().map(|p| PolicyRef::new("sess", PolicySource::Session, p)).collect();
    let scps: Vec<Vec<PolicyRef<'_>>> =
        parsed.scps.iter().map(|p| vec![PolicyRef::new("scp", PolicySource::Scp, p)]).collect();
    let mut req = Request::new(&who, s.action, s.target, &ctx);
    req.resource_account = s.owner;
    req.identity_policies = &identity;
    req.permissions_boundary =
        parsed.boundary.as_ref().map(|p| PolicyRef::new("pb", PolicySource::PermissionsBoundary, p));
    req.session_policies = parsed.session.as_ref().map(|_| session.as_slice());
    req.scps = &scps;
    req.resource_policy = parsed.resource.as_ref().map(|(p, trust)| {
        PolicyRef::new("rbp", if *trust { PolicySource::RoleTrust } else { PolicySource::ResourceBased }, p)
    });
    req.vpc_endpoint_policy = parsed.vpce.as_ref().map(|p| PolicyRef::new("vpce", PolicySource::VpcEndpoint, p));
    let d = evaluate(&req);
    (d.effect(), d.denied_by(), d.explain())
}

/// Every statement list of the scenario, addressed by index, so that a test can edit one.
fn lists(s: &mut Scenario) -> Vec<&mut Vec<Stmt>> {
    let mut out: Vec<&mut Vec<Stmt>> = Vec::new();
    out.extend(s.identity.iter_mut());
    out.extend(s.boundary.iter_mut());
    out.extend(s.session.iter_mut());
    out.extend(s.resource.iter_mut().map(|(st, _)| st));
    out.extend(s.scps.iter_mut());
    out.extend(s.vpce.iter_mut());
    out
}

proptest! {
    // Many generated scenarios are already allowed and are skipped, hence the generous reject budget.
    #![proptest_config(ProptestConfig { cases: 1000, max_global_rejects: 1_000_000, ..ProptestConfig::default() })]

    #[test]
    fn evaluation_is_deterministic(s in scenario()) {
        prop_assert_eq!(decide(&s), decide(&s));
    }

    #[test]
    fn adding_a_deny_never_allows(s in scenario(), which in any::<prop::sample::Index>(), extra in stmt(true)) {
        let before = decide(&s).0;
        prop_assume!(before != EvalDecision::Allow);
        let mut changed = s.clone();
        let mut targets = lists(&mut changed);
        prop_assume!(!targets.is_empty());
        let i = which.index(targets.len());
        let needs_principal = targets[i].iter().any(|st| st.principal.is_some());
        let deny = Stmt { allow: false, principal: if needs_principal { extra.principal.or(Some("\"*\"")) } else { None }, ..extra };
        targets[i].push(deny);
        let after = decide(&changed);
        prop_assert_ne!(after.0, EvalDecision::Allow, "a Deny turned a denial into an Allow:\n{}", after.2);
    }

    #[test]
    fn removing_an_allow_never_allows(s in scenario(), which in any::<prop::sample::Index>(), pick in any::<prop::sample::Index>()) {
        let before = decide(&s).0;
        prop_assume!(before != EvalDecision::Allow);
        let mut changed = s.clone();
        let mut targets = lists(&mut changed);
        prop_assume!(!targets.is_empty());
        let i = which.index(targets.len());
        let allows: Vec<usize> = targets[i].iter().enumerate().filter(|(_, st)| st.allow).map(|(j, _)| j).collect();
        prop_assume!(!allows.is_empty());
        let j = allows[pick.index(allows.len())];
        let principal = targets[i][j].principal;
        targets[i].remove(j);
        if targets[i].is_empty() {
            targets[i].push(nothing(principal));
        }
        let after = decide(&changed);
        prop_assert_ne!(after.0, EvalDecision::Allow, "removing an Allow turned a denial into an Allow:\n{}", after.2);
    }
}

/// A policy that reads every key below with every operator family.
const ALL_OPERATORS: &str = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"arn:aws:s3:::b/${aws:username}/*",
  "Condition":{"StringLike":{"k":"a*${aws:username}?"},"StringEqualsIgnoreCase":{"k":"ÀB"},"NumericLessThan":{"k":"1e3"},
  "DateGreaterThan":{"k":"2020-01-01T00:00:00+05:30"},"Bool":{"k":"${aws:username}"},"BinaryEquals":{"k":"QQ=="},
  "IpAddress":{"k":["10.0.0.0/8","::/0"]},"ArnLike":{"k":"arn:aws:*:*:${aws:username}:x/*"},"Null":{"k":"false"},
  "ForAllValues:NumericGreaterThanEquals":{"k":"0"},"ForAnyValue:DateLessThanIfExists":{"k":"1700000000"}}}]}"#;

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn conditions_never_panic_on_request_values(values in prop::collection::vec(".*", 0..4), user in ".*", resource in ".*") {
        let p = Policy::parse(ALL_OPERATORS, PolicyKind::Identity).expect("valid policy");
        let who = Principal::user("arn:aws:iam::111122223333:user/u", None);
        let ctx = Context::new().with_values("k", values).with("aws:username", user);
        let refs = [PolicyRef::new("p", PolicySource::InlineUser, &p)];
        let mut req = Request::new(&who, "s3:GetObject", &resource, &ctx);
        req.identity_policies = &refs;
        let d = evaluate(&req);
        let _ = d.explain();
        let _ = d.missing_context_values();
        let _ = access_denied_message(&req, &d, MessageStyle::Generic);
    }
}
