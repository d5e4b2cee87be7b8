"""Issue 11, the HTTP side: sekisho's own endpoints refuse cross-origin browsers, rebound names and (off loopback)
clients without the token; the decision log hides what a trust policy requires; unauthenticated requests cannot
make sekisho keep memory or accounts; slow or too many connections cannot hold it. Hostile requests go over raw
sockets, legitimate ones through boto3."""

import json
import os
import re
import select
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request

import botocore.exceptions
import pytest

from conftest import ACCOUNT_A, ACCOUNT_B, start, stop

MiB = 1024 * 1024


@pytest.fixture
def fresh():
    """A server of its own, for tests that wipe, count or flood it."""
    server = start()
    yield server
    stop(server)


def address(server):
    host, port = server.endpoint[len("http://"):].rsplit(":", 1)
    return host.strip("[]"), int(port)


def read_response(sock):
    """(status, headers, body) of one HTTP/1.1 response with a Content-Length, or None if the server closed."""
    buf = b""
    while b"\r\n\r\n" not in buf:
        chunk = sock.recv(65536)
        if not chunk:
            return None
        buf += chunk
    head, _, body = buf.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    headers = {k.strip().lower(): v.strip() for k, v in (line.split(":", 1) for line in lines[1:])}
    length = int(headers.get("content-length", "0"))
    while len(body) < length:
        chunk = sock.recv(65536)
        if not chunk:
            break
        body += chunk
    return int(lines[0].split(" ")[1]), headers, body


def raw(server, request, timeout=10):
    with socket.create_connection(address(server), timeout=timeout) as s:
        s.sendall(request)
        return read_response(s)


def send(server, method, path, headers=(), body=b""):
    """A plain request with exactly the headers given (Host defaults to the server's address): (status, body)."""
    host, port = address(server)
    head = [f"{method} {path} HTTP/1.1", f"Content-Length: {len(body)}", "Connection: close"]
    if not any(k.lower() == "host" for k, _ in headers):
        head.append(f"Host: {host}:{port}")
    head += [f"{k}: {v}" for k, v in headers]
    status, _, answer = raw(server, ("\r\n".join(head) + "\r\n\r\n").encode() + body)
    return status, answer


def health(server):
    """Health, which must answer within a second whatever else goes on."""
    with urllib.request.urlopen(server.endpoint + "/_sekisho/health", timeout=1) as r:
        return r.status


def stats(server, headers=()):
    status, body = send(server, "GET", "/_sekisho/stats", headers)
    assert status == 200, body
    return json.loads(body)


def rss_kib(server, field="VmRSS"):
    with open(f"/proc/{server.proc.pid}/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    raise AssertionError(f"no {field} in /proc/{server.proc.pid}/status")


def stderr_line(server, patience=10):
    """The next line sekisho wrote to standard error (empty if it wrote none in time)."""
    readable, _, _ = select.select([server.proc.stderr], [], [], patience)
    return server.proc.stderr.readline() if readable else ""


def amz_date():
    return time.strftime("%Y%m%dT%H%M%SZ", time.gmtime())


def forged_authorization(access_key, service="sts"):
    """A well-formed SigV4 Authorization header whose signature is wrong."""
    date = amz_date()
    return date, (f"AWS4-HMAC-SHA256 Credential={access_key}/{date[:8]}/us-east-1/{service}/aws4_request, "
                  f"SignedHeaders=host;x-amz-date, Signature={'0' * 64}")


# --- 1. the control endpoints -------------------------------------------------------------------------------


def test_a_cross_origin_reset_is_refused_and_the_world_survives(fresh):
    iam = fresh.client("iam")
    iam.create_user(UserName="survivor")
    # What a web page can send without asking first: a form post, a text/plain fetch, a sandboxed page's null.
    for origin, content_type in [("http://evil.example", "application/x-www-form-urlencoded"),
                                 ("http://evil.example", "text/plain"),
                                 ("null", "text/plain"),
                                 ("http://127.0.0.1:3000", "text/plain")]:
        status, body = send(fresh, "POST", "/moto-api/reset", [("Origin", origin), ("Content-Type", content_type)])
        assert status == 403, (origin, status, body)
    status, _ = send(fresh, "POST", "/moto-api/reset", [("Sec-Fetch-Site", "cross-site")])
    assert status == 403
    assert iam.get_user(UserName="survivor")["User"]["UserName"] == "survivor"


def test_web_pages_cannot_drive_the_aws_api(fresh):
    """A page can presign with a well-known root key (`<img src>` sends fetch metadata but no Origin), fetch
    with its own Origin, or rebind its own name to 127.0.0.1: none of them reaches the AWS API."""
    iam = fresh.client("iam")
    iam.create_user(UserName="victim")
    url = iam.generate_presigned_url("delete_user", Params={"UserName": "victim"}, HttpMethod="GET")
    path = url[len(fresh.endpoint):]
    for headers in ([("Sec-Fetch-Site", "cross-site"), ("Sec-Fetch-Mode", "no-cors")],
                    [("Sec-Fetch-Site", "same-site")],
                    [("Origin", "https://evil.example")],
                    [("Origin", "null")]):
        status, body = send(fresh, "GET", path, headers)
        assert status == 403, (headers, status, body)
    host, port = address(fresh)
    status, body = send(fresh, "GET", path, [("Host", f"rebind.evil.example:{port}")])
    assert status == 403, body
    assert iam.get_user(UserName="victim")["User"]["UserName"] == "victim"
    # The same URL from a script (or typed into the address bar: Sec-Fetch-Site none) works.
    status, body = send(fresh, "GET", path, [("Sec-Fetch-Site", "none")])
    assert status == 200, body
    with pytest.raises(botocore.exceptions.ClientError):
        iam.get_user(UserName="victim")
    assert health(fresh) == 200


def test_a_bare_reset_from_a_test_suite_still_works(fresh):
    """moto-based suites (and test_organizations_declared) POST with no Origin and no content type."""
    iam = fresh.client("iam")
    iam.create_user(UserName="gone")
    urllib.request.urlopen(urllib.request.Request(f"{fresh.endpoint}/moto-api/reset", method="POST"), timeout=10)
    with pytest.raises(botocore.exceptions.ClientError) as e:
        iam.get_user(UserName="gone")
    assert e.value.response["Error"]["Code"] == "NoSuchEntity"


def test_a_same_origin_page_must_send_json_to_reset(fresh):
    host, port = address(fresh)
    own = f"http://{host}:{port}"
    status, _ = send(fresh, "POST", "/moto-api/reset", [("Origin", own), ("Content-Type", "text/plain")])
    assert status == 403
    status, _ = send(fresh, "POST", "/moto-api/reset", [("Origin", own), ("Content-Type", "application/json")])
    assert status == 200


def test_a_rebound_host_cannot_read_the_decision_log(sekisho):
    sekisho.client("sts").get_caller_identity()
    port = address(sekisho)[1]
    for path in ["/_sekisho/decisions", "/_sekisho/stats", "/_sekisho/decisions/x?format=text"]:
        status, body = send(sekisho, "GET", path, [("Host", f"attacker.example:{port}")])
        assert status == 403, (path, status, body)
        assert b"Host" in body
    status, body = send(sekisho, "GET", "/_sekisho/decisions", [("Host", f"localhost:{port}")])
    assert status == 200 and json.loads(body)["decisions"]
    # Health stays open to anyone.
    status, _ = send(sekisho, "GET", "/_sekisho/health", [("Host", f"attacker.example:{port}"),
                                                          ("Origin", "http://attacker.example")])
    assert status == 200


def test_the_decision_log_does_not_show_the_external_id(sekisho):
    secret = "partner-9c1e-do-not-log"
    iam_b = sekisho.client("iam", access_key=ACCOUNT_B)
    iam_b.create_role(RoleName="hardening-partner", AssumeRolePolicyDocument=json.dumps({
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT_A}:root"},
                       "Action": "sts:AssumeRole", "Condition": {"StringEquals": {"sts:ExternalId": secret}}}]}))
    sts = sekisho.admin_client("sts")
    arn = f"arn:aws:iam::{ACCOUNT_B}:role/hardening-partner"
    with pytest.raises(botocore.exceptions.ClientError) as e:
        sts.assume_role(RoleArn=arn, RoleSessionName="partner", ExternalId="a-guess")
    denied = e.value.response["ResponseMetadata"]["RequestId"]
    allowed = sts.assume_role(RoleArn=arn, RoleSessionName="partner", ExternalId=secret)["ResponseMetadata"]["RequestId"]
    for request_id in [denied, allowed]:
        for path in [f"/_sekisho/decisions/{request_id}", f"/_sekisho/decisions/{request_id}?format=text"]:
            status, body = send(sekisho, "GET", path)
            assert status == 200 and secret.encode() not in body, body
    status, body = send(sekisho, "GET", "/_sekisho/decisions?limit=1000")
    assert status == 200 and secret.encode() not in body
    why = subprocess.run([os.environ["SEKISHO_BIN"], "explain", denied, "--endpoint", sekisho.endpoint],
                         capture_output=True, text=True, check=True).stdout
    assert "did not match the required sts:ExternalId" in why, why
    assert secret not in why, why


def test_off_loopback_the_control_endpoints_need_the_token():
    server = start("--host", "0.0.0.0")
    try:
        note = stderr_line(server)
        token = re.search(r"need the token ([0-9a-f]{48})", note)
        assert token, note
        token = token.group(1)
        assert token not in server.endpoint
        sts = server.client("sts", access_key=ACCOUNT_A)
        request_id = sts.get_caller_identity()["ResponseMetadata"]["RequestId"]
        assert send(server, "GET", "/_sekisho/decisions")[0] == 401
        assert send(server, "POST", "/moto-api/reset")[0] == 401
        assert send(server, "GET", "/_sekisho/decisions", [("X-Sekisho-Token", "wrong")])[0] == 401
        assert send(server, "GET", "/_sekisho/decisions", [("Authorization", f"Bearer {token}")])[0] == 200
        assert send(server, "GET", "/_sekisho/decisions", [("X-Sekisho-Token", token)])[0] == 200
        assert health(server) == 200
        explain = [os.environ["SEKISHO_BIN"], "explain", request_id, "--endpoint", server.endpoint]
        refused = subprocess.run(explain, capture_output=True, text=True, env={**os.environ, "SEKISHO_TOKEN": ""})
        assert refused.returncode != 0 and "401" in refused.stderr
        shown = subprocess.run(explain, capture_output=True, text=True, env={**os.environ, "SEKISHO_TOKEN": token})
        assert shown.returncode == 0 and "GetCallerIdentity" in shown.stdout, shown.stderr
    finally:
        stop(server)


def test_the_token_can_be_chosen(monkeypatch):
    monkeypatch.setenv("SEKISHO_TOKEN", "chosen-token")
    server = start("--host", "0.0.0.0")
    try:
        note = stderr_line(server)
        assert "SEKISHO_TOKEN" in note and "chosen-token" not in note
        assert send(server, "POST", "/moto-api/reset", [("Authorization", "Bearer chosen-token")])[0] == 200
    finally:
        stop(server)


# --- 2. memory bounded before authentication -------------------------------------------------------------


def test_unauthenticated_requests_with_large_headers_do_not_grow_memory(fresh):
    import http.client

    host, port = address(fresh)
    conn = http.client.HTTPConnection(host, port, timeout=10)
    body = b"Action=GetCallerIdentity&Version=2011-06-15"
    # An Authorization header AWS echoes in its IncompleteSignature message.
    headers = {"Authorization": "AWS4-HMAC-SHA256 " + "x" * 32_000,
               "Content-Type": "application/x-www-form-urlencoded"}

    def flood(n):
        for _ in range(n):
            conn.request("POST", "/", body=body, headers=headers)
            r = conn.getresponse()
            r.read()
            assert r.status == 400

    flood(200)
    before = rss_kib(fresh)
    flood(2000)
    grown = rss_kib(fresh) - before
    # Kept whole in 10 000 records these would be 64 MB; bounded records in a small ring are under 3 MB.
    assert grown < 16 * 1024, f"RSS grew by {grown} KiB"
    s = stats(fresh)
    assert s["refusals"] <= 1000 and s["decisions"] == 0
    records = json.loads(send(fresh, "GET", "/_sekisho/decisions?limit=5")[1])["decisions"]
    assert records and all(len(r["errorMessage"]) < 2200 for r in records)


def test_a_body_over_the_limit_is_refused_before_it_is_sent(fresh):
    date, auth = forged_authorization(ACCOUNT_A, "lambda")
    head = (f"POST /2015-03-31/functions HTTP/1.1\r\nHost: {fresh.endpoint[7:]}\r\nContent-Type: application/json\r\n"
            f"X-Amz-Date: {date}\r\nAuthorization: {auth}\r\nContent-Length: {200 * MiB}\r\n\r\n")
    # Nothing of the body is sent: the answer comes from the head alone.
    status, headers, body = raw(fresh, head.encode())
    assert status == 413, body
    assert headers["x-amzn-errortype"].startswith("RequestEntityTooLargeException")


@pytest.mark.parametrize("authorization", [None, "unknown-key"])
def test_unauthenticated_80_mb_bodies_are_refused_before_they_are_read(fresh, authorization):
    headers = [f"POST /2015-03-31/functions HTTP/1.1", f"Host: {fresh.endpoint[7:]}",
               "Content-Type: application/json", f"Content-Length: {80 * 1000 * 1000}"]
    if authorization:
        date, auth = forged_authorization("AKIAIOSFODNN7EXAMPLE", "lambda")
        headers += [f"X-Amz-Date: {date}", f"Authorization: {auth}"]
    head = ("\r\n".join(headers) + "\r\n\r\n").encode()

    def refused():
        # Only the head is sent: the answer cannot have waited for the body.
        status, _, body = raw(fresh, head)
        assert status in (400, 403), body

    refused()  # the first one loads what routing an unsigned request needs
    before = rss_kib(fresh)
    for _ in range(20):
        refused()
    # 20 bodies of 80 MB buffered would be 1.6 GB.
    assert rss_kib(fresh) - before < 8 * 1024


def test_a_forged_80_mb_body_is_refused_and_not_kept(fresh):
    """A key anyone can name (an account id) gets its body read, within the budget, then dropped."""
    date, auth = forged_authorization(ACCOUNT_A, "lambda")
    payload = b"{" + b" " * (80 * 1000 * 1000 - 2) + b"}"
    head = (f"POST /2015-03-31/functions HTTP/1.1\r\nHost: {fresh.endpoint[7:]}\r\nContent-Type: application/json\r\n"
            f"X-Amz-Date: {date}\r\nAuthorization: {auth}\r\nContent-Length: {len(payload)}\r\n\r\n")
    fresh.client("lambda").list_functions()  # the first request to a service loads its model
    before = rss_kib(fresh)
    status, headers, body = raw(fresh, head.encode() + payload, timeout=60)
    assert status == 403 and headers["x-amzn-errortype"].startswith("InvalidSignatureException"), body
    assert rss_kib(fresh) - before < 32 * 1024
    assert health(fresh) == 200


def test_refused_requests_do_not_create_accounts(fresh):
    import http.client

    host, port = address(fresh)
    conn = http.client.HTTPConnection(host, port, timeout=10)
    for i in range(3000):
        date, auth = forged_authorization(f"9{i:011d}")
        conn.request("POST", "/", body=b"Action=GetCallerIdentity&Version=2011-06-15",
                     headers={"Content-Type": "application/x-www-form-urlencoded", "X-Amz-Date": date,
                              "Authorization": auth})
        r = conn.getresponse()
        r.read()
        assert r.status == 403
    assert stats(fresh)["accounts"] == 0
    fresh.client("sts", access_key="333333333333").get_caller_identity()
    assert stats(fresh)["accounts"] == 1


# --- 3. slow and many connections --------------------------------------------------------------------------


def closed_by_server(sock, patience):
    """Whether the server closes `sock` within `patience` seconds, while we trickle a header byte by byte
    and health keeps answering."""
    deadline = time.monotonic() + patience
    while time.monotonic() < deadline:
        readable, _, _ = select.select([sock], [], [], 0.5)
        if readable:
            try:
                if sock.recv(4096) == b"":
                    return True
            except ConnectionResetError:
                return True
        try:
            sock.send(b"x")
        except (BrokenPipeError, ConnectionResetError):
            return True
    return False


def test_a_slowloris_client_is_disconnected_while_health_answers():
    server = start(config="[server]\nheader_read_timeout_secs = 2\n")
    try:
        slow = socket.create_connection(address(server))
        slow.sendall(b"GET /_sekisho/health HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ")
        done = threading.Event()
        answered = []

        def keep_asking():
            while not done.is_set():
                answered.append(health(server))
                time.sleep(0.2)

        asker = threading.Thread(target=keep_asking)
        asker.start()
        try:
            assert closed_by_server(slow, patience=20)
        finally:
            done.set()
            asker.join()
        assert answered and set(answered) == {200}
        slow.close()
    finally:
        stop(server)


def test_an_idle_keep_alive_connection_is_closed():
    server = start(config="[server]\nheader_read_timeout_secs = 2\n")
    try:
        with socket.create_connection(address(server), timeout=20) as s:
            s.sendall(b"GET /_sekisho/health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
            assert read_response(s)[0] == 200
            # Kept alive after the answer, then closed once idle for the timeout.
            assert s.recv(1) == b""
    finally:
        stop(server)


def test_an_event_stream_outlasts_the_header_timeout():
    """The header timer runs only while a request's head is awaited, never while a response streams."""
    fixtures = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "fixtures", "bedrock")
    backend = subprocess.Popen([sys.executable, os.path.join(fixtures, "openai_server.py"), "0"],
                               stdout=subprocess.PIPE, text=True)
    try:
        port = int(backend.stdout.readline().split()[-1])
        server = start(config=f"""
[server]
header_read_timeout_secs = 1

[bedrock]
require_use_case_form = false

[[bedrock.backends]]
models = ["anthropic.*"]
type = "openai"
url = "http://127.0.0.1:{port}/v1"
model = "tiny-test-model"
""")
        try:
            rt = server.client("bedrock-runtime", access_key=ACCOUNT_B, region="ap-northeast-1")
            events = rt.converse_stream(modelId="jp.anthropic.claude-haiku-4-5-20251001-v1:0",
                                        messages=[{"role": "user", "content": [{"text": "slowstream a b c d"}]}])
            text = "".join(e["contentBlockDelta"]["delta"]["text"] for e in events["stream"] if "contentBlockDelta" in e)
            # Six words half a second apart: the stream lasted well past the one-second header timeout.
            assert text == "echo: slowstream a b c d"
        finally:
            stop(server)
    finally:
        backend.terminate()
        backend.wait(timeout=10)


def test_over_the_connection_cap_new_connections_are_refused_clearly():
    server = start(config="[server]\nmax_connections = 4\n")
    try:
        held = [socket.create_connection(address(server)) for _ in range(4)]
        for s in held:
            s.sendall(b"GET /_sekisho/health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
            assert read_response(s)[0] == 200
        status, headers, body = raw(server, b"GET /_sekisho/health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
        assert status == 503 and headers["connection"] == "close"
        assert b"too many open connections (at most 4)" in body
        for s in held:
            s.close()
        # The server sees the closes as they arrive; health is back once it has.
        for _ in range(50):
            try:
                if health(server) == 200:
                    break
            except (urllib.error.URLError, ConnectionError):
                time.sleep(0.1)
        else:
            raise AssertionError("health did not come back after the connections closed")
        assert stats(server)["connections"] == 1
    finally:
        stop(server)
