"""AWS Organizations through boto3 and the AWS CLI against the real binary: account A's organization with
account B invited into an OU, a created account, and the SCPs and RCPs the door enforces on later calls.

Each test that attaches a policy detaches it again, so the tests do not depend on their order."""

import json
import os
import subprocess

import botocore.exceptions
import pytest

from conftest import ACCOUNT_A, ACCOUNT_B

ACCOUNT_C = "333333333333"

ADMIN = json.dumps({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]})


def error_of(excinfo):
    e = excinfo.value.response
    return e["Error"]["Code"], e["ResponseMetadata"]["HTTPStatusCode"], e["Error"].get("Message", "")


def trust(principal):
    return json.dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": "sts:AssumeRole", "Principal": {"AWS": principal}}]})


def deny(action):
    return json.dumps({"Version": "2012-10-17", "Statement": [
        {"Sid": "Deny", "Effect": "Deny", "Action": action, "Resource": "*"}]})


@pytest.fixture(scope="module")
def org(sekisho):
    """A's organization (SCPs enabled); B invited, accepted and moved into OU Workloads; B has an IAM user
    `dev` with administrator rights and a role `target` it may assume."""
    orgs = sekisho.client("organizations")
    created = orgs.create_organization(FeatureSet="ALL")["Organization"]
    root = orgs.list_roots()["Roots"][0]
    orgs.enable_policy_type(RootId=root["Id"], PolicyType="SERVICE_CONTROL_POLICY")
    handshake = orgs.invite_account_to_organization(Target={"Id": ACCOUNT_B, "Type": "ACCOUNT"})["Handshake"]
    sekisho.client("organizations", access_key=ACCOUNT_B).accept_handshake(HandshakeId=handshake["Id"])
    ou = orgs.create_organizational_unit(ParentId=root["Id"], Name="Workloads")["OrganizationalUnit"]
    orgs.move_account(AccountId=ACCOUNT_B, SourceParentId=root["Id"], DestinationParentId=ou["Id"])

    iam_b = sekisho.client("iam", access_key=ACCOUNT_B)
    iam_b.create_user(UserName="dev")
    iam_b.put_user_policy(UserName="dev", PolicyName="admin", PolicyDocument=ADMIN)
    key = iam_b.create_access_key(UserName="dev")["AccessKey"]
    iam_b.create_role(RoleName="target", AssumeRolePolicyDocument=trust(ACCOUNT_B))
    return {"id": created["Id"], "root": root["Id"], "ou": ou["Id"],
            "dev": (key["AccessKeyId"], key["SecretAccessKey"])}


def as_dev(sekisho, org, service):
    return sekisho.client(service, access_key=org["dev"][0], secret=org["dev"][1])


def scp(sekisho, name, content):
    return sekisho.client("organizations").create_policy(
        Content=content, Description=name, Name=name, Type="SERVICE_CONTROL_POLICY")["Policy"]["PolicySummary"]


def explain(sekisho, request_id):
    out = subprocess.run([os.environ["SEKISHO_BIN"], "explain", request_id, "--endpoint", sekisho.endpoint],
                         capture_output=True, text=True, timeout=30)
    assert out.returncode == 0, out.stderr
    return out.stdout


def test_the_organization_as_each_account_sees_it(sekisho, org):
    a = sekisho.client("organizations").describe_organization()["Organization"]
    assert a["Id"] == org["id"] and len(org["id"]) == 12
    assert a["Arn"] == f"arn:aws:organizations::{ACCOUNT_A}:organization/{org['id']}"
    assert a["MasterAccountId"] == ACCOUNT_A
    assert a["MasterAccountArn"] == f"arn:aws:organizations::{ACCOUNT_A}:account/{org['id']}/{ACCOUNT_A}"
    b = sekisho.client("organizations", access_key=ACCOUNT_B).describe_organization()["Organization"]
    assert b == a

    orgs = sekisho.client("organizations")
    accounts = {acc["Id"]: acc for acc in orgs.list_accounts()["Accounts"]}
    assert set(accounts) >= {ACCOUNT_A, ACCOUNT_B}
    assert accounts[ACCOUNT_B]["JoinedMethod"] == "INVITED" and accounts[ACCOUNT_B]["Status"] == "ACTIVE"
    assert orgs.list_parents(ChildId=ACCOUNT_B)["Parents"] == [{"Id": org["ou"], "Type": "ORGANIZATIONAL_UNIT"}]
    root = orgs.list_roots()["Roots"][0]
    assert {"Type": "SERVICE_CONTROL_POLICY", "Status": "ENABLED"} in root["PolicyTypes"]
    attached = orgs.list_policies_for_target(TargetId=ACCOUNT_B, Filter="SERVICE_CONTROL_POLICY")["Policies"]
    assert [p["Id"] for p in attached] == ["p-FullAWSAccess"]


def test_members_and_outsiders_get_aws_errors(sekisho, org):
    with pytest.raises(botocore.exceptions.ClientError) as e:
        sekisho.client("organizations", access_key=ACCOUNT_B).list_accounts()
    assert error_of(e) == ("AccessDeniedException", 400, "You don't have permissions to access this resource.")
    with pytest.raises(botocore.exceptions.ClientError) as e:
        sekisho.client("organizations", access_key=ACCOUNT_C).describe_organization()
    assert error_of(e) == ("AWSOrganizationsNotInUseException", 400, "Your account is not a member of an organization.")
    with pytest.raises(botocore.exceptions.ClientError) as e:
        sekisho.client("organizations").create_organization()
    assert error_of(e)[0] == "AlreadyInOrganizationException"
    with pytest.raises(botocore.exceptions.ClientError) as e:
        sekisho.client("organizations").create_policy(
            Content='{"Statement": []', Description="", Name="broken", Type="SERVICE_CONTROL_POLICY")
    assert error_of(e) == ("MalformedPolicyDocumentException", 400,
                           "The provided policy document does not meet the requirements of the specified policy type.")


def test_an_scp_denies_assume_role_and_explain_names_it(sekisho, org):
    sts = as_dev(sekisho, org, "sts")
    role_arn = f"arn:aws:iam::{ACCOUNT_B}:role/target"
    assert sts.assume_role(RoleArn=role_arn, RoleSessionName="before")["Credentials"]["AccessKeyId"]

    policy = scp(sekisho, "DenyAssumeRole", deny("sts:AssumeRole"))
    orgs = sekisho.client("organizations")
    orgs.attach_policy(PolicyId=policy["Id"], TargetId=org["ou"])
    try:
        with pytest.raises(botocore.exceptions.ClientError) as e:
            sts.assume_role(RoleArn=role_arn, RoleSessionName="after")
        code, status, message = error_of(e)
        assert (code, status) == ("AccessDenied", 403)
        # STS words every AssumeRole denial the same way, whichever policy denied.
        assert message == (f"User: arn:aws:iam::{ACCOUNT_B}:user/dev is not authorized to perform: "
                           f"sts:AssumeRole on resource: {role_arn}")
        why = explain(sekisho, e.value.response["ResponseMetadata"]["RequestId"])
        assert "DENIED (explicit deny)" in why
        assert "DenyAssumeRole" in why and policy["Arn"] in why
        assert f"level 2 {org['ou']}" in why

        # The management account is not limited by its organization's SCPs.
        orgs.attach_policy(PolicyId=policy["Id"], TargetId=org["root"])
        iam_a = sekisho.client("iam")
        iam_a.create_role(RoleName="mgmt-target", AssumeRolePolicyDocument=trust(ACCOUNT_A))
        sekisho.admin_client("sts").assume_role(RoleArn=f"arn:aws:iam::{ACCOUNT_A}:role/mgmt-target",
                                                RoleSessionName="mgmt")
        orgs.detach_policy(PolicyId=policy["Id"], TargetId=org["root"])
    finally:
        orgs.detach_policy(PolicyId=policy["Id"], TargetId=org["ou"])
    assert sts.assume_role(RoleArn=role_arn, RoleSessionName="again")["Credentials"]["AccessKeyId"]
    orgs.delete_policy(PolicyId=policy["Id"])


def test_the_denial_text_names_the_service_control_policy(sekisho, org):
    policy = scp(sekisho, "NoNewUsers", deny("iam:CreateUser"))
    orgs = sekisho.client("organizations")
    orgs.attach_policy(PolicyId=policy["Id"], TargetId=ACCOUNT_B)
    try:
        with pytest.raises(botocore.exceptions.ClientError) as e:
            as_dev(sekisho, org, "iam").create_user(UserName="mallory")
        assert error_of(e) == ("AccessDenied", 403, (
            f"User: arn:aws:iam::{ACCOUNT_B}:user/dev is not authorized to perform: iam:CreateUser on resource: "
            f"arn:aws:iam::{ACCOUNT_B}:user/mallory with an explicit deny in a service control policy: {policy['Arn']}"))
        assert policy["Arn"] == (f"arn:aws:organizations::{ACCOUNT_A}:policy/{org['id']}/service_control_policy/"
                                 f"{policy['Id']}")
        # The member's root user is bound by SCPs too.
        with pytest.raises(botocore.exceptions.ClientError) as e:
            sekisho.client("iam", access_key=ACCOUNT_B).create_user(UserName="mallory")
        assert error_of(e)[2].endswith(f"with an explicit deny in a service control policy: {policy['Arn']}")
    finally:
        orgs.detach_policy(PolicyId=policy["Id"], TargetId=ACCOUNT_B)
    as_dev(sekisho, org, "iam").create_user(UserName="mallory")


def test_an_allow_list_scp_denies_everything_else_implicitly(sekisho, org):
    only_sts = scp(sekisho, "OnlySts", json.dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": "sts:*", "Resource": "*"}]}))
    orgs = sekisho.client("organizations")
    orgs.attach_policy(PolicyId=only_sts["Id"], TargetId=org["ou"])
    orgs.detach_policy(PolicyId="p-FullAWSAccess", TargetId=org["ou"])
    try:
        as_dev(sekisho, org, "sts").get_caller_identity()
        with pytest.raises(botocore.exceptions.ClientError) as e:
            as_dev(sekisho, org, "iam").list_roles()
        # AWS words an SCP's implicit deny as an explicit one, naming no policy.
        assert error_of(e) == ("AccessDenied", 403, (
            f"User: arn:aws:iam::{ACCOUNT_B}:user/dev is not authorized to perform: iam:ListRoles "
            "with an explicit deny in a service control policy"))
    finally:
        orgs.attach_policy(PolicyId="p-FullAWSAccess", TargetId=org["ou"])
        orgs.detach_policy(PolicyId=only_sts["Id"], TargetId=org["ou"])
    as_dev(sekisho, org, "iam").list_roles()


def test_an_rcp_keeps_a_role_inside_the_organization(sekisho, org):
    orgs = sekisho.client("organizations")
    orgs.enable_policy_type(RootId=org["root"], PolicyType="RESOURCE_CONTROL_POLICY")
    iam_b = sekisho.client("iam", access_key=ACCOUNT_B)
    iam_b.create_role(RoleName="shared", AssumeRolePolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": "sts:AssumeRole",
         "Principal": {"AWS": [f"arn:aws:iam::{ACCOUNT_A}:root", f"arn:aws:iam::{ACCOUNT_C}:root"]}}]}))
    shared = f"arn:aws:iam::{ACCOUNT_B}:role/shared"
    sekisho.admin_client("sts", ACCOUNT_C).assume_role(RoleArn=shared, RoleSessionName="outside")

    rcp = orgs.create_policy(Name="OrgOnly", Description="principals of the organization only",
                             Type="RESOURCE_CONTROL_POLICY", Content=json.dumps({
                                 "Version": "2012-10-17", "Statement": [{
                                     "Sid": "OrgOnly", "Effect": "Deny", "Principal": "*", "Action": "sts:AssumeRole",
                                     "Resource": "*", "Condition": {
                                         "StringNotEqualsIfExists": {"aws:PrincipalOrgID": org["id"]},
                                         "Bool": {"aws:PrincipalIsAWSService": "false"}}}]}))["Policy"]["PolicySummary"]
    orgs.attach_policy(PolicyId=rcp["Id"], TargetId=org["root"])
    try:
        with pytest.raises(botocore.exceptions.ClientError) as e:
            sekisho.admin_client("sts", ACCOUNT_C).assume_role(RoleArn=shared, RoleSessionName="outside")
        assert error_of(e) == ("AccessDenied", 403, (
            f"User: arn:aws:iam::{ACCOUNT_C}:user/sekisho-admin is not authorized to perform: sts:AssumeRole on "
            f"resource: {shared}"))
        why = explain(sekisho, e.value.response["ResponseMetadata"]["RequestId"])
        assert "resource control policy" in why and "OrgOnly" in why
        sekisho.admin_client("sts").assume_role(RoleArn=shared, RoleSessionName="inside")
        with pytest.raises(botocore.exceptions.ClientError) as e:
            orgs.detach_policy(PolicyId="p-RCPFullAWSAccess", TargetId=ACCOUNT_B)
        assert error_of(e)[0] == "InvalidInputException"
    finally:
        orgs.detach_policy(PolicyId=rcp["Id"], TargetId=org["root"])
        orgs.disable_policy_type(RootId=org["root"], PolicyType="RESOURCE_CONTROL_POLICY")


def test_a_created_account_is_reached_through_its_access_role(sekisho, org):
    orgs = sekisho.client("organizations")
    status = orgs.create_account(Email="sandbox@example.com", AccountName="Sandbox")["CreateAccountStatus"]
    assert status["State"] == "SUCCEEDED"
    status = orgs.describe_create_account_status(CreateAccountRequestId=status["Id"])["CreateAccountStatus"]
    new_account = status["AccountId"]
    assert len(new_account) == 12 and new_account.isdigit()
    creds = sekisho.admin_client("sts").assume_role(
        RoleArn=f"arn:aws:iam::{new_account}:role/OrganizationAccountAccessRole", RoleSessionName="admin",
    )["Credentials"]
    me = sekisho.client("sts", access_key=creds["AccessKeyId"], secret=creds["SecretAccessKey"],
                        token=creds["SessionToken"]).get_caller_identity()
    assert me["Arn"] == f"arn:aws:sts::{new_account}:assumed-role/OrganizationAccountAccessRole/admin"
    described = orgs.describe_account(AccountId=new_account)["Account"]
    assert (described["Name"], described["JoinedMethod"]) == ("Sandbox", "CREATED")


def test_the_cli_speaks_organizations(sekisho, org):
    out = json.loads(sekisho.aws("organizations", "list-policies", "--filter", "SERVICE_CONTROL_POLICY").stdout)
    full = next(p for p in out["Policies"] if p["Id"] == "p-FullAWSAccess")
    assert full["Arn"] == "arn:aws:organizations::aws:policy/service_control_policy/p-FullAWSAccess"
    assert full["AwsManaged"] is True
    out = json.loads(sekisho.aws("organizations", "describe-organization", account=ACCOUNT_B).stdout)
    assert out["Organization"]["Id"] == org["id"]
    failed = sekisho.aws("organizations", "list-roots", account=ACCOUNT_C, check=False)
    assert failed.returncode != 0
    assert "AWSOrganizationsNotInUseException" in failed.stderr
