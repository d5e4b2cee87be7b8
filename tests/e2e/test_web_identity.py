"""Web identity federation through boto3 against the real binary: a GitHub Actions-shaped token minted by
sekisho's local OIDC issuer assumes a role in another account whose trust policy conditions on the repository
and branch; other repositories, expired tokens, tokens signed by another key and wrong audiences are refused
with AWS's errors; an issuer whose key set comes from the configuration."""

import json
import subprocess
import os
import urllib.request

import botocore.exceptions
import pytest
from conftest import ACCOUNT_A, ACCOUNT_B, start, stop

GITHUB = "token.actions.githubusercontent.com"
OTHER_IDP = "idp.example.com"


def http_json(url, body=None):
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(url, data=data, method="GET" if body is None else "POST",
                                 headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=30) as resp:
        return json.loads(resp.read())


def mint(server, **request):
    return http_json(f"{server.endpoint}/_sekisho/oidc/token", request)["token"]


def error_of(excinfo):
    err = excinfo.value.response
    return err["Error"]["Code"], err["ResponseMetadata"]["HTTPStatusCode"], err["Error"]["Message"]


@pytest.fixture(scope="module")
def servers():
    """(sekisho, another sekisho): the first takes the second's key set for idp.example.com from its
    configuration; the second's key is, for GitHub's issuer, a stranger's."""
    other = start()
    try:
        jwks = http_json(f"{other.endpoint}/_sekisho/oidc/jwks")
        main = start(config=f"[oidc.issuers.\"https://{OTHER_IDP}\"]\njwks = '{json.dumps(jwks)}'\n")
    except Exception:
        stop(other)
        raise
    yield main, other
    stop(main)
    stop(other)


@pytest.fixture(scope="module")
def deploy_role(servers):
    """A role in account B that GitHub Actions jobs of octo/app on main may assume."""
    main, _ = servers
    iam = main.client("iam", access_key=ACCOUNT_B)
    provider = iam.create_open_id_connect_provider(
        Url=f"https://{GITHUB}", ClientIDList=["sts.amazonaws.com"],
        ThumbprintList=["6938fd4d98bab03faadb97b34396831e3780aea1"])["OpenIDConnectProviderArn"]
    assert provider == f"arn:aws:iam::{ACCOUNT_B}:oidc-provider/{GITHUB}"
    trust = {"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Principal": {"Federated": provider}, "Action": "sts:AssumeRoleWithWebIdentity",
        "Condition": {"StringEquals": {f"{GITHUB}:aud": "sts.amazonaws.com"},
                      "StringLike": {f"{GITHUB}:sub": "repo:octo/app:ref:refs/heads/main"}}}]}
    iam.create_role(RoleName="gha-deploy", AssumeRolePolicyDocument=json.dumps(trust))
    iam.put_role_policy(RoleName="gha-deploy", PolicyName="read-roles", PolicyDocument=json.dumps({
        "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "iam:ListRoles", "Resource": "*"}]}))
    return f"arn:aws:iam::{ACCOUNT_B}:role/gha-deploy"


def assume(server, role, token, session="ci"):
    # Signed or not, boto3 sends AssumeRoleWithWebIdentity unsigned (its model says authtype none).
    sts = server.client("sts", access_key=ACCOUNT_A)
    return sts.assume_role_with_web_identity(RoleArn=role, RoleSessionName=session, WebIdentityToken=token)


def test_a_github_job_of_the_trusted_repo_and_branch_assumes_the_role(servers, deploy_role):
    main, _ = servers
    token = mint(main, github={"repository": "octo/app", "ref": "refs/heads/main"})
    out = assume(main, deploy_role, token)
    assert out["AssumedRoleUser"]["Arn"] == f"arn:aws:sts::{ACCOUNT_B}:assumed-role/gha-deploy/ci"
    assert out["SubjectFromWebIdentityToken"] == "repo:octo/app:ref:refs/heads/main"
    assert out["Provider"] == f"https://{GITHUB}"
    assert out["Audience"] == "sts.amazonaws.com"
    c = out["Credentials"]
    creds = dict(access_key=c["AccessKeyId"], secret=c["SecretAccessKey"], token=c["SessionToken"])
    assert main.client("sts", **creds).get_caller_identity()["Arn"] == out["AssumedRoleUser"]["Arn"]
    assert any(r["RoleName"] == "gha-deploy" for r in main.client("iam", **creds).list_roles()["Roles"])


def test_the_cli_mints_a_token_the_role_accepts(servers, deploy_role):
    main, _ = servers
    token = subprocess.run(
        [os.environ["SEKISHO_BIN"], "oidc", "token", "--repo", "octo/app", "--ref", "refs/heads/main",
         "--endpoint", main.endpoint], check=True, capture_output=True, text=True).stdout.strip()
    assert assume(main, deploy_role, token, session="cli")["AssumedRoleUser"]["Arn"].endswith("/cli")


@pytest.mark.parametrize("job", [
    {"repository": "evil/app", "ref": "refs/heads/main"},
    {"repository": "octo/app", "ref": "refs/heads/feature"},
    {"repository": "octo/app", "environment": "prod"},
])
def test_other_repos_and_branches_are_not_trusted(servers, deploy_role, job):
    main, _ = servers
    with pytest.raises(botocore.exceptions.ClientError) as e:
        assume(main, deploy_role, mint(main, github=job))
    assert error_of(e) == ("AccessDenied", 403, "Not authorized to perform sts:AssumeRoleWithWebIdentity")


def test_an_expired_token_is_refused(servers, deploy_role):
    main, _ = servers
    token = mint(main, github={"repository": "octo/app"}, expires_in=-5)
    with pytest.raises(botocore.exceptions.ClientError) as e:
        assume(main, deploy_role, token)
    code, status, message = error_of(e)
    assert (code, status) == ("ExpiredTokenException", 400)
    assert message.startswith("Token expired: current date/time ")


def test_a_token_signed_by_another_key_is_refused(servers, deploy_role):
    main, other = servers
    token = mint(other, github={"repository": "octo/app", "ref": "refs/heads/main"})
    with pytest.raises(botocore.exceptions.ClientError) as e:
        assume(main, deploy_role, token)
    assert error_of(e)[:2] == ("InvalidIdentityToken", 400)
    assert "verification key" in error_of(e)[2]
    # The same key id with a forged payload: the signature does not hold.
    good = mint(main, github={"repository": "octo/app", "ref": "refs/heads/main"})
    header, _, signature = good.split(".")
    evil = mint(main, github={"repository": "evil/app", "ref": "refs/heads/main"}).split(".")[1]
    with pytest.raises(botocore.exceptions.ClientError) as e:
        assume(main, deploy_role, f"{header}.{evil}.{signature}")
    assert error_of(e)[:2] == ("InvalidIdentityToken", 400)


def test_wrong_audience_unknown_issuer_and_non_tokens_are_refused(servers, deploy_role):
    main, _ = servers
    cases = [
        (mint(main, github={"repository": "octo/app"}, audience="someone-else"), "Incorrect token audience"),
        (mint(main, issuer="https://unknown.example.com"),
         "No OpenIDConnect provider found in your account for https://unknown.example.com"),
        ("not-a-token", "The ID Token provided is not a valid JWT. (You may see this error if you sent an Access Token)"),
    ]
    for token, message in cases:
        with pytest.raises(botocore.exceptions.ClientError) as e:
            assume(main, deploy_role, token)
        assert error_of(e) == ("InvalidIdentityToken", 400, message)


def test_an_issuer_with_a_configured_key_set(servers):
    main, other = servers
    iam = main.client("iam", access_key=ACCOUNT_B)
    provider = iam.create_open_id_connect_provider(
        Url=f"https://{OTHER_IDP}", ClientIDList=["client-1"],
        ThumbprintList=["0" * 40])["OpenIDConnectProviderArn"]
    trust = {"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Principal": {"Federated": provider}, "Action": "sts:AssumeRoleWithWebIdentity",
        "Condition": {"StringEquals": {f"{OTHER_IDP}:sub": "u1"}, "ForAnyValue:StringEquals": {f"{OTHER_IDP}:amr": "mfa"}}}]}
    iam.create_role(RoleName="idp-user", AssumeRolePolicyDocument=json.dumps(trust))
    role = f"arn:aws:iam::{ACCOUNT_B}:role/idp-user"
    request = dict(issuer=f"https://{OTHER_IDP}", subject="u1", audience="client-1")
    # Signed by the configured key (the other server's): accepted.
    out = assume(main, role, mint(other, **request, claims={"amr": ["pwd", "mfa"]}))
    assert out["SubjectFromWebIdentityToken"] == "u1" and out["Audience"] == "client-1"
    # The amr condition holds the trust policy to MFA logins.
    with pytest.raises(botocore.exceptions.ClientError) as e:
        assume(main, role, mint(other, **request, claims={"amr": ["pwd"]}))
    assert error_of(e)[:2] == ("AccessDenied", 403)
    # sekisho's own key is not the configured issuer's.
    with pytest.raises(botocore.exceptions.ClientError) as e:
        assume(main, role, mint(main, **request, claims={"amr": ["mfa"]}))
    assert error_of(e)[:2] == ("InvalidIdentityToken", 400)


def test_other_sts_operations_still_need_a_signature(servers):
    main, _ = servers
    req = urllib.request.Request(f"{main.endpoint}/", data=b"Action=GetCallerIdentity&Version=2011-06-15",
                                 headers={"Content-Type": "application/x-www-form-urlencoded"}, method="POST")
    with pytest.raises(urllib.error.HTTPError) as e:
        urllib.request.urlopen(req, timeout=30)
    assert e.value.code == 403
    assert b"MissingAuthenticationToken" in e.value.read()
