//! Organizations through the door: the management account builds an organization, invites and creates
//! accounts, writes SCPs and RCPs; the door enforces them on the members' next calls.

use super::*;
use sekisho_core::config::Config;
use sekisho_core::door::Call;
use sekisho_core::identity::Identity;
use sekisho_core::service::{DenyStyle, ResourcePolicy};
use sekisho_core::{Caller, Door, World};
use serde_json::json;
use std::sync::Arc;

const A: &str = "111111111111";
const B: &str = "222222222222";
const C: &str = "333333333333";

fn door() -> Arc<Door> {
    Door::builder(Arc::new(World::new(Config::defaults()))).register(Arc::new(Organizations::default())).build()
}

fn root(account: &str) -> Caller {
    Caller::new(Identity::Root { account: account.into() })
}

async fn call(door: &Door, account: &str, op: &str, input: Value) -> Result<Value, AwsError> {
    door.call(&root(account), Call::new("organizations", op, input, "us-east-1")).await.map(|o| o.body)
}

async fn ok(door: &Door, account: &str, op: &str, input: Value) -> Value {
    match call(door, account, op, input).await {
        Ok(v) => v,
        Err(e) => panic!("{op} failed: {e}"),
    }
}

async fn code(door: &Door, account: &str, op: &str, input: Value) -> String {
    match call(door, account, op, input).await {
        Ok(v) => panic!("{op} succeeded: {v}"),
        Err(e) => e.code,
    }
}

fn s(v: &Value, pointer: &str) -> String {
    v.pointer(pointer).and_then(Value::as_str).unwrap_or_default().to_string()
}

/// A's organization with SCPs enabled, B invited and accepted; returns the root id.
async fn organization(door: &Door) -> String {
    ok(door, A, "CreateOrganization", json!({"FeatureSet": "ALL"})).await;
    let roots = ok(door, A, "ListRoots", json!({})).await;
    let root_id = s(&roots, "/Roots/0/Id");
    ok(door, A, "EnablePolicyType", json!({"RootId": root_id, "PolicyType": "SERVICE_CONTROL_POLICY"})).await;
    let invite = ok(door, A, "InviteAccountToOrganization", json!({"Target": {"Id": B, "Type": "ACCOUNT"}})).await;
    let handshake = s(&invite, "/Handshake/Id");
    ok(door, B, "AcceptHandshake", json!({"HandshakeId": handshake})).await;
    root_id
}

fn assume(account: &str, role: &str) -> Check {
    Check::new("sts:AssumeRole", format!("arn:aws:iam::{account}:role/{role}"))
        .with_resource_policy(ResourcePolicy::RoleTrust { account: account.into(), role_name: role.into() })
        .with_style(DenyStyle::AssumeRole)
}

/// A role in `account` that trusts every principal.
fn shared_role(door: &Door, account: &str) {
    use sekisho_core::identity::store::{DocKind, PolicyDoc, Role};
    let trust = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"sts:AssumeRole","Principal":{"AWS":"*"}}]}"#;
    let role = Role {
        name: "shared".into(),
        path: "/".into(),
        id: sekisho_core::ids::unique_id("AROA"),
        create_date_ms: 0,
        trust_policy: PolicyDoc::parse(trust, DocKind::Trust).expect("trust policy"),
        description: None,
        max_session_duration: 3600,
        inline_policies: Default::default(),
        attached_policies: vec![],
        permissions_boundary: None,
        tags: vec![],
        last_used_ms: None,
        last_used_region: None,
    };
    door.world().write().account_mut(account, 0).iam.roles.insert("shared".into(), role);
}

#[test]
fn every_served_operation_is_in_the_model() {
    let model = sekisho_wire::model::load("organizations").expect("the organizations model is bundled");
    for name in operations() {
        assert!(model.operation(name).is_some(), "{name} is not an Organizations operation");
    }
}

#[tokio::test]
async fn create_describe_and_delete() {
    let door = door();
    assert_eq!(code(&door, A, "DescribeOrganization", json!({})).await, "AWSOrganizationsNotInUseException");
    let created = ok(&door, A, "CreateOrganization", json!({})).await;
    let id = s(&created, "/Organization/Id");
    assert!(id.starts_with("o-") && id.len() == 12, "{id}");
    assert_eq!(s(&created, "/Organization/Arn"), format!("arn:aws:organizations::{A}:organization/{id}"));
    assert_eq!(s(&created, "/Organization/MasterAccountId"), A);
    assert_eq!(s(&created, "/Organization/FeatureSet"), "ALL");
    assert_eq!(code(&door, A, "CreateOrganization", json!({})).await, "AlreadyInOrganizationException");
    let roots = ok(&door, A, "ListRoots", json!({})).await;
    let root_id = s(&roots, "/Roots/0/Id");
    assert!(root_id.starts_with("r-") && root_id.len() == 6);
    assert_eq!(s(&roots, "/Roots/0/Arn"), format!("arn:aws:organizations::{A}:root/{id}/{root_id}"));
    assert_eq!(roots["Roots"][0]["PolicyTypes"], json!([]));
    // Members and outsiders.
    assert_eq!(code(&door, B, "ListRoots", json!({})).await, "AWSOrganizationsNotInUseException");
    let invite = ok(&door, A, "InviteAccountToOrganization", json!({"Target": {"Id": B, "Type": "ACCOUNT"}})).await;
    assert_eq!(s(&invite, "/Handshake/State"), "OPEN");
    assert_eq!(
        code(&door, A, "InviteAccountToOrganization", json!({"Target": {"Id": B, "Type": "ACCOUNT"}})).await,
        "DuplicateHandshakeException"
    );
    let listed = ok(&door, B, "ListHandshakesForAccount", json!({})).await;
    let h = s(&listed, "/Handshakes/0/Id");
    assert_eq!(h, s(&invite, "/Handshake/Id"));
    let accepted = ok(&door, B, "AcceptHandshake", json!({"HandshakeId": h})).await;
    assert_eq!(s(&accepted, "/Handshake/State"), "ACCEPTED");
    assert_eq!(code(&door, B, "AcceptHandshake", json!({"HandshakeId": h})).await, "HandshakeAlreadyInStateException");
    assert_eq!(s(&ok(&door, B, "DescribeOrganization", json!({})).await, "/Organization/Id"), id);
    let denied = call(&door, B, "ListAccounts", json!({})).await.unwrap_err();
    assert_eq!(
        (denied.code.as_str(), denied.message.as_str()),
        ("AccessDeniedException", "You don't have permissions to access this resource.")
    );
    assert_eq!(code(&door, A, "DeleteOrganization", json!({})).await, "OrganizationNotEmptyException");
    assert_eq!(
        code(&door, A, "RemoveAccountFromOrganization", json!({"AccountId": A})).await,
        "MasterCannotLeaveOrganizationException"
    );
    ok(&door, B, "LeaveOrganization", json!({})).await;
    ok(&door, A, "DeleteOrganization", json!({})).await;
    assert_eq!(code(&door, A, "DescribeOrganization", json!({})).await, "AWSOrganizationsNotInUseException");
}

#[tokio::test]
async fn units_accounts_and_moves() {
    let door = door();
    let root_id = organization(&door).await;
    let ou = ok(&door, A, "CreateOrganizationalUnit", json!({"ParentId": root_id, "Name": "Workloads"})).await;
    let ou_id = s(&ou, "/OrganizationalUnit/Id");
    assert!(ou_id.starts_with(&format!("ou-{}-", &root_id[2..])), "{ou_id}");
    assert_eq!(
        code(&door, A, "CreateOrganizationalUnit", json!({"ParentId": root_id, "Name": "Workloads"})).await,
        "DuplicateOrganizationalUnitException"
    );
    assert_eq!(
        code(&door, A, "CreateOrganizationalUnit", json!({"ParentId": "ou-zzzz-zzzzzzzz", "Name": "x"})).await,
        "ParentNotFoundException"
    );
    let mut parent = ou_id.clone();
    for depth in 2..=5 {
        let child =
            ok(&door, A, "CreateOrganizationalUnit", json!({"ParentId": parent, "Name": format!("d{depth}")})).await;
        parent = s(&child, "/OrganizationalUnit/Id");
    }
    let too_deep =
        call(&door, A, "CreateOrganizationalUnit", json!({"ParentId": parent, "Name": "d6"})).await.unwrap_err();
    assert_eq!(too_deep.fields.get("Reason"), Some(&json!("OU_DEPTH_LIMIT_EXCEEDED")));

    let created = ok(&door, A, "CreateAccount", json!({"Email": "new@example.com", "AccountName": "New"})).await;
    assert_eq!(s(&created, "/CreateAccountStatus/State"), "SUCCEEDED");
    let new_id = s(&created, "/CreateAccountStatus/AccountId");
    assert!(sekisho_core::ids::is_account_id(&new_id));
    let status = ok(
        &door,
        A,
        "DescribeCreateAccountStatus",
        json!({"CreateAccountRequestId": s(&created, "/CreateAccountStatus/Id")}),
    )
    .await;
    assert_eq!(s(&status, "/CreateAccountStatus/AccountId"), new_id);
    let again = ok(&door, A, "CreateAccount", json!({"Email": "new@example.com", "AccountName": "Again"})).await;
    assert_eq!(s(&again, "/CreateAccountStatus/FailureReason"), "EMAIL_ALREADY_EXISTS");
    // The management account can step into the new account through OrganizationAccountAccessRole.
    let role_ok = door.check(
        &root(A),
        &[assume(&new_id, "OrganizationAccountAccessRole")],
        ("sts", "AssumeRole"),
        "us-east-1",
        None,
    );
    assert_eq!(role_ok, Ok(()));

    let accounts = ok(&door, A, "ListAccounts", json!({})).await;
    assert_eq!(accounts["Accounts"].as_array().map(Vec::len), Some(3));
    let described = ok(&door, A, "DescribeAccount", json!({"AccountId": new_id})).await;
    assert_eq!(s(&described, "/Account/JoinedMethod"), "CREATED");
    assert_eq!(s(&described, "/Account/Name"), "New");
    assert_eq!(code(&door, A, "DescribeAccount", json!({"AccountId": C})).await, "AccountNotFoundException");

    ok(&door, A, "MoveAccount", json!({"AccountId": B, "SourceParentId": root_id, "DestinationParentId": ou_id})).await;
    assert_eq!(
        code(&door, A, "MoveAccount", json!({"AccountId": B, "SourceParentId": ou_id, "DestinationParentId": ou_id}))
            .await,
        "DuplicateAccountException"
    );
    let parents = ok(&door, A, "ListParents", json!({"ChildId": B})).await;
    assert_eq!(parents["Parents"], json!([{"Id": ou_id, "Type": "ORGANIZATIONAL_UNIT"}]));
    let children = ok(&door, A, "ListChildren", json!({"ParentId": ou_id, "ChildType": "ACCOUNT"})).await;
    assert_eq!(children["Children"], json!([{"Id": B, "Type": "ACCOUNT"}]));
    let in_ou = ok(&door, A, "ListAccountsForParent", json!({"ParentId": ou_id})).await;
    assert_eq!(s(&in_ou, "/Accounts/0/Id"), B);
    assert_eq!(
        code(&door, A, "DeleteOrganizationalUnit", json!({"OrganizationalUnitId": ou_id})).await,
        "OrganizationalUnitNotEmptyException"
    );
    let units = ok(&door, A, "ListOrganizationalUnitsForParent", json!({"ParentId": root_id, "MaxResults": 1})).await;
    assert_eq!(units["OrganizationalUnits"].as_array().map(Vec::len), Some(1));
    assert!(units.get("NextToken").is_none(), "only one OU under the root");
}

const DENY_ASSUME: &str = r#"{"Version":"2012-10-17","Statement":[{"Sid":"NoAssume","Effect":"Deny","Action":"sts:AssumeRole","Resource":"*"}]}"#;

#[tokio::test]
async fn an_attached_scp_denies_the_member() {
    let door = door();
    let root_id = organization(&door).await;
    let policy = ok(
        &door,
        A,
        "CreatePolicy",
        json!({"Content": DENY_ASSUME, "Description": "no roles", "Name": "DenyAssumeRole", "Type": "SERVICE_CONTROL_POLICY"}),
    )
    .await;
    let policy_id = s(&policy, "/Policy/PolicySummary/Id");
    let arn = s(&policy, "/Policy/PolicySummary/Arn");
    let org_id = s(&ok(&door, A, "DescribeOrganization", json!({})).await, "/Organization/Id");
    assert_eq!(arn, format!("arn:aws:organizations::{A}:policy/{org_id}/service_control_policy/{policy_id}"));
    assert_eq!(
        code(&door, A, "CreatePolicy", json!({"Content": DENY_ASSUME, "Description": "", "Name": "DenyAssumeRole", "Type": "SERVICE_CONTROL_POLICY"})).await,
        "DuplicatePolicyException"
    );
    assert_eq!(
        code(
            &door,
            A,
            "CreatePolicy",
            json!({"Content": "{}", "Description": "", "Name": "Bad", "Type": "SERVICE_CONTROL_POLICY"})
        )
        .await,
        "MalformedPolicyDocumentException"
    );

    let check = [Check::new("sts:AssumeRole", format!("arn:aws:iam::{B}:role/any"))];
    ok(&door, A, "AttachPolicy", json!({"PolicyId": policy_id, "TargetId": B})).await;
    assert_eq!(
        code(&door, A, "AttachPolicy", json!({"PolicyId": policy_id, "TargetId": B})).await,
        "DuplicatePolicyAttachmentException"
    );
    let denied = door.check(&root(B), &check, ("sts", "AssumeRole"), "us-east-1", None).unwrap_err();
    assert_eq!(
        denied,
        format!(
            "User: arn:aws:iam::{B}:root is not authorized to perform: sts:AssumeRole on resource: arn:aws:iam::{B}:role/any with an explicit deny in a service control policy: {arn}"
        )
    );
    // The management account is never limited by SCPs.
    let mgmt = [Check::new("sts:AssumeRole", format!("arn:aws:iam::{A}:role/any"))];
    ok(&door, A, "AttachPolicy", json!({"PolicyId": policy_id, "TargetId": root_id})).await;
    assert!(door.check(&root(A), &mgmt, ("sts", "AssumeRole"), "us-east-1", None).is_ok());

    let targets = ok(&door, A, "ListTargetsForPolicy", json!({"PolicyId": policy_id})).await;
    assert_eq!(targets["Targets"].as_array().map(Vec::len), Some(2));
    let for_b = ok(&door, A, "ListPoliciesForTarget", json!({"TargetId": B, "Filter": "SERVICE_CONTROL_POLICY"})).await;
    let names: Vec<String> = for_b["Policies"].as_array().into_iter().flatten().map(|p| s(p, "/Name")).collect();
    assert_eq!(names, vec!["DenyAssumeRole", "FullAWSAccess"]);
    assert_eq!(code(&door, A, "DeletePolicy", json!({"PolicyId": policy_id})).await, "PolicyInUseException");
    assert_eq!(code(&door, A, "DeletePolicy", json!({"PolicyId": "p-FullAWSAccess"})).await, "InvalidInputException");
    ok(&door, A, "DetachPolicy", json!({"PolicyId": policy_id, "TargetId": B})).await;
    ok(&door, A, "DetachPolicy", json!({"PolicyId": policy_id, "TargetId": root_id})).await;
    assert!(door.check(&root(B), &check, ("sts", "AssumeRole"), "us-east-1", None).is_ok());
    assert_eq!(
        code(&door, A, "DetachPolicy", json!({"PolicyId": policy_id, "TargetId": B})).await,
        "PolicyNotAttachedException"
    );
    let last = call(&door, A, "DetachPolicy", json!({"PolicyId": "p-FullAWSAccess", "TargetId": B})).await.unwrap_err();
    assert_eq!(last.fields.get("Reason"), Some(&json!("MIN_POLICY_TYPE_ATTACHMENT_LIMIT_EXCEEDED")));
    ok(&door, A, "UpdatePolicy", json!({"PolicyId": policy_id, "Name": "Renamed"})).await;
    ok(&door, A, "DeletePolicy", json!({"PolicyId": policy_id})).await;
    assert_eq!(code(&door, A, "DescribePolicy", json!({"PolicyId": policy_id})).await, "PolicyNotFoundException");
}

#[tokio::test]
async fn policy_types_must_be_enabled_and_rcp_defaults_stay() {
    let door = door();
    let root_id = organization(&door).await;
    let org_id = s(&ok(&door, A, "DescribeOrganization", json!({})).await, "/Organization/Id");
    let rcp = format!(
        r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Deny","Principal":"*","Action":"sts:AssumeRole","Resource":"*","Condition":{{"StringNotEqualsIfExists":{{"aws:PrincipalOrgID":"{org_id}"}}}}}}]}}"#
    );
    let created = ok(
        &door,
        A,
        "CreatePolicy",
        json!({"Content": rcp, "Description": "", "Name": "OrgOnly", "Type": "RESOURCE_CONTROL_POLICY"}),
    )
    .await;
    let id = s(&created, "/Policy/PolicySummary/Id");
    assert_eq!(
        code(&door, A, "AttachPolicy", json!({"PolicyId": id, "TargetId": B})).await,
        "PolicyTypeNotEnabledException"
    );
    ok(&door, A, "EnablePolicyType", json!({"RootId": root_id, "PolicyType": "RESOURCE_CONTROL_POLICY"})).await;
    assert_eq!(
        code(&door, A, "EnablePolicyType", json!({"RootId": root_id, "PolicyType": "RESOURCE_CONTROL_POLICY"})).await,
        "PolicyTypeAlreadyEnabledException"
    );
    let detach =
        call(&door, A, "DetachPolicy", json!({"PolicyId": "p-RCPFullAWSAccess", "TargetId": B})).await.unwrap_err();
    assert_eq!(detach.fields.get("Reason"), Some(&json!("NON_DETACHABLE_POLICY")));
    // B's role trusts everyone; the RCP keeps it out of reach for C (outside the organization).
    shared_role(&door, B);
    let check = [Check::new("sts:AssumeRole", format!("arn:aws:iam::{B}:role/shared"))
        .with_resource_policy(ResourcePolicy::RoleTrust { account: B.into(), role_name: "shared".into() })];
    assert_eq!(door.check(&root(C), &check, ("sts", "AssumeRole"), "us-east-1", None), Ok(()));
    ok(&door, A, "AttachPolicy", json!({"PolicyId": id, "TargetId": root_id})).await;
    let denied = door.check(&root(C), &check, ("sts", "AssumeRole"), "us-east-1", None).unwrap_err();
    assert!(
        denied.ends_with(&format!(
            "with an explicit deny in a resource control policy: {}",
            s(&created, "/Policy/PolicySummary/Arn")
        )),
        "{denied}"
    );
    assert_eq!(door.check(&root(A), &check, ("sts", "AssumeRole"), "us-east-1", None), Ok(()));
    let roots = ok(&door, A, "ListRoots", json!({})).await;
    assert_eq!(roots["Roots"][0]["PolicyTypes"].as_array().map(Vec::len), Some(2));
    ok(&door, A, "DisablePolicyType", json!({"RootId": root_id, "PolicyType": "RESOURCE_CONTROL_POLICY"})).await;
    let for_b =
        ok(&door, A, "ListPoliciesForTarget", json!({"TargetId": root_id, "Filter": "RESOURCE_CONTROL_POLICY"})).await;
    assert_eq!(for_b["Policies"], json!([]));
    let policies = ok(&door, A, "ListPolicies", json!({"Filter": "SERVICE_CONTROL_POLICY"})).await;
    assert_eq!(s(&policies, "/Policies/0/Id"), "p-FullAWSAccess");
    assert_eq!(policies["Policies"][0]["AwsManaged"], json!(true));
}

#[tokio::test]
async fn tags_on_targets_and_policies() {
    let door = door();
    organization(&door).await;
    ok(&door, A, "TagResource", json!({"ResourceId": B, "Tags": [{"Key": "team", "Value": "blue"}]})).await;
    let tags = ok(&door, A, "ListTagsForResource", json!({"ResourceId": B})).await;
    assert_eq!(tags["Tags"], json!([{"Key": "team", "Value": "blue"}]));
    ok(&door, A, "UntagResource", json!({"ResourceId": B, "TagKeys": ["team"]})).await;
    assert_eq!(ok(&door, A, "ListTagsForResource", json!({"ResourceId": B})).await["Tags"], json!([]));
    assert_eq!(code(&door, A, "TagResource", json!({"ResourceId": C, "Tags": []})).await, "TargetNotFoundException");
}
