"""End-to-end fixtures: start the real sekisho binary on a free port and talk to it with real clients."""

import os
import signal
import subprocess
import sys
import tempfile

import boto3
import botocore.config
import pytest

ACCOUNT_A = "111111111111"
ACCOUNT_B = "222222222222"
ROOT_SECRET = "test"


class Sekisho:
    def __init__(self, proc, endpoint):
        self.proc = proc
        self.endpoint = endpoint

    def session(self, access_key=ACCOUNT_A, secret=ROOT_SECRET, token=None, region="us-east-1"):
        return boto3.session.Session(
            aws_access_key_id=access_key,
            aws_secret_access_key=secret,
            aws_session_token=token,
            region_name=region,
        )

    def client(self, service, access_key=ACCOUNT_A, secret=ROOT_SECRET, token=None, region="us-east-1", **config):
        cfg = botocore.config.Config(retries={"max_attempts": 1}, **config)
        return self.session(access_key, secret, token, region).client(
            service, endpoint_url=self.endpoint, config=cfg
        )

    def admin(self, account=ACCOUNT_A):
        """Keys of an IAM user `sekisho-admin` with AdministratorAccess in `account`, created on first use: an
        account's root user may not assume roles, so tests that do use this user."""
        cache = self.__dict__.setdefault("_admins", {})
        if account not in cache:
            iam = self.client("iam", access_key=account)
            iam.create_user(UserName="sekisho-admin")
            iam.attach_user_policy(UserName="sekisho-admin", PolicyArn="arn:aws:iam::aws:policy/AdministratorAccess")
            key = iam.create_access_key(UserName="sekisho-admin")["AccessKey"]
            cache[account] = (key["AccessKeyId"], key["SecretAccessKey"])
        return cache[account]

    def admin_client(self, service, account=ACCOUNT_A, region="us-east-1", **config):
        key, secret = self.admin(account)
        return self.client(service, access_key=key, secret=secret, region=region, **config)

    def aws(self, *args, account=ACCOUNT_A, secret=ROOT_SECRET, token=None, region="us-east-1", check=True):
        """Runs the AWS CLI (from the virtualenv) against sekisho; returns the CompletedProcess."""
        env = dict(os.environ)
        env.update(
            AWS_ACCESS_KEY_ID=account,
            AWS_SECRET_ACCESS_KEY=secret,
            AWS_DEFAULT_REGION=region,
            AWS_ENDPOINT_URL=self.endpoint,
            AWS_CONFIG_FILE=os.devnull,
            AWS_SHARED_CREDENTIALS_FILE=os.devnull,
        )
        env.pop("AWS_SESSION_TOKEN", None)
        if token:
            env["AWS_SESSION_TOKEN"] = token
        aws = os.path.join(os.path.dirname(sys.executable), "aws")
        result = subprocess.run([aws, *args], env=env, capture_output=True, text=True, timeout=60)
        if check and result.returncode != 0:
            raise AssertionError(f"aws {' '.join(args)} failed: {result.stderr}")
        return result


def start(*extra_args, config=None):
    binary = os.environ.get("SEKISHO_BIN")
    if not binary:
        raise RuntimeError("SEKISHO_BIN is not set: run the tests with scripts/test")
    args = [binary, "serve", "--port", "0", *extra_args]
    if config is not None:
        fd, path = tempfile.mkstemp(suffix=".toml")
        with os.fdopen(fd, "w") as f:
            f.write(config)
        args += ["--config", path]
    proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    line = proc.stdout.readline().strip()
    prefix = "sekisho listening on "
    if not line.startswith(prefix):
        proc.kill()
        raise RuntimeError(f"unexpected first line {line!r}; stderr: {proc.stderr.read()}")
    return Sekisho(proc, line[len(prefix):])


def stop(server):
    server.proc.send_signal(signal.SIGTERM)
    try:
        server.proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        server.proc.kill()
        raise


def kill(server):
    """Ends the server as a crash would (SIGKILL): nothing is flushed, nothing is closed."""
    server.proc.send_signal(signal.SIGKILL)
    server.proc.wait(timeout=10)


def refused(*args, timeout=30):
    """Runs `sekisho serve --port 0 ARGS` expecting it to refuse to start: returns (exit code, stderr)."""
    binary = os.environ.get("SEKISHO_BIN")
    if not binary:
        raise RuntimeError("SEKISHO_BIN is not set: run the tests with scripts/test")
    proc = subprocess.run([binary, "serve", "--port", "0", *args], capture_output=True, text=True, timeout=timeout)
    return proc.returncode, proc.stderr


@pytest.fixture(scope="module")
def sekisho():
    server = start()
    yield server
    stop(server)
