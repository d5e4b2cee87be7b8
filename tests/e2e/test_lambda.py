"""Lambda through real clients: boto3 and the AWS CLI create, invoke and manage functions that run as
local processes; boto3 inside a function reaches sekisho as the execution role; processes end with sekisho."""

import base64
import json
import os
import signal
import subprocess
import sys
import time

import botocore.exceptions
import pytest

from conftest import ACCOUNT_A, ACCOUNT_B, start, stop

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "fixtures", "lambda"))
import lambda_e2e as lx  # noqa: E402

APP = """
import json, os, boto3, logging
logging.getLogger().setLevel("INFO")

def handler(event, context):
    if event.get("fail"):
        raise RuntimeError(event["fail"])
    logging.info("event %s", json.dumps(event))
    me = boto3.client("sts").get_caller_identity()["Arn"] if event.get("whoami") else None
    cc = context.client_context
    return {
        "event": event,
        "pid": os.getpid(),
        "me": me,
        "function": context.function_name,
        "custom": cc.custom if cc else None,
        "remaining_ok": 0 < context.get_remaining_time_in_millis() <= 30000,
    }
"""


def error_of(excinfo):
    e = excinfo.value.response
    return e["Error"]["Code"], e["ResponseMetadata"]["HTTPStatusCode"], e["Error"].get("Message", "")


@pytest.fixture(scope="module")
def sekisho():
    server = start(config=lx.config())
    yield server
    stop(server)


@pytest.fixture(scope="module")
def fn(sekisho):
    lx.require_iam(sekisho)
    role = lx.role(sekisho, "e2e-lambda-exec", managed=[lx.BASIC_EXECUTION])
    lam = sekisho.client("lambda")
    lam.create_function(
        FunctionName="e2e-hello",
        Runtime="python3.12",
        Role=role,
        Handler="app.handler",
        Code={"ZipFile": lx.zip_files({"app.py": APP})},
        Timeout=30,
    )
    return lam


def test_invoke_with_tail_client_context_and_errors(fn):
    ctx = base64.b64encode(json.dumps({"custom": {"tenant": "t-1"}}).encode()).decode()
    out = fn.invoke(FunctionName="e2e-hello", Payload=json.dumps({"n": 1}), LogType="Tail", ClientContext=ctx)
    body = json.loads(out["Payload"].read())
    assert out["StatusCode"] == 200 and out["ExecutedVersion"] == "$LATEST"
    assert body["event"] == {"n": 1} and body["function"] == "e2e-hello" and body["custom"] == {"tenant": "t-1"}
    assert body["remaining_ok"]
    tail = base64.b64decode(out["LogResult"]).decode()
    assert "START RequestId: " in tail and "END RequestId: " in tail and "REPORT RequestId: " in tail
    assert '\tevent {"n": 1}\n' in tail

    warm = json.loads(fn.invoke(FunctionName="e2e-hello", Payload="{}")["Payload"].read())
    assert warm["pid"] == body["pid"]

    out = fn.invoke(FunctionName="e2e-hello", Payload=json.dumps({"fail": "nope"}))
    assert out["FunctionError"] == "Unhandled"
    err = json.loads(out["Payload"].read())
    assert err["errorType"] == "RuntimeError" and err["errorMessage"] == "nope" and err["stackTrace"]


def test_boto3_inside_the_function_is_the_execution_role(fn):
    body = json.loads(fn.invoke(FunctionName="e2e-hello", Payload=json.dumps({"whoami": True}))["Payload"].read())
    assert body["me"] == f"arn:aws:sts::{ACCOUNT_A}:assumed-role/e2e-lambda-exec/e2e-hello"


def test_cli_invoke(sekisho, fn, tmp_path):
    out_file = tmp_path / "out.json"
    result = sekisho.aws(
        "lambda", "invoke", "--function-name", "e2e-hello", "--payload", '{"from": "cli"}', str(out_file),
    )
    meta = json.loads(result.stdout)
    assert meta["StatusCode"] == 200
    assert json.loads(out_file.read_text())["event"] == {"from": "cli"}
    listed = json.loads(sekisho.aws("lambda", "list-functions").stdout)
    assert "e2e-hello" in [f["FunctionName"] for f in listed["Functions"]]


def test_awss_errors(sekisho, fn):
    with pytest.raises(botocore.exceptions.ClientError) as e:
        fn.get_function(FunctionName="missing")
    assert error_of(e) == (
        "ResourceNotFoundException", 404, f"Function not found: arn:aws:lambda:us-east-1:{ACCOUNT_A}:function:missing"
    )
    role = lx.role(sekisho, "e2e-not-for-lambda", trust=json.dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"}]}))
    with pytest.raises(botocore.exceptions.ClientError) as e:
        fn.create_function(FunctionName="e2e-bad-role", Runtime="python3.12", Role=role, Handler="app.handler",
                           Code={"ZipFile": lx.zip_files({"app.py": APP})})
    assert error_of(e) == ("InvalidParameterValueException", 400, "The role defined for the function cannot be assumed by Lambda.")
    with pytest.raises(botocore.exceptions.ClientError) as e:
        fn.create_function(FunctionName="e2e-hello", Runtime="python3.12", Role=role, Handler="app.handler",
                           Code={"ZipFile": lx.zip_files({"app.py": APP})})
    code, _, message = error_of(e)
    assert code in ("ResourceConflictException", "InvalidParameterValueException"), message
    with pytest.raises(botocore.exceptions.ClientError) as e:
        fn.invoke(FunctionName="e2e-hello", Payload=b"not json")
    assert error_of(e)[0:2] == ("InvalidRequestContentException", 400)


def test_other_accounts_invoke_through_the_resource_policy(sekisho, fn):
    arn = f"arn:aws:lambda:us-east-1:{ACCOUNT_A}:function:e2e-hello"
    b = sekisho.client("lambda", access_key=ACCOUNT_B)
    with pytest.raises(botocore.exceptions.ClientError) as e:
        b.invoke(FunctionName=arn, Payload="{}")
    code, status, message = error_of(e)
    assert (code, status) == ("AccessDeniedException", 403)
    assert f"is not authorized to perform: lambda:InvokeFunction on resource: {arn}" in message
    fn.add_permission(FunctionName="e2e-hello", StatementId="from-b", Action="lambda:InvokeFunction", Principal=ACCOUNT_B)
    try:
        out = b.invoke(FunctionName=arn, Payload=json.dumps({"from": "b"}))
        assert json.loads(out["Payload"].read())["event"] == {"from": "b"}
        policy = json.loads(fn.get_policy(FunctionName="e2e-hello")["Policy"])
        assert policy["Statement"][0]["Principal"] == {"AWS": f"arn:aws:iam::{ACCOUNT_B}:root"}
    finally:
        fn.remove_permission(FunctionName="e2e-hello", StatementId="from-b")


def test_logs_reach_cloudwatch(sekisho, fn):
    fn.invoke(FunctionName="e2e-hello", Payload=json.dumps({"mark": "cw"}))
    messages = lx.log_messages(sekisho, "/aws/lambda/e2e-hello", '"mark": "cw"')
    assert any(m.startswith("REPORT RequestId: ") for m in messages)
    streams = sekisho.client("logs").describe_log_streams(logGroupName="/aws/lambda/e2e-hello")["logStreams"]
    assert all("/[$LATEST]" in s["logStreamName"] for s in streams)


def alive(pid):
    try:
        with open(f"/proc/{pid}/status") as f:
            return not any(line.startswith("State:") and "Z" in line for line in f)
    except FileNotFoundError:
        return False


@pytest.mark.parametrize("how", [signal.SIGTERM, signal.SIGKILL])
def test_function_processes_end_with_sekisho(how):
    server = start(config=lx.config())
    try:
        lx.require_iam(server)
        role = lx.role(server, "e2e-orphans", managed=[lx.BASIC_EXECUTION])
        lam = server.client("lambda")
        lam.create_function(FunctionName="e2e-orphan", Runtime="python3.12", Role=role, Handler="app.handler",
                            Code={"ZipFile": lx.zip_files({"app.py": APP})})
        pid = json.loads(lam.invoke(FunctionName="e2e-orphan", Payload="{}")["Payload"].read())["pid"]
        assert alive(pid)
    finally:
        server.proc.send_signal(how)
        server.proc.wait(timeout=10)
    deadline = time.time() + 5
    while alive(pid) and time.time() < deadline:
        time.sleep(0.05)
    assert not alive(pid)
