"""A Rust function built with the `lambda_runtime` crate runs on `provided.al2023`: the zip's `bootstrap`
talks to sekisho's Runtime API like it talks to AWS's. Built here into target/lambda-fixtures (the first
build compiles lambda_runtime and its dependencies; later runs reuse it)."""

import base64
import json
import os
import subprocess
import sys

import pytest

from conftest import start, stop

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "fixtures", "lambda"))
import lambda_e2e as lx  # noqa: E402

CRATE = os.path.join(lx.HERE, "rust-hello")
TARGET = os.path.join(lx.REPO, "target", "lambda-fixtures")


@pytest.fixture(scope="module")
def bootstrap(sekisho):
    lx.require_iam(sekisho)  # before the build: without IAM there is no execution role to run as
    subprocess.run(
        ["cargo", "build", "--quiet", "--manifest-path", os.path.join(CRATE, "Cargo.toml"), "--target-dir", TARGET],
        check=True,
        timeout=1800,
    )
    with open(os.path.join(TARGET, "debug", "bootstrap"), "rb") as f:
        return f.read()


@pytest.fixture(scope="module")
def sekisho():
    server = start(config=lx.config())
    yield server
    stop(server)


def test_a_rust_function_on_provided_al2023(sekisho, bootstrap):
    role = lx.role(sekisho, "e2e-rust-exec", managed=[lx.BASIC_EXECUTION])
    lam = sekisho.client("lambda")
    lam.create_function(
        FunctionName="rust-hello",
        Runtime="provided.al2023",
        Role=role,
        Handler="bootstrap",
        Code={"ZipFile": lx.zip_files({"bootstrap": (bootstrap, 0o755)})},
    )
    out = lam.invoke(FunctionName="rust-hello", Payload=json.dumps({"hello": "rust"}), LogType="Tail")
    body = json.loads(out["Payload"].read())
    assert out["StatusCode"] == 200 and "FunctionError" not in out
    assert body["echo"] == {"hello": "rust"}
    assert body["function_name"] == "rust-hello"
    assert body["has_credentials"] is True
    assert body["invoked_function_arn"] == "arn:aws:lambda:us-east-1:111111111111:function:rust-hello"
    tail = base64.b64decode(out["LogResult"]).decode()
    assert 'rust handler saw {"hello":"rust"}' in tail
    assert "INIT_START Runtime Version: provided:al2023.v1" in tail and "Init Duration: " in tail

    out = lam.invoke(FunctionName="rust-hello", Payload=json.dumps({"fail": "on purpose"}))
    assert out["FunctionError"] == "Unhandled"
    err = json.loads(out["Payload"].read())
    assert err["errorMessage"] == "on purpose"
