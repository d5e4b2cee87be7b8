"""Seed 004 under `sekisho exec`: the article's four scripts run with their real AWS endpoints (no endpoint
anywhere, not even in the profiles) and the gateway's real `gatewayUrl`, `mcp-proxy-for-aws` (httpx) reaching
`https://<id>.gateway.bedrock-agentcore.us-east-1.amazonaws.com/mcp` through the proxy."""

import json
import os
import subprocess
import sys

import pytest

from conftest import start, stop
import test_agentcore_seed_004 as seed4

BIN = os.environ.get("SEKISHO_BIN", "")


@pytest.fixture(scope="module")
def sekisho(tmp_path_factory):
    data = tmp_path_factory.mktemp("exec-seed004-data")
    server = start(config=seed4.lx.config() + f'\n[storage]\ndir = "{data}"\n')
    yield server
    stop(server)


@pytest.fixture(scope="module")
def workdir(sekisho, tmp_path_factory):
    """`account-a` / `account-b` as `AdminRole` sessions of an administrator user, with no endpoint_url."""
    lines = []
    for profile, account in (("account-a", seed4.A), ("account-b", seed4.B)):
        iam = sekisho.client("iam", access_key=account)
        trust = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{account}:root"}, "Action": "sts:AssumeRole"}]}
        iam.create_role(RoleName="AdminRole", AssumeRolePolicyDocument=json.dumps(trust))
        iam.attach_role_policy(RoleName="AdminRole", PolicyArn=seed4.ADMIN)
        key, secret = sekisho.admin(account)
        lines += [
            f"[profile {profile}-user]", f"aws_access_key_id = {key}", f"aws_secret_access_key = {secret}", "",
            f"[profile {profile}]", f"role_arn = arn:aws:iam::{account}:role/AdminRole",
            f"source_profile = {profile}-user", "role_session_name = session", "region = us-east-1", "",
        ]
    d = tmp_path_factory.mktemp("exec-seed004")
    (d / "aws_config").write_text("\n".join(lines))
    return d


def run(sekisho, workdir, profile, script, *args, replace=None):
    text = open(os.path.join(seed4.SEED, script), encoding="utf-8").read()
    for old, new in (replace or {}).items():
        assert old in text, old
        text = text.replace(old, new)
    path = workdir / ("run_" + script)
    path.write_text(text, encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update(AWS_CONFIG_FILE=str(workdir / "aws_config"), AWS_SHARED_CREDENTIALS_FILE=os.devnull)
    cmd = [BIN, "exec", "--endpoint", sekisho.endpoint, "--profile", profile, "--", sys.executable, str(path), *args]
    r = subprocess.run(cmd, cwd=workdir, env=env, capture_output=True, text=True, timeout=120)
    return r.stdout + r.stderr


def test_seed_004_through_the_real_gateway_url(sekisho, workdir):
    out = run(sekisho, workdir, "account-a", "setup_gateway.py")
    assert "Setup complete!" in out, out
    config = json.loads((workdir / "gateway_config.json").read_text())
    gid = config["gateway_id"]
    url = config["gateway_url"]
    assert url == f"https://{gid}.gateway.bedrock-agentcore.us-east-1.amazonaws.com/mcp"
    real = {"https://<your-gateway-id>.gateway.bedrock-agentcore.us-east-1.amazonaws.com/mcp": url}

    out = run(sekisho, workdir, "account-b", "test_gateway_invoke.py", "account-b", replace=real)
    assert f"Caller: arn:aws:sts::{seed4.B}:assumed-role/AdminRole/session" in out, out
    assert "FAILED" in out and "403 Forbidden" in out, out

    out = run(sekisho, workdir, "account-a", "setup_resource_policy.py",
              replace={"<your-gateway-id>": gid, "111122223333": seed4.A})
    assert "Resource policy attached!" in out, out

    out = run(sekisho, workdir, "account-b", "test_gateway_invoke.py", "account-b", replace=real)
    assert "SUCCESS! tools/list returned:\n - echo-tools___echo_message: Echo back a message for testing" in out, out

    out = run(sekisho, workdir, "account-a", "cleanup.py")
    assert "Cleanup complete!" in out and "Error deleting" not in out, out
