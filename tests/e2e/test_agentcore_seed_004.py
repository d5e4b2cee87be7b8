"""Seed 004 end to end: account A (111122223333) hosts an AgentCore Gateway with IAM (SigV4) authorization and a
Lambda target; account B (444455556666) lists its tools through `mcp-proxy-for-aws`, gets 403 Forbidden, then
succeeds once A attaches a resource policy. The article's four scripts run unmodified (placeholders filled in as
the article asks) with the AWS CLI profiles `account-a` / `account-b` as `AdminRole` sessions, against the
gateway's loopback alias `<endpoint>/gateways/<gatewayId>/mcp`."""

import json
import os
import subprocess
import sys

import pytest

from conftest import start, stop

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "fixtures", "lambda"))
import lambda_e2e as lx  # noqa: E402

A = "111122223333"
B = "444455556666"
SEED = os.path.join(os.path.dirname(__file__), "..", "fixtures", "agentcore", "seed004")
ADMIN = "arn:aws:iam::aws:policy/AdministratorAccess"

CALL_TOOL = """
import asyncio, os, sys
from mcp import ClientSession
from mcp_proxy_for_aws.client import aws_iam_streamablehttp_client
async def main(url, name, args):
    async with aws_iam_streamablehttp_client(endpoint=url, aws_region="us-east-1", aws_service="bedrock-agentcore") as (r, w, _):
        async with ClientSession(r, w) as s:
            await s.initialize()
            result = await s.call_tool(name, args)
            print("IS_ERROR", result.isError)
            for c in result.content:
                print("TEXT", c.text)
import json
asyncio.run(main(sys.argv[1], sys.argv[2], json.loads(sys.argv[3])))
"""


@pytest.fixture(scope="module")
def sekisho():
    server = start(config=lx.config())
    yield server
    stop(server)


@pytest.fixture(scope="module")
def env(sekisho, tmp_path_factory):
    """An AWS config whose `account-a` / `account-b` profiles are `AdminRole` sessions (as in the article's output),
    assumed by an administrator user of each account."""
    lines = []
    for profile, account in (("account-a", A), ("account-b", B)):
        iam = sekisho.client("iam", access_key=account)
        trust = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{account}:root"}, "Action": "sts:AssumeRole"}]}
        iam.create_role(RoleName="AdminRole", AssumeRolePolicyDocument=json.dumps(trust))
        iam.attach_role_policy(RoleName="AdminRole", PolicyArn=ADMIN)
        key, secret = sekisho.admin(account)
        lines += [
            f"[profile {profile}-user]", f"aws_access_key_id = {key}", f"aws_secret_access_key = {secret}", "",
            f"[profile {profile}]", f"role_arn = arn:aws:iam::{account}:role/AdminRole",
            f"source_profile = {profile}-user", "role_session_name = session", "region = us-east-1",
            f"endpoint_url = {sekisho.endpoint}", "",
        ]
    workdir = tmp_path_factory.mktemp("seed004")
    config = workdir / "aws_config"
    config.write_text("\n".join(lines))
    e = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    e.update(AWS_CONFIG_FILE=str(config), AWS_SHARED_CREDENTIALS_FILE=os.devnull, AWS_ENDPOINT_URL=sekisho.endpoint)
    return {"env": e, "dir": workdir}


def run(env, script, *args, replace=None):
    text = open(os.path.join(SEED, script), encoding="utf-8").read() if script.endswith(".py") else script
    for old, new in (replace or {}).items():
        assert old in text, old
        text = text.replace(old, new)
    path = env["dir"] / ("run_" + (script if script.endswith(".py") else "helper.py"))
    path.write_text(text, encoding="utf-8")
    r = subprocess.run([sys.executable, str(path), *args], cwd=env["dir"], env=env["env"], capture_output=True, text=True, timeout=120)
    return r.stdout + r.stderr


def alias(sekisho, gateway_id):
    return f"{sekisho.endpoint}/gateways/{gateway_id}/mcp"


def test_seed_004_cross_account_gateway(sekisho, env):
    out = run(env, "setup_gateway.py")
    assert "Setup complete!" in out, out
    config = json.loads((env["dir"] / "gateway_config.json").read_text())
    gid = config["gateway_id"]
    assert gid.startswith("cross-account-test-") and len(gid) == len("cross-account-test-") + 10
    assert config["gateway_url"] == f"https://{gid}.gateway.bedrock-agentcore.us-east-1.amazonaws.com/mcp"
    assert config["gateway_arn"] == f"arn:aws:bedrock-agentcore:us-east-1:{A}:gateway/{gid}"
    url = {"https://<your-gateway-id>.gateway.bedrock-agentcore.us-east-1.amazonaws.com/mcp": alias(sekisho, gid)}

    out = run(env, "test_gateway_invoke.py", "account-a", replace=url)
    assert f"Caller: arn:aws:sts::{A}:assumed-role/AdminRole/session" in out, out
    assert "SUCCESS! tools/list returned:\n - echo-tools___echo_message: Echo back a message for testing" in out, out

    out = run(env, "test_gateway_invoke.py", "account-b", replace=url)
    assert f"Caller: arn:aws:sts::{B}:assumed-role/AdminRole/session" in out, out
    assert "FAILED" in out and "403 Forbidden" in out, out
    assert "SUCCESS" not in out
    assert (
        f"User: arn:aws:sts::{B}:assumed-role/AdminRole/session is not authorized to perform: "
        f"bedrock-agentcore:InvokeGateway on resource: {config['gateway_arn']} because no resource-based policy allows "
        "the bedrock-agentcore:InvokeGateway action" in out
    ), out

    out = run(env, "setup_resource_policy.py", replace={"<your-gateway-id>": gid, "111122223333": A})
    assert "Resource policy attached!" in out, out

    out = run(env, "test_gateway_invoke.py", "account-b", replace=url)
    assert "SUCCESS! tools/list returned:\n - echo-tools___echo_message: Echo back a message for testing" in out, out

    env_b = dict(env, env=dict(env["env"], AWS_PROFILE="account-b"))
    out = run(env_b, CALL_TOOL, alias(sekisho, gid), "echo-tools___echo_message", json.dumps({"message": "hi"}))
    assert "IS_ERROR False" in out, out
    assert "Hello from Gateway! Input: {'message': 'hi'}" in out, out

    out = run(env, "cleanup.py")
    assert "Deleted target" in out and "Deleted gateway" in out and "Cleanup complete!" in out, out
    assert "Error deleting" not in out, out
    ctl = sekisho.client("bedrock-agentcore-control", access_key=A)
    assert ctl.list_gateways()["items"] == []
