#!/usr/bin/env python3
"""Replays Step Functions executions recorded against AWS through sekisho's real API and compares histories.

Usage: scripts/conformance-sfn.py <cases.jsonl> [-v] [--only <id part>]

Starts the sekisho binary itself (`serve --port 0`, virtual clock; $SEKISHO_BIN or a debug build), creates
one execution role, then for every case: CreateStateMachine with the recorded definition, StartExecution with
the recorded input, and GetExecutionHistory once the execution ends (or after a few seconds for recordings
taken while it still ran). Histories are normalised as the cases' README describes and compared event by
event, all fields but `timestamp`. Prints `N passed, M failed` and the first difference of each failure.
Needs boto3 (the virtualenv `scripts/test` creates).
"""

import json
import os
import re
import signal
import subprocess
import sys
import tempfile
import time
import uuid

try:
    import boto3
    import botocore.config
    import botocore.exceptions
except ImportError:
    sys.exit("conformance-sfn: boto3 is missing (run with .venv/bin/python after scripts/test made it)")

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
ACCOUNT = "111111111111"
# Placeholders are recognised by their shape, never by name, so a new recording needs no change here:
# - a token in angle brackets (`<region>`, `<ArnPart_0idx>`, `<uuid:1>`) stands for any text inside a string,
#   and for any value when it is the whole value;
# - a bare word (`start-time`, `snf_role_arn`, `date`) stands for a value that differs from run to run:
#   a time, an ARN, a UUID, a request id (see `volatile`).
TOKEN = re.compile(r"<[A-Za-z][^<>\s\"]*>")
WORD = re.compile(r"[A-Za-z][A-Za-z0-9]*(?:[_\-][A-Za-z0-9]+)*")
ISO_TIME = re.compile(r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+\-]\d{2}:?\d{2})?")
HTTP_DATE = re.compile(r"[A-Z][a-z]{2}, \d{2} [A-Z][a-z]{2} \d{4} \d{2}:\d{2}:\d{2} GMT")
UUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")
# Epoch times (seconds or milliseconds) from 2001 on.
EPOCH_FROM = 1_000_000_000
TRUST = json.dumps({"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Principal": {"Service": "states.amazonaws.com"}, "Action": "sts:AssumeRole"}]})
# How long a case may run (wall time) before its history is taken as it stands.
RUN_SECONDS = 4.0


def binary():
    path = os.environ.get("SEKISHO_BIN")
    if path:
        return path
    subprocess.run(["cargo", "build", "--quiet", "--bin", "sekisho"], cwd=ROOT, check=True)
    return os.path.join(ROOT, "target", "debug", "sekisho")


class Server:
    """The sekisho binary with a virtual clock, restartable: signatures are checked against the virtual
    clock, so a case whose Wait jumps it far ahead ends that server's usefulness."""

    def __init__(self, path):
        self.path = path
        self.proc = None
        self.start()

    def start(self):
        fd, config = tempfile.mkstemp(suffix=".toml")
        with os.fdopen(fd, "w") as f:
            f.write('[clock]\nmode = "virtual"\n')
        self.proc = subprocess.Popen([self.path, "serve", "--port", "0", "--config", config],
                                     stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        line = self.proc.stdout.readline().strip()
        prefix = "sekisho listening on "
        if not line.startswith(prefix):
            self.proc.kill()
            sys.exit(f"conformance-sfn: sekisho did not start: {line!r}")
        endpoint = line[len(prefix):]
        session = boto3.session.Session(aws_access_key_id=ACCOUNT, aws_secret_access_key="test",
                                        region_name="us-east-1")
        config = botocore.config.Config(retries={"max_attempts": 1})
        self.sfn = session.client("stepfunctions", endpoint_url=endpoint, config=config)
        iam = session.client("iam", endpoint_url=endpoint, config=config)
        self.role = iam.create_role(RoleName="conformance", AssumeRolePolicyDocument=TRUST)["Role"]["Arn"]

    def stop(self):
        if self.proc:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()

    def restart(self):
        self.stop()
        self.start()


def clock_ran_away(e):
    return isinstance(e, botocore.exceptions.ClientError) and "Signature expired" in str(e)


def run_case(server, n, case):
    definition = json.dumps(case["definition"])
    recorded = case.get("input")
    if recorded is None:
        text = "{}"
    elif isinstance(recorded, str):
        text = recorded
    else:
        text = json.dumps(recorded)
    sfn = server.sfn
    try:
        # A UUID name, like the execution names AWS generates, reads as a run-specific value wherever a
        # recording replaced the machine's name by a placeholder word.
        name = str(uuid.UUID(int=n + 1))
        arn = sfn.create_state_machine(name=name, definition=definition, roleArn=server.role)["stateMachineArn"]
    except botocore.exceptions.ClientError as e:
        return f"definition rejected: {e}"
    try:
        exec_arn = sfn.start_execution(stateMachineArn=arn, input=text)["executionArn"]
    except botocore.exceptions.ClientError as e:
        return f"input rejected: {e}"
    deadline = time.time() + RUN_SECONDS
    while time.time() < deadline and sfn.describe_execution(executionArn=exec_arn)["status"] == "RUNNING":
        time.sleep(0.01)
    events = []
    for page in sfn.get_paginator("get_execution_history").paginate(executionArn=exec_arn):
        events.extend(page["events"])
    actual = [api_event(e) for e in events]
    expected = list(case.get("expected_events") or [])
    # GetExecutionHistory(reverseOrder=true) recordings list the newest event first.
    if len(expected) > 1 and expected[0].get("id", 0) > expected[1].get("id", 0):
        expected.reverse()
    normalize_parallel(actual)
    return compare_events(expected, actual)


def api_event(e):
    """An event as the recordings store it: JSON keys as on the wire, placeholders for times and the role."""
    v = dict(e)
    v["timestamp"] = "timestamp"
    if "executionStartedEventDetails" in v:
        v["executionStartedEventDetails"] = dict(v["executionStartedEventDetails"], roleArn="snf_role_arn")
    return parse_json_strings(json.loads(json.dumps(v, default=str)))


def parse_json_strings(v):
    """Strings that start with `{` and parse as JSON are stored parsed (one level)."""
    if isinstance(v, str) and v.startswith("{"):
        try:
            return json.loads(v)
        except ValueError:
            return v
    if isinstance(v, list):
        return [parse_json_strings(x) for x in v]
    if isinstance(v, dict):
        return {k: parse_json_strings(x) for k, x in v.items()}
    return v


def canonical(v):
    return json.dumps(v, sort_keys=True, separators=(",", ":"))


def normalize_parallel(events):
    """Branch events of a succeeded Parallel come in no fixed order in AWS: the recordings sort them, blank
    their ids and leave out ParallelStateSucceeded."""
    i = 0
    while i < len(events):
        if events[i]["type"] != "ParallelStateStarted":
            i += 1
            continue
        start, depth, end = i + 1, 0, None
        for j in range(start, len(events)):
            t = events[j]["type"]
            if t == "ParallelStateStarted":
                depth += 1
            elif t in ("ParallelStateSucceeded", "ParallelStateFailed", "ParallelStateAborted"):
                if depth > 0:
                    depth -= 1
                else:
                    end = j
                    break
        if end is None:
            break
        if events[end]["type"] == "ParallelStateSucceeded":
            branch = events[start:end]
            del events[start:end + 1]
            for e in branch:
                e["id"] = [0]
                e["previousEventId"] = 0
            branch.sort(key=canonical)
            events[start:start] = branch
            i = start + len(branch)
        else:
            i = end + 1


def placeholder_pattern(expected):
    if not TOKEN.search(expected):
        return None
    parts, last = [], 0
    for m in TOKEN.finditer(expected):
        parts.append(re.escape(expected[last:m.start()]))
        parts.append("(?s:.*)")
        last = m.end()
    parts.append(re.escape(expected[last:]))
    return re.compile("^" + "".join(parts) + "$")


def volatile(value):
    """Whether a value is of a kind the recordings replace by a placeholder word: it differs from run to run."""
    if isinstance(value, bool):
        return False
    if isinstance(value, (int, float)):
        return value >= EPOCH_FROM
    if not isinstance(value, str):
        return False
    return bool(value.startswith("arn:") or ISO_TIME.fullmatch(value) or HTTP_DATE.fullmatch(value)
                or UUID.fullmatch(value))


def placeholder_word(expected, actual):
    """An expected bare word standing for a volatile actual value (`"start-time"` for the start time)."""
    return isinstance(expected, str) and expected != actual and WORD.fullmatch(expected) is not None \
        and volatile(actual)


def json_text(text):
    """The parsed value of a JSON array or string text (objects are parsed already, see the README)."""
    if not isinstance(text, str) or not text[:1] in ('[', '"'):
        return None
    try:
        return (json.loads(text),)
    except ValueError:
        return None


def mentions_placeholder_word(value, actual):
    """Whether `value` holds a placeholder word standing for the value at the same place in `actual`."""
    if placeholder_word(value, actual):
        return True
    if isinstance(value, list) and isinstance(actual, list) and len(value) == len(actual):
        return any(mentions_placeholder_word(x, y) for x, y in zip(value, actual))
    if isinstance(value, dict) and isinstance(actual, dict):
        return any(mentions_placeholder_word(x, actual[k]) for k, x in value.items() if k in actual)
    return False


def matches(expected, actual, path):
    if isinstance(expected, str) and TOKEN.fullmatch(expected) and not isinstance(actual, (dict, list)):
        return None
    if placeholder_word(expected, actual):
        return None
    if isinstance(expected, str) and isinstance(actual, str):
        pattern = placeholder_pattern(expected)
        if expected == actual or (pattern and pattern.match(actual)):
            return None
        # Placeholder words inside JSON text (`"[\"start-time\"]"`) are compared on the parsed values.
        parsed, got = json_text(expected), json_text(actual)
        if parsed and got and mentions_placeholder_word(parsed[0], got[0]) \
                and matches(parsed[0], got[0], path) is None:
            return None
        return f"{path}: expected {expected!r}, got {actual!r}"
    if isinstance(expected, dict) and isinstance(actual, dict):
        for k in expected:
            if k not in actual:
                return f"{path}: missing member {k!r}"
            diff = matches(expected[k], actual[k], f"{path}.{k}")
            if diff:
                return diff
        for k in actual:
            if k not in expected:
                return f"{path}: unexpected member {k!r} = {json.dumps(actual[k])}"
        return None
    if isinstance(expected, list) and isinstance(actual, list):
        if len(expected) != len(actual):
            return f"{path}: expected {len(expected)} items, got {len(actual)}: {json.dumps(actual)}"
        for i, (x, y) in enumerate(zip(expected, actual)):
            diff = matches(x, y, f"{path}[{i}]")
            if diff:
                return diff
        return None
    numbers = (int, float)
    if isinstance(expected, numbers) and isinstance(actual, numbers) and not isinstance(expected, bool) \
            and not isinstance(actual, bool) and float(expected) == float(actual):
        return None
    # Some recordings also stored JSON array text in parsed form.
    if isinstance(expected, list) and isinstance(actual, str):
        try:
            return matches(expected, json.loads(actual), path)
        except ValueError:
            pass
    if expected == actual and type(expected) is type(actual):
        return None
    return f"{path}: expected {json.dumps(expected)}, got {json.dumps(actual)}"


def compare_events(expected, actual):
    for i, e in enumerate(expected):
        if i >= len(actual):
            return f"event #{i + 1}: missing, expected {json.dumps(e)}"
        diff = matches(e, actual[i], f"event #{i + 1} ({e.get('type', '?')})")
        if diff:
            return diff
    if len(actual) > len(expected):
        return f"{len(actual) - len(expected)} extra event(s), first: {json.dumps(actual[len(expected)])}"
    return None


def main():
    args = sys.argv[1:]
    paths = [a for i, a in enumerate(args) if not a.startswith("-") and (i == 0 or args[i - 1] != "--only")]
    if not paths:
        print("usage: conformance-sfn.py <cases.jsonl> [-v] [--only <id part>]", file=sys.stderr)
        return 2
    verbose = "-v" in args
    only = args[args.index("--only") + 1] if "--only" in args and args.index("--only") + 1 < len(args) else None
    path = paths[0]
    if not os.path.isfile(path):
        print(f"conformance-sfn: {path} not found (the recorded cases live in the shared conformance data)",
              file=sys.stderr)
        return 2
    with open(path) as f:
        cases = [json.loads(line) for line in f if line.strip()]
    server = Server(binary())
    passed, failures = 0, []
    try:
        for n, case in enumerate(cases):
            if only and only not in case.get("id", ""):
                continue
            try:
                diff = run_case(server, n, case)
            except botocore.exceptions.ClientError as e:
                if not clock_ran_away(e):
                    raise
                server.restart()
                diff = run_case(server, n, case)
            if diff is None:
                passed += 1
            else:
                failures.append((case.get("id", "?"), diff))
            # A case that jumped the virtual clock far ahead would expire the next case's signatures.
            try:
                server.sfn.list_state_machines(maxResults=1)
            except botocore.exceptions.ClientError as e:
                if clock_ran_away(e):
                    server.restart()
                else:
                    raise
    finally:
        server.stop()
    known = known_failures()
    total = passed + len(failures)
    new_failures = [f for f in failures if f[0] not in known]
    print(f"{passed} passed, {len(failures)} failed ({passed / max(total, 1):.1%}); "
          f"{len(failures) - len(new_failures)} of the failures known and explained")
    for case_id, diff in failures:
        tag = "known" if case_id in known else "FAIL "
        print(f"{tag} {case_id}")
        if case_id in known:
            print(f"     why: {known[case_id]}")
        print(f"     {diff if verbose else diff[:600]}")
    failed_ids = {f[0] for f in failures}
    for case_id in known:
        if case_id not in failed_ids and (only is None or only in case_id):
            print(f"now passing (remove from the known list): {case_id}")
    return 0 if not new_failures else 1


def known_failures():
    """Cases that cannot be replayed as recorded, with the reason, from conformance-sfn-known-failures.txt."""
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "conformance-sfn-known-failures.txt")
    known = {}
    with open(path) as f:
        for line in f:
            line = line.strip()
            if line and not line.startswith("#"):
                case_id, _, why = line.partition("|")
                known[case_id] = why
    return known


if __name__ == "__main__":
    sys.exit(main())
