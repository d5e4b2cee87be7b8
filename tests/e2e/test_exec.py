"""`sekisho exec`: unmodified programs reach sekisho over real HTTPS at AWS host names, through serve's CONNECT
proxy, trusting sekisho's local CA (kept in a temporary data directory here, never the user's home)."""

import json
import os
import shutil
import socket
import ssl
import stat
import subprocess
import sys
import threading
import urllib.request

import pytest

from conftest import ACCOUNT_A, ACCOUNT_B, start, stop
import test_bedrock_seed_001 as seed1

BIN = os.environ.get("SEKISHO_BIN", "")
VENV_BIN = os.path.dirname(sys.executable)
NODE_DIR = os.path.join(os.path.dirname(__file__), "..", "node")
EC2_TRUST = json.dumps({"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"}]})


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory):
    return tmp_path_factory.mktemp("exec-data")


@pytest.fixture(scope="module")
def sekisho(data_dir):
    server = start(config=f'[storage]\ndir = "{data_dir}"\n')
    yield server
    stop(server)


def clean_env(**extra):
    """The test runner's environment without AWS settings, so only what exec sets reaches the program."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update(AWS_CONFIG_FILE=os.devnull, AWS_SHARED_CREDENTIALS_FILE=os.devnull, AWS_DEFAULT_REGION="us-east-1")
    env.update(extra)
    return env


def exec_run(server, *args, identity=("--account", ACCOUNT_A), env=None, cwd=None, timeout=120):
    cmd = [BIN, "exec", "--endpoint", server.endpoint, *identity, "--", *args]
    return subprocess.run(cmd, env=env or clean_env(), cwd=cwd, capture_output=True, text=True, timeout=timeout)


def connect_tunnel(server, host, port=443, auth=None):
    """A socket on which the proxy has answered CONNECT; returns (socket, status line)."""
    addr = server.endpoint.removeprefix("http://")
    h, p = addr.rsplit(":", 1)
    sock = socket.create_connection((h, int(p)), timeout=10)
    extra = f"Proxy-Authorization: Basic {auth}\r\n" if auth else ""
    sock.sendall(f"CONNECT {host}:{port} HTTP/1.1\r\nHost: {host}:{port}\r\n{extra}\r\n".encode())
    head = b""
    while b"\r\n\r\n" not in head:
        chunk = sock.recv(1)
        if not chunk:
            break
        head += chunk
    return sock, head.split(b"\r\n", 1)[0].decode()


def ca_pem(server):
    """The CA as exec gets it."""
    req = urllib.request.Request(server.endpoint + "/_sekisho/exec", data=b"{}", method="POST",
                                 headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req) as r:
        return json.load(r)["caPem"]


def strict_context(server, tmp_path):
    ca = tmp_path / "ca.pem"
    ca.write_text(ca_pem(server))
    ctx = ssl.create_default_context(cafile=str(ca))
    # Python 3.13 sets this by default; 3.11 has it, so it is set here explicitly.
    ctx.verify_flags |= ssl.VERIFY_X509_STRICT
    ctx.set_alpn_protocols(["h2", "http/1.1"])
    return ctx


def test_the_ca_is_kept_in_the_data_directory_with_a_private_key(sekisho, data_dir):
    pem = ca_pem(sekisho)
    ca_dir = data_dir / "ca"
    assert (ca_dir / "ca.pem").read_text() == pem
    key = ca_dir / "ca.key.pem"
    assert stat.S_IMODE(key.stat().st_mode) == 0o600
    assert stat.S_IMODE(ca_dir.stat().st_mode) == 0o700
    # The key never leaves the directory: not in the answer exec gets, nor in the bundle it writes.
    key_body = key.read_text().split("-----")[2].strip()
    assert key_body not in pem
    out = exec_run(sekisho, "sh", "-c", 'cat "$SSL_CERT_FILE"')
    assert out.returncode == 0, out.stderr
    assert pem.strip() in out.stdout and key_body not in out.stdout


def test_leaf_certificates_pass_pythons_strict_x509_checks(sekisho, tmp_path):
    ctx = strict_context(sekisho, tmp_path)
    sock, status = connect_tunnel(sekisho, "sts.us-east-1.amazonaws.com")
    assert status == "HTTP/1.1 200 OK", status
    with ctx.wrap_socket(sock, server_hostname="sts.us-east-1.amazonaws.com") as tls:
        # ALPN offers only what sekisho serves: HTTP/1.1, even to a client that prefers h2.
        assert tls.selected_alpn_protocol() == "http/1.1"
        cert = tls.getpeercert()
        assert ("DNS", "sts.us-east-1.amazonaws.com") in cert["subjectAltName"]
        tls.sendall(b"GET /?Action=GetCallerIdentity&Version=2011-06-15 HTTP/1.1\r\n"
                    b"Host: sts.us-east-1.amazonaws.com\r\nConnection: close\r\n\r\n")
        answer = b""
        while chunk := tls.recv(4096):
            answer += chunk
    # The inner request reached the router with the real Host: STS refuses it unsigned, as AWS does.
    assert answer.startswith(b"HTTP/1.1 403"), answer[:200]
    assert b"<Code>MissingAuthenticationToken</Code>" in answer


def test_leaf_and_ca_pass_openssl_x509_strict(sekisho, tmp_path):
    if not shutil.which("openssl"):
        pytest.skip("openssl is not installed")
    ctx = ssl.create_default_context(cafile=None)
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    sock, _ = connect_tunnel(sekisho, "abc.gateway.bedrock-agentcore.us-east-1.amazonaws.com")
    with ctx.wrap_socket(sock, server_hostname="abc.gateway.bedrock-agentcore.us-east-1.amazonaws.com") as tls:
        leaf = ssl.DER_cert_to_PEM_cert(tls.getpeercert(binary_form=True))
    (tmp_path / "leaf.pem").write_text(leaf)
    (tmp_path / "ca.pem").write_text(ca_pem(sekisho))
    r = subprocess.run(["openssl", "verify", "-x509_strict", "-purpose", "sslserver", "-CAfile",
                        str(tmp_path / "ca.pem"), str(tmp_path / "leaf.pem")], capture_output=True, text=True)
    assert r.returncode == 0 and r.stdout.strip().endswith(": OK"), r.stdout + r.stderr
    r = subprocess.run(["openssl", "verify", "-x509_strict", "-CAfile", str(tmp_path / "ca.pem"),
                        str(tmp_path / "ca.pem")], capture_output=True, text=True)
    assert r.returncode == 0, r.stdout + r.stderr


def test_a_client_that_does_not_trust_the_ca_is_refused_by_tls(sekisho):
    ctx = ssl.create_default_context()  # the system's roots only
    sock, _ = connect_tunnel(sekisho, "sts.us-east-1.amazonaws.com")
    with pytest.raises(ssl.SSLCertVerificationError):
        ctx.wrap_socket(sock, server_hostname="sts.us-east-1.amazonaws.com")


def test_a_name_outside_aws_gets_no_certificate(sekisho, tmp_path):
    ctx = strict_context(sekisho, tmp_path)
    sock, _ = connect_tunnel(sekisho, "sts.us-east-1.amazonaws.com")
    with pytest.raises(ssl.SSLError):
        ctx.wrap_socket(sock, server_hostname="example.com")


def test_other_hosts_are_tunnelled_untouched(sekisho):
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(1)

    def echo():
        conn, _ = listener.accept()
        with conn:
            conn.sendall(conn.recv(100).upper())
    threading.Thread(target=echo, daemon=True).start()
    sock, status = connect_tunnel(sekisho, "127.0.0.1", listener.getsockname()[1])
    assert status == "HTTP/1.1 200 OK"
    sock.sendall(b"hello")
    assert sock.recv(100) == b"HELLO"
    sock.close()
    listener.close()


def test_other_hosts_are_refused_when_configured(tmp_path):
    server = start(config=f'[storage]\ndir = "{tmp_path}"\n[exec]\nother_hosts = "refuse"\n')
    try:
        _, status = connect_tunnel(server, "example.com")
        assert status.startswith("HTTP/1.1 403"), status
        sock, status = connect_tunnel(server, "sts.us-east-1.amazonaws.com")
        assert status == "HTTP/1.1 200 OK", status
        sock.close()
    finally:
        stop(server)


def test_aws_cli_without_endpoint_url(sekisho):
    out = exec_run(sekisho, os.path.join(VENV_BIN, "aws"), "sts", "get-caller-identity", identity=("--account", ACCOUNT_B))
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout)["Arn"] == f"arn:aws:iam::{ACCOUNT_B}:root"


def test_curl_trusts_the_injected_ca(sekisho):
    if not shutil.which("curl"):
        pytest.skip("curl is not installed")
    out = exec_run(sekisho, "curl", "-sS", "https://sts.us-east-1.amazonaws.com/?Action=GetCallerIdentity&Version=2011-06-15")
    assert out.returncode == 0, out.stderr
    assert "<Code>MissingAuthenticationToken</Code>" in out.stdout


def test_a_bad_signature_is_refused_as_aws_does(sekisho):
    script = "import boto3\ntry:\n    boto3.client('sts').get_caller_identity()\nexcept Exception as e:\n    print(e)\n"
    env = clean_env(SEKISHO_ROOT_SECRET="wrong")
    out = exec_run(sekisho, sys.executable, "-c", script, env=env)
    assert "SignatureDoesNotMatch" in out.stdout, out.stdout + out.stderr


def test_exit_status_is_the_programs(sekisho):
    assert exec_run(sekisho, "sh", "-c", "exit 7").returncode == 7
    out = exec_run(sekisho, "sh", "-c", "kill -TERM $$")
    assert out.returncode == -15


def test_node_sdk_v3_with_default_settings(sekisho):
    if not shutil.which("node") or not shutil.which("npm"):
        pytest.skip("node and npm are not installed")
    if not os.path.isdir(os.path.join(NODE_DIR, "node_modules", "@aws-sdk", "client-sts")):
        r = subprocess.run(["npm", "ci", "--no-audit", "--no-fund", "--silent"], cwd=NODE_DIR, capture_output=True,
                           text=True, timeout=300)
        if r.returncode != 0:
            pytest.skip(f"npm ci failed (no registry?): {r.stderr[-500:]}")
    out = exec_run(sekisho, "node", "get_caller_identity.mjs", cwd=NODE_DIR, identity=("--account", ACCOUNT_B))
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout.strip().splitlines()[-1]) == {"Account": ACCOUNT_B, "Arn": f"arn:aws:iam::{ACCOUNT_B}:root"}


def instance_profile(server, name):
    iam = server.client("iam", access_key=ACCOUNT_A)
    iam.create_role(RoleName=name, AssumeRolePolicyDocument=EC2_TRUST)
    iam.create_instance_profile(InstanceProfileName=name)
    iam.add_role_to_instance_profile(InstanceProfileName=name, RoleName=name)
    return f"arn:aws:iam::{ACCOUNT_A}:instance-profile/{name}"


WHO = "import boto3; s = boto3.Session(); print(s.get_credentials().method); print(s.client('sts').get_caller_identity()['Arn'])"


def test_instance_credentials_from_the_container_endpoint_and_imdsv2(sekisho):
    profile = instance_profile(sekisho, "web-server")
    env = clean_env()
    out = exec_run(sekisho, sys.executable, "-c", WHO + "; import os; print(os.environ['SEKISHO_EXEC_CLIENT'])",
                   identity=("--instance", profile), env=env)
    assert out.returncode == 0, out.stderr
    method, arn, client = out.stdout.split()
    assert method == "container-role"
    assert arn.startswith(f"arn:aws:sts::{ACCOUNT_A}:assumed-role/web-server/i-"), arn
    instance_id = arn.rsplit("/", 1)[1]
    assert len(instance_id) == 19 and all(c in "0123456789abcdef" for c in instance_id[2:])

    # Without the container endpoint botocore asks IMDS (v2: a token first).
    out = exec_run(sekisho, "env", "-u", "AWS_CONTAINER_CREDENTIALS_FULL_URI", "-u", "AWS_CONTAINER_AUTHORIZATION_TOKEN",
                   sys.executable, "-c", WHO, identity=("--instance", profile), env=env)
    assert out.returncode == 0, out.stderr
    method, arn = out.stdout.split()
    assert method == "iam-role"
    assert arn.startswith(f"arn:aws:sts::{ACCOUNT_A}:assumed-role/web-server/i-"), arn


IMDS_PROBE = """
import os, urllib.request, urllib.error, json
base = os.environ["AWS_EC2_METADATA_SERVICE_ENDPOINT"]
def call(method, path, headers):
    req = urllib.request.Request(base + path, method=method, headers=headers)
    try:
        with urllib.request.urlopen(req) as r:
            return r.status, r.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, ""
creds = "latest/meta-data/iam/security-credentials/"
print(json.dumps({
    "v1": call("GET", creds, {})[0],
    "no_ttl": call("PUT", "latest/api/token", {})[0],
    "forwarded": call("PUT", "latest/api/token", {"X-aws-ec2-metadata-token-ttl-seconds": "60", "X-Forwarded-For": "1.2.3.4"})[0],
    "bad_token": call("GET", creds, {"X-aws-ec2-metadata-token": "nope"})[0],
}))
status, token = call("PUT", "latest/api/token", {"X-aws-ec2-metadata-token-ttl-seconds": "60"})
h = {"X-aws-ec2-metadata-token": token}
role = call("GET", creds, h)[1]
print(role)
print(call("GET", creds + role, h)[1])
print(call("GET", "latest/meta-data/instance-id", h)[1])
"""


def test_imds_requires_v2_tokens_and_answers_in_ec2s_shape(sekisho):
    profile = instance_profile(sekisho, "api-server")
    out = exec_run(sekisho, sys.executable, "-c", IMDS_PROBE, identity=("--instance", profile))
    assert out.returncode == 0, out.stderr
    lines = out.stdout.splitlines()
    assert json.loads(lines[0]) == {"v1": 401, "no_ttl": 400, "forwarded": 403, "bad_token": 401}
    assert lines[1] == "api-server"
    creds = json.loads(lines[2])
    assert list(creds) == ["Code", "LastUpdated", "Type", "AccessKeyId", "SecretAccessKey", "Token", "Expiration"]
    assert creds["Code"] == "Success" and creds["Type"] == "AWS-HMAC" and creds["AccessKeyId"].startswith("ASIA")
    assert lines[3].startswith("i-")


def test_a_role_that_does_not_trust_ec2_gives_the_instance_no_credentials(sekisho):
    iam = sekisho.client("iam", access_key=ACCOUNT_A)
    trust = EC2_TRUST.replace("ec2.amazonaws.com", "lambda.amazonaws.com")
    iam.create_role(RoleName="not-for-ec2", AssumeRolePolicyDocument=trust)
    iam.create_instance_profile(InstanceProfileName="not-for-ec2")
    iam.add_role_to_instance_profile(InstanceProfileName="not-for-ec2", RoleName="not-for-ec2")
    out = exec_run(sekisho, sys.executable, "-c", IMDS_PROBE,
                   identity=("--instance", f"arn:aws:iam::{ACCOUNT_A}:instance-profile/not-for-ec2"))
    assert out.returncode == 0, out.stderr
    # EC2 answers so when it cannot assume the instance profile's role.
    assert json.loads(out.stdout.splitlines()[2])["Code"] == "AssumeRoleUnauthorizedAccess"


def test_an_unknown_instance_profile_is_refused(sekisho):
    out = exec_run(sekisho, "true", identity=("--instance", f"arn:aws:iam::{ACCOUNT_A}:instance-profile/nope"))
    assert out.returncode != 0
    assert "Instance profile nope cannot be found" in out.stderr


def test_seed_001_script_unchanged(tmp_path):
    """Seed 001's script with its real STS endpoint (only the role ARN filled in), under `exec --profile` of an
    IAM user of the municipality account, and on the article's EC2 instance (`--instance` with the municipality
    role, trusted by `ec2.amazonaws.com` as the article sets it up)."""
    server = start(config=f'[storage]\ndir = "{tmp_path}"\n')
    try:
        if not seed1.serves_iam(server):
            pytest.skip("sekisho does not serve IAM yet")
        # The municipality role first: IAM refuses a trust policy naming a role that does not exist.
        iam = server.client("iam", access_key=seed1.MUNICIPALITY)
        iam.create_role(RoleName="municipality-ec2-role", AssumeRolePolicyDocument=seed1.MUNICIPALITY_TRUST)
        iam.put_role_policy(RoleName="municipality-ec2-role", PolicyName="assume-vendor",
                            PolicyDocument=seed1.MUNICIPALITY_POLICY)
        role_arn = seed1.vendor_role(server, "vendor-bedrock-role")
        seed1.submit_use_case(server)
        iam.create_instance_profile(InstanceProfileName="municipality-ec2")
        iam.add_role_to_instance_profile(InstanceProfileName="municipality-ec2", RoleName="municipality-ec2-role")
        # The user's own profile: the role's session is taken through it (source_profile), as an
        # administrator would from a workstation.
        key, secret = server.admin(seed1.MUNICIPALITY)
        config = tmp_path / "aws_config"
        config.write_text(
            f"[profile municipality-user]\naws_access_key_id = {key}\naws_secret_access_key = {secret}\n\n"
            f"[profile municipality]\nrole_arn = arn:aws:iam::{seed1.MUNICIPALITY}:role/municipality-ec2-role\n"
            "source_profile = municipality-user\nrole_session_name = i-0123456789abcdef0\n")
        text = open(seed1.SCRIPT, encoding="utf-8").read().replace("事業者アカウントの IAM ロールの ARN", role_arn)
        assert 'endpoint_url="https://sts.ap-northeast-1.amazonaws.com"' in text
        script = tmp_path / "seed_001.py"
        script.write_text(text, encoding="utf-8")

        env = clean_env(AWS_CONFIG_FILE=str(config))
        out = exec_run(server, sys.executable, str(script), identity=("--profile", "municipality"), env=env)
        assert out.returncode == 0, out.stderr
        assert "'stopReason': 'end_turn'" in out.stdout, out.stdout

        out = exec_run(server, sys.executable, str(script),
                       identity=("--instance", f"arn:aws:iam::{seed1.MUNICIPALITY}:instance-profile/municipality-ec2"))
        assert out.returncode == 0, out.stderr
        assert "'stopReason': 'end_turn'" in out.stdout, out.stdout
        outcome, _ = seed1.converse_checks(server)
        assert outcome == "Succeeded"
    finally:
        stop(server)
