"""Step Functions under hostile definitions: deep paths and intrinsics are refused as AWS refuses them, and an
expression that never ends (or asks for ten million items) fails on its own budget while every other account, the
API, health and shutdown keep answering. Each test reproduces a finding of issue 11."""

import json
import os
import signal
import threading
import time
import urllib.request

import botocore.config
import botocore.exceptions
import pytest

from conftest import ACCOUNT_A, ACCOUNT_B, start, stop

STATES_TRUST = json.dumps({
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Principal": {"Service": "states.amazonaws.com"}, "Action": "sts:AssumeRole"}],
})

# A tail call JSONata runs as a loop: it never ends and never nests deeper.
ENDLESS = "{% ($f := function($x){ $f($x) }; $f(1)) %}"


@pytest.fixture(scope="module")
def sekisho():
    server = start()
    yield server
    stop(server)


@pytest.fixture(scope="module")
def role(sekisho):
    iam = sekisho.client("iam")
    return iam.create_role(RoleName="states-hardening", AssumeRolePolicyDocument=STATES_TRUST)["Role"]["Arn"]


def jsonata_pass(output):
    return json.dumps({"QueryLanguage": "JSONata", "StartAt": "P",
                       "States": {"P": {"Type": "Pass", "Output": output, "End": True}}})


def health(sekisho):
    """Health, which must answer within a second whatever an execution does."""
    with urllib.request.urlopen(sekisho.endpoint + "/_sekisho/health", timeout=1) as r:
        return r.status


def wait_done(sfn, arn, timeout=60):
    deadline = time.time() + timeout
    while time.time() < deadline:
        d = sfn.describe_execution(executionArn=arn)
        if d["status"] != "RUNNING":
            return d
        time.sleep(0.05)
    raise AssertionError(f"{arn} still running")


class Prober:
    """Asks health and IAM in another account again and again from a thread; records every answer or failure."""

    def __init__(self, sekisho):
        cfg = dict(connect_timeout=5, read_timeout=5)
        self.iam = sekisho.client("iam", access_key=ACCOUNT_B, **cfg)
        self.sekisho = sekisho
        self.answers = 0
        self.failures = []
        self.done = threading.Event()
        self.thread = threading.Thread(target=self.run, daemon=True)

    def run(self):
        while not self.done.is_set():
            try:
                assert health(self.sekisho) == 200
                self.iam.list_users()
                self.answers += 1
            except Exception as e:  # noqa: BLE001 - any failure is the finding
                self.failures.append(repr(e))
            time.sleep(0.1)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.done.set()
        self.thread.join(timeout=60)


def assert_invalid_definition(sekisho, role, definition, name):
    sfn = sekisho.client("stepfunctions", inject_host_prefix=False)
    with pytest.raises(botocore.exceptions.ClientError) as e:
        sfn.create_state_machine(name=name, definition=definition, roleArn=role)
    assert e.value.response["Error"]["Code"] == "InvalidDefinition"
    assert e.value.response["Error"]["Message"].startswith("Invalid State Machine Definition: 'SCHEMA_VALIDATION_FAILED: ")
    diagnostics = sfn.validate_state_machine_definition(definition=definition)
    assert diagnostics["result"] == "FAIL"
    assert diagnostics["diagnostics"][0]["code"] == "SCHEMA_VALIDATION_FAILED"
    message = e.value.response["Error"]["Message"]
    state = json.dumps(json.loads(definition)["States"]["P"])
    with pytest.raises(botocore.exceptions.ClientError) as e:
        sfn.test_state(definition=state, roleArn=role, input="{}")
    assert e.value.response["Error"]["Code"] == "InvalidDefinition"
    assert health(sekisho) == 200
    return message


def test_a_filter_nested_thousands_deep_is_an_invalid_definition(sekisho, role):
    path = "$" + "[?(@" * 3000 + ")]" * 3000
    definition = json.dumps({"StartAt": "P", "States": {"P": {"Type": "Pass", "InputPath": path, "End": True}}})
    assert len(definition) < 25_000
    message = assert_invalid_definition(sekisho, role, definition, "deep-filter")
    assert "Value is not a JSONPath at /States/P/InputPath" in message


def test_intrinsics_nested_twenty_thousand_deep_are_an_invalid_definition(sekisho, role):
    call = "States.Array(" * 20_000 + "1" + ")" * 20_000
    definition = json.dumps({"StartAt": "P", "States": {"P": {"Type": "Pass", "Parameters": {"a.$": call}, "End": True}}})
    message = assert_invalid_definition(sekisho, role, definition, "deep-intrinsic")
    assert "/States/P/Parameters/a.$" in message


def test_an_endless_expression_fails_on_its_budget_while_other_accounts_answer(sekisho, role):
    sfn = sekisho.client("stepfunctions")
    arn = sfn.create_state_machine(name="endless", definition=jsonata_pass(ENDLESS), roleArn=role)["stateMachineArn"]
    with Prober(sekisho) as probe:
        started = [sfn.start_execution(stateMachineArn=arn)["executionArn"] for _ in range(3)]
        outcomes = [wait_done(sfn, e) for e in started]
    assert probe.failures == []
    assert probe.answers > 0
    for d in outcomes:
        assert d["status"] == "FAILED"
        assert d["error"] == "States.QueryEvaluationError"
        assert "exceeded its time budget" in d["cause"], d["cause"]


def test_endless_sync_execution_and_test_state_are_bounded(sekisho, role):
    sfn = sekisho.client("stepfunctions", read_timeout=60, inject_host_prefix=False)
    arn = sfn.create_state_machine(name="endless-x", definition=jsonata_pass(ENDLESS), roleArn=role,
                                   type="EXPRESS")["stateMachineArn"]
    with Prober(sekisho) as probe:
        out = sfn.start_sync_execution(stateMachineArn=arn)
        tested = sfn.test_state(definition=json.dumps({"Type": "Pass", "QueryLanguage": "JSONata", "Output": ENDLESS,
                                                       "End": True}), roleArn=role, input="{}")
    assert probe.failures == []
    assert (out["status"], out["error"]) == ("FAILED", "States.QueryEvaluationError")
    assert (tested["status"], tested["error"]) == ("FAILED", "States.QueryEvaluationError")


def test_stop_execution_ends_an_execution_stuck_in_an_evaluation(sekisho, role):
    sfn = sekisho.client("stepfunctions")
    arn = sfn.create_state_machine(name="endless-stop", definition=jsonata_pass(ENDLESS),
                                   roleArn=role)["stateMachineArn"]
    exec_arn = sfn.start_execution(stateMachineArn=arn)["executionArn"]
    time.sleep(0.3)
    # The stop must not wait for the evaluation: a client that gives it a second still gets its answer.
    quick = sekisho.client("stepfunctions", connect_timeout=1, read_timeout=1)
    stopped = quick.stop_execution(executionArn=exec_arn, error="Stuck", cause="stopped by the test")
    assert "stopDate" in stopped
    d = sfn.describe_execution(executionArn=exec_arn)
    assert (d["status"], d["error"], d["cause"]) == ("ABORTED", "Stuck", "stopped by the test")
    # Once the evaluation gave up in the background, the history ends with the stop and nothing after it.
    time.sleep(3)
    events = sfn.get_execution_history(executionArn=exec_arn)["events"]
    assert events[-1]["type"] == "ExecutionAborted"
    assert [e["type"] for e in events].count("ExecutionAborted") == 1


def rss_mb(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    raise AssertionError("no VmRSS")


def test_ten_million_items_fail_and_memory_stays_bounded(sekisho, role):
    sfn = sekisho.client("stepfunctions")
    arn = sfn.create_state_machine(name="range", definition=jsonata_pass("{% [1..10000000] %}"),
                                   roleArn=role)["stateMachineArn"]
    peak = 0.0
    for _ in range(3):
        exec_arn = sfn.start_execution(stateMachineArn=arn)["executionArn"]
        d = wait_done(sfn, exec_arn)
        peak = max(peak, rss_mb(sekisho.proc.pid))
        assert d["status"] == "FAILED"
        assert d["error"] == "States.QueryEvaluationError"
        assert "D2015" in d["cause"], d["cause"]
    # An expression that doubles a string forty times stops at its memory budget.
    doubling = "{% $length($reduce([1..40], function($a, $i){ $a & $a }, 'x')) %}"
    arn = sfn.create_state_machine(name="doubling", definition=jsonata_pass(doubling), roleArn=role)["stateMachineArn"]
    d = wait_done(sfn, sfn.start_execution(stateMachineArn=arn)["executionArn"])
    peak = max(peak, rss_mb(sekisho.proc.pid))
    assert (d["status"], d["error"]) == ("FAILED", "States.QueryEvaluationError")
    assert "exceeded its memory budget" in d["cause"], d["cause"]
    # One builtin call that builds its whole result at once ($pad to a billion characters) is refused up front.
    pad = "{% $length($pad('', 1000000000)) %}"
    arn = sfn.create_state_machine(name="pad", definition=jsonata_pass(pad), roleArn=role)["stateMachineArn"]
    d = wait_done(sfn, sfn.start_execution(stateMachineArn=arn)["executionArn"])
    peak = max(peak, rss_mb(sekisho.proc.pid))
    assert (d["status"], d["error"]) == ("FAILED", "States.QueryEvaluationError")
    assert "$pad" in d["cause"], d["cause"]
    # Before the budgets, one `[1..10000000]` took 4 GB and kept 3 GB resident.
    assert peak < 500, f"resident set {peak:.0f} MB"


def test_sigterm_ends_the_process_while_an_evaluation_runs(role):
    # A budget far beyond the grace period, so the evaluation is surely still running at the signal.
    server = start(config="[states]\nexpression_timeout_ms = 600000\n")
    try:
        iam = server.client("iam")
        role_arn = iam.create_role(RoleName="states-term", AssumeRolePolicyDocument=STATES_TRUST)["Role"]["Arn"]
        sfn = server.client("stepfunctions")
        arn = sfn.create_state_machine(name="endless", definition=jsonata_pass(ENDLESS),
                                       roleArn=role_arn)["stateMachineArn"]
        sfn.start_execution(stateMachineArn=arn)
        express = sfn.create_state_machine(name="endless-x", definition=jsonata_pass(ENDLESS), roleArn=role_arn,
                                           type="EXPRESS")["stateMachineArn"]
        slow = server.client("stepfunctions", read_timeout=120, inject_host_prefix=False)
        threading.Thread(target=lambda: _swallow(slow.start_sync_execution, stateMachineArn=express),
                         daemon=True).start()
        time.sleep(0.5)
        assert health(server) == 200
        server.proc.send_signal(signal.SIGTERM)
        # The fixture's grace period.
        server.proc.wait(timeout=10)
    finally:
        if server.proc.poll() is None:
            server.proc.kill()
            server.proc.wait()


def _swallow(f, **kwargs):
    try:
        f(**kwargs)
    except Exception:  # noqa: BLE001 - the server goes away under this call on purpose
        pass
