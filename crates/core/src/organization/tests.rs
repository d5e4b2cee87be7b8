//! Organizations as data (paths, levels, defaults) and the door's decisions with SCPs and RCPs.

use super::*;
use crate::authz::decide;
use crate::config::Config;
use crate::identity::store::{DocKind, PolicyDoc, Role};
use crate::identity::{Identity, RoleSession};
use crate::service::{Caller, Check, DenyStyle, ResourcePolicy};
use crate::world::World;

const MGMT: &str = "111111111111";
const MEMBER: &str = "222222222222";
const OUTSIDER: &str = "333333333333";
const ORG: &str = "o-exampleorg";
const ROOT: &str = "r-ab12";
const OU: &str = "ou-ab12-workload";
const OU_PROD: &str = "ou-ab12-prodprod";

const ADMIN: &str = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}"#;
const DENY_ASSUME: &str = r#"{"Version":"2012-10-17","Statement":[{"Sid":"NoAssume","Effect":"Deny","Action":"sts:AssumeRole","Resource":"*"}]}"#;
const ONLY_S3: &str = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*"}]}"#;

fn member(id: &str, parent: &str) -> Member {
    Member {
        id: id.into(),
        name: format!("account {id}"),
        email: format!("{id}@example.com"),
        parent_id: parent.into(),
        joined_method: "INVITED".into(),
        joined_ms: 0,
    }
}

fn customer_policy(org: &Organization, id: &str, name: &str, policy_type: &str, content: &str) -> OrgPolicy {
    OrgPolicy {
        id: id.into(),
        arn: org.policy_arn(policy_type, id),
        name: name.into(),
        description: String::new(),
        policy_type: policy_type.into(),
        content: content.into(),
        compiled: OrgPolicy::compile(policy_type, content).expect("test policy parses"),
    }
}

/// Management account MGMT; MEMBER in Root/Workloads/Prod; SCPs enabled.
fn world_with_org() -> World {
    let w = World::new(Config::defaults());
    {
        let mut state = w.write();
        let mut org = Organization::new(ORG, ROOT, member(MGMT, ROOT), 0);
        org.add_unit(Unit { id: OU.into(), name: "Workloads".into(), parent_id: ROOT.into() });
        org.add_unit(Unit { id: OU_PROD.into(), name: "Prod".into(), parent_id: OU.into() });
        org.enable(SERVICE_CONTROL_POLICY);
        state.organizations.insert(org);
        state.organizations.join(ORG, member(MEMBER, OU_PROD));
    }
    w
}

fn add_policy(w: &World, id: &str, name: &str, policy_type: &str, content: &str, targets: &[&str]) -> String {
    let mut state = w.write();
    let org = state.organizations.by_id.get_mut(ORG).expect("org");
    let p = customer_policy(org, id, name, policy_type, content);
    let arn = p.arn.clone();
    org.policies.insert(id.into(), p);
    for t in targets {
        org.attach(t, id);
    }
    arn
}

fn add_role(w: &World, account: &str, name: &str, path: &str, trust: &str, inline: Option<&str>) -> Caller {
    let id = crate::ids::unique_id("AROA");
    let mut state = w.write();
    let mut inline_policies = std::collections::BTreeMap::new();
    if let Some(text) = inline {
        inline_policies.insert("p".to_string(), PolicyDoc::parse(text, DocKind::Inline).expect("inline"));
    }
    state.account_mut(account, 0).iam.roles.insert(
        name.to_ascii_lowercase(),
        Role {
            name: name.into(),
            path: path.into(),
            id: id.clone(),
            create_date_ms: 0,
            trust_policy: PolicyDoc::parse(trust, DocKind::Trust).expect("trust"),
            description: None,
            max_session_duration: 3600,
            inline_policies,
            attached_policies: vec![],
            permissions_boundary: None,
            tags: vec![],
            last_used_ms: None,
            last_used_region: None,
        },
    );
    Caller::new(Identity::RoleSession(std::sync::Arc::new(RoleSession {
        account: account.into(),
        role_name: name.into(),
        role_path: path.into(),
        role_id: id,
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

fn trust_account(account: &str) -> String {
    format!(
        r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Action":"sts:AssumeRole","Principal":{{"AWS":"{account}"}}}}]}}"#
    )
}

fn assume(account: &str, role: &str) -> Check {
    Check::new("sts:AssumeRole", format!("arn:aws:iam::{account}:role/{role}"))
        .with_resource_policy(ResourcePolicy::RoleTrust { account: account.into(), role_name: role.into() })
        .with_style(DenyStyle::AssumeRole)
}

#[test]
fn paths_chains_and_defaults() {
    let w = world_with_org();
    let state = w.read();
    let org = state.organizations.of_account(MEMBER).expect("member");
    assert_eq!(org.chain(MEMBER), vec![ROOT, OU, OU_PROD, MEMBER]);
    assert_eq!(org.account_path(MEMBER), format!("{ORG}/{ROOT}/{OU}/{OU_PROD}/"));
    assert_eq!(org.account_path(MGMT), format!("{ORG}/{ROOT}/"));
    assert_eq!(org.path(OU), format!("{ORG}/{ROOT}/{OU}/"));
    assert_eq!(org.depth(OU_PROD), 2);
    // Enabling SCPs attached FullAWSAccess everywhere, including to OUs and accounts added afterwards.
    for target in [ROOT, OU, OU_PROD, MGMT, MEMBER] {
        assert_eq!(org.attached(target).collect::<Vec<_>>(), vec![FULL_AWS_ACCESS], "{target}");
    }
    let levels = state.organizations.scp_levels(MEMBER).expect("member has SCPs");
    assert_eq!(levels.levels.len(), 4);
    assert!(levels.levels.iter().all(|l| l.len() == 1 && l[0].name == "FullAWSAccess"));
    assert!(state.organizations.scp_levels(MGMT).is_none(), "the management account is exempt");
    assert!(state.organizations.scp_levels(OUTSIDER).is_none());
    assert!(state.organizations.rcp_levels(MEMBER).is_none(), "RCPs are not enabled");
    let facts = state.organizations.facts(MEMBER).expect("facts");
    assert_eq!(facts.org_id, ORG);
    assert_eq!(org.account_arn(MEMBER), format!("arn:aws:organizations::{MGMT}:account/{ORG}/{MEMBER}"));
    assert_eq!(
        org.policy_arn(SERVICE_CONTROL_POLICY, "p-12345678"),
        format!("arn:aws:organizations::{MGMT}:policy/{ORG}/service_control_policy/p-12345678")
    );
    assert_eq!(
        aws_managed(FULL_AWS_ACCESS).map(|p| p.arn()),
        Some("arn:aws:organizations::aws:policy/service_control_policy/p-FullAWSAccess".to_string())
    );
}

#[test]
fn disabling_a_type_detaches_its_policies_and_leaving_forgets_the_account() {
    let w = world_with_org();
    add_policy(&w, "p-denyassu", "DenyAssume", SERVICE_CONTROL_POLICY, DENY_ASSUME, &[OU]);
    let mut state = w.write();
    let org = state.organizations.by_id.get_mut(ORG).expect("org");
    org.disable(SERVICE_CONTROL_POLICY);
    assert!(org.attachments.is_empty());
    assert!(!org.is_enabled(SERVICE_CONTROL_POLICY));
    assert!(org.policies.contains_key("p-denyassu"), "the policy itself stays");
    state.organizations.leave(MEMBER);
    assert!(state.organizations.of_account(MEMBER).is_none());
    assert!(!state.organizations.by_id[ORG].accounts.contains_key(MEMBER));
}

#[test]
fn an_scp_deny_beats_an_identity_allow_and_names_the_policy() {
    let w = world_with_org();
    let arn = add_policy(&w, "p-denyassu", "DenyAssume", SERVICE_CONTROL_POLICY, DENY_ASSUME, &[OU]);
    let admin = add_role(&w, MEMBER, "admin", "/", &trust_account(MEMBER), Some(ADMIN));
    add_role(&w, MEMBER, "target", "/", &trust_account(MEMBER), None);
    let d = decide(&w, &admin, &assume(MEMBER, "target"), "us-east-1");
    assert!(!d.allowed);
    assert_eq!(d.decision, "ExplicitDeny");
    // STS AssumeRole keeps its short form whatever denied.
    assert_eq!(
        d.message,
        format!(
            "User: arn:aws:sts::{MEMBER}:assumed-role/admin/s is not authorized to perform: sts:AssumeRole on resource: arn:aws:iam::{MEMBER}:role/target"
        )
    );
    assert!(d.explanation.contains("DenyAssume"), "{}", d.explanation);
    assert!(d.explanation.contains(&format!("level 2 {OU}")), "{}", d.explanation);

    let generic = Check::new("sts:AssumeRole", format!("arn:aws:iam::{MEMBER}:role/target"));
    let d = decide(&w, &admin, &generic, "us-east-1");
    assert_eq!(
        d.message,
        format!(
            "User: arn:aws:sts::{MEMBER}:assumed-role/admin/s is not authorized to perform: sts:AssumeRole on resource: arn:aws:iam::{MEMBER}:role/target with an explicit deny in a service control policy: {arn}"
        )
    );
    w.write().organizations.settings.deny_message = DenyMessage::Classic;
    let d = decide(&w, &admin, &generic, "us-east-1");
    assert!(d.message.ends_with("with an explicit deny in a service control policy"), "{}", d.message);

    // Other actions are untouched.
    assert!(decide(&w, &admin, &Check::new("iam:ListRoles", "*"), "us-east-1").allowed);
}

#[test]
fn a_level_without_an_allow_denies_implicitly() {
    let w = world_with_org();
    add_policy(&w, "p-onlys3s3", "OnlyS3", SERVICE_CONTROL_POLICY, ONLY_S3, &[OU]);
    w.write().organizations.by_id.get_mut(ORG).expect("org").detach(OU, FULL_AWS_ACCESS);
    let admin = add_role(&w, MEMBER, "admin", "/", &trust_account(MEMBER), Some(ADMIN));
    let d = decide(&w, &admin, &Check::new("iam:ListRoles", "*"), "us-east-1");
    assert!(!d.allowed);
    assert_eq!(d.decision, "ImplicitDeny");
    // AWS words an SCP's implicit deny as an explicit one, with no policy to name.
    assert_eq!(
        d.message,
        format!(
            "User: arn:aws:sts::{MEMBER}:assumed-role/admin/s is not authorized to perform: iam:ListRoles with an explicit deny in a service control policy"
        )
    );
    assert!(decide(&w, &admin, &Check::new("s3:ListAllMyBuckets", "*"), "us-east-1").allowed);
    // The member's root user is bound too.
    let root = Caller::new(Identity::Root { account: MEMBER.into() });
    assert!(!decide(&w, &root, &Check::new("iam:ListRoles", "*"), "us-east-1").allowed);
}

#[test]
fn the_management_account_and_service_linked_roles_are_exempt() {
    let w = world_with_org();
    add_policy(&w, "p-denyassu", "DenyAssume", SERVICE_CONTROL_POLICY, DENY_ASSUME, &[ROOT]);
    let mgmt = add_role(&w, MGMT, "admin", "/", &trust_account(MGMT), Some(ADMIN));
    add_role(&w, MGMT, "target", "/", &trust_account(MGMT), None);
    let d = decide(&w, &mgmt, &assume(MGMT, "target"), "us-east-1");
    assert!(d.allowed, "{}", d.explanation);

    let linked = add_role(
        &w,
        MEMBER,
        "AWSServiceRoleForSupport",
        "/aws-service-role/support.amazonaws.com/",
        &trust_account(MEMBER),
        Some(ADMIN),
    );
    add_role(&w, MEMBER, "target", "/", &trust_account(MEMBER), None);
    assert!(decide(&w, &linked, &assume(MEMBER, "target"), "us-east-1").allowed);
    let plain = add_role(&w, MEMBER, "admin", "/", &trust_account(MEMBER), Some(ADMIN));
    assert!(!decide(&w, &plain, &assume(MEMBER, "target"), "us-east-1").allowed);
}

#[test]
fn an_scp_limits_a_same_account_resource_policy_grant() {
    let w = world_with_org();
    let nobody = add_role(&w, MEMBER, "nobody", "/", &trust_account(MEMBER), None);
    let grant = format!(
        r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Principal":{{"AWS":"arn:aws:sts::{MEMBER}:assumed-role/nobody/s"}},"Action":"sqs:SendMessage","Resource":"*"}}]}}"#
    );
    let policy = std::sync::Arc::new(
        sekisho_policy::Policy::parse(&grant, sekisho_policy::PolicyKind::Resource).expect("queue policy"),
    );
    let send = Check::new("sqs:SendMessage", format!("arn:aws:sqs:us-east-1:{MEMBER}:q"))
        .with_resource_policy(ResourcePolicy::Document { owner: MEMBER.into(), id: "queue policy".into(), policy });
    let d = decide(&w, &nobody, &send, "us-east-1");
    assert!(d.allowed, "the queue policy alone grants: {}", d.explanation);
    let deny_sqs = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":"sqs:*","Resource":"*"}]}"#;
    add_policy(&w, "p-denysqs1", "DenySqs", SERVICE_CONTROL_POLICY, deny_sqs, &[MEMBER]);
    let d = decide(&w, &nobody, &send, "us-east-1");
    assert!(!d.allowed);
    assert!(d.message.contains("with an explicit deny in a service control policy: arn:"), "{}", d.message);
}

/// MEMBER's role `shared` trusts any principal; an RCP keeps it to principals of the organization.
fn world_with_rcp() -> (World, String) {
    let w = world_with_org();
    w.write().organizations.by_id.get_mut(ORG).expect("org").enable(RESOURCE_CONTROL_POLICY);
    let rcp = format!(
        r#"{{"Version":"2012-10-17","Statement":[{{"Sid":"OrgOnly","Effect":"Deny","Principal":"*","Action":"sts:AssumeRole","Resource":"*","Condition":{{"StringNotEqualsIfExists":{{"aws:PrincipalOrgID":"{ORG}"}},"Bool":{{"aws:PrincipalIsAWSService":"false"}}}}}}]}}"#
    );
    let arn = add_policy(&w, "p-orgonly1", "OrgOnly", RESOURCE_CONTROL_POLICY, &rcp, &[ROOT]);
    let trust_all = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"sts:AssumeRole","Principal":{"AWS":"*"}}]}"#;
    add_role(&w, MEMBER, "shared", "/", trust_all, None);
    (w, arn)
}

#[test]
fn an_rcp_denies_assume_role_from_outside_the_organization() {
    let (w, arn) = world_with_rcp();
    let assume_any =
        r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"sts:AssumeRole","Resource":"*"}]}"#;
    let outsider = add_role(&w, OUTSIDER, "caller", "/", &trust_account(OUTSIDER), Some(assume_any));
    let d = decide(&w, &outsider, &assume(MEMBER, "shared"), "us-east-1");
    assert!(!d.allowed);
    assert_eq!(d.decision, "ExplicitDeny");
    assert!(d.explanation.contains("OrgOnly"), "{}", d.explanation);
    let generic = Check::new("sts:AssumeRole", format!("arn:aws:iam::{MEMBER}:role/shared"))
        .with_resource_policy(ResourcePolicy::RoleTrust { account: MEMBER.into(), role_name: "shared".into() });
    let d = decide(&w, &outsider, &generic, "us-east-1");
    assert!(
        d.message.ends_with(&format!("with an explicit deny in a resource control policy: {arn}")),
        "{}",
        d.message
    );

    // Principals of the organization pass, the management account's among them.
    let inside = add_role(&w, MGMT, "caller", "/", &trust_account(MGMT), Some(assume_any));
    let d = decide(&w, &inside, &assume(MEMBER, "shared"), "us-east-1");
    assert!(d.allowed, "{}", d.explanation);

    // RCPs govern only the services that support them.
    let invoke = Check::new("lambda:InvokeFunction", format!("arn:aws:lambda:us-east-1:{MEMBER}:function:f"));
    let deny_all =
        r#"{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Principal":"*","Action":"*","Resource":"*"}]}"#;
    add_policy(&w, "p-denyall1", "DenyAll", RESOURCE_CONTROL_POLICY, deny_all, &[MEMBER]);
    let member_root = Caller::new(Identity::Root { account: MEMBER.into() });
    assert!(decide(&w, &member_root, &invoke, "us-east-1").allowed);
    let sqs = Check::new("sqs:SendMessage", format!("arn:aws:sqs:us-east-1:{MEMBER}:q"));
    assert!(!decide(&w, &member_root, &sqs, "us-east-1").allowed);
}

#[test]
fn organization_keys_reach_the_request_context() {
    let w = world_with_org();
    let cond = format!(
        r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Principal":"*","Action":"sqs:SendMessage","Resource":"*","Condition":{{"ForAnyValue:StringLike":{{"aws:PrincipalOrgPaths":"{ORG}/{ROOT}/{OU}/*"}},"StringEquals":{{"aws:ResourceOrgID":"{ORG}","aws:ResourceAccount":"{MGMT}"}}}}}}]}}"#
    );
    let policy = std::sync::Arc::new(
        sekisho_policy::Policy::parse(&cond, sekisho_policy::PolicyKind::Resource).expect("policy"),
    );
    let send = Check::new("sqs:SendMessage", format!("arn:aws:sqs:us-east-1:{MGMT}:q"))
        .with_resource_policy(ResourcePolicy::Document { owner: MGMT.into(), id: "queue policy".into(), policy });
    let allow_send =
        r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"sqs:SendMessage","Resource":"*"}]}"#;
    let inside = add_role(&w, MEMBER, "sender", "/", &trust_account(MEMBER), Some(allow_send));
    let d = decide(&w, &inside, &send, "us-east-1");
    assert!(d.allowed, "{}", d.explanation);
    let outside = add_role(&w, OUTSIDER, "sender", "/", &trust_account(OUTSIDER), Some(allow_send));
    assert!(!decide(&w, &outside, &send, "us-east-1").allowed);
}

#[test]
fn stored_policies_round_trip() {
    let w = world_with_org();
    add_policy(&w, "p-denyassu", "DenyAssume", SERVICE_CONTROL_POLICY, DENY_ASSUME, &[OU]);
    let state = w.read();
    let text = serde_json::to_string(&state.organizations).expect("serializes");
    let back: Organizations = serde_json::from_str(&text).expect("deserializes");
    let p = &back.by_id[ORG].policies["p-denyassu"];
    assert!(p.compiled.is_some());
    assert_eq!(back.member_of.get(MEMBER).map(String::as_str), Some(ORG));
}
