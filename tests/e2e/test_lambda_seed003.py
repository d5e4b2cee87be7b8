"""Seed 003 verbatim: a Python function with a layer assumes `external-role` in another account for 3600 s.
The layer module and the function are the article's code, zipped here; Python's own semantics decide what
the layer's `except ClientError` (never imported) does when AssumeRole is refused."""

import base64
import json
import os
import sys

import pytest

from conftest import ACCOUNT_A, ACCOUNT_B, start, stop

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "fixtures", "lambda"))
import lambda_e2e as lx  # noqa: E402

FUNCTION = "SwitchAccountFunction"
EXEC_ROLE = "SwitchAccountFunctionRole"
ASSUME_EXTERNAL = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Action": ["sts:AssumeRole"], "Resource": "arn:aws:iam::*:role/external-role"}],
}
OK_BODY = {"statusCode": 200, "body": json.dumps({"message": "Successfully processed request"})}
FAILED_BODY = {"statusCode": 500, "body": "Internal server error"}


@pytest.fixture(scope="module")
def sekisho():
    server = start(config=lx.config())
    yield server
    stop(server)


@pytest.fixture(scope="module")
def deployed(sekisho):
    """The SAM template's resources: external-role in B, the layer, the function and its role in A."""
    lx.require_iam(sekisho)
    trust_a = json.dumps(
        {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole", "Principal": {"AWS": ACCOUNT_A}}]}
    )
    lx.role(sekisho, "external-role", trust=trust_a, managed=["arn:aws:iam::aws:policy/ReadOnlyAccess"], account=ACCOUNT_B)
    role_arn = lx.role(
        sekisho,
        EXEC_ROLE,
        managed=[lx.BASIC_EXECUTION, "arn:aws:iam::aws:policy/AWSXrayWriteOnlyAccess"],
        inline={"SwitchAccountFunctionRolePolicy0": ASSUME_EXTERNAL},
    )
    lam = sekisho.client("lambda")
    layer = lam.publish_layer_version(
        LayerName="CrossAccountLayer",
        Content={"ZipFile": lx.zip_files({"python/cross_account.py": lx.fixture_text("seed003", "cross_account.py")})},
        CompatibleRuntimes=["python3.12"],
    )
    lam.create_function(
        FunctionName=FUNCTION,
        Runtime="python3.12",
        Role=role_arn,
        Handler="app.lambda_handler",
        Code={"ZipFile": lx.zip_files({"app.py": lx.fixture_text("seed003", "app.py")})},
        Layers=[layer["LayerVersionArn"]],
        Timeout=60,
        Architectures=["x86_64"],
        TracingConfig={"Mode": "Active"},
        LoggingConfig={"LogFormat": "JSON"},
    )
    return lam


def invoke(lam, event):
    out = lam.invoke(FunctionName=FUNCTION, Payload=json.dumps(event), LogType="Tail")
    return out, json.loads(out["Payload"].read()), base64.b64decode(out["LogResult"]).decode()


def test_the_function_assumes_external_role_in_the_other_account(sekisho, deployed):
    out, body, tail = invoke(deployed, {"account_id": ACCOUNT_B})
    assert out["StatusCode"] == 200 and "FunctionError" not in out, tail
    assert body == OK_BODY
    records = [json.loads(line) for line in tail.splitlines() if line.startswith("{")]
    messages = [r.get("message") for r in records]
    assert f"Attempting to assume role: arn:aws:iam::{ACCOUNT_B}:role/external-role" in messages
    assert f"Successfully assumed role for account: {ACCOUNT_B}" in messages
    assert any(r.get("logger") == "botocore.credentials" and r["message"] == "Found credentials in environment variables." for r in records)
    assert any(r.get("type") == "platform.report" for r in records)

    # The call was the function's role session (session name = function name) assuming B's role for 3600 s.
    session = f"arn:aws:sts::{ACCOUNT_A}:assumed-role/{EXEC_ROLE}/{FUNCTION}"
    calls = [d for d in lx.decisions(sekisho) if d["operation"] == "AssumeRole" and d["caller"] == session]
    assert calls and calls[0]["outcome"] == "Succeeded", calls  # newest first
    assert calls[0]["checks"][0]["resource"] == f"arn:aws:iam::{ACCOUNT_B}:role/external-role"


def test_the_functions_logs_reach_its_log_group(sekisho, deployed):
    invoke(deployed, {"account_id": ACCOUNT_B})
    messages = lx.log_messages(sekisho, f"/aws/lambda/{FUNCTION}", "Successfully assumed role")
    assert any("Successfully assumed role for account" in m for m in messages), messages
    assert any('"type": "platform.start"' in m or '"type":"platform.start"' in m for m in messages), messages


def test_without_sts_assume_role_the_layers_missing_import_decides(sekisho, deployed):
    iam = sekisho.client("iam")
    iam.delete_role_policy(RoleName=EXEC_ROLE, PolicyName="SwitchAccountFunctionRolePolicy0")
    try:
        # The role session's permissions are the role's, at every call: even a warm environment loses them.
        out, body, tail = invoke(deployed, {"account_id": ACCOUNT_B})
    finally:
        iam.put_role_policy(
            RoleName=EXEC_ROLE, PolicyName="SwitchAccountFunctionRolePolicy0", PolicyDocument=json.dumps(ASSUME_EXTERNAL)
        )
    assert out["StatusCode"] == 200 and "FunctionError" not in out
    assert body == FAILED_BODY
    messages = [json.loads(line).get("message") for line in tail.splitlines() if line.startswith("{")]
    # botocore raised ClientError (AccessDenied); evaluating `except ClientError` raised NameError instead.
    assert "Unexpected error: name 'ClientError' is not defined" in messages, tail
    assert not any(m and m.startswith("Failed to assume role") for m in messages)
    session = f"arn:aws:sts::{ACCOUNT_A}:assumed-role/{EXEC_ROLE}/{FUNCTION}"
    denied = [d for d in lx.decisions(sekisho) if d["operation"] == "AssumeRole" and d["caller"] == session]
    assert denied[0]["outcome"] == "Denied", denied[0]  # newest first


def test_an_invalid_account_id_takes_the_seeds_error_path(deployed):
    out, body, tail = invoke(deployed, {"account_id": "12345"})
    assert body == FAILED_BODY
    messages = [json.loads(line).get("message") for line in tail.splitlines() if line.startswith("{")]
    assert "Invalid account ID format: 12345" in messages
    assert "Unexpected error: Invalid account ID format" in messages
    assert "Credentials cleaned up for account: 12345" in messages

    out, body, _ = invoke(deployed, {})
    assert body == {"statusCode": 400, "body": json.dumps({"message": "Missing account_id"})}
