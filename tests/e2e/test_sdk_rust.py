"""The AWS SDK for Rust (issue 15): tests/rust-sdk runs the cross-account flow on the SDK's defaults but endpoint,
credentials and a plain-HTTP client. scripts/test builds it (a crate outside the workspace, with its own target
directory) unless SEKISHO_SKIP_RUST_SDK is set; without the binary the test is skipped, never silently passed."""

import os
import subprocess
import sys
import tempfile

import pytest

from conftest import start, stop

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "fixtures", "lambda"))
import lambda_e2e as lx  # noqa: E402

CRATE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "rust-sdk")
BINARY = os.environ.get("SEKISHO_RUST_SDK_BIN", os.path.join(CRATE, "target", "debug", "sekisho-rust-sdk-flow"))
APP = "def handler(event, context):\n    return {'n': event['n'] + 1}\n"
STEPS = ["iam-user", "iam-role", "assume-role-denied", "assume-role", "converse", "converse-stream",
         "converse-denied", "lambda-invoke", "lambda-missing", "states-execution", "states-sync", "states-missing",
         "done"]


def test_the_rust_sdk_runs_the_cross_account_flow():
    if not os.path.exists(BINARY):
        pytest.skip("tests/rust-sdk is not built (scripts/test builds it unless SEKISHO_SKIP_RUST_SDK is set)")
    server = start(config=lx.config() + "\n[bedrock]\nrequire_use_case_form = false\n")
    try:
        with tempfile.NamedTemporaryFile(suffix=".zip", delete=False) as f:
            f.write(lx.zip_files({"app.py": APP}))
        env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
        env.update(SEKISHO_ENDPOINT=server.endpoint, LAMBDA_ZIP=f.name)
        out = subprocess.run([BINARY], env=env, capture_output=True, text=True, timeout=120)
        os.unlink(f.name)
        steps = [line.split()[1] for line in out.stdout.splitlines() if line.startswith("ok ")]
        assert out.returncode == 0, f"stdout:\n{out.stdout}\nstderr:\n{out.stderr}"
        assert steps == STEPS
    finally:
        stop(server)
