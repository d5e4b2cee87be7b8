"""IAM through boto3 against the real binary: entities, AWS's errors, documents as IAM returns them, paging,
access keys that really sign, managed policies and their versions, the simulator."""

import json
import urllib.parse

import botocore.exceptions
import pytest

from conftest import ACCOUNT_A, ACCOUNT_B

TRUST_EC2 = json.dumps({"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"}]})
ALLOW_S3_READ = json.dumps({"Version": "2012-10-17", "Statement": [
    {"Sid": "Read", "Effect": "Allow", "Action": ["s3:GetObject", "s3:ListBucket"], "Resource": "*"}]})


def error_of(excinfo):
    e = excinfo.value.response
    return e["Error"]["Code"], e["ResponseMetadata"]["HTTPStatusCode"], e["Error"].get("Message", "")


@pytest.fixture
def iam(sekisho):
    return sekisho.client("iam")


@pytest.fixture
def iam_b(sekisho):
    return sekisho.client("iam", access_key=ACCOUNT_B)


def test_role_lifecycle_and_errors(iam):
    role = iam.create_role(RoleName="Lifecycle", Path="/app/", AssumeRolePolicyDocument=TRUST_EC2,
                           MaxSessionDuration=7200, Tags=[{"Key": "team", "Value": "a"}])["Role"]
    assert role["Arn"] == f"arn:aws:iam::{ACCOUNT_A}:role/app/Lifecycle"
    assert role["Path"] == "/app/" and role["MaxSessionDuration"] == 7200
    assert role["Tags"] == [{"Key": "team", "Value": "a"}]
    assert role["AssumeRolePolicyDocument"] == json.loads(TRUST_EC2)

    with pytest.raises(botocore.exceptions.ClientError) as e:
        iam.create_role(RoleName="lifecycle", AssumeRolePolicyDocument=TRUST_EC2)
    assert error_of(e) == ("EntityAlreadyExists", 409, "Role with name lifecycle already exists.")
    with pytest.raises(botocore.exceptions.ClientError) as e:
        iam.get_role(RoleName="NoSuchRole")
    assert error_of(e) == ("NoSuchEntity", 404, "The role with name NoSuchRole cannot be found.")

    got = iam.get_role(RoleName="LIFECYCLE")["Role"]
    assert got["RoleName"] == "Lifecycle" and got["RoleLastUsed"] == {}
    iam.update_role(RoleName="Lifecycle", Description="updated", MaxSessionDuration=43200)
    assert iam.update_role_description(RoleName="Lifecycle", Description="again")["Role"]["Description"] == "again"
    assert iam.get_role(RoleName="Lifecycle")["Role"]["MaxSessionDuration"] == 43200

    iam.put_role_policy(RoleName="Lifecycle", PolicyName="inline", PolicyDocument=ALLOW_S3_READ)
    iam.attach_role_policy(RoleName="Lifecycle", PolicyArn="arn:aws:iam::aws:policy/ReadOnlyAccess")
    profile = iam.create_instance_profile(InstanceProfileName="lifecycle-profile")["InstanceProfile"]
    iam.add_role_to_instance_profile(InstanceProfileName="lifecycle-profile", RoleName="Lifecycle")
    conflicts = []
    for undo in [
        lambda: iam.remove_role_from_instance_profile(InstanceProfileName="lifecycle-profile", RoleName="Lifecycle"),
        lambda: iam.detach_role_policy(RoleName="Lifecycle", PolicyArn="arn:aws:iam::aws:policy/ReadOnlyAccess"),
        lambda: iam.delete_role_policy(RoleName="Lifecycle", PolicyName="inline"),
    ]:
        with pytest.raises(botocore.exceptions.ClientError) as e:
            iam.delete_role(RoleName="Lifecycle")
        conflicts.append(error_of(e))
        undo()
    assert conflicts == [
        ("DeleteConflict", 409, "Cannot delete entity, must remove roles from instance profile first."),
        ("DeleteConflict", 409, "Cannot delete entity, must detach all policies first."),
        ("DeleteConflict", 409, "Cannot delete entity, must delete policies first."),
    ]
    iam.delete_role(RoleName="Lifecycle")
    iam.delete_instance_profile(InstanceProfileName=profile["InstanceProfileName"])
    with pytest.raises(botocore.exceptions.ClientError) as e:
        iam.get_role(RoleName="Lifecycle")
    assert error_of(e)[0] == "NoSuchEntity"


def test_bad_trust_policies_and_durations_get_iams_errors(iam):
    with pytest.raises(botocore.exceptions.ClientError) as e:
        iam.create_role(RoleName="BadTrust", AssumeRolePolicyDocument="{not json")
    assert error_of(e) == ("MalformedPolicyDocument", 400, "Syntax errors in policy.")
    with pytest.raises(botocore.exceptions.ClientError) as e:
        iam.create_role(RoleName="BadTrust", AssumeRolePolicyDocument=json.dumps({
            "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"},
                                                     "Action": "sts:AssumeRole", "Resource": "*"}]}))
    assert error_of(e)[:2] == ("MalformedPolicyDocument", 400)
    with pytest.raises(botocore.exceptions.ClientError) as e:
        iam.create_role(RoleName="TooLong", AssumeRolePolicyDocument=TRUST_EC2, MaxSessionDuration=43201)
    assert error_of(e) == ("ValidationError", 400,
                           "1 validation error detected: Value '43201' at 'maxSessionDuration' failed to satisfy "
                           "constraint: Member must have value less than or equal to 43200")
    with pytest.raises(botocore.exceptions.ClientError) as e:
        iam.create_role(RoleName="Ghost", AssumeRolePolicyDocument=json.dumps({
            "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole",
                                                     "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT_A}:user/nobody"}}]}))
    assert error_of(e) == ("MalformedPolicyDocument", 400,
                           f'Invalid principal in policy: "AWS":"arn:aws:iam::{ACCOUNT_A}:user/nobody"')


def test_documents_are_url_encoded_on_the_wire(sekisho, iam):
    from test_core import signed_request

    iam.create_role(RoleName="Encoded", AssumeRolePolicyDocument=TRUST_EC2)
    status, _, body = signed_request(sekisho.endpoint, "iam", "us-east-1",
                                     "Action=GetRole&Version=2010-05-08&RoleName=Encoded",
                                     {"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"})
    assert status == 200
    text = body.decode()
    start = text.index("<AssumeRolePolicyDocument>") + len("<AssumeRolePolicyDocument>")
    encoded = text[start:text.index("</AssumeRolePolicyDocument>")]
    assert encoded.startswith("%7B%22Version%22%3A%20%222012-10-17%22")
    assert urllib.parse.unquote(encoded) == TRUST_EC2


def test_list_roles_pages_and_filters_by_path(iam):
    for i in range(5):
        iam.create_role(RoleName=f"paged-{i}", Path="/paged/", AssumeRolePolicyDocument=TRUST_EC2)
    first = iam.list_roles(PathPrefix="/paged/", MaxItems=2)
    assert first["IsTruncated"] is True and len(first["Roles"]) == 2
    rest = iam.list_roles(PathPrefix="/paged/", Marker=first["Marker"])
    assert rest["IsTruncated"] is False
    names = [r["RoleName"] for r in first["Roles"] + rest["Roles"]]
    assert names == [f"paged-{i}" for i in range(5)]
    assert all("Tags" not in r and "RoleLastUsed" not in r for r in rest["Roles"])
    paginated = [r["RoleName"] for page in iam.get_paginator("list_roles").paginate(
        PathPrefix="/paged/", PaginationConfig={"PageSize": 2}) for r in page["Roles"]]
    assert paginated == names


def test_managed_policy_quota_per_role(iam):
    iam.create_role(RoleName="Crowded", AssumeRolePolicyDocument=TRUST_EC2)
    arns = [iam.create_policy(PolicyName=f"crowd-{i}", PolicyDocument=ALLOW_S3_READ)["Policy"]["Arn"]
            for i in range(11)]
    for arn in arns[:10]:
        iam.attach_role_policy(RoleName="Crowded", PolicyArn=arn)
    with pytest.raises(botocore.exceptions.ClientError) as e:
        iam.attach_role_policy(RoleName="Crowded", PolicyArn=arns[10])
    assert error_of(e) == ("LimitExceeded", 409, "Cannot exceed quota for PoliciesPerRole: 10")
    with pytest.raises(botocore.exceptions.ClientError) as e:
        iam.attach_role_policy(RoleName="Crowded", PolicyArn="arn:aws:iam::aws:policy/NoSuchPolicy")
    assert error_of(e) == ("NoSuchEntity", 404,
                           "Policy arn:aws:iam::aws:policy/NoSuchPolicy does not exist or is not attachable.")
    with pytest.raises(botocore.exceptions.ClientError) as e:
        iam.detach_role_policy(RoleName="Crowded", PolicyArn=arns[10])
    assert error_of(e) == ("NoSuchEntity", 404, f"Policy {arns[10]} was not found.")


def test_managed_policies_and_versions(iam):
    policy = iam.create_policy(PolicyName="Versioned", Path="/team/", PolicyDocument=ALLOW_S3_READ,
                               Description="reads")["Policy"]
    arn = policy["Arn"]
    assert arn == f"arn:aws:iam::{ACCOUNT_A}:policy/team/Versioned"
    with pytest.raises(botocore.exceptions.ClientError) as e:
        iam.create_policy(PolicyName="Versioned", PolicyDocument=ALLOW_S3_READ)
    assert error_of(e) == ("EntityAlreadyExists", 409,
                           "A policy called Versioned already exists. Duplicate names are not allowed.")
    with pytest.raises(botocore.exceptions.ClientError) as e:
        iam.create_policy(PolicyName="NoVersion", PolicyDocument=json.dumps(
            {"Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}]}))
    assert error_of(e) == ("MalformedPolicyDocument", 400, "Policy document must be version 2012-10-17 or greater.")
    for i in range(4):
        v = iam.create_policy_version(PolicyArn=arn, PolicyDocument=ALLOW_S3_READ, SetAsDefault=(i == 3))
        assert v["PolicyVersion"]["VersionId"] == f"v{i + 2}"
    with pytest.raises(botocore.exceptions.ClientError) as e:
        iam.create_policy_version(PolicyArn=arn, PolicyDocument=ALLOW_S3_READ)
    assert error_of(e)[:2] == ("LimitExceeded", 409)
    assert iam.get_policy(PolicyArn=arn)["Policy"]["DefaultVersionId"] == "v5"
    versions = iam.list_policy_versions(PolicyArn=arn)["Versions"]
    assert [v["VersionId"] for v in versions] == ["v5", "v4", "v3", "v2", "v1"]
    with pytest.raises(botocore.exceptions.ClientError) as e:
        iam.delete_policy_version(PolicyArn=arn, VersionId="v5")
    assert error_of(e) == ("DeleteConflict", 409, "Cannot delete the default version of a policy.")
    iam.set_default_policy_version(PolicyArn=arn, VersionId="v1")
    doc = iam.get_policy_version(PolicyArn=arn, VersionId="v1")["PolicyVersion"]
    assert doc["Document"] == json.loads(ALLOW_S3_READ) and doc["IsDefaultVersion"] is True
    for v in ["v2", "v3", "v4", "v5"]:
        iam.delete_policy_version(PolicyArn=arn, VersionId=v)
    iam.delete_policy(PolicyArn=arn)
    with pytest.raises(botocore.exceptions.ClientError) as e:
        iam.get_policy(PolicyArn=arn)
    assert error_of(e) == ("NoSuchEntity", 404, f"Policy {arn} was not found.")


def test_aws_managed_policies_keep_their_paths(iam):
    arn = "arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole"
    policy = iam.get_policy(PolicyArn=arn)["Policy"]
    assert policy["Path"] == "/service-role/" and policy["PolicyName"] == "AWSLambdaBasicExecutionRole"
    version = iam.get_policy_version(PolicyArn=arn, VersionId=policy["DefaultVersionId"])["PolicyVersion"]
    assert "logs:PutLogEvents" in version["Document"]["Statement"][0]["Action"]
    aws = [p["Arn"] for p in iam.get_paginator("list_policies").paginate(Scope="AWS") for p in p["Policies"]]
    assert arn in aws and "arn:aws:iam::aws:policy/job-function/ViewOnlyAccess" in aws
    iam.create_role(RoleName="LambdaLike", AssumeRolePolicyDocument=TRUST_EC2)
    iam.attach_role_policy(RoleName="LambdaLike", PolicyArn=arn)
    attached = iam.list_attached_role_policies(RoleName="LambdaLike", PathPrefix="/service-role/")
    assert attached["AttachedPolicies"] == [{"PolicyName": "AWSLambdaBasicExecutionRole", "PolicyArn": arn}]
    local = iam.list_policies(Scope="AWS", OnlyAttached=True)["Policies"]
    assert [p["Arn"] for p in local] == [arn]


def test_user_access_keys_sign_for_real(sekisho, iam):
    user = iam.create_user(UserName="alice", Path="/staff/")["User"]
    assert user["UserId"].startswith("AIDA") and user["Arn"] == f"arn:aws:iam::{ACCOUNT_A}:user/staff/alice"
    key = iam.create_access_key(UserName="alice")["AccessKey"]
    assert key["AccessKeyId"].startswith("AKIA") and len(key["SecretAccessKey"]) == 40
    me = sekisho.client("sts", access_key=key["AccessKeyId"], secret=key["SecretAccessKey"]).get_caller_identity()
    assert me == {**me, "Arn": user["Arn"], "UserId": user["UserId"], "Account": ACCOUNT_A}
    iam.create_access_key(UserName="alice")
    with pytest.raises(botocore.exceptions.ClientError) as e:
        iam.create_access_key(UserName="alice")
    assert error_of(e) == ("LimitExceeded", 409, "Cannot exceed quota for AccessKeysPerUser: 2")
    listed = iam.list_access_keys(UserName="alice")["AccessKeyMetadata"]
    assert len(listed) == 2 and all(k["Status"] == "Active" and "SecretAccessKey" not in k for k in listed)
    last = iam.get_access_key_last_used(AccessKeyId=key["AccessKeyId"])
    assert last["UserName"] == "alice" and last["AccessKeyLastUsed"]["Region"] == "N/A"

    iam.update_access_key(UserName="alice", AccessKeyId=key["AccessKeyId"], Status="Inactive")
    sts = sekisho.client("sts", access_key=key["AccessKeyId"], secret=key["SecretAccessKey"])
    with pytest.raises(botocore.exceptions.ClientError) as e:
        sts.get_caller_identity()
    assert error_of(e)[:2] == ("InvalidClientTokenId", 403)
    with pytest.raises(botocore.exceptions.ClientError) as e:
        iam.delete_user(UserName="alice")
    assert error_of(e) == ("DeleteConflict", 409, "Cannot delete entity, must delete access keys first.")
    for k in iam.list_access_keys(UserName="alice")["AccessKeyMetadata"]:
        iam.delete_access_key(UserName="alice", AccessKeyId=k["AccessKeyId"])
    iam.delete_user(UserName="alice")
    with pytest.raises(botocore.exceptions.ClientError) as e:
        iam.get_user(UserName="alice")
    assert error_of(e) == ("NoSuchEntity", 404, "The user with name alice cannot be found.")


def test_get_user_without_a_name_is_the_caller(iam):
    me = iam.get_user()["User"]
    assert me["Arn"] == f"arn:aws:iam::{ACCOUNT_A}:root" and me["UserId"] == ACCOUNT_A


def test_groups_membership_and_policies(iam):
    iam.create_group(GroupName="devs")
    iam.create_user(UserName="bob")
    iam.add_user_to_group(GroupName="devs", UserName="bob")
    iam.put_group_policy(GroupName="devs", PolicyName="read", PolicyDocument=ALLOW_S3_READ)
    iam.attach_group_policy(GroupName="devs", PolicyArn="arn:aws:iam::aws:policy/ReadOnlyAccess")
    group = iam.get_group(GroupName="devs")
    assert group["Group"]["GroupId"].startswith("AGPA") and [u["UserName"] for u in group["Users"]] == ["bob"]
    assert [g["GroupName"] for g in iam.list_groups_for_user(UserName="bob")["Groups"]] == ["devs"]
    assert iam.get_group_policy(GroupName="devs", PolicyName="read")["PolicyDocument"] == json.loads(ALLOW_S3_READ)
    with pytest.raises(botocore.exceptions.ClientError) as e:
        iam.delete_group(GroupName="devs")
    assert error_of(e) == ("DeleteConflict", 409, "Cannot delete entity, must remove users from group first.")
    with pytest.raises(botocore.exceptions.ClientError) as e:
        iam.get_group(GroupName="nobody")
    assert error_of(e) == ("NoSuchEntity", 404, "The group with name nobody cannot be found.")
    entities = iam.list_entities_for_policy(PolicyArn="arn:aws:iam::aws:policy/ReadOnlyAccess")
    assert [g["GroupName"] for g in entities["PolicyGroups"]] == ["devs"]


def test_authorization_details_carry_encoded_documents(iam):
    iam.create_role(RoleName="Detailed", AssumeRolePolicyDocument=TRUST_EC2)
    iam.put_role_policy(RoleName="Detailed", PolicyName="read", PolicyDocument=ALLOW_S3_READ)
    details = iam.get_account_authorization_details(Filter=["Role"])
    roles = {r["RoleName"]: r for r in details["RoleDetailList"]}
    assert roles["Detailed"]["AssumeRolePolicyDocument"] == json.loads(TRUST_EC2)
    assert roles["Detailed"]["RolePolicyList"] == [{"PolicyName": "read", "PolicyDocument": json.loads(ALLOW_S3_READ)}]
    assert details["UserDetailList"] == [] and details["Policies"] == []


def test_simulate_custom_and_principal_policy(iam):
    result = iam.simulate_custom_policy(PolicyInputList=[ALLOW_S3_READ],
                                        ActionNames=["s3:GetObject", "s3:PutObject"])["EvaluationResults"]
    decisions = {r["EvalActionName"]: r["EvalDecision"] for r in result}
    assert decisions == {"s3:GetObject": "allowed", "s3:PutObject": "implicitDeny"}
    matched = result[0]["MatchedStatements"][0]
    assert matched["SourcePolicyId"] == "PolicyInputList.1"
    assert matched["StartPosition"]["Line"] >= 1 and "Column" in matched["EndPosition"]

    iam.create_user(UserName="simulated")
    iam.attach_user_policy(UserName="simulated", PolicyArn="arn:aws:iam::aws:policy/ReadOnlyAccess")
    user_arn = iam.get_user(UserName="simulated")["User"]["Arn"]
    result = iam.simulate_principal_policy(PolicySourceArn=user_arn, ActionNames=["iam:ListRoles", "iam:CreateRole"],
                                           ResourceArns=["*"])["EvaluationResults"]
    assert [r["EvalDecision"] for r in result] == ["allowed", "implicitDeny"]


def test_account_alias_and_password_policy(iam, iam_b):
    iam.create_account_alias(AccountAlias="sekisho-a")
    assert iam.list_account_aliases()["AccountAliases"] == ["sekisho-a"]
    with pytest.raises(botocore.exceptions.ClientError) as e:
        iam_b.create_account_alias(AccountAlias="sekisho-a")
    assert error_of(e)[:2] == ("EntityAlreadyExists", 409)
    iam.delete_account_alias(AccountAlias="sekisho-a")
    with pytest.raises(botocore.exceptions.ClientError) as e:
        iam.get_account_password_policy()
    assert error_of(e) == ("NoSuchEntity", 404, f"The Password Policy with domain name {ACCOUNT_A} cannot be found.")
    iam.update_account_password_policy(MinimumPasswordLength=12, RequireSymbols=True)
    policy = iam.get_account_password_policy()["PasswordPolicy"]
    assert policy["MinimumPasswordLength"] == 12 and policy["RequireSymbols"] is True
    iam.delete_account_password_policy()
    assert iam.get_account_summary()["SummaryMap"]["AttachedPoliciesPerRoleQuota"] == 10


def test_each_account_has_its_own_identity_store(iam, iam_b):
    iam_b.create_role(RoleName="OnlyInB", AssumeRolePolicyDocument=TRUST_EC2)
    with pytest.raises(botocore.exceptions.ClientError) as e:
        iam.get_role(RoleName="OnlyInB")
    assert error_of(e) == ("NoSuchEntity", 404, "The role with name OnlyInB cannot be found.")
    assert "OnlyInB" not in [r["RoleName"] for r in iam.get_paginator("list_roles").paginate().build_full_result()["Roles"]]
