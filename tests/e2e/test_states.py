"""Step Functions end to end: machines created and run with the AWS CLI and boto3 against the real binary
(virtual clock), history paging, CloudWatch Logs records, iam:PassRole and the trust check, Express."""

import json
import os
import tempfile
import time

import botocore.exceptions
import pytest

from conftest import ACCOUNT_A, ACCOUNT_B, start, stop

STATES_TRUST = json.dumps({
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Principal": {"Service": "states.amazonaws.com"}, "Action": "sts:AssumeRole"}],
})

# The log delivery permissions AWS documents for execution roles (seed 000 uses them verbatim).
LOG_DELIVERY = json.dumps({
    "Version": "2012-10-17",
    "Statement": [{
        "Effect": "Allow",
        "Action": ["logs:CreateLogDelivery", "logs:CreateLogStream", "logs:GetLogDelivery", "logs:UpdateLogDelivery",
                   "logs:DeleteLogDelivery", "logs:ListLogDeliveries", "logs:PutLogEvents", "logs:PutResourcePolicy",
                   "logs:DescribeResourcePolicies", "logs:DescribeLogGroups"],
        "Resource": "*",
    }],
})


@pytest.fixture(scope="module")
def sekisho():
    server = start(config='[clock]\nmode = "virtual"\n')
    yield server
    stop(server)


@pytest.fixture(scope="module")
def role(sekisho):
    iam = sekisho.client("iam")
    arn = iam.create_role(RoleName="states-e2e", AssumeRolePolicyDocument=STATES_TRUST)["Role"]["Arn"]
    iam.put_role_policy(RoleName="states-e2e", PolicyName="logs", PolicyDocument=LOG_DELIVERY)
    return arn


def cli_json(sekisho, *args):
    out = sekisho.aws(*args)
    return json.loads(out.stdout) if out.stdout.strip() else {}


def wait_done(sfn, arn, timeout=30):
    deadline = time.time() + timeout
    while time.time() < deadline:
        d = sfn.describe_execution(executionArn=arn)
        if d["status"] != "RUNNING":
            return d
        time.sleep(0.02)
    raise AssertionError(f"{arn} still running")


def definition_file(definition):
    fd, path = tempfile.mkstemp(suffix=".json")
    with os.fdopen(fd, "w") as f:
        json.dump(definition, f)
    return path


JSONPATH = {
    "Comment": "JSONPath: Pass, Choice, Map and intrinsics",
    "StartAt": "Shape",
    "States": {
        "Shape": {"Type": "Pass", "Parameters": {"items.$": "$.numbers", "label.$": "States.Format('n={}', $.n)"}, "Next": "Pick"},
        "Pick": {"Type": "Choice", "Choices": [{"Variable": "$.items[0]", "NumericGreaterThan": 0, "Next": "Double"}], "Default": "Empty"},
        "Double": {"Type": "Map", "ItemsPath": "$.items", "ItemProcessor": {"StartAt": "Twice", "States": {
            "Twice": {"Type": "Pass", "Parameters": {"v.$": "States.MathAdd($, $)"}, "End": True}}}, "ResultPath": "$.doubled", "End": True},
        "Empty": {"Type": "Succeed"},
    },
}

JSONATA = {
    "Comment": "JSONata: Output, Assign and $states",
    "QueryLanguage": "JSONata",
    "StartAt": "Greet",
    "States": {
        "Greet": {"Type": "Pass", "Assign": {"who": "{% $states.input.name %}"}, "Output": {"greeting": "{% 'Hello, ' & $states.input.name %}"}, "Next": "Done"},
        "Done": {"Type": "Pass", "Output": "{% $merge([$states.input, {'who': $who, 'length': $length($who)}]) %}", "End": True},
    },
}


def test_jsonpath_machine_with_the_cli(sekisho, role):
    path = definition_file(JSONPATH)
    created = cli_json(sekisho, "stepfunctions", "create-state-machine", "--name", "cli-jsonpath",
                       "--definition", f"file://{path}", "--role-arn", role)
    arn = created["stateMachineArn"]
    assert arn == f"arn:aws:states:us-east-1:{ACCOUNT_A}:stateMachine:cli-jsonpath"
    started = cli_json(sekisho, "stepfunctions", "start-execution", "--state-machine-arn", arn,
                       "--name", "run-1", "--input", json.dumps({"numbers": [1, 2, 3], "n": 3}))
    sfn = sekisho.client("stepfunctions")
    d = wait_done(sfn, started["executionArn"])
    assert d["status"] == "SUCCEEDED"
    described = cli_json(sekisho, "stepfunctions", "describe-execution", "--execution-arn", started["executionArn"])
    assert json.loads(described["output"]) == {"items": [1, 2, 3], "label": "n=3", "doubled": [{"v": 2}, {"v": 4}, {"v": 6}]}
    history = cli_json(sekisho, "stepfunctions", "get-execution-history", "--execution-arn", started["executionArn"])
    types = [e["type"] for e in history["events"]]
    assert types[:3] == ["ExecutionStarted", "PassStateEntered", "PassStateExited"]
    assert types[-1] == "ExecutionSucceeded"
    assert "MapIterationStarted" in types


def test_jsonata_machine_with_the_cli(sekisho, role):
    path = definition_file(JSONATA)
    arn = cli_json(sekisho, "stepfunctions", "create-state-machine", "--name", "cli-jsonata",
                   "--definition", f"file://{path}", "--role-arn", role)["stateMachineArn"]
    started = cli_json(sekisho, "stepfunctions", "start-execution", "--state-machine-arn", arn,
                       "--input", '{"name": "Ada"}')
    d = wait_done(sekisho.client("stepfunctions"), started["executionArn"])
    assert json.loads(d["output"]) == {"greeting": "Hello, Ada", "who": "Ada", "length": 3}
    listed = cli_json(sekisho, "stepfunctions", "list-executions", "--state-machine-arn", arn)
    assert [e["status"] for e in listed["executions"]] == ["SUCCEEDED"]


def test_log_records_in_aws_format(sekisho, role):
    logs = sekisho.client("logs")
    logs.create_log_group(logGroupName="/aws/vendedlogs/states/e2e")
    group_arn = logs.describe_log_groups(logGroupNamePrefix="/aws/vendedlogs/states/e2e")["logGroups"][0]["arn"]
    assert group_arn.endswith(":*")
    sfn = sekisho.client("stepfunctions")
    definition = {"StartAt": "P", "States": {"P": {"Type": "Pass", "Result": {"Arg1": "argument1"}, "End": True}}}
    arn = sfn.create_state_machine(
        name="logged", definition=json.dumps(definition), roleArn=role,
        loggingConfiguration={"level": "ALL", "includeExecutionData": True,
                              "destinations": [{"cloudWatchLogsLogGroup": {"logGroupArn": group_arn}}]},
    )["stateMachineArn"]
    exec_arn = sfn.start_execution(stateMachineArn=arn)["executionArn"]
    wait_done(sfn, exec_arn)
    streams = logs.describe_log_streams(logGroupName="/aws/vendedlogs/states/e2e")["logStreams"]
    assert streams[0]["logStreamName"].startswith("states/logged/")
    events = logs.get_log_events(logGroupName="/aws/vendedlogs/states/e2e",
                                 logStreamName=streams[0]["logStreamName"], startFromHead=True)["events"]
    records = [json.loads(e["message"]) for e in events]
    assert [r["type"] for r in records] == ["ExecutionStarted", "PassStateEntered", "PassStateExited", "ExecutionSucceeded"]
    assert list(records[2]) == ["id", "type", "details", "previous_event_id", "event_timestamp", "execution_arn", "redrive_count"]
    assert records[2]["details"] == {"name": "P", "output": '{"Arg1":"argument1"}', "outputDetails": {"truncated": False}}
    assert (records[2]["id"], records[2]["previous_event_id"], records[2]["execution_arn"]) == ("3", "2", exec_arn)
    assert events[2]["timestamp"] == int(records[2]["event_timestamp"])


def test_history_paging_and_reverse_order(sekisho, role):
    sfn = sekisho.client("stepfunctions")
    states = {f"S{i}": {"Type": "Pass", "Next": f"S{i + 1}"} for i in range(24)}
    states["S24"] = {"Type": "Pass", "End": True}
    arn = sfn.create_state_machine(name="long", definition=json.dumps({"StartAt": "S0", "States": states}),
                                   roleArn=role)["stateMachineArn"]
    exec_arn = sfn.start_execution(stateMachineArn=arn)["executionArn"]
    wait_done(sfn, exec_arn)
    for reverse in (False, True):
        pages = sfn.get_paginator("get_execution_history").paginate(
            executionArn=exec_arn, reverseOrder=reverse, PaginationConfig={"PageSize": 7})
        sizes, ids = [], []
        for page in pages:
            sizes.append(len(page["events"]))
            ids.extend(e["id"] for e in page["events"])
        assert sizes == [7, 7, 7, 7, 7, 7, 7, 3]
        assert ids == (list(range(52, 0, -1)) if reverse else list(range(1, 53)))
    first = sfn.get_execution_history(executionArn=exec_arn, maxResults=1, reverseOrder=True)
    assert first["events"][0]["type"] == "ExecutionSucceeded"
    bare = sfn.get_execution_history(executionArn=exec_arn, maxResults=2, includeExecutionData=False)
    assert "input" not in bare["events"][1]["stateEnteredEventDetails"]


def test_pass_role_is_required(sekisho, role):
    iam = sekisho.client("iam")
    iam.create_user(UserName="sfn-dev")
    iam.put_user_policy(UserName="sfn-dev", PolicyName="states", PolicyDocument=json.dumps({
        "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "states:*", "Resource": "*"}]}))
    key = iam.create_access_key(UserName="sfn-dev")["AccessKey"]
    dev = sekisho.client("stepfunctions", access_key=key["AccessKeyId"], secret=key["SecretAccessKey"])
    definition = json.dumps({"StartAt": "P", "States": {"P": {"Type": "Pass", "End": True}}})
    with pytest.raises(botocore.exceptions.ClientError) as e:
        dev.create_state_machine(name="denied", definition=definition, roleArn=role)
    err = e.value.response["Error"]
    assert e.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400
    assert err["Code"] == "AccessDeniedException"
    assert err["Message"] == (f"User: arn:aws:iam::{ACCOUNT_A}:user/sfn-dev is not authorized to perform: iam:PassRole "
                              f"on resource: {role} because no identity-based policy allows the iam:PassRole action")


def test_states_must_be_trusted_by_the_role(sekisho):
    iam = sekisho.client("iam")
    lambda_trust = json.dumps({"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}]})
    arn = iam.create_role(RoleName="lambda-only", AssumeRolePolicyDocument=lambda_trust)["Role"]["Arn"]
    result = sekisho.aws("stepfunctions", "create-state-machine", "--name", "untrusted", "--role-arn", arn,
                         "--definition", '{"StartAt": "P", "States": {"P": {"Type": "Pass", "End": true}}}', check=False)
    assert result.returncode != 0
    assert ("An error occurred (AccessDeniedException) when calling the CreateStateMachine operation: Neither the global "
            "service principal states.amazonaws.com, nor the regional one is authorized to assume the provided role."
            ) in result.stderr


def test_a_long_wait_on_the_virtual_clock():
    """A Wait does not sleep: the virtual clock jumps. Its own server, because signed requests are checked
    against that clock, and a jump of more than SigV4's five minutes would expire every client's signature."""
    server = start(config='[clock]\nmode = "virtual"\n')
    try:
        iam = server.client("iam")
        arn = iam.create_role(RoleName="waiter", AssumeRolePolicyDocument=STATES_TRUST)["Role"]["Arn"]
        sfn = server.client("stepfunctions")
        definition = {"StartAt": "W", "States": {"W": {"Type": "Wait", "Seconds": 240, "Next": "P"},
                                                   "P": {"Type": "Pass", "End": True}}}
        sm = sfn.create_state_machine(name="wait", definition=json.dumps(definition), roleArn=arn)["stateMachineArn"]
        began = time.time()
        exec_arn = sfn.start_execution(stateMachineArn=sm)["executionArn"]
        d = wait_done(sfn, exec_arn, timeout=10)
        assert time.time() - began < 10
        assert d["status"] == "SUCCEEDED"
        assert (d["stopDate"] - d["startDate"]).total_seconds() >= 240
        events = sfn.get_execution_history(executionArn=exec_arn)["events"]
        entered = next(e for e in events if e["type"] == "WaitStateEntered")
        exited = next(e for e in events if e["type"] == "WaitStateExited")
        assert (exited["timestamp"] - entered["timestamp"]).total_seconds() == pytest.approx(240, abs=1)
    finally:
        stop(server)


def test_express_sync_execution(sekisho, role):
    sfn = sekisho.client("stepfunctions", inject_host_prefix=False)
    definition = {"QueryLanguage": "JSONata", "StartAt": "P",
                  "States": {"P": {"Type": "Pass", "Output": "{% $states.input.a + 1 %}", "End": True}}}
    arn = sfn.create_state_machine(name="express", definition=json.dumps(definition), roleArn=role,
                                   type="EXPRESS")["stateMachineArn"]
    r = sfn.start_sync_execution(stateMachineArn=arn, input='{"a": 41}')
    assert (r["status"], r["output"]) == ("SUCCEEDED", "42")
    with pytest.raises(botocore.exceptions.ClientError) as e:
        sfn.describe_execution(executionArn=r["executionArn"])
    assert e.value.response["Error"]["Message"] == "Invalid Arn: 'Resource type not valid in this context: express'"


def test_aws_sdk_task_with_credentials_into_another_account(sekisho, role):
    """Seed 000's shape: a JSONata Task with Credentials.RoleArn in account B, through the door."""
    iam_a = sekisho.client("iam")
    invoker = iam_a.create_role(RoleName="CrossAccountInvoker", AssumeRolePolicyDocument=STATES_TRUST)["Role"]["Arn"]
    iam_a.put_role_policy(RoleName="CrossAccountInvoker", PolicyName="assume", PolicyDocument=json.dumps({
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole", "Resource": f"arn:aws:iam::{ACCOUNT_B}:role/Reader"}]}))
    iam_b = sekisho.client("iam", access_key=ACCOUNT_B)
    iam_b.create_role(RoleName="Reader", AssumeRolePolicyDocument=json.dumps({
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Principal": {"AWS": invoker}, "Action": "sts:AssumeRole"}]}))
    iam_b.put_role_policy(RoleName="Reader", PolicyName="identity", PolicyDocument=json.dumps({
        "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sts:GetCallerIdentity", "Resource": "*"}]}))
    definition = {"QueryLanguage": "JSONata", "StartAt": "WhoAmI", "States": {"WhoAmI": {
        "Type": "Task", "Resource": "arn:aws:states:::aws-sdk:sts:getCallerIdentity",
        "Credentials": {"RoleArn": f"arn:aws:iam::{ACCOUNT_B}:role/Reader"}, "End": True}}}
    sfn = sekisho.client("stepfunctions")
    arn = sfn.create_state_machine(name="whoami", definition=json.dumps(definition), roleArn=invoker)["stateMachineArn"]
    d = wait_done(sfn, sfn.start_execution(stateMachineArn=arn)["executionArn"])
    assert d["status"] == "SUCCEEDED", d
    out = json.loads(d["output"])
    assert out["Account"] == ACCOUNT_B
    assert out["Arn"] == f"arn:aws:sts::{ACCOUNT_B}:assumed-role/Reader/whoami"
