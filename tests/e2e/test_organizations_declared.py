"""An organization declared in sekisho.toml: there from start-up, its SCPs enforced on the first call, and
the classic wording of SCP denials when asked for."""

import os
import subprocess
import tempfile

import botocore.exceptions
import pytest

from conftest import ACCOUNT_A, ACCOUNT_B, start, stop

CONFIG = """
[accounts."222222222222"]
name = "workload"

[organization]
management_account = "111111111111"
deny_message = "classic"
policy_types = ["SERVICE_CONTROL_POLICY"]

[organization.units."Workloads/Prod"]
accounts = ["222222222222"]

[[organization.policies]]
name = "NoNewUsers"
content = '{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":"iam:CreateUser","Resource":"*"}]}'
targets = ["Workloads"]
"""


@pytest.fixture(scope="module")
def declared():
    server = start(config=CONFIG)
    yield server
    stop(server)


def test_the_declared_organization_exists_from_the_start(declared):
    org = declared.client("organizations", access_key=ACCOUNT_B).describe_organization()["Organization"]
    assert org["MasterAccountId"] == ACCOUNT_A
    orgs = declared.client("organizations")
    parent = orgs.list_parents(ChildId=ACCOUNT_B)["Parents"][0]
    assert orgs.describe_organizational_unit(OrganizationalUnitId=parent["Id"])["OrganizationalUnit"]["Name"] == "Prod"
    account = orgs.describe_account(AccountId=ACCOUNT_B)["Account"]
    assert account["Name"] == "workload"


def test_declared_scps_deny_with_the_classic_wording(declared):
    with pytest.raises(botocore.exceptions.ClientError) as e:
        declared.client("iam", access_key=ACCOUNT_B).create_user(UserName="u")
    assert e.value.response["Error"]["Message"] == (
        f"User: arn:aws:iam::{ACCOUNT_B}:root is not authorized to perform: iam:CreateUser on resource: "
        f"arn:aws:iam::{ACCOUNT_B}:user/u with an explicit deny in a service control policy")
    declared.client("iam").create_user(UserName="u")


def test_a_declaration_that_does_not_hold_together_stops_serve():
    fd, path = tempfile.mkstemp(suffix=".toml")
    with os.fdopen(fd, "w") as f:
        f.write('[organization]\nmanagement_account = "111111111111"\naccounts = ["111111111111"]\n')
    out = subprocess.run([os.environ["SEKISHO_BIN"], "serve", "--port", "0", "--config", path],
                         capture_output=True, text=True, timeout=30)
    assert out.returncode != 0
    assert "[organization]" in out.stderr


def test_a_reset_brings_the_declared_organization_back(declared):
    import urllib.request
    orgs = declared.client("organizations")
    orgs.create_organizational_unit(ParentId=orgs.list_roots()["Roots"][0]["Id"], Name="Scratch")
    urllib.request.urlopen(urllib.request.Request(f"{declared.endpoint}/moto-api/reset", method="POST"), timeout=10)
    root = orgs.list_roots()["Roots"][0]["Id"]
    names = [u["Name"] for u in orgs.list_organizational_units_for_parent(ParentId=root)["OrganizationalUnits"]]
    assert names == ["Workloads"]
    with pytest.raises(botocore.exceptions.ClientError):
        declared.client("iam", access_key=ACCOUNT_B).create_user(UserName="v")
