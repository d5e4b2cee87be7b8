"""STS through boto3 and the AWS CLI against the real binary: the seed-003 flow (a role session in account A
assumes `external-role` in account B), role chaining, ExternalId, AWS's AccessDenied texts, session tokens.

The cross-account cases need the door's policy enforcement (identity policies, trust policies, both accounts)."""

import datetime
import json

import botocore.exceptions
import pytest

from conftest import ACCOUNT_A, ACCOUNT_B

SAM_ASSUME_POLICY = json.dumps({"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Action": ["sts:AssumeRole"], "Resource": "arn:aws:iam::*:role/external-role"}]})


def error_of(excinfo):
    e = excinfo.value.response
    return e["Error"]["Code"], e["ResponseMetadata"]["HTTPStatusCode"], e["Error"].get("Message", "")


def trust(principal, condition=None):
    statement = {"Effect": "Allow", "Action": "sts:AssumeRole", "Principal": principal}
    if condition:
        statement["Condition"] = condition
    return json.dumps({"Version": "2012-10-17", "Statement": [statement]})


@pytest.fixture(scope="module")
def world(sekisho):
    """Account B: `external-role` (trusts A, ReadOnlyAccess) and `partner-role` (needs an ExternalId).
    Account A: `lambda-role` allowed to assume any `external-role`, `caller-role` allowed to assume any role,
    `no-permission-role` with no policy at all; A's `admin` user (AdministratorAccess) may assume each of them
    (an account's root user may not assume roles at all)."""
    iam_a, iam_b = sekisho.client("iam"), sekisho.client("iam", access_key=ACCOUNT_B)
    iam_a.create_user(UserName="admin")
    iam_a.attach_user_policy(UserName="admin", PolicyArn="arn:aws:iam::aws:policy/AdministratorAccess")
    key = iam_a.create_access_key(UserName="admin")["AccessKey"]
    sekisho.admin = (key["AccessKeyId"], key["SecretAccessKey"])
    iam_b.create_role(RoleName="external-role", AssumeRolePolicyDocument=trust({"AWS": ACCOUNT_A}))
    iam_b.attach_role_policy(RoleName="external-role", PolicyArn="arn:aws:iam::aws:policy/ReadOnlyAccess")
    iam_b.create_role(RoleName="partner-role", AssumeRolePolicyDocument=trust(
        {"AWS": f"arn:aws:iam::{ACCOUNT_A}:root"}, {"StringEquals": {"sts:ExternalId": "partner-7f3a"}}))
    a_root = {"AWS": f"arn:aws:iam::{ACCOUNT_A}:root"}
    iam_a.create_role(RoleName="lambda-role", AssumeRolePolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"},
        {"Effect": "Allow", "Principal": a_root, "Action": "sts:AssumeRole"}]}))
    iam_a.put_role_policy(RoleName="lambda-role", PolicyName="assume-external", PolicyDocument=SAM_ASSUME_POLICY)
    iam_a.create_role(RoleName="caller-role", AssumeRolePolicyDocument=trust(a_root))
    iam_a.put_role_policy(RoleName="caller-role", PolicyName="assume-any", PolicyDocument=json.dumps(
        {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole", "Resource": "*"}]}))
    iam_a.create_role(RoleName="no-permission-role", AssumeRolePolicyDocument=trust(a_root))
    return sekisho


def admin_sts(sekisho, region="us-east-1"):
    key, secret = sekisho.admin
    return sekisho.client("sts", access_key=key, secret=secret, region=region)


def session_in_a(sekisho, role_name, session_name="fn"):
    creds = admin_sts(sekisho).assume_role(
        RoleArn=f"arn:aws:iam::{ACCOUNT_A}:role/{role_name}", RoleSessionName=session_name)["Credentials"]
    return creds


def sts_as(sekisho, creds, region="us-east-1"):
    return sekisho.client("sts", access_key=creds["AccessKeyId"], secret=creds["SecretAccessKey"],
                          token=creds["SessionToken"], region=region)


def test_root_may_not_assume_roles(world):
    with pytest.raises(botocore.exceptions.ClientError) as e:
        world.client("sts").assume_role(RoleArn=f"arn:aws:iam::{ACCOUNT_A}:role/lambda-role", RoleSessionName="fn")
    assert error_of(e) == ("AccessDenied", 403, "Roles may not be assumed by root accounts.")


def test_a_user_assumes_a_role_in_its_own_account(world):
    sts = admin_sts(world)
    out = sts.assume_role(RoleArn=f"arn:aws:iam::{ACCOUNT_A}:role/lambda-role", RoleSessionName="fn",
                          DurationSeconds=900)
    creds, user = out["Credentials"], out["AssumedRoleUser"]
    assert creds["AccessKeyId"].startswith("ASIA") and len(creds["AccessKeyId"]) == 20
    assert len(creds["SecretAccessKey"]) == 40 and creds["SessionToken"]
    assert user["Arn"] == f"arn:aws:sts::{ACCOUNT_A}:assumed-role/lambda-role/fn"
    role_id = world.client("iam").get_role(RoleName="lambda-role")["Role"]["RoleId"]
    assert user["AssumedRoleId"] == f"{role_id}:fn"
    me = sts_as(world, creds).get_caller_identity()
    assert (me["Arn"], me["UserId"], me["Account"]) == (user["Arn"], user["AssumedRoleId"], ACCOUNT_A)
    assert world.client("sts").get_access_key_info(AccessKeyId=creds["AccessKeyId"])["Account"] == ACCOUNT_A
    last = world.client("iam").get_role(RoleName="lambda-role")["Role"]["RoleLastUsed"]
    assert last["Region"] == "us-east-1" and "LastUsedDate" in last


def test_chained_session_asks_for_more_than_an_hour(world):
    creds = session_in_a(world, "lambda-role")
    with pytest.raises(botocore.exceptions.ClientError) as e:
        sts_as(world, creds).assume_role(RoleArn=f"arn:aws:iam::{ACCOUNT_B}:role/external-role",
                                         RoleSessionName="external-session", DurationSeconds=3601)
    assert error_of(e) == ("ValidationError", 400, "The requested DurationSeconds exceeds the 1 hour session limit "
                                                   "for roles assumed by role chaining.")


def test_role_maximum_session_duration(world):
    with pytest.raises(botocore.exceptions.ClientError) as e:
        admin_sts(world).assume_role(RoleArn=f"arn:aws:iam::{ACCOUNT_A}:role/lambda-role", RoleSessionName="fn",
                                        DurationSeconds=7200)
    assert error_of(e) == ("ValidationError", 400,
                           "The requested DurationSeconds exceeds the MaxSessionDuration set for this role.")


def test_session_names_are_validated_by_the_model(world):
    with pytest.raises(botocore.exceptions.ClientError) as e:
        admin_sts(world).assume_role(RoleArn=f"arn:aws:iam::{ACCOUNT_A}:role/lambda-role",
                                        RoleSessionName="bedrock role")
    assert error_of(e) == ("ValidationError", 400,
                           "1 validation error detected: Value 'bedrock role' at 'roleSessionName' failed to satisfy "
                           "constraint: Member must satisfy regular expression pattern: [\\w+=,.@-]*")


def test_a_missing_role_is_denied_as_aws_does(world):
    with pytest.raises(botocore.exceptions.ClientError) as e:
        admin_sts(world).assume_role(RoleArn=f"arn:aws:iam::{ACCOUNT_A}:role/does-not-exist",
                                        RoleSessionName="s1")
    assert error_of(e) == ("AccessDenied", 403,
                           f"User: arn:aws:iam::{ACCOUNT_A}:user/admin is not authorized to perform: sts:AssumeRole "
                           f"on resource: arn:aws:iam::{ACCOUNT_A}:role/does-not-exist")


def test_bad_session_policy_is_malformed(world):
    with pytest.raises(botocore.exceptions.ClientError) as e:
        admin_sts(world).assume_role(RoleArn=f"arn:aws:iam::{ACCOUNT_A}:role/lambda-role", RoleSessionName="s1",
                                        Policy='{"Version": "2012-10-17", "Statement": [{"Effect": "Allow"}]}')
    assert error_of(e)[:2] == ("MalformedPolicyDocument", 400)


def test_session_token_counts_as_temporary(world):
    creds = admin_sts(world).get_session_token()["Credentials"]
    sts = sts_as(world, creds)
    assert sts.get_caller_identity()["Arn"] == f"arn:aws:iam::{ACCOUNT_A}:user/admin"
    with pytest.raises(botocore.exceptions.ClientError) as e:
        sts.assume_role(RoleArn=f"arn:aws:iam::{ACCOUNT_A}:role/lambda-role", RoleSessionName="s1",
                        DurationSeconds=3601)
    assert "role chaining" in error_of(e)[2]


def test_access_key_info_reads_the_account_from_any_key(world):
    sts = world.client("sts")
    assert sts.get_access_key_info(AccessKeyId="ASIAY34FZKBOKMUTVV7A")["Account"] == "609629065308"
    user_key = world.client("iam", access_key=ACCOUNT_B)
    user_key.create_user(UserName="keyholder")
    key = user_key.create_access_key(UserName="keyholder")["AccessKey"]["AccessKeyId"]
    assert sts.get_access_key_info(AccessKeyId=key)["Account"] == ACCOUNT_B


def test_the_cli_assumes_roles_too(world):
    key, secret = world.admin
    out = world.aws("sts", "assume-role", "--role-arn", f"arn:aws:iam::{ACCOUNT_A}:role/caller-role",
                    "--role-session-name", "cli", account=key, secret=secret)
    assert json.loads(out.stdout)["AssumedRoleUser"]["Arn"] == f"arn:aws:sts::{ACCOUNT_A}:assumed-role/caller-role/cli"


# ---- cross-account: these need the door's policy enforcement ----

def test_seed_003_lambda_session_assumes_external_role_for_an_hour(world):
    creds = session_in_a(world, "lambda-role")
    out = sts_as(world, creds).assume_role(RoleArn=f"arn:aws:iam::{ACCOUNT_B}:role/external-role",
                                           RoleSessionName="external-session", DurationSeconds=3600)
    assert out["AssumedRoleUser"]["Arn"] == f"arn:aws:sts::{ACCOUNT_B}:assumed-role/external-role/external-session"
    b_creds = out["Credentials"]
    remaining = (b_creds["Expiration"] - datetime.datetime.now(datetime.timezone.utc)).total_seconds()
    assert 3500 < remaining <= 3600
    iam_b = world.client("iam", access_key=b_creds["AccessKeyId"], secret=b_creds["SecretAccessKey"],
                         token=b_creds["SessionToken"])
    # ReadOnlyAccess lets the session read B's roles, and only B's.
    names = [r["RoleName"] for r in iam_b.list_roles()["Roles"]]
    assert "external-role" in names and "lambda-role" not in names
    with pytest.raises(botocore.exceptions.ClientError) as e:
        iam_b.create_role(RoleName="not-allowed", AssumeRolePolicyDocument=trust({"AWS": ACCOUNT_B}))
    assert error_of(e)[:2] == ("AccessDenied", 403)


def test_without_an_identity_allow_the_session_is_denied(world):
    creds = session_in_a(world, "no-permission-role", "nobody")
    with pytest.raises(botocore.exceptions.ClientError) as e:
        sts_as(world, creds).assume_role(RoleArn=f"arn:aws:iam::{ACCOUNT_B}:role/external-role",
                                         RoleSessionName="external-session")
    assert error_of(e) == ("AccessDenied", 403,
                           f"User: arn:aws:sts::{ACCOUNT_A}:assumed-role/no-permission-role/nobody is not authorized "
                           f"to perform: sts:AssumeRole on resource: arn:aws:iam::{ACCOUNT_B}:role/external-role")


@pytest.mark.parametrize("external_id,allowed", [("partner-7f3a", True), ("wrong-id", False), (None, False)])
def test_external_id_condition(world, external_id, allowed):
    sts = sts_as(world, session_in_a(world, "caller-role", "caller"))
    params = {"RoleArn": f"arn:aws:iam::{ACCOUNT_B}:role/partner-role", "RoleSessionName": "partner"}
    if external_id:
        params["ExternalId"] = external_id
    if allowed:
        assert sts.assume_role(**params)["AssumedRoleUser"]["Arn"].endswith(":assumed-role/partner-role/partner")
    else:
        with pytest.raises(botocore.exceptions.ClientError) as e:
            sts.assume_role(**params)
        assert error_of(e) == ("AccessDenied", 403,
                               f"User: arn:aws:sts::{ACCOUNT_A}:assumed-role/caller-role/caller is not authorized to "
                               f"perform: sts:AssumeRole on resource: arn:aws:iam::{ACCOUNT_B}:role/partner-role")


def test_a_missing_role_in_another_account_is_denied_the_same_way(world):
    sts = sts_as(world, session_in_a(world, "caller-role", "caller"))
    with pytest.raises(botocore.exceptions.ClientError) as e:
        sts.assume_role(RoleArn=f"arn:aws:iam::{ACCOUNT_B}:role/not-there", RoleSessionName="s1")
    assert error_of(e) == ("AccessDenied", 403,
                           f"User: arn:aws:sts::{ACCOUNT_A}:assumed-role/caller-role/caller is not authorized to "
                           f"perform: sts:AssumeRole on resource: arn:aws:iam::{ACCOUNT_B}:role/not-there")


def test_a_roots_iam_calls_stay_in_its_own_account(world):
    iam_a = world.client("iam")
    with pytest.raises(botocore.exceptions.ClientError) as e:
        iam_a.get_role(RoleName="external-role")
    assert error_of(e) == ("NoSuchEntity", 404, "The role with name external-role cannot be found.")
    assert "external-role" not in [r["RoleName"] for r in iam_a.list_roles()["Roles"]]


def test_regional_endpoint_signing_region(world):
    creds = session_in_a(world, "caller-role", "regional")
    me = sts_as(world, creds, region="ap-northeast-1").get_caller_identity()
    assert me["Arn"] == f"arn:aws:sts::{ACCOUNT_A}:assumed-role/caller-role/regional"


def test_a_recreated_role_is_not_trusted(world):
    """IAM-8: a trust policy names a role by its unique id; delete and re-create the role and the trust is gone."""
    iam_a, iam_b = world.client("iam"), world.client("iam", access_key=ACCOUNT_B)
    a_root = {"AWS": f"arn:aws:iam::{ACCOUNT_A}:root"}
    iam_a.create_role(RoleName="ephemeral", AssumeRolePolicyDocument=trust(a_root))
    iam_a.put_role_policy(RoleName="ephemeral", PolicyName="assume-any", PolicyDocument=json.dumps(
        {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole", "Resource": "*"}]}))
    old_id = iam_a.get_role(RoleName="ephemeral")["Role"]["RoleId"]
    iam_b.create_role(RoleName="trusts-ephemeral",
                      AssumeRolePolicyDocument=trust({"AWS": f"arn:aws:iam::{ACCOUNT_A}:role/ephemeral"}))
    iam_a.delete_role_policy(RoleName="ephemeral", PolicyName="assume-any")
    iam_a.delete_role(RoleName="ephemeral")
    shown = iam_b.get_role(RoleName="trusts-ephemeral")["Role"]["AssumeRolePolicyDocument"]
    assert shown["Statement"][0]["Principal"] == {"AWS": old_id}

    iam_a.create_role(RoleName="ephemeral", AssumeRolePolicyDocument=trust(a_root))
    iam_a.put_role_policy(RoleName="ephemeral", PolicyName="assume-any", PolicyDocument=json.dumps(
        {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole", "Resource": "*"}]}))
    sts = sts_as(world, session_in_a(world, "ephemeral", "again"))
    with pytest.raises(botocore.exceptions.ClientError) as e:
        sts.assume_role(RoleArn=f"arn:aws:iam::{ACCOUNT_B}:role/trusts-ephemeral", RoleSessionName="s1")
    assert error_of(e)[:2] == ("AccessDenied", 403)
