"""Mocked service integrations end to end: sekisho reads Step Functions Local's `MockConfigFile.json` from
`[states] mock_config`, and an execution started with `<state machine ARN>#<test case>` answers the Task
states its test case names from the configuration (AWS's own example: tests/fixtures/states), calling nothing.
The clock is virtual, so the retry path's back-off (2 + 4 + 8 seconds) passes at once."""

import json
import os
import time

import pytest

from conftest import ACCOUNT_A, start, stop

FIXTURES = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "fixtures", "states")

STATES_TRUST = json.dumps({"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Principal": {"Service": "states.amazonaws.com"}, "Action": "sts:AssumeRole"}]})


@pytest.fixture(scope="module")
def sekisho():
    config = f'[clock]\nmode = "virtual"\n[states]\nmock_config = "{os.path.join(FIXTURES, "MockConfigFile.json")}"\n'
    server = start(config=config)
    yield server
    stop(server)


@pytest.fixture(scope="module")
def machine(sekisho):
    sekisho.client("iam").create_role(RoleName="LambdaSQSIntegration", AssumeRolePolicyDocument=STATES_TRUST)
    sfn = sekisho.client("stepfunctions")
    with open(os.path.join(FIXTURES, "LambdaSQSIntegration.asl.json")) as f:
        arn = sfn.create_state_machine(name="LambdaSQSIntegration", definition=f.read(),
                                       roleArn=f"arn:aws:iam::{ACCOUNT_A}:role/LambdaSQSIntegration")["stateMachineArn"]
    return sfn, arn


def finished(sfn, exec_arn):
    for _ in range(1000):
        d = sfn.describe_execution(executionArn=exec_arn)
        if d["status"] != "RUNNING":
            return d
        time.sleep(0.01)
    raise AssertionError("still running")


def test_happy_path(machine):
    sfn, arn = machine
    exec_arn = sfn.start_execution(stateMachineArn=f"{arn}#HappyPath", name="happy")["executionArn"]
    assert exec_arn == arn.replace(":stateMachine:", ":execution:") + ":happy"
    d = finished(sfn, exec_arn)
    assert (d["status"], d["stateMachineArn"]) == ("SUCCEEDED", arn), d
    assert json.loads(d["output"])["MessageId"] == "3bcb6e8e-8b51-4375-b0bc-1a59812c6e51"
    history = sfn.get_execution_history(executionArn=exec_arn)["events"]
    assert [e["type"] for e in history].count("TaskSucceeded") == 2
    lambda_out = next(e for e in history if e["type"] == "TaskSucceeded")["taskSucceededEventDetails"]
    assert json.loads(lambda_out["output"])["Payload"]["body"] == "Hello from Lambda!"


def test_retry_path(machine):
    sfn, arn = machine
    exec_arn = sfn.start_execution(stateMachineArn=f"{arn}#RetryPath")["executionArn"]
    assert finished(sfn, exec_arn)["status"] == "SUCCEEDED"
    history = sfn.get_execution_history(executionArn=exec_arn)["events"]
    failed = [e["taskFailedEventDetails"]["error"] for e in history if e["type"] == "TaskFailed"]
    assert failed == ["Lambda.ResourceNotReadyException", "Lambda.TimeoutException", "Lambda.TimeoutException"]


def test_a_test_case_the_configuration_lacks(machine):
    sfn, arn = machine
    with pytest.raises(sfn.exceptions.ValidationException) as e:
        sfn.start_execution(stateMachineArn=f"{arn}#NoSuchCase")
    assert e.value.response["Error"]["Message"] == \
        "The mock configuration has no test case NoSuchCase for the state machine LambdaSQSIntegration"
