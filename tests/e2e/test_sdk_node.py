"""The AWS SDK for JavaScript v3 (issue 15): tests/node/flow.mjs runs the cross-account flow on the SDK's default
settings but endpoint and credentials; Bedrock Runtime goes over HTTP/2 as Node's SDK sends it to http://.
scripts/test installs the pinned packages (`npm ci`); without node the test is skipped, never silently passed."""

import os
import shutil
import subprocess
import sys
import tempfile

import pytest

from conftest import start, stop

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "fixtures", "lambda"))
import lambda_e2e as lx  # noqa: E402

NODE_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "node")
APP = "def handler(event, context):\n    return {'n': event['n'] + 1}\n"
STEPS = ["iam-user", "iam-role", "assume-role-denied", "assume-role", "converse", "converse-stream",
         "converse-denied", "lambda-invoke", "lambda-missing", "states-execution", "states-sync", "states-missing",
         "done"]


@pytest.fixture(scope="module")
def node():
    node = shutil.which("node")
    if node is None or not os.path.isdir(os.path.join(NODE_DIR, "node_modules", "@aws-sdk")):
        pytest.skip("node or tests/node/node_modules missing (scripts/test runs `npm ci` there)")
    return node


def test_the_node_sdk_runs_the_cross_account_flow(node):
    server = start(config=lx.config() + "\n[bedrock]\nrequire_use_case_form = false\n")
    try:
        with tempfile.NamedTemporaryFile(suffix=".zip", delete=False) as f:
            f.write(lx.zip_files({"app.py": APP}))
        env = dict(os.environ, SEKISHO_ENDPOINT=server.endpoint, LAMBDA_ZIP=f.name)
        for name in ("AWS_PROFILE", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_REGION"):
            env.pop(name, None)
        out = subprocess.run([node, "flow.mjs"], cwd=NODE_DIR, env=env, capture_output=True, text=True, timeout=120)
        os.unlink(f.name)
        steps = [line.split()[1] for line in out.stdout.splitlines() if line.startswith("ok ")]
        assert out.returncode == 0, f"stdout:\n{out.stdout}\nstderr:\n{out.stderr}"
        assert steps == STEPS
    finally:
        stop(server)
