//! Runs the decision corpus in tests/corpus/*.json: cases transcribed from AWS documentation, each with its source.
//! Every case gives policies, a request, the expected decision and, where AWS documents it, the exact message.

use std::collections::BTreeMap;
use std::path::Path;

use sekisho_policy::*;
use serde_json::Value;

struct CorpusPolicy {
    id: String,
    source: PolicySource,
    policy: Policy,
}

fn kind_of(name: &str) -> PolicyKind {
    match name {
        "Identity" => PolicyKind::Identity,
        "ManagedIdentity" => PolicyKind::ManagedIdentity,
        "Resource" => PolicyKind::Resource,
        "RoleTrust" => PolicyKind::RoleTrust,
        "Scp" => PolicyKind::Scp,
        "Rcp" => PolicyKind::Rcp,
        "PermissionsBoundary" => PolicyKind::PermissionsBoundary,
        "Session" => PolicyKind::Session,
        "VpcEndpoint" => PolicyKind::VpcEndpoint,
        other => panic!("unknown policy kind {other}"),
    }
}

fn source_of(name: &str) -> PolicySource {
    match name {
        "InlineUser" => PolicySource::InlineUser,
        "InlineGroup" => PolicySource::InlineGroup,
        "InlineRole" => PolicySource::InlineRole,
        "Managed" => PolicySource::Managed,
        "AwsManaged" => PolicySource::AwsManaged,
        "PermissionsBoundary" => PolicySource::PermissionsBoundary,
        "Session" => PolicySource::Session,
        "ResourceBased" => PolicySource::ResourceBased,
        "RoleTrust" => PolicySource::RoleTrust,
        "Scp" => PolicySource::Scp,
        "Rcp" => PolicySource::Rcp,
        "VpcEndpoint" => PolicySource::VpcEndpoint,
        other => panic!("unknown policy source {other}"),
    }
}

fn default_source(kind: PolicyKind) -> PolicySource {
    match kind {
        PolicyKind::Identity => PolicySource::InlineUser,
        PolicyKind::ManagedIdentity => PolicySource::Managed,
        PolicyKind::Resource => PolicySource::ResourceBased,
        PolicyKind::RoleTrust => PolicySource::RoleTrust,
        PolicyKind::Scp => PolicySource::Scp,
        PolicyKind::Rcp => PolicySource::Rcp,
        PolicyKind::PermissionsBoundary => PolicySource::PermissionsBoundary,
        PolicyKind::Session => PolicySource::Session,
        PolicyKind::VpcEndpoint => PolicySource::VpcEndpoint,
    }
}

fn document_text(v: &Value) -> String {
    match v.get("text") {
        Some(Value::String(t)) => t.clone(),
        _ => serde_json::to_string_pretty(&v["document"]).expect("document serializes"),
    }
}

fn str_field<'v>(v: &'v Value, key: &str) -> Option<&'v str> {
    v.get(key).and_then(Value::as_str)
}

fn principal_of(v: &Value, named: &BTreeMap<String, Value>) -> Principal {
    if let Some(name) = v.as_str() {
        let spec = named.get(name).unwrap_or_else(|| panic!("unknown principal {name}"));
        return principal_of(spec, named);
    }
    let id = str_field(v, "id");
    let mut p = if let Some(arn) = str_field(v, "user") {
        Principal::user(arn, id)
    } else if let Some(arn) = str_field(v, "role") {
        Principal::assumed_role(arn, str_field(v, "session").unwrap_or("session"), id)
    } else if let Some(account) = str_field(v, "root") {
        Principal::root(account)
    } else if let Some(service) = str_field(v, "service") {
        Principal::service(service)
    } else if let Some(name) = str_field(v, "federated_user") {
        Principal::federated_user(str_field(v, "account").unwrap_or("111122223333"), name, str_field(v, "by"))
    } else if let Some(provider) = str_field(v, "web_identity") {
        Principal::web_identity(provider)
    } else if v.get("anonymous").is_some() {
        Principal::anonymous()
    } else {
        panic!("cannot read principal {v}")
    };
    // Some documented messages show an illustrative caller ARN that differs from the session's real one.
    if let Some(arn) = str_field(v, "arn") {
        p.arn = arn.to_string();
    }
    p
}

fn context_of(v: Option<&Value>, principal: &Principal, principal_keys: bool) -> Context {
    let mut c = Context::new();
    if principal_keys {
        c.insert_principal_keys(principal);
    }
    if let Some(Value::Object(m)) = v {
        for (k, val) in m {
            match val {
                Value::Array(items) => {
                    c.insert_values(k, items.iter().map(|i| i.as_str().unwrap_or_default().to_string()))
                }
                Value::Null => c.remove(k),
                other => c.insert(k, other.as_str().map(str::to_string).unwrap_or_else(|| other.to_string())),
            }
        }
    }
    c
}

fn names(v: Option<&Value>) -> Vec<String> {
    match v {
        Some(Value::String(s)) => vec![s.clone()],
        Some(Value::Array(items)) => items.iter().filter_map(|i| i.as_str().map(str::to_string)).collect(),
        _ => Vec::new(),
    }
}

struct Outcome {
    cases: usize,
    parse_cases: usize,
    failures: Vec<String>,
}

fn run_file(path: &Path, out: &mut Outcome) {
    let text = std::fs::read_to_string(path).expect("corpus file readable");
    let file: Value = serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let file_name = path.file_name().and_then(|f| f.to_str()).unwrap_or("?").to_string();
    let file_source = str_field(&file, "source");

    let mut policies: BTreeMap<String, CorpusPolicy> = BTreeMap::new();
    if let Some(Value::Object(m)) = file.get("policies") {
        for (name, spec) in m {
            let kind = kind_of(str_field(spec, "kind").unwrap_or("Identity"));
            let source = str_field(spec, "source").map(source_of).unwrap_or(default_source(kind));
            let policy = Policy::parse(&document_text(spec), kind)
                .unwrap_or_else(|e| panic!("{file_name}: policy {name} does not parse: {}", e.message()));
            let id = str_field(spec, "id").unwrap_or(name).to_string();
            policies.insert(name.clone(), CorpusPolicy { id, source, policy });
        }
    }
    let named: BTreeMap<String, Value> = match file.get("principals") {
        Some(Value::Object(m)) => m.iter().map(|(k, v)| (k.clone(), v.clone())).collect(),
        _ => BTreeMap::new(),
    };
    let refs = |list: &[String]| -> Vec<PolicyRef<'_>> {
        list.iter()
            .map(|n| {
                let p = policies.get(n).unwrap_or_else(|| panic!("{file_name}: unknown policy {n}"));
                PolicyRef::new(&p.id, p.source, &p.policy)
            })
            .collect()
    };

    for case in file.get("cases").and_then(Value::as_array).into_iter().flatten() {
        out.cases += 1;
        let name = str_field(case, "name").unwrap_or("?");
        let label = format!("{file_name}: {name}");
        assert!(
            str_field(case, "source").or(file_source).is_some_and(|s| s.starts_with("https://")),
            "{label}: every case needs a source URL"
        );
        let principal = principal_of(case.get("principal").unwrap_or(&Value::Null), &named);
        let principal_keys = case.get("principal_keys").and_then(Value::as_bool).unwrap_or(true);
        let context = context_of(case.get("context"), &principal, principal_keys);
        let identity = refs(&names(case.get("identity")));
        let session_names = names(case.get("session"));
        let session = refs(&session_names);
        let scp_levels: Vec<Vec<PolicyRef<'_>>> = case
            .get("scps")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .map(|lvl| refs(&names(Some(lvl))))
            .collect();
        let rcp_levels: Vec<Vec<PolicyRef<'_>>> = case
            .get("rcps")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .map(|lvl| refs(&names(Some(lvl))))
            .collect();
        let one = |key: &str| names(case.get(key)).first().map(|n| refs(std::slice::from_ref(n))[0]);
        let req = Request {
            principal: &principal,
            action: str_field(case, "action").unwrap_or_else(|| panic!("{label}: action missing")),
            resource: str_field(case, "resource").unwrap_or("*"),
            resource_account: str_field(case, "resource_account"),
            context: &context,
            identity_policies: &identity,
            permissions_boundary: one("boundary"),
            session_policies: if case.get("session").is_some() { Some(&session) } else { None },
            scps: &scp_levels,
            resource_policy: one("resource_policy"),
            rcps: &rcp_levels,
            vpc_endpoint_policy: one("vpce"),
        };
        let d = evaluate(&req);
        let expect = str_field(case, "expect").unwrap_or_else(|| panic!("{label}: expect missing"));
        let got = format!("{:?}", d.effect());
        if got != expect {
            out.failures.push(format!("{label}: expected {expect}, got {got}\n{}", d.explain()));
            continue;
        }
        if let Some(by) = str_field(case, "denied_by") {
            let got_by = d.denied_by().map(|t| format!("{t:?}")).unwrap_or_default();
            if got_by != by {
                out.failures.push(format!("{label}: expected denial by {by}, got {got_by:?}\n{}", d.explain()));
                continue;
            }
        }
        if let Some(expected) = str_field(case, "message") {
            let style = match str_field(case, "message_style") {
                Some("AssumeRole") => MessageStyle::AssumeRole,
                _ => MessageStyle::Generic,
            };
            let m = access_denied_message(&req, &d, style);
            if m != expected {
                out.failures.push(format!("{label}: message\n  expected: {expected}\n  got:      {m}"));
            }
        }
        if let Some(sids) = case.get("matched").and_then(Value::as_array) {
            let got: Vec<String> = d.matched_statements().iter().map(|r| r.statement.label()).collect();
            let want: Vec<String> = sids.iter().filter_map(|s| s.as_str().map(str::to_string)).collect();
            if got != want {
                out.failures.push(format!("{label}: matched statements {got:?}, expected {want:?}"));
            }
        }
        if let Some(keys) = case.get("missing").and_then(Value::as_array) {
            let got = d.missing_context_values();
            let want: Vec<String> = keys.iter().filter_map(|s| s.as_str().map(str::to_string)).collect();
            if got != want {
                out.failures.push(format!("{label}: missing context values {got:?}, expected {want:?}"));
            }
        }
    }

    for case in file.get("parse_cases").and_then(Value::as_array).into_iter().flatten() {
        out.parse_cases += 1;
        let name = str_field(case, "name").unwrap_or("?");
        let label = format!("{file_name}: {name}");
        assert!(
            str_field(case, "source").or(file_source).is_some_and(|s| s.starts_with("https://")),
            "{label}: every case needs a source URL"
        );
        let kind = kind_of(str_field(case, "kind").unwrap_or("ManagedIdentity"));
        let result = Policy::parse(&document_text(case), kind);
        let want = case.get("error").and_then(Value::as_str);
        match (result, want) {
            (Ok(_), None) => {}
            (Err(e), Some(w)) if e.message() == w && e.code() == "MalformedPolicyDocument" => {}
            (Ok(_), Some(w)) => out.failures.push(format!("{label}: parsed, expected error {w:?}")),
            (Err(e), w) => out.failures.push(format!("{label}: error {:?}, expected {w:?}", e.message())),
        }
    }
}

#[test]
fn corpus() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/corpus");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .expect("corpus directory")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    files.sort();
    let mut out = Outcome { cases: 0, parse_cases: 0, failures: Vec::new() };
    for f in &files {
        run_file(f, &mut out);
    }
    println!("corpus: {} decision cases, {} parse cases in {} files", out.cases, out.parse_cases, files.len());
    assert!(out.failures.is_empty(), "{} corpus failures:\n\n{}", out.failures.len(), out.failures.join("\n\n"));
    assert!(out.cases >= 300, "the corpus must hold at least 300 decision cases, has {}", out.cases);
}
