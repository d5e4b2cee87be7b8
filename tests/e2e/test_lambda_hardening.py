"""Lambda against hostile packages and functions, through boto3 and the real binary: packages escaping by
symlink or name, zip bombs, package URLs without their token, a chatty function's 100,000 lines, a function
over its memory size, and a function's grandchild after sekisho is killed. Health answers throughout."""

import base64
import io
import json
import os
import signal
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
import zipfile
import zlib

import botocore.exceptions
import pytest

from conftest import start, stop

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "fixtures", "lambda"))
import lambda_e2e as lx  # noqa: E402

UNREADABLE = "Could not unzip uploaded file. Please check your file, then try to upload again."
TOO_LARGE = "Unzipped size must be smaller than 262144000 bytes"
APP = "def handler(event, context):\n    return 'ok'\n"


@pytest.fixture(scope="module")
def sekisho():
    server = start(config=lx.config())
    yield server
    stop(server)


@pytest.fixture(scope="module")
def role(sekisho):
    lx.require_iam(sekisho)
    return lx.role(sekisho, "e2e-hardening", managed=[lx.BASIC_EXECUTION])


def healthy(sekisho):
    """sekisho answers its health check within a second."""
    with urllib.request.urlopen(f"{sekisho.endpoint}/_sekisho/health", timeout=1) as r:
        return json.load(r)["status"] == "ok"


def error_of(excinfo):
    e = excinfo.value.response
    return e["Error"]["Code"], e["ResponseMetadata"]["HTTPStatusCode"], e["Error"].get("Message", "")


def raw_zip(entries):
    """A zip of `(name, data, unix_mode, compress)` entries; a symlink is mode 0o120777 with its target as data."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        for name, data, mode, compress in entries:
            info = zipfile.ZipInfo(name, date_time=(2025, 1, 1, 0, 0, 0))
            info.external_attr = mode << 16
            info.create_system = 3
            info.compress_type = zipfile.ZIP_DEFLATED if compress else zipfile.ZIP_STORED
            z.writestr(info, data)
    return buf.getvalue()


def lying_bomb(actual, declared):
    """A zip whose one entry inflates to `actual` zero bytes but declares `declared` in its headers."""
    packed = zlib.compressobj(9, zlib.DEFLATED, -15)
    data = packed.compress(b"\0" * actual) + packed.flush()
    name = b"bomb.bin"

    def header(central, offset=0):
        h = (b"PK\x01\x02" + (0x0314).to_bytes(2, "little")) if central else b"PK\x03\x04"
        h += (20).to_bytes(2, "little") + (0).to_bytes(2, "little") + (8).to_bytes(2, "little") + bytes(4)
        h += bytes(4) + len(data).to_bytes(4, "little") + declared.to_bytes(4, "little")
        h += len(name).to_bytes(2, "little") + bytes(2)
        if central:
            h += bytes(6) + ((0o100644) << 16).to_bytes(4, "little") + offset.to_bytes(4, "little")
        return h + name

    local = header(False) + data
    central = header(True, 0)
    end = b"PK\x05\x06" + bytes(4) + (1).to_bytes(2, "little") * 2
    end += len(central).to_bytes(4, "little") + len(local).to_bytes(4, "little") + bytes(2)
    return local + central + end


@pytest.mark.filterwarnings("ignore:Duplicate name")
def test_packages_escaping_by_symlink_or_name_are_refused(sekisho, role):
    lam = sekisho.client("lambda")
    victim_dir = tempfile.mkdtemp(prefix="sekisho-e2e-victim-")
    victim = os.path.join(victim_dir, "victim.py")
    packages = {
        "abs-link": [("app.py", APP, 0o100644, False), ("evil", victim, 0o120777, False), ("evil", "x", 0o100644, False)],
        "dir-link": [("app.py", APP, 0o100644, False), ("d", victim_dir, 0o120777, False), ("d/victim.py", "x", 0o100644, False)],
        "up-link": [("app.py", APP, 0o100644, False), ("up", "../../../../tmp", 0o120777, False)],
        "up-name": [("app.py", APP, 0o100644, False), ("../../../../victim.py", "x", 0o100644, False)],
    }
    for name, entries in packages.items():
        zipped = raw_zip(entries)
        with pytest.raises(botocore.exceptions.ClientError) as e:
            lam.create_function(FunctionName=name, Runtime="python3.12", Role=role, Handler="app.handler",
                                Code={"ZipFile": zipped})
        assert error_of(e) == ("InvalidParameterValueException", 400, UNREADABLE), name
        with pytest.raises(botocore.exceptions.ClientError) as e:
            lam.publish_layer_version(LayerName=name, Content={"ZipFile": zipped})
        assert error_of(e)[0] == "InvalidParameterValueException", name
    assert os.listdir(victim_dir) == []
    assert healthy(sekisho)


def test_zip_bombs_are_refused_by_declared_and_actual_size(sekisho, role):
    lam = sekisho.client("lambda")
    declared = lying_bomb(1000, 300_000_000)
    actual = lying_bomb(300 << 20, 10)
    answers = []

    def create(name, zipped):
        try:
            lam.create_function(FunctionName=name, Runtime="python3.12", Role=role, Handler="app.handler",
                                Code={"ZipFile": zipped})
            answers.append((name, "created"))
        except botocore.exceptions.ClientError as e:
            answers.append((name, e.response["Error"]["Code"], e.response["Error"]["Message"]))

    worker = threading.Thread(target=create, args=("bomb-actual", actual))
    worker.start()
    # The server answers health while it inflates 262 MB to find the bomb out.
    while worker.is_alive():
        assert healthy(sekisho)
        time.sleep(0.1)
    worker.join()
    create("bomb-declared", declared)
    assert sorted(answers) == [
        ("bomb-actual", "InvalidParameterValueException", TOO_LARGE),
        ("bomb-declared", "InvalidParameterValueException", TOO_LARGE),
    ]


def test_code_location_needs_its_token(sekisho, role):
    lam = sekisho.client("lambda")
    secret = "def handler(event, context):\n    return 'secret sauce'\n"
    lam.create_function(FunctionName="located", Runtime="python3.12", Role=role, Handler="app.handler",
                        Code={"ZipFile": lx.zip_files({"app.py": secret})})
    url = lam.get_function(FunctionName="located")["Code"]["Location"]
    with urllib.request.urlopen(url, timeout=5) as r:
        with zipfile.ZipFile(io.BytesIO(r.read())) as z:
            assert z.read("app.py").decode() == secret

    bare = url.split("?")[0]
    forged = url.rsplit("X-Amz-Signature=", 1)[0] + "X-Amz-Signature=" + "0" * 64
    stretched = url.replace("X-Amz-Expires=600", "X-Amz-Expires=604800")
    for bad, code in [(bare, "AccessDenied"), (forged, "SignatureDoesNotMatch"), (stretched, "SignatureDoesNotMatch")]:
        with pytest.raises(urllib.error.HTTPError) as e:
            urllib.request.urlopen(bad, timeout=5)
        body = e.value.read().decode()
        assert e.value.code == 403 and f"<Code>{code}</Code>" in body
        assert "secret" not in body


CHATTY = """
def handler(event, context):
    for i in range(event["lines"]):
        print("line %06d" % i)
    print("y" * event["huge"])
    return "done"
"""


def count_events(logs, group, prefix):
    """Events of `group` starting with `prefix`, counted over every FilterLogEvents page."""
    n, token = 0, None
    while True:
        kwargs = {"logGroupName": group}
        if token:
            kwargs["nextToken"] = token
        page = logs.filter_log_events(**kwargs)
        n += sum(1 for e in page["events"] if e["message"].startswith(prefix))
        token = page.get("nextToken")
        if not token:
            return n


def rss_kb(pid, field="VmRSS"):
    with open(f"/proc/{pid}/status") as f:
        return next(int(line.split()[1]) for line in f if line.startswith(field + ":"))


def test_a_chatty_functions_100k_lines_all_arrive(sekisho, role):
    lam = sekisho.client("lambda")
    logs = sekisho.client("logs")
    lam.create_function(FunctionName="chatty", Runtime="python3.12", Role=role, Handler="app.handler",
                        Code={"ZipFile": lx.zip_files({"app.py": CHATTY})}, Timeout=300)
    rss_before = rss_kb(sekisho.proc.pid)
    started = time.time()
    out = lam.invoke(FunctionName="chatty", Payload=json.dumps({"lines": 100_000, "huge": 600_000}))
    assert json.loads(out["Payload"].read()) == "done"
    invoked = time.time() - started
    group = "/aws/lambda/chatty"
    delivered = 0
    while time.time() - started < 120:
        if count_events(logs, group, "REPORT RequestId: ") == 1:
            break
        assert healthy(sekisho)
        time.sleep(0.2)
    arrived = time.time() - started
    delivered = count_events(logs, group, "line ")
    pieces = [e["message"] for e in logs.filter_log_events(logGroupName=group, filterPattern="yyyyyyyy")["events"]]
    print(f"\n100k lines: invoke {invoked:.2f} s, all in CloudWatch Logs {arrived:.2f} s after the call; "
          f"sekisho RSS {rss_before // 1024} MB before, {rss_kb(sekisho.proc.pid) // 1024} MB after, "
          f"peak {rss_kb(sekisho.proc.pid, 'VmHWM') // 1024} MB")
    assert delivered == 100_000
    # The 600,000-byte line arrives as Lambda splits it: events of at most 262,118 bytes.
    assert [len(p) for p in pieces] == [262_118, 262_118, 75_765]
    assert "".join(pieces) == "y" * 600_000 + "\n"
    assert healthy(sekisho)


HUNGRY = """
def handler(event, context):
    blocks = [b"x" * (1 << 20) for _ in range(event["mb"])]
    return len(blocks)
"""


def test_a_function_over_its_memory_size_is_killed_as_lambda_kills_it(sekisho, role):
    lam = sekisho.client("lambda")
    lam.create_function(FunctionName="hungry", Runtime="python3.12", Role=role, Handler="app.handler",
                        Code={"ZipFile": lx.zip_files({"app.py": HUNGRY})}, MemorySize=128, Timeout=30)
    fine = lam.invoke(FunctionName="hungry", Payload=json.dumps({"mb": 5}), LogType="Tail")
    assert json.loads(fine["Payload"].read()) == 5
    report = base64_tail(fine)
    used = int(report.split("Max Memory Used: ")[1].split(" MB")[0])
    print(f"\nPython function allocating 5 MB: Max Memory Used {used} MB of 128 MB")
    assert 0 < used < 128

    out = lam.invoke(FunctionName="hungry", Payload=json.dumps({"mb": 400}), LogType="Tail")
    log = base64_tail(out)
    request_id = log.split("START RequestId: ")[1].split()[0]
    assert out["FunctionError"] == "Unhandled"
    assert json.loads(out["Payload"].read()) == {
        "errorType": "Runtime.ExitError",
        "errorMessage": f"RequestId: {request_id} Error: Runtime exited with error: signal: killed",
    }
    assert "Memory Size: 128 MB\tMax Memory Used: 128 MB\t" in log
    assert "Status: error\tError Type: Runtime.OutOfMemory" in log
    assert healthy(sekisho)


def base64_tail(out):
    return base64.b64decode(out["LogResult"]).decode()


def alive(pid):
    try:
        with open(f"/proc/{pid}/status") as f:
            return not any(line.startswith("State:") and "Z" in line for line in f)
    except FileNotFoundError:
        return False


SPAWNER = """
import subprocess
def handler(event, context):
    return subprocess.Popen(["sleep", "1000"]).pid
"""


def test_grandchildren_end_when_sekisho_is_killed():
    server = start(config=lx.config())
    try:
        lx.require_iam(server)
        role = lx.role(server, "e2e-spawner", managed=[lx.BASIC_EXECUTION])
        no_logs = lx.role(server, "e2e-no-logs")
        lam = server.client("lambda")
        lam.create_function(FunctionName="spawner", Runtime="python3.12", Role=role, Handler="app.handler",
                            Code={"ZipFile": lx.zip_files({"app.py": SPAWNER})})
        grandchild = json.loads(lam.invoke(FunctionName="spawner", Payload="{}")["Payload"].read())
        assert alive(grandchild)
        # A function whose role may not write logs: sekisho says so instead of dropping them silently.
        lam.create_function(FunctionName="unlogged", Runtime="python3.12", Role=no_logs, Handler="app.handler",
                            Code={"ZipFile": lx.zip_files({"app.py": APP})})
        assert json.loads(lam.invoke(FunctionName="unlogged", Payload="{}")["Payload"].read()) == "ok"
        time.sleep(0.5)
    finally:
        server.proc.send_signal(signal.SIGKILL)
        server.proc.wait(timeout=10)
    deadline = time.time() + 5
    while alive(grandchild) and time.time() < deadline:
        time.sleep(0.05)
    assert not alive(grandchild)
    stderr = server.proc.stderr.read()
    assert "log events for /aws/lambda/unlogged / " in stderr and "not delivered" in stderr, stderr
