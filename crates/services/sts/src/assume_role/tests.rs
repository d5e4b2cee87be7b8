use super::*;
use sekisho_core::config::Config;
use sekisho_core::credentials::CredentialRecord;
use sekisho_core::identity::store::{DocKind, PolicyDoc, Role};

const A: &str = "111111111111";
const B: &str = "222222222222";

fn world() -> World {
    World::new(Config::default())
}

fn root(account: &str) -> Caller {
    Caller::new(Identity::Root { account: account.into() })
}

fn user(account: &str) -> Caller {
    Caller::new(Identity::User {
        account: account.into(),
        name: "alice".into(),
        path: "/".into(),
        id: "AIDAEXAMPLEALICE001".into(),
    })
}

fn add_role(world: &World, account: &str, name: &str, max: i64) {
    let trust = PolicyDoc::parse(
        &format!(
            r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Principal":{{"AWS":"arn:aws:iam::{A}:root"}},"Action":"sts:AssumeRole"}}]}}"#
        ),
        DocKind::Trust,
    )
    .unwrap();
    world.write().account_mut(account, 0).iam.roles.insert(
        name.to_ascii_lowercase(),
        Role {
            name: name.into(),
            path: "/".into(),
            id: "AROAEXAMPLEROLEID01".into(),
            create_date_ms: 0,
            trust_policy: trust,
            description: None,
            max_session_duration: max,
            inline_policies: Default::default(),
            attached_policies: vec![],
            permissions_boundary: None,
            tags: vec![],
            last_used_ms: None,
            last_used_region: None,
        },
    );
}

fn session(chained_by: Option<&str>) -> Caller {
    let s = RoleSession {
        account: A.into(),
        role_name: "lambda-role".into(),
        role_path: "/".into(),
        role_id: "AROAEXAMPLELAMBDA01".into(),
        session_name: "fn".into(),
        issued_ms: 0,
        expires_ms: i64::MAX,
        session_policy: None,
        session_policy_arns: vec![],
        has_session_policies: false,
        tags: vec![SessionTag { key: "team".into(), value: "a".into(), transitive: true }],
        source_identity: Some("alice".into()),
        chained: false,
        assumed_by_service: chained_by.map(str::to_string),
    };
    let mut c = Caller::new(Identity::RoleSession(Arc::new(s)));
    c.access_key_id = Some("ASIAEXAMPLE".into());
    c
}

fn ctx(world: World, caller: Caller) -> OpContext {
    let world = Arc::new(world);
    let door = sekisho_core::Door::builder(world.clone()).build();
    OpContext { request_id: "r".into(), caller, region: "us-east-1".into(), door, world }
}

fn req<'a>(world: &'a World, caller: &'a Caller, input: &'a Value) -> AuthzRequest<'a> {
    AuthzRequest { operation: "AssumeRole", input, caller, region: "us-east-1", world }
}

#[test]
fn role_arns_are_parsed_or_refused_with_the_value() {
    assert_eq!(parse_role_arn("arn:aws:iam::222222222222:role/app/r").unwrap(), (B.into(), "/app/".into(), "r".into()));
    let err = parse_role_arn("arn:aws:iam::2222:role/r").unwrap_err();
    assert_eq!((err.code.as_str(), err.message.as_str()), ("ValidationError", "arn:aws:iam::2222:role/r is invalid"));
    assert!(parse_role_arn("arn:aws:iam::222222222222:user/r").is_err());
    assert!(parse_role_arn("arn:aws:iam::222222222222:role/").is_err());
}

#[test]
fn assume_role_checks_the_trust_policy_with_sts_condition_keys() {
    let w = world();
    let caller = user(A);
    let input = json!({"RoleArn": "arn:aws:iam::222222222222:role/external-role", "RoleSessionName": "s",
                       "ExternalId": "ext-1", "SourceIdentity": "alice",
                       "Tags": [{"Key": "team", "Value": "a"}], "TransitiveTagKeys": ["team"]});
    let checks = authorize(&req(&w, &caller, &input)).unwrap();
    let actions: Vec<&str> = checks.iter().map(|c| c.action.as_str()).collect();
    assert_eq!(actions, ["sts:AssumeRole", "sts:TagSession", "sts:SetSourceIdentity"]);
    let assume = &checks[0];
    assert_eq!(assume.resource, "arn:aws:iam::222222222222:role/external-role");
    assert_eq!(assume.style, DenyStyle::AssumeRole);
    match &assume.resource_policy {
        Some(ResourcePolicy::RoleTrust { account, role_name }) => {
            assert_eq!((account.as_str(), role_name.as_str()), (B, "external-role"))
        }
        other => panic!("expected the role's trust policy, got {other:?}"),
    }
    let ctx_of = |c: &Check, k: &str| c.context.iter().find(|(key, _)| key == k).map(|(_, v)| v.clone());
    assert_eq!(ctx_of(assume, "sts:ExternalId"), Some(vec!["ext-1".to_string()]));
    assert_eq!(ctx_of(assume, "sts:RoleSessionName"), Some(vec!["s".to_string()]));
    assert_eq!(ctx_of(assume, "sts:SourceIdentity"), Some(vec!["alice".to_string()]));
    assert_eq!(ctx_of(assume, "aws:RequestTag/team"), Some(vec!["a".to_string()]));
    assert_eq!(ctx_of(&checks[1], "aws:TagKeys"), Some(vec!["team".to_string()]));
    assert_eq!(ctx_of(&checks[1], "sts:TransitiveTagKeys"), Some(vec!["team".to_string()]));
    assert!(matches!(checks[2].resource_policy, Some(ResourcePolicy::RoleTrust { .. })));
}

#[test]
fn chained_sessions_are_capped_at_one_hour_before_authorization() {
    let w = world();
    let caller = session(Some("lambda.amazonaws.com"));
    let long = json!({"RoleArn": "arn:aws:iam::222222222222:role/external-role", "RoleSessionName": "s", "DurationSeconds": 3601});
    let err = authorize(&req(&w, &caller, &long)).unwrap_err();
    assert_eq!(
        err.message,
        "The requested DurationSeconds exceeds the 1 hour session limit for roles assumed by role chaining."
    );
    let hour = json!({"RoleArn": "arn:aws:iam::222222222222:role/external-role", "RoleSessionName": "s", "DurationSeconds": 3600});
    assert!(authorize(&req(&w, &caller, &hour)).is_ok());
    // EC2 instance-profile credentials are not role chaining.
    let ec2 = session(Some("ec2.amazonaws.com"));
    assert!(authorize(&req(&w, &ec2, &long)).is_ok());
    // Neither is an IAM user's long-term key.
    assert!(authorize(&req(&w, &user(A), &long)).is_ok());
}

#[test]
fn the_root_user_may_not_assume_roles() {
    let w = world();
    let input = json!({"RoleArn": "arn:aws:iam::222222222222:role/external-role", "RoleSessionName": "s"});
    let err = authorize(&req(&w, &root(A), &input)).unwrap_err();
    assert_eq!(
        (err.code.as_str(), err.status, err.message.as_str()),
        ("AccessDenied", 403, "Roles may not be assumed by root accounts.")
    );
}

#[test]
fn get_session_token_credentials_count_as_chaining() {
    let w = world();
    w.write().credentials.insert(
        "ASIATOKEN".into(),
        CredentialRecord {
            secret: "s".into(),
            session_token: Some("t".into()),
            identity: Identity::Root { account: A.into() },
            expires_ms: Some(i64::MAX),
            active: true,
            session_grant: None,
            mfa_auth_ms: None,
        },
        0,
    );
    let mut caller = root(A);
    caller.access_key_id = Some("ASIATOKEN".into());
    assert!(is_chained(&w, &caller));
    caller.access_key_id = Some(A.into());
    assert!(!is_chained(&w, &caller));
}

#[test]
fn a_missing_role_is_denied_like_a_refused_trust_policy() {
    let c = ctx(world(), root(A));
    let err =
        handle(&c, json!({"RoleArn": "arn:aws:iam::222222222222:role/nope", "RoleSessionName": "s"})).unwrap_err();
    assert_eq!((err.code.as_str(), err.status), ("AccessDenied", 403));
    assert_eq!(
        err.message,
        "User: arn:aws:iam::111111111111:root is not authorized to perform: sts:AssumeRole on resource: arn:aws:iam::222222222222:role/nope"
    );
}

#[test]
fn the_session_is_registered_with_everything_sts_decided() {
    let w = world();
    add_role(&w, B, "external-role", 7200);
    let c = ctx(w, session(Some("lambda.amazonaws.com")));
    let out = handle(
        &c,
        json!({"RoleArn": "arn:aws:iam::222222222222:role/external-role", "RoleSessionName": "external-session",
               "DurationSeconds": 3600, "Tags": [{"Key": "env", "Value": "dev"}],
               "Policy": r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*"}]}"#}),
    )
    .unwrap();
    assert_eq!(out["AssumedRoleUser"]["Arn"], "arn:aws:sts::222222222222:assumed-role/external-role/external-session");
    assert_eq!(out["AssumedRoleUser"]["AssumedRoleId"], "AROAEXAMPLEROLEID01:external-session");
    assert_eq!(out["SourceIdentity"], "alice");
    assert!(out["PackedPolicySize"].as_i64().is_some_and(|p| p > 0 && p <= 100));
    let key = out["Credentials"]["AccessKeyId"].as_str().unwrap();
    assert_eq!(crate::keys::account_of(key).as_deref(), Some(B));
    let record = c.world.read().credentials.get(key).cloned().unwrap();
    assert_eq!(record.session_token.as_deref(), out["Credentials"]["SessionToken"].as_str());
    let Identity::RoleSession(s) = record.identity else { panic!("a role session") };
    assert!(s.chained && s.has_session_policies && s.assumed_by_service.is_none());
    assert_eq!(s.expires_ms - s.issued_ms, 3_600_000);
    let tags: Vec<(&str, bool)> = s.tags.iter().map(|t| (t.key.as_str(), t.transitive)).collect();
    assert_eq!(tags, [("team", true), ("env", false)]);
    let role = c.world.read().account(B).unwrap().iam.role("external-role").cloned().unwrap();
    assert_eq!(role.last_used_region.as_deref(), Some("us-east-1"));
}

#[test]
fn durations_beyond_the_roles_maximum_and_bad_session_policies_are_refused() {
    let w = world();
    add_role(&w, B, "r", 3600);
    let c = ctx(w, root(A));
    let err = handle(
        &c,
        json!({"RoleArn": "arn:aws:iam::222222222222:role/r", "RoleSessionName": "s", "DurationSeconds": 3601}),
    )
    .unwrap_err();
    assert_eq!(err.message, "The requested DurationSeconds exceeds the MaxSessionDuration set for this role.");
    let err = handle(
        &c,
        json!({"RoleArn": "arn:aws:iam::222222222222:role/r", "RoleSessionName": "s", "Policy": "{not json"}),
    )
    .unwrap_err();
    assert_eq!(err.code, "MalformedPolicyDocument");
}

#[test]
fn a_service_principal_records_itself_and_is_not_chained() {
    let w = world();
    add_role(&w, A, "exec", 3600);
    let c = ctx(w, Caller::service("ec2.amazonaws.com", None, None));
    let out =
        handle(&c, json!({"RoleArn": "arn:aws:iam::111111111111:role/exec", "RoleSessionName": "i-0123456789abcdef0"}))
            .unwrap();
    let key = out["Credentials"]["AccessKeyId"].as_str().unwrap();
    let record = c.world.read().credentials.get(key).cloned().unwrap();
    let Identity::RoleSession(s) = record.identity else { panic!("a role session") };
    assert_eq!(s.assumed_by_service.as_deref(), Some("ec2.amazonaws.com"));
    assert!(!s.chained);
    assert_eq!(s.arn(), "arn:aws:sts::111111111111:assumed-role/exec/i-0123456789abcdef0");
}

#[test]
fn the_wire_refuses_bad_session_names_with_sts_messages() {
    let model = sekisho_wire::model::load("sts").unwrap();
    let op = model.operation("AssumeRole").unwrap();
    let err = model
        .validate_input(op, &json!({"RoleArn": "arn:aws:iam::222222222222:role/r", "RoleSessionName": "bedrock role"}))
        .unwrap_err();
    assert_eq!(
        err.message,
        "1 validation error detected: Value 'bedrock role' at 'roleSessionName' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\w+=,.@-]*"
    );
    let long = "a".repeat(76);
    let err = model
        .validate_input(op, &json!({"RoleArn": "arn:aws:iam::222222222222:role/r", "RoleSessionName": long}))
        .unwrap_err();
    assert_eq!(
        err.message,
        format!(
            "1 validation error detected: Value '{long}' at 'roleSessionName' failed to satisfy constraint: Member must have length less than or equal to 64"
        )
    );
}
