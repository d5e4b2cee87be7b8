//! The door's decisions on the seeds' cross-account flows, end to end through the world and the engine.

use super::*;
use crate::config::Config;
use crate::identity::store::{DocKind, Role};
use crate::identity::{Identity, RoleSession};
use crate::service::{Caller, Check, DenyStyle, ResourcePolicy};
use std::collections::BTreeMap;

const A: &str = "111111111111";
const B: &str = "222222222222";

fn world() -> World {
    World::new(Config::defaults())
}

fn add_role(world: &World, account: &str, name: &str, trust: &str, inline: &[&str], attached: &[&str]) -> String {
    let id = crate::ids::unique_id("AROA");
    let mut state = world.write();
    let acct = state.account_mut(account, 0);
    let mut inline_policies = BTreeMap::new();
    for (i, text) in inline.iter().enumerate() {
        inline_policies.insert(format!("p{i}"), PolicyDoc::parse(text, DocKind::Inline).expect("inline policy"));
    }
    acct.iam.roles.insert(
        name.to_ascii_lowercase(),
        Role {
            name: name.into(),
            path: "/".into(),
            id: id.clone(),
            create_date_ms: 0,
            trust_policy: PolicyDoc::parse(trust, DocKind::Trust).expect("trust policy"),
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
    id
}

fn session_of(account: &str, role: &str, role_id: &str) -> Caller {
    Caller::new(Identity::RoleSession(std::sync::Arc::new(RoleSession {
        account: account.into(),
        role_name: role.into(),
        role_path: "/".into(),
        role_id: role_id.into(),
        session_name: "s".into(),
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

fn assume(account: &str, role: &str) -> Check {
    Check::new("sts:AssumeRole", format!("arn:aws:iam::{account}:role/{role}"))
        .with_resource_policy(ResourcePolicy::RoleTrust { account: account.into(), role_name: role.into() })
        .with_style(DenyStyle::AssumeRole)
}

const TRUST_A_ROOT: &str = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"sts:AssumeRole","Principal":{"AWS":"111111111111"}}]}"#;
const TRUST_LAMBDA: &str = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"sts:AssumeRole","Principal":{"Service":"lambda.amazonaws.com"}}]}"#;
const ALLOW_ASSUME_EXTERNAL: &str = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["sts:AssumeRole"],"Resource":"arn:aws:iam::*:role/external-role"}]}"#;

#[test]
fn root_in_its_own_account_and_not_elsewhere() {
    let w = world();
    let root = Caller::new(Identity::Root { account: A.into() });
    let own = decide(&w, &root, &Check::new("iam:ListRoles", "*"), "us-east-1");
    assert!(own.allowed, "{}", own.explanation);
    let other = decide(&w, &root, &Check::new("iam:GetRole", format!("arn:aws:iam::{B}:role/x")), "us-east-1");
    assert!(!other.allowed);
}

#[test]
fn seed_003_cross_account_assume_role() {
    let w = world();
    add_role(&w, B, "external-role", TRUST_A_ROOT, &[], &["arn:aws:iam::aws:policy/ReadOnlyAccess"]);
    let fn_role = add_role(&w, A, "fn-role", TRUST_LAMBDA, &[ALLOW_ASSUME_EXTERNAL], &[]);
    let caller = session_of(A, "fn-role", &fn_role);
    let ok = decide(&w, &caller, &assume(B, "external-role"), "ap-northeast-1");
    assert!(ok.allowed, "{}", ok.explanation);

    // Without the identity Allow: AWS's STS message, no "because".
    let bare = add_role(&w, A, "bare-role", TRUST_LAMBDA, &[], &[]);
    let denied = decide(&w, &session_of(A, "bare-role", &bare), &assume(B, "external-role"), "ap-northeast-1");
    assert!(!denied.allowed);
    assert_eq!(
        denied.message,
        format!(
            "User: arn:aws:sts::{A}:assumed-role/bare-role/s is not authorized to perform: sts:AssumeRole on resource: arn:aws:iam::{B}:role/external-role"
        )
    );

    // A role that does not exist is denied with the same words.
    let missing = decide(&w, &caller, &assume(B, "no-such-role"), "ap-northeast-1");
    assert!(!missing.allowed);
    assert_eq!(
        missing.message,
        format!(
            "User: arn:aws:sts::{A}:assumed-role/fn-role/s is not authorized to perform: sts:AssumeRole on resource: arn:aws:iam::{B}:role/no-such-role"
        )
    );

    // The session of B's role reads B's roles but not A's.
    let ext_id = w.read().account(B).unwrap().iam.role("external-role").unwrap().id.clone();
    let b_session = session_of(B, "external-role", &ext_id);
    assert!(
        decide(&w, &b_session, &Check::new("iam:GetRole", format!("arn:aws:iam::{B}:role/external-role")), "us-east-1")
            .allowed
    );
    let cross =
        decide(&w, &b_session, &Check::new("iam:GetRole", format!("arn:aws:iam::{A}:role/fn-role")), "us-east-1");
    assert!(!cross.allowed);
}

#[test]
fn external_id_condition() {
    let w = world();
    let trust = format!(
        r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Action":"sts:AssumeRole","Principal":{{"AWS":"arn:aws:iam::{A}:role/operator"}},"Condition":{{"StringEquals":{{"sts:ExternalId":"arn:aws:states:ap-northeast-1:{A}:stateMachine:operator-statemachine"}}}}}}]}}"#
    );
    add_role(&w, B, "subject-execute-role", &trust, &[], &[]);
    let allow = format!(
        r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Action":"sts:AssumeRole","Resource":"arn:aws:iam::{B}:role/subject-execute-role"}}]}}"#
    );
    let op = add_role(&w, A, "operator", TRUST_LAMBDA, &[&allow], &[]);
    let caller = session_of(A, "operator", &op);
    let right = assume(B, "subject-execute-role").with_context(
        "sts:ExternalId",
        format!("arn:aws:states:ap-northeast-1:{A}:stateMachine:operator-statemachine"),
    );
    assert!(decide(&w, &caller, &right, "ap-northeast-1").allowed);
    let wrong = assume(B, "subject-execute-role").with_context("sts:ExternalId", "nope");
    let d = decide(&w, &caller, &wrong, "ap-northeast-1");
    assert!(!d.allowed);
    assert!(d.explanation.contains("sts:ExternalId"), "{}", d.explanation);
    assert!(!decide(&w, &caller, &assume(B, "subject-execute-role"), "ap-northeast-1").allowed);
}

#[test]
fn service_principals_pass_the_trust_policy_only() {
    let w = world();
    add_role(&w, A, "fn-role", TRUST_LAMBDA, &[], &[]);
    let lambda = Caller::service("lambda.amazonaws.com", None, Some(A.into()));
    assert!(decide(&w, &lambda, &assume(A, "fn-role"), "us-east-1").allowed);
    let states = Caller::service("states.amazonaws.com", None, Some(A.into()));
    assert!(!decide(&w, &states, &assume(A, "fn-role"), "us-east-1").allowed);
}

#[test]
fn managed_policies_grant_through_the_catalog() {
    let w = world();
    let id = add_role(&w, A, "reader", TRUST_LAMBDA, &[], &["arn:aws:iam::aws:policy/ReadOnlyAccess"]);
    let caller = session_of(A, "reader", &id);
    let read = decide(
        &w,
        &caller,
        &Check::new("states:DescribeStateMachine", format!("arn:aws:states:us-east-1:{A}:stateMachine:m")),
        "us-east-1",
    );
    assert!(read.allowed, "{}", read.explanation);
    let write = decide(
        &w,
        &caller,
        &Check::new("states:StartExecution", format!("arn:aws:states:us-east-1:{A}:stateMachine:m")),
        "us-east-1",
    );
    assert!(!write.allowed);
    assert!(
        write.message.ends_with("because no identity-based policy allows the states:StartExecution action"),
        "{}",
        write.message
    );
}

#[test]
fn arn_accounts() {
    assert_eq!(arn_account("arn:aws:iam::111111111111:role/x"), Some("111111111111"));
    assert_eq!(arn_account("arn:aws:bedrock:us-east-1::foundation-model/a:b"), None);
    assert_eq!(arn_account("*"), None);
    assert_eq!(arn_account("arn:aws:states:us-east-1:222222222222:stateMachine:m"), Some("222222222222"));
}

#[test]
fn aws_managed_policy_arns_are_not_another_account() {
    let w = world();
    let root = Caller::new(Identity::Root { account: A.into() });
    let get = Check::new("iam:GetPolicy", "arn:aws:iam::aws:policy/ReadOnlyAccess");
    assert!(decide(&w, &root, &get, "us-east-1").allowed);
}

#[test]
fn a_missing_role_is_denied_even_to_root() {
    let w = world();
    let root = Caller::new(Identity::Root { account: A.into() });
    let d = decide(&w, &root, &assume(A, "nope"), "us-east-1");
    assert!(!d.allowed);
    assert_eq!(
        d.message,
        format!(
            "User: arn:aws:iam::{A}:root is not authorized to perform: sts:AssumeRole on resource: arn:aws:iam::{A}:role/nope"
        )
    );
}

#[test]
fn session_token_credentials_carry_whether_mfa_was_used() {
    // A user whose only policy demands MFA (IAM User Guide: aws:MultiFactorAuthPresent).
    let w = world();
    let require_mfa = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"*",
        "Condition":{"Bool":{"aws:MultiFactorAuthPresent":"true"},"NumericLessThan":{"aws:MultiFactorAuthAge":"3600"}}}]}"#;
    let mut inline_policies = BTreeMap::new();
    inline_policies.insert("mfa".to_string(), PolicyDoc::parse(require_mfa, DocKind::Inline).expect("policy"));
    w.write().account_mut(A, 0).iam.users.insert(
        "alice".into(),
        crate::identity::store::User {
            name: "alice".into(),
            path: "/".into(),
            id: "AIDAEXAMPLEALICE001".into(),
            create_date_ms: 0,
            inline_policies,
            attached_policies: vec![],
            groups: vec![],
            permissions_boundary: None,
            tags: vec![],
        },
    );
    let alice = Caller::new(Identity::User {
        account: A.into(),
        name: "alice".into(),
        path: "/".into(),
        id: "AIDAEXAMPLEALICE001".into(),
    });
    let check = Check::new("s3:GetObject", "arn:aws:s3:::bucket/key");
    // Long-term keys: the key is absent, so the condition does not hold.
    assert!(!decide(&w, &alice, &check, "us-east-1").allowed);
    let issued_ms = w.clock.now_ms();
    let mut without = alice.clone();
    without.session_grant = Some(crate::credentials::SessionGrant { mfa: false, issued_ms });
    assert!(!decide(&w, &without, &check, "us-east-1").allowed);
    let mut with = alice;
    with.session_grant = Some(crate::credentials::SessionGrant { mfa: true, issued_ms });
    let outcome = decide(&w, &with, &check, "us-east-1");
    assert!(outcome.allowed, "{}", outcome.explanation);
}

#[test]
fn role_sessions_carry_mfa_and_federated_users_need_a_session_policy() {
    let w = world();
    let trust = format!(
        r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Principal":{{"AWS":"arn:aws:iam::{A}:root"}},"Action":"sts:AssumeRole"}}]}}"#
    );
    let fresh_mfa = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"*",
        "Condition":{"Bool":{"aws:MultiFactorAuthPresent":"true"},"NumericLessThan":{"aws:MultiFactorAuthAge":"60"}}}]}"#;
    let role_id = add_role(&w, A, "mfa-role", &trust, &[fresh_mfa], &[]);
    let check = Check::new("s3:GetObject", "arn:aws:s3:::bucket/key");
    let mut session = session_of(A, "mfa-role", &role_id);
    assert!(!decide(&w, &session, &check, "us-east-1").allowed, "a session without MFA carries false");
    session.mfa_auth_ms = Some(w.clock.now_ms());
    let outcome = decide(&w, &session, &check, "us-east-1");
    assert!(outcome.allowed, "{}", outcome.explanation);
    session.mfa_auth_ms = Some(w.clock.now_ms() - 120_000);
    assert!(!decide(&w, &session, &check, "us-east-1").allowed, "MFA two minutes old");

    // A root-federated session: only what its session policy allows.
    let federated = |policy: Option<&str>| {
        Caller::new(Identity::FederatedUser(std::sync::Arc::new(crate::identity::FederatedSession {
            account: A.into(),
            name: "carol".into(),
            user_name: None,
            issued_ms: 0,
            expires_ms: i64::MAX,
            session_policy: policy.map(str::to_string),
            session_policy_arns: vec![],
            tags: vec![],
        })))
    };
    assert!(!decide(&w, &federated(None), &check, "us-east-1").allowed, "no session policy, no permissions");
    let read = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"}]}"#;
    assert!(decide(&w, &federated(Some(read)), &check, "us-east-1").allowed);
    let put = Check::new("s3:PutObject", "arn:aws:s3:::bucket/key");
    assert!(!decide(&w, &federated(Some(read)), &put, "us-east-1").allowed, "outside the session policy");
}
