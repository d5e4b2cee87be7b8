"""How identities proved themselves, through boto3 against the real binary: virtual MFA devices and their TOTP
codes guarding a cross-account role (aws:MultiFactorAuthPresent / aws:MultiFactorAuthAge), GetSessionToken needing
no permission, GetFederationToken sessions limited by their policy, IAM list markers, `sekisho mfa code` for scripts."""

import json
import os
import subprocess

import botocore.exceptions
import pytest
from conftest import ACCOUNT_A, ACCOUNT_B
import totp


def error_of(excinfo):
    err = excinfo.value.response
    return err["Error"]["Code"], err["ResponseMetadata"]["HTTPStatusCode"], err["Error"]["Message"]


def policy(*statements):
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


@pytest.fixture(scope="module")
def alice(sekisho):
    """An admin user of account A with an enabled virtual MFA device: (sts client, serial, seed)."""
    iam = sekisho.client("iam")
    iam.create_user(UserName="alice")
    iam.attach_user_policy(UserName="alice", PolicyArn="arn:aws:iam::aws:policy/AdministratorAccess")
    device = iam.create_virtual_mfa_device(VirtualMFADeviceName="alice")["VirtualMFADevice"]
    totp.enable(iam, "alice", device["Base32StringSeed"], device["SerialNumber"])
    key = iam.create_access_key(UserName="alice")["AccessKey"]
    sts = sekisho.client("sts", access_key=key["AccessKeyId"], secret=key["SecretAccessKey"])
    return sts, device["SerialNumber"], device["Base32StringSeed"], key


@pytest.fixture(scope="module")
def mfa_role(sekisho):
    """A role in account B that account A may assume only with MFA; it may read roles unless MFA is old."""
    iam_b = sekisho.client("iam", access_key=ACCOUNT_B)
    trust = policy({"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT_A}:root"},
                    "Action": "sts:AssumeRole", "Condition": {"Bool": {"aws:MultiFactorAuthPresent": "true"}}})
    iam_b.create_role(RoleName="needs-mfa", AssumeRolePolicyDocument=trust)
    iam_b.put_role_policy(RoleName="needs-mfa", PolicyName="fresh-mfa", PolicyDocument=policy(
        {"Effect": "Allow", "Action": "iam:ListRoles", "Resource": "*",
         "Condition": {"NumericLessThan": {"aws:MultiFactorAuthAge": "300"}}},
        {"Effect": "Allow", "Action": "iam:ListUsers", "Resource": "*",
         "Condition": {"NumericGreaterThan": {"aws:MultiFactorAuthAge": "3600"}}}))
    return f"arn:aws:iam::{ACCOUNT_B}:role/needs-mfa"


def test_an_mfa_guarded_role_needs_a_right_fresh_code(sekisho, alice, mfa_role):
    sts, serial, seed, _ = alice
    with pytest.raises(botocore.exceptions.ClientError) as e:
        sts.assume_role(RoleArn=mfa_role, RoleSessionName="no-code")
    assert error_of(e) == ("AccessDenied", 403,
                           f"User: arn:aws:iam::{ACCOUNT_A}:user/alice is not authorized to perform: sts:AssumeRole on resource: {mfa_role}")
    right = totp.code(seed, totp.step_now())
    wrong = f"{(int(right) + 1) % 1_000_000:06d}"
    with pytest.raises(botocore.exceptions.ClientError) as e:
        sts.assume_role(RoleArn=mfa_role, RoleSessionName="wrong", SerialNumber=serial, TokenCode=wrong)
    assert error_of(e) == ("AccessDenied", 403, "MultiFactorAuthentication failed with invalid MFA one time pass code. ")
    with pytest.raises(botocore.exceptions.ClientError) as e:
        sts.assume_role(RoleArn=mfa_role, RoleSessionName="other-device",
                        SerialNumber=f"arn:aws:iam::{ACCOUNT_A}:mfa/nobody", TokenCode=right)
    assert error_of(e)[:2] == ("AccessDenied", 403)
    assert "unable to validate MFA code" in error_of(e)[2]
    creds = sts.assume_role(RoleArn=mfa_role, RoleSessionName="with-mfa", SerialNumber=serial,
                            TokenCode=right)["Credentials"]
    # The same code again: refused.
    with pytest.raises(botocore.exceptions.ClientError) as e:
        sts.assume_role(RoleArn=mfa_role, RoleSessionName="again", SerialNumber=serial, TokenCode=right)
    assert error_of(e) == ("AccessDenied", 403, "MultiFactorAuthentication failed with invalid MFA one time pass code. ")
    # The session carries MFA and its age: a fresh-MFA condition holds, an old-MFA one does not.
    iam = sekisho.client("iam", access_key=creds["AccessKeyId"], secret=creds["SecretAccessKey"],
                         token=creds["SessionToken"])
    assert any(r["RoleName"] == "needs-mfa" for r in iam.list_roles()["Roles"])
    with pytest.raises(botocore.exceptions.ClientError) as e:
        iam.list_users()
    assert error_of(e)[:2] == ("AccessDenied", 403)


def test_session_tokens_need_no_permission_and_check_the_code(sekisho, alice):
    _, serial, seed, _ = alice
    # A user with no policy at all still gets a session token (STS API reference, GetSessionToken).
    iam = sekisho.client("iam")
    iam.create_user(UserName="bare")
    key = iam.create_access_key(UserName="bare")["AccessKey"]
    bare = sekisho.client("sts", access_key=key["AccessKeyId"], secret=key["SecretAccessKey"])
    assert bare.get_session_token()["Credentials"]["AccessKeyId"].startswith("ASIA")
    sts = alice[0]
    with pytest.raises(botocore.exceptions.ClientError) as e:
        sts.get_session_token(SerialNumber=serial, TokenCode="000000" if totp.code(seed, totp.step_now()) != "000000" else "111111")
    assert error_of(e) == ("AccessDenied", 403, "MultiFactorAuthentication failed with invalid MFA one time pass code. ")


def test_federation_tokens_are_limited_by_their_policy(sekisho, alice):
    _, _, _, key = alice
    sts = sekisho.client("sts", access_key=key["AccessKeyId"], secret=key["SecretAccessKey"])
    out = sts.get_federation_token(Name="carol", DurationSeconds=900, Policy=policy(
        {"Effect": "Allow", "Action": "sts:GetCallerIdentity", "Resource": "*"}))
    assert out["FederatedUser"] == {"FederatedUserId": f"{ACCOUNT_A}:carol",
                                    "Arn": f"arn:aws:sts::{ACCOUNT_A}:federated-user/carol"}
    c = out["Credentials"]
    fed = dict(access_key=c["AccessKeyId"], secret=c["SecretAccessKey"], token=c["SessionToken"])
    assert sekisho.client("sts", **fed).get_caller_identity()["Arn"] == f"arn:aws:sts::{ACCOUNT_A}:federated-user/carol"
    # Outside the passed policy: denied, although alice is an administrator.
    logs = sekisho.client("logs", **fed)
    with pytest.raises(botocore.exceptions.ClientError) as e:
        logs.describe_log_groups()
    assert "AccessDenied" in error_of(e)[0]
    # No IAM calls with federation credentials.
    with pytest.raises(botocore.exceptions.ClientError) as e:
        sekisho.client("iam", **fed).list_users()
    assert error_of(e)[:2] == ("InvalidClientTokenId", 403)
    with pytest.raises(botocore.exceptions.ClientError) as e:
        sts.get_federation_token(Name="carol smith", DurationSeconds=900)
    assert error_of(e)[0] == "ValidationError"
    with pytest.raises(botocore.exceptions.ClientError) as e:
        sts.get_federation_token(Name="carol", DurationSeconds=200_000)
    assert error_of(e)[0] == "ValidationError"


def test_iam_lists_refuse_a_marker_they_did_not_issue(sekisho):
    iam = sekisho.client("iam", access_key=ACCOUNT_B)
    for name in ["page-a", "page-b", "page-c"]:
        iam.create_user(UserName=name)
    first = iam.list_users(MaxItems=2)
    assert first["IsTruncated"]
    rest = iam.list_users(Marker=first["Marker"])
    assert len(first["Users"]) + len(rest["Users"]) == len(iam.list_users()["Users"])
    for marker in ["page-b", "bm90LW91cnM="]:
        with pytest.raises(botocore.exceptions.ClientError) as e:
            iam.list_users(Marker=marker)
        assert error_of(e) == ("ValidationError", 400, "Invalid Marker.")


def mfa_cli(sekisho, *args):
    return subprocess.run([os.environ["SEKISHO_BIN"], "mfa", "code", *args, "--endpoint", sekisho.endpoint],
                          check=True, capture_output=True, text=True).stdout.split()


def test_scripts_log_in_with_the_code_sekisho_computes(sekisho):
    iam = sekisho.client("iam")
    iam.create_user(UserName="scripted")
    serial = iam.create_virtual_mfa_device(VirtualMFADeviceName="scripted")["VirtualMFADevice"]["SerialNumber"]
    code1, code2 = mfa_cli(sekisho, serial, "--pair")
    iam.enable_mfa_device(UserName="scripted", SerialNumber=serial, AuthenticationCode1=code1,
                          AuthenticationCode2=code2)
    key = iam.create_access_key(UserName="scripted")["AccessKey"]
    sts = sekisho.client("sts", access_key=key["AccessKeyId"], secret=key["SecretAccessKey"])
    [code] = mfa_cli(sekisho, serial)
    creds = sts.get_session_token(SerialNumber=serial, TokenCode=code)["Credentials"]
    assert creds["AccessKeyId"].startswith("ASIA")
    # The code is spent: the same one is refused, as a user typing it twice would be.
    with pytest.raises(botocore.exceptions.ClientError) as e:
        sts.get_session_token(SerialNumber=serial, TokenCode=code)
    assert error_of(e)[:2] == ("AccessDenied", 403)
