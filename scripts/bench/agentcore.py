#!/usr/bin/env python3
"""AgentCore Gateway figures (a benchmark, not a test): latency and requests/s of `tools/list` and `tools/call`
(a warm Python Lambda target) through the gateway's loopback alias, every request SigV4-signed by a role session
of account B calling account A's gateway (cross-account: identity policy and resource policy both evaluated).

Usage: scripts/bench/agentcore.py [SEKISHO_BIN] [N] [THREADS]   (defaults: target/debug/sekisho, 300, 4)
Run with the test virtualenv's Python (boto3)."""

import http.client
import io
import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import zipfile
from urllib.parse import urlparse

import boto3
import botocore.config
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

A, B = "111122223333", "444455556666"
BIN = sys.argv[1] if len(sys.argv) > 1 else "target/debug/sekisho"
N = int(sys.argv[2]) if len(sys.argv) > 2 else 300
THREADS = int(sys.argv[3]) if len(sys.argv) > 3 else 4


def start():
    fd, path = tempfile.mkstemp(suffix=".toml")
    with os.fdopen(fd, "w") as f:
        f.write(f'[lambda]\npython = "{sys.executable}"\n')
    proc = subprocess.Popen([BIN, "serve", "--port", "0", "--config", path], stdout=subprocess.PIPE, text=True)
    line = proc.stdout.readline().strip()
    return proc, line.split("sekisho listening on ")[1]


def client(endpoint, service, key, secret="test", token=None):
    s = boto3.session.Session(aws_access_key_id=key, aws_secret_access_key=secret, aws_session_token=token, region_name="us-east-1")
    return s.client(service, endpoint_url=endpoint, config=botocore.config.Config(retries={"max_attempts": 1}))


def setup(endpoint):
    iam = client(endpoint, "iam", A)
    svc = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Service": "bedrock-agentcore.amazonaws.com"}, "Action": "sts:AssumeRole"}]}
    lam_trust = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}]}
    gw_role = iam.create_role(RoleName="GwRole", AssumeRolePolicyDocument=json.dumps(svc))["Role"]["Arn"]
    fn_role = iam.create_role(RoleName="FnRole", AssumeRolePolicyDocument=json.dumps(lam_trust))["Role"]["Arn"]
    iam.attach_role_policy(RoleName="FnRole", PolicyArn="arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole")
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("f.py", "def handler(event, context):\n    return {'echo': event}\n")
    fn = client(endpoint, "lambda", A).create_function(FunctionName="echo", Runtime="python3.12", Handler="f.handler", Role=fn_role, Code={"ZipFile": buf.getvalue()})["FunctionArn"]
    iam.put_role_policy(RoleName="GwRole", PolicyName="invoke", PolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "lambda:InvokeFunction", "Resource": fn}]}))
    ctl = client(endpoint, "bedrock-agentcore-control", A)
    g = ctl.create_gateway(name="bench", protocolType="MCP", authorizerType="AWS_IAM", roleArn=gw_role)
    tool = {"name": "echo", "description": "Echo", "inputSchema": {"type": "object", "properties": {"message": {"type": "string"}}, "required": ["message"]}}
    ctl.create_gateway_target(gatewayIdentifier=g["gatewayId"], name="t", targetConfiguration={"mcp": {"lambda": {"lambdaArn": fn, "toolSchema": {"inlinePayload": [tool]}}}})
    policy = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{B}:root"}, "Action": "bedrock-agentcore:InvokeGateway", "Resource": g["gatewayArn"]}]}
    ctl.put_resource_policy(resourceArn=g["gatewayArn"], policy=json.dumps(policy))
    iam_b = client(endpoint, "iam", B)
    trust = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{B}:root"}, "Action": "sts:AssumeRole"}]}
    iam_b.create_role(RoleName="Agent", AssumeRolePolicyDocument=json.dumps(trust))
    iam_b.put_role_policy(RoleName="Agent", PolicyName="p", PolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "bedrock-agentcore:InvokeGateway", "Resource": "*"}]}))
    iam_b.create_user(UserName="u")
    iam_b.attach_user_policy(UserName="u", PolicyArn="arn:aws:iam::aws:policy/AdministratorAccess")
    k = iam_b.create_access_key(UserName="u")["AccessKey"]
    c = client(endpoint, "sts", k["AccessKeyId"], k["SecretAccessKey"]).assume_role(RoleArn=f"arn:aws:iam::{B}:role/Agent", RoleSessionName="bench")["Credentials"]
    return g["gatewayId"], Credentials(c["AccessKeyId"], c["SecretAccessKey"], c["SessionToken"])


def worker(endpoint, gid, creds, body, n, out):
    u = urlparse(endpoint)
    conn = http.client.HTTPConnection(u.hostname, u.port)
    url = f"{endpoint}/gateways/{gid}/mcp"
    data = json.dumps(body).encode()
    for _ in range(n):
        req = AWSRequest(method="POST", url=url, data=data, headers={"content-type": "application/json", "accept": "application/json"})
        SigV4Auth(creds, "bedrock-agentcore", "us-east-1").add_auth(req)
        t = time.perf_counter()
        conn.request("POST", f"/gateways/{gid}/mcp", body=data, headers=dict(req.headers.items()))
        r = conn.getresponse()
        payload = r.read()
        out.append(time.perf_counter() - t)
        if r.status != 200 or b'"error"' in payload or b'"isError":true' in payload:
            raise SystemExit(f"unexpected answer {r.status}: {payload[:300]!r}")


def measure(name, endpoint, gid, creds, body):
    lat = []
    worker(endpoint, gid, creds, body, 20, [])  # warm-up (the Lambda environment starts here)
    worker(endpoint, gid, creds, body, N, lat)
    p = sorted(lat)
    seq = f"p50 {statistics.median(p) * 1e3:.2f} ms, p99 {p[int(len(p) * 0.99) - 1] * 1e3:.2f} ms"
    per = N // THREADS
    outs = [[] for _ in range(THREADS)]
    threads = [threading.Thread(target=worker, args=(endpoint, gid, creds, body, per, outs[i])) for i in range(THREADS)]
    t = time.perf_counter()
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    rate = per * THREADS / (time.perf_counter() - t)
    print(f"{name:10s} sequential {seq}; {THREADS} clients {rate:.0f} req/s (client signs in Python; cross-account, signed)")


def main():
    proc, endpoint = start()
    try:
        gid, creds = setup(endpoint)
        measure("tools/list", endpoint, gid, creds, {"jsonrpc": "2.0", "id": 1, "method": "tools/list"})
        call = {"jsonrpc": "2.0", "id": 2, "method": "tools/call", "params": {"name": "t___echo", "arguments": {"message": "hi"}}}
        measure("tools/call", endpoint, gid, creds, call)
    finally:
        proc.terminate()
        proc.wait(timeout=10)


if __name__ == "__main__":
    main()
