"""AgentCore Gateway beyond the seed: who a resource policy admits (one role of B only; a B role whose own
policies do not allow InvokeGateway), unsigned and wrongly signed MCP requests, bad input (never a 5xx), a
`NONE` gateway, and an MCP-server target backed by a small real MCP server."""

import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request

import pytest
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

from conftest import start, stop

A = "111122223333"
B = "444455556666"
TRUST_SVC = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Service": "bedrock-agentcore.amazonaws.com"}, "Action": "sts:AssumeRole"}]}
INVOKE_ALL = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "bedrock-agentcore:InvokeGateway", "Resource": "*"}]}
INIT = {"jsonrpc": "2.0", "id": 0, "method": "initialize", "params": {"protocolVersion": "2025-06-18", "capabilities": {}, "clientInfo": {"name": "t", "version": "1"}}}
LIST = {"jsonrpc": "2.0", "id": 1, "method": "tools/list"}


@pytest.fixture(scope="module")
def sekisho():
    server = start()
    yield server
    stop(server)


def role_session(sekisho, account, name, policy=None, trust_account=None):
    iam = sekisho.client("iam", access_key=account)
    trust = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{account}:root"}, "Action": "sts:AssumeRole"}]}
    iam.create_role(RoleName=name, AssumeRolePolicyDocument=json.dumps(trust))
    if policy:
        iam.put_role_policy(RoleName=name, PolicyName="p", PolicyDocument=json.dumps(policy))
    key, secret = sekisho.admin(account)
    sts = sekisho.client("sts", access_key=key, secret=secret)
    c = sts.assume_role(RoleArn=f"arn:aws:iam::{account}:role/{name}", RoleSessionName="agent")["Credentials"]
    return Credentials(c["AccessKeyId"], c["SecretAccessKey"], c["SessionToken"])


def gateway(sekisho, name, authorizer="AWS_IAM"):
    iam = sekisho.client("iam", access_key=A)
    try:
        iam.create_role(RoleName="GwRole", AssumeRolePolicyDocument=json.dumps(TRUST_SVC))
    except iam.exceptions.EntityAlreadyExistsException:
        pass
    ctl = sekisho.client("bedrock-agentcore-control", access_key=A)
    return ctl.create_gateway(name=name, protocolType="MCP", authorizerType=authorizer, roleArn=f"arn:aws:iam::{A}:role/GwRole")


def post(sekisho, gid, body, creds=None, headers=None, raw=None, service="bedrock-agentcore"):
    url = f"{sekisho.endpoint}/gateways/{gid}/mcp"
    data = raw if raw is not None else json.dumps(body).encode()
    h = {"content-type": "application/json", "accept": "application/json"}
    h.update(headers or {})
    if creds is not None:
        req = AWSRequest(method="POST", url=url, data=data, headers=h)
        SigV4Auth(creds, service, "us-east-1").add_auth(req)
        h = dict(req.headers.items())
    try:
        with urllib.request.urlopen(urllib.request.Request(url, data=data, headers=h, method="POST")) as r:
            return r.status, dict(r.headers), r.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, dict(e.headers), e.read().decode()


def test_a_policy_naming_one_role_admits_that_role_only(sekisho):
    g = gateway(sekisho, "one-role")
    ctl = sekisho.client("bedrock-agentcore-control", access_key=A)
    policy = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{B}:role/AgentRole"},
              "Action": "bedrock-agentcore:InvokeGateway", "Resource": g["gatewayArn"]}]}
    ctl.put_resource_policy(resourceArn=g["gatewayArn"], policy=json.dumps(policy))
    agent = role_session(sekisho, B, "AgentRole", INVOKE_ALL)
    other = role_session(sekisho, B, "OtherRole", INVOKE_ALL)
    assert post(sekisho, g["gatewayId"], INIT, agent)[0] == 200
    status, headers, body = post(sekisho, g["gatewayId"], INIT, other)
    assert status == 403
    assert json.loads(body)["message"].endswith("because no resource-based policy allows the bedrock-agentcore:InvokeGateway action")
    # The refusal is in the decision log under the response's request id.
    rid = headers.get("x-amzn-RequestId") or headers.get("x-amzn-requestid")
    assert rid
    explained = subprocess.run([os.environ["SEKISHO_BIN"], "explain", rid, "--endpoint", sekisho.endpoint], capture_output=True, text=True)
    assert "InvokeGateway" in explained.stdout + explained.stderr


def test_a_role_whose_own_policies_do_not_allow_is_refused(sekisho):
    g = gateway(sekisho, "account-wide")
    ctl = sekisho.client("bedrock-agentcore-control", access_key=A)
    policy = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{B}:root"},
              "Action": "bedrock-agentcore:InvokeGateway", "Resource": g["gatewayArn"]}]}
    ctl.put_resource_policy(resourceArn=g["gatewayArn"], policy=json.dumps(policy))
    bare = role_session(sekisho, B, "BareRole", {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}]})
    status, _, body = post(sekisho, g["gatewayId"], INIT, bare)
    assert status == 403
    assert "because no identity-based policy allows the bedrock-agentcore:InvokeGateway action" in json.loads(body)["message"]


def test_unsigned_and_wrongly_signed_requests_are_refused(sekisho):
    g = gateway(sekisho, "signed-only")
    assert post(sekisho, g["gatewayId"], INIT)[0] == 403
    wrong = Credentials(A, "not-the-secret")
    status, _, body = post(sekisho, g["gatewayId"], INIT, wrong)
    assert status == 403 and "signature" in body.lower()
    # AGC-10: signed for another service, even with the right keys.
    status, _, body = post(sekisho, g["gatewayId"], INIT, Credentials(A, "test"), service="lambda")
    assert status == 403 and "bedrock-agentcore" in body, body


def test_bad_input_gets_4xx_never_5xx(sekisho):
    g = gateway(sekisho, "bad-input")
    root = Credentials(A, "test")
    gid = g["gatewayId"]
    assert post(sekisho, gid, None, root, raw=b"{not json")[0] == 400
    assert post(sekisho, gid, None, root, raw=json.dumps([LIST]).encode())[0] == 400
    assert post(sekisho, gid, LIST, root, headers={"mcp-session-id": "nope"})[0] == 404
    big = {"jsonrpc": "2.0", "id": 1, "method": "ping", "params": {"x": "a" * (2 * 1024 * 1024)}}
    assert post(sekisho, gid, big, root)[0] == 413
    status, _, body = post(sekisho, gid, {"jsonrpc": "2.0", "id": 2, "method": "tools/call", "params": {"name": "x___y"}}, root)
    assert status == 200 and json.loads(body)["error"]["code"] == -32602
    assert post(sekisho, "nosuch-abc1234567", INIT, root)[0] == 404
    # A nextToken past any index is no page, not an overflow.
    ctl = sekisho.client("bedrock-agentcore-control", access_key=A, parameter_validation=False)
    assert ctl.list_gateways(nextToken=str(2**64 - 1))["items"] == []


def test_a_none_gateway_lets_anyone_in(sekisho):
    g = gateway(sekisho, "open", authorizer="NONE")
    status, headers, body = post(sekisho, g["gatewayId"], INIT)
    assert status == 200 and json.loads(body)["result"]["protocolVersion"] == "2025-06-18"
    assert headers.get("mcp-session-id") or headers.get("Mcp-Session-Id")


SERVER = """
import sys
from mcp.server.fastmcp import FastMCP
mcp = FastMCP("adder", host="127.0.0.1", port=int(sys.argv[1]))
@mcp.tool()
def add(a: int, b: int) -> int:
    \"\"\"Add two numbers\"\"\"
    return a + b
mcp.run(transport="streamable-http")
"""


def test_an_mcp_server_target_proxies_a_real_server(sekisho, tmp_path):
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    script = tmp_path / "server.py"
    script.write_text(SERVER)
    proc = subprocess.Popen([sys.executable, str(script), str(port)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                time.sleep(0.1)
        g = gateway(sekisho, "proxied")
        ctl = sekisho.client("bedrock-agentcore-control", access_key=A)
        t = ctl.create_gateway_target(gatewayIdentifier=g["gatewayId"], name="calc",
                                      targetConfiguration={"mcp": {"mcpServer": {"endpoint": f"https://127.0.0.1:{port}/mcp"}}})
        got = ctl.get_gateway_target(gatewayIdentifier=g["gatewayId"], targetId=t["targetId"])
        assert got["status"] == "READY", got
        root = Credentials(A, "test")
        _, _, body = post(sekisho, g["gatewayId"], LIST, root)
        assert [t["name"] for t in json.loads(body)["result"]["tools"]] == ["calc___add"]
        call = {"jsonrpc": "2.0", "id": 3, "method": "tools/call", "params": {"name": "calc___add", "arguments": {"a": 2, "b": 3}}}
        _, _, body = post(sekisho, g["gatewayId"], call, root)
        result = json.loads(body)["result"]
        assert result["isError"] is False and result["content"][0]["text"] == "5", result
    finally:
        proc.terminate()
        proc.wait(timeout=10)
