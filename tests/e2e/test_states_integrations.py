"""Step Functions' optimized integrations end to end with boto3: `lambda:invoke` running a real Python function
(its result, its errors, `.waitForTaskToken` answered by the function's own boto3, a heartbeat timeout), a
function ARN as the Resource, and `bedrock:invokeModel`."""

import json
import os
import sys
import time

import pytest

from conftest import ACCOUNT_A, start, stop

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "fixtures", "lambda"))
import lambda_e2e as lx  # noqa: E402

TOKYO = "ap-northeast-1"
FUNCTION_ARN = f"arn:aws:lambda:us-east-1:{ACCOUNT_A}:function:sfn-greeter"

APP = """
import boto3, json

def handler(event, context):
    if event.get("fail"):
        raise ValueError(event["fail"])
    if event.get("token"):
        boto3.client("stepfunctions").send_task_success(
            taskToken=event["token"], output=json.dumps({"called_back": event["name"]}))
    return {"hello": event.get("name"), "function": context.function_name}
"""

STATES_TRUST = json.dumps({"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Principal": {"Service": "states.amazonaws.com"}, "Action": "sts:AssumeRole"}]})


@pytest.fixture(scope="module")
def sekisho():
    server = start(config=lx.config())
    yield server
    stop(server)


@pytest.fixture(scope="module")
def sfn(sekisho):
    function_role = lx.role(sekisho, "sfn-greeter-role", managed=[lx.BASIC_EXECUTION], inline={
        "callbacks": {"Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Action": ["states:SendTaskSuccess"], "Resource": "*"}]}})
    sekisho.client("lambda").create_function(
        FunctionName="sfn-greeter", Runtime="python3.12", Role=function_role, Handler="app.handler",
        Code={"ZipFile": lx.zip_files({"app.py": APP})}, Timeout=30)
    lx.role(sekisho, "sfn-invoker", trust=STATES_TRUST,
            managed=["arn:aws:iam::aws:policy/AmazonBedrockFullAccess"], inline={
                "invoke": {"Version": "2012-10-17", "Statement": [
                    {"Effect": "Allow", "Action": "lambda:InvokeFunction",
                     "Resource": [FUNCTION_ARN, FUNCTION_ARN + ":*"]}]}})
    return sekisho.client("stepfunctions")


def machine(sfn, name, definition):
    return sfn.create_state_machine(name=name, definition=json.dumps(definition),
                                    roleArn=f"arn:aws:iam::{ACCOUNT_A}:role/sfn-invoker")["stateMachineArn"]


def task(resource, **fields):
    return {"StartAt": "T", "States": {"T": {"Type": "Task", "Resource": resource, **fields, "End": True}}}


def run(sfn, arn, payload, timeout=60.0):
    exec_arn = sfn.start_execution(stateMachineArn=arn, input=json.dumps(payload))["executionArn"]
    deadline = time.time() + timeout
    while time.time() < deadline:
        d = sfn.describe_execution(executionArn=exec_arn)
        if d["status"] != "RUNNING":
            return d
        time.sleep(0.05)
    raise AssertionError("still running")


def events(sfn, exec_arn):
    return sfn.get_execution_history(executionArn=exec_arn, maxResults=1000)["events"]


def test_lambda_invoke_runs_the_function(sfn):
    arn = machine(sfn, "greet", task("arn:aws:states:::lambda:invoke",
                                     Parameters={"FunctionName": "sfn-greeter", "Payload.$": "$"}))
    d = run(sfn, arn, {"name": "Ada"})
    assert d["status"] == "SUCCEEDED", d
    out = json.loads(d["output"])
    assert sorted(out) == ["ExecutedVersion", "Payload", "SdkHttpMetadata", "SdkResponseMetadata", "StatusCode"]
    assert out["Payload"] == {"hello": "Ada", "function": "sfn-greeter"}
    assert (out["StatusCode"], out["ExecutedVersion"]) == (200, "$LATEST")
    assert out["SdkHttpMetadata"]["HttpHeaders"]["Content-Type"] == "application/json"
    assert [e["type"] for e in events(sfn, d["executionArn"])][2:5] == ["TaskScheduled", "TaskStarted", "TaskSucceeded"]


def test_a_function_error_fails_the_task_with_its_type(sfn):
    arn = machine(sfn, "greet-fails", task("arn:aws:states:::lambda:invoke",
                                           Parameters={"FunctionName": FUNCTION_ARN, "Payload.$": "$"}))
    d = run(sfn, arn, {"fail": "no name"})
    assert (d["status"], d["error"]) == ("FAILED", "ValueError")
    cause = json.loads(d["cause"])
    assert (cause["errorType"], cause["errorMessage"]) == ("ValueError", "no name")
    assert cause["stackTrace"]
    missing = machine(sfn, "greet-missing", task("arn:aws:states:::lambda:invoke",
                                                 Parameters={"FunctionName": "nobody"}))
    d = run(sfn, missing, {})
    assert d["error"] == "Lambda.AWSLambdaException", d
    assert "is not authorized to perform: lambda:InvokeFunction on resource: " in d["cause"]
    assert "(Service: AWSLambda; Status Code: 403; Error Code: AccessDeniedException; Request ID: " in d["cause"]


def test_a_function_arn_as_the_resource(sfn):
    arn = machine(sfn, "greet-legacy", task(FUNCTION_ARN))
    d = run(sfn, arn, {"name": "Grace"})
    assert json.loads(d["output"]) == {"hello": "Grace", "function": "sfn-greeter"}
    types = [e["type"] for e in events(sfn, d["executionArn"])]
    assert types[2:5] == ["LambdaFunctionScheduled", "LambdaFunctionStarted", "LambdaFunctionSucceeded"]


def test_wait_for_task_token_answered_by_the_function(sfn):
    arn = machine(sfn, "greet-callback", task("arn:aws:states:::lambda:invoke.waitForTaskToken", Parameters={
        "FunctionName": "sfn-greeter", "Payload": {"name.$": "$.name", "token.$": "$$.Task.Token"}}))
    d = run(sfn, arn, {"name": "Hopper"})
    assert (d["status"], json.loads(d["output"])) == ("SUCCEEDED", {"called_back": "Hopper"}), d
    # The function answers before its Invoke returns, so the callback may precede TaskSubmitted (which is then
    # left out, the task being over).
    types = [e["type"] for e in events(sfn, d["executionArn"])]
    assert types[2:4] == ["TaskScheduled", "TaskStarted"]
    assert [t for t in types[4:] if t != "TaskSubmitted"][0] == "TaskSucceeded"


def test_a_silent_worker_times_out_by_heartbeat(sfn):
    arn = machine(sfn, "greet-heartbeat", task("arn:aws:states:::lambda:invoke.waitForTaskToken", Parameters={
        "FunctionName": "sfn-greeter", "Payload": {"name": "nobody calls back"}}, HeartbeatSeconds=1))
    d = run(sfn, arn, {})
    assert (d["status"], d["error"]) == ("FAILED", "States.HeartbeatTimeout")
    timed_out = [e for e in events(sfn, d["executionArn"]) if e["type"] == "TaskTimedOut"]
    assert timed_out[0]["taskTimedOutEventDetails"]["error"] == "States.HeartbeatTimeout"


def test_bedrock_invoke_model(sekisho, sfn):
    form = json.dumps({"companyName": "sekisho", "intendedUsers": "0", "useCases": "testing"}).encode()
    sekisho.client("bedrock", region=TOKYO).put_use_case_for_model_access(formData=form)
    tokyo = sekisho.client("stepfunctions", region=TOKYO)
    body = {"anthropic_version": "bedrock-2023-05-31", "max_tokens": 100,
            "messages": [{"role": "user", "content": [{"type": "text", "text": "Hello, Claude"}]}]}
    arn = machine(tokyo, "prompt", task("arn:aws:states:::bedrock:invokeModel", Parameters={
        "ModelId": "jp.anthropic.claude-haiku-4-5-20251001-v1:0", "ContentType": "application/json",
        "Accept": "application/json", "Body": body}))
    d = run(tokyo, arn, {})
    assert d["status"] == "SUCCEEDED", d
    out = json.loads(d["output"])
    assert out["ContentType"] == "application/json"
    assert (out["Body"]["type"], out["Body"]["role"]) == ("message", "assistant")
    assert out["Body"]["content"][0]["text"]
