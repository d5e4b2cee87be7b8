"""Seed 000 end to end: a JSONata state machine in account A calls Bedrock's Converse in account B through a
Task's Credentials.RoleArn, with execution logs in CloudWatch Logs. The article's IAM commands run with the
AWS CLI (account ids substituted). The article's definition carries a `Logging` block inside its Task state,
which is not a field of any state: AWS refuses it at CreateStateMachine (SCHEMA_VALIDATION_FAILED, "Field
'Logging' is not supported"), and so does sekisho (tested). The article set logging in the console's Logging
panel, which is CreateStateMachine's loggingConfiguration: the definition without the block is created with
that configuration, the log group ARN qualified with `:*` as the API requires."""

import json
import os
import tempfile
import time

import pytest

from conftest import ACCOUNT_A, ACCOUNT_B
from seed_documents import (
    SEED_000_INVOKER_TRUST as INVOKER_TRUST,
    SEED_000_ASSUME_POLICY as ASSUME_POLICY,
    SEED_000_LOG_POLICY as LOG_POLICY,
    SEED_000_EXECUTION_TRUST as EXECUTION_TRUST,
)

TOKYO = "ap-northeast-1"
FORM = json.dumps({"companyName": "sekisho", "intendedUsers": "0", "useCases": "testing"}).encode()


DEFINITION = """{
  "Comment": "Cross-account Bedrock invocation from Step Functions",
  "QueryLanguage": "JSONata",
  "StartAt": "InvokeBedrockCrossAccount",
  "States": {
    "InvokeBedrockCrossAccount": {
      "Type": "Task",
      "Resource": "arn:aws:states:::aws-sdk:bedrockruntime:converse",
      "Credentials": {
        "RoleArn": "arn:aws:iam::アカウントB:role/CrossAccountBedrockExecutionRole"
      },
      "Arguments": {
        "ModelId": "apac.anthropic.claude-sonnet-4-20250514-v1:0",
        "Messages": [
          {
            "Role": "user",
            "Content": [
              {
                "Text": "{% $states.input.message %}"
              }
            ]
          }
        ],
        "InferenceConfig": {
          "MaxTokens": 1000,
          "Temperature": 0.7
        }
      },
      "End": true
    }
  }
}""".replace("アカウントB", ACCOUNT_B)

LOG_GROUP = "/aws/stepfunctions/CrossAccountBedrockInvokeStateMachine"

# The article's definition as printed, with the Logging block in the Task state.
VERBATIM_DEFINITION = DEFINITION.replace('      "End": true', """      "Logging": {
        "Level": "ALL",
        "IncludeExecutionData": true,
        "Destinations": [
          {
            "CloudWatchLogsLogGroup": {
              "LogGroupArn": "arn:aws:logs:ap-northeast-1:アカウントA:log-group:/aws/stepfunctions/CrossAccountBedrockInvokeStateMachine"
            }
          }
        ]
      },
      "End": true""".replace("アカウントA", ACCOUNT_A))


def cli(sekisho, *args, account=ACCOUNT_A):
    out = sekisho.aws(*args, account=account, region=TOKYO)
    return json.loads(out.stdout) if out.stdout.strip() else {}


@pytest.fixture(scope="module")
def seed(sekisho):
    cli(sekisho, "iam", "create-role", "--role-name", "CrossAccountBedrockInvokerRole",
        "--assume-role-policy-document", INVOKER_TRUST,
        "--description", "Step Functions role for cross-account Bedrock invocation")
    cli(sekisho, "iam", "put-role-policy", "--role-name", "CrossAccountBedrockInvokerRole",
        "--policy-name", "CrossAccountRoleAssumePolicy", "--policy-document", ASSUME_POLICY)
    cli(sekisho, "iam", "put-role-policy", "--role-name", "CrossAccountBedrockInvokerRole",
        "--policy-name", "StepFunctionsLogDeliveryPolicy", "--policy-document", LOG_POLICY)
    cli(sekisho, "iam", "create-role", "--role-name", "CrossAccountBedrockExecutionRole",
        "--assume-role-policy-document", EXECUTION_TRUST,
        "--description", "Role for cross-account Bedrock access from Step Functions", account=ACCOUNT_B)
    cli(sekisho, "iam", "attach-role-policy", "--role-name", "CrossAccountBedrockExecutionRole",
        "--policy-arn", "arn:aws:iam::aws:policy/AmazonBedrockFullAccess", account=ACCOUNT_B)
    sekisho.client("bedrock", access_key=ACCOUNT_B, region=TOKYO).put_use_case_for_model_access(formData=FORM)
    logs = sekisho.client("logs", region=TOKYO)
    logs.create_log_group(logGroupName=LOG_GROUP)
    group_arn = logs.describe_log_groups(logGroupNamePrefix=LOG_GROUP)["logGroups"][0]["arn"]
    fd, path = tempfile.mkstemp(suffix=".json")
    with os.fdopen(fd, "w") as f:
        f.write(DEFINITION)
    logging = json.dumps({"level": "ALL", "includeExecutionData": True,
                          "destinations": [{"cloudWatchLogsLogGroup": {"logGroupArn": group_arn}}]})
    created = cli(sekisho, "stepfunctions", "create-state-machine",
                  "--name", "CrossAccountBedrockInvokeStateMachine", "--definition", f"file://{path}",
                  "--role-arn", f"arn:aws:iam::{ACCOUNT_A}:role/CrossAccountBedrockInvokerRole",
                  "--logging-configuration", logging)
    return created["stateMachineArn"]


def test_the_verbatim_definition_is_refused(sekisho, seed):
    fd, path = tempfile.mkstemp(suffix=".json")
    with os.fdopen(fd, "w") as f:
        f.write(VERBATIM_DEFINITION)
    out = sekisho.aws("stepfunctions", "create-state-machine", "--name", "CrossAccountBedrockInvokeStateMachine2",
                      "--definition", f"file://{path}",
                      "--role-arn", f"arn:aws:iam::{ACCOUNT_A}:role/CrossAccountBedrockInvokerRole",
                      account=ACCOUNT_A, region=TOKYO, check=False)
    assert out.returncode != 0
    assert ("An error occurred (InvalidDefinition) when calling the CreateStateMachine operation: "
            "Invalid State Machine Definition: 'SCHEMA_VALIDATION_FAILED: Field 'Logging' is not supported "
            "at /States/InvokeBedrockCrossAccount'") in out.stderr, out.stderr


def run(sekisho, arn, message):
    sfn = sekisho.client("stepfunctions", region=TOKYO)
    exec_arn = sfn.start_execution(stateMachineArn=arn, input=json.dumps({"message": message}))["executionArn"]
    for _ in range(1000):
        d = sfn.describe_execution(executionArn=exec_arn)
        if d["status"] != "RUNNING":
            return d
        time.sleep(0.01)
    raise AssertionError("still running")


def test_the_article_test_run(sekisho, seed):
    d = run(sekisho, seed, "こんにちは、日本語でテストしています。")
    assert d["status"] == "SUCCEEDED", d
    out = json.loads(d["output"])
    assert sorted(out) == ["Metrics", "Output", "StopReason", "Usage"]
    assert out["Output"]["Message"]["Role"] == "assistant"
    assert out["Output"]["Message"]["Content"][0]["Text"]
    assert out["StopReason"] == "end_turn"
    assert isinstance(out["Metrics"]["LatencyMs"], int)
    assert {"InputTokens", "OutputTokens", "TotalTokens"} <= set(out["Usage"])
    history = sekisho.client("stepfunctions", region=TOKYO).get_execution_history(executionArn=d["executionArn"])
    scheduled = next(e for e in history["events"] if e["type"] == "TaskScheduled")["taskScheduledEventDetails"]
    assert scheduled["resourceType"] == "aws-sdk:bedrockruntime"
    assert scheduled["resource"] == "converse"
    assert scheduled["taskCredentials"] == {"roleArn": f"arn:aws:iam::{ACCOUNT_B}:role/CrossAccountBedrockExecutionRole"}
    logs = sekisho.client("logs", region=TOKYO)
    stream = logs.describe_log_streams(logGroupName=LOG_GROUP)["logStreams"][0]["logStreamName"]
    records = [json.loads(e["message"]) for e in
               logs.get_log_events(logGroupName=LOG_GROUP, logStreamName=stream, startFromHead=True)["events"]]
    assert [r["type"] for r in records][-1] == "ExecutionSucceeded"
    assert json.loads(records[-1]["details"]["output"]) == out


def test_without_bedrock_permission_in_b(sekisho, seed):
    """SFN-7: the error names the service and the modeled exception; the cause carries AWS's message."""
    cli(sekisho, "iam", "detach-role-policy", "--role-name", "CrossAccountBedrockExecutionRole",
        "--policy-arn", "arn:aws:iam::aws:policy/AmazonBedrockFullAccess", account=ACCOUNT_B)
    try:
        d = run(sekisho, seed, "hello")
    finally:
        cli(sekisho, "iam", "attach-role-policy", "--role-name", "CrossAccountBedrockExecutionRole",
            "--policy-arn", "arn:aws:iam::aws:policy/AmazonBedrockFullAccess", account=ACCOUNT_B)
    assert d["status"] == "FAILED"
    assert d["error"] == "BedrockRuntime.AccessDeniedException"
    assert d["cause"].startswith(
        f"User: arn:aws:sts::{ACCOUNT_B}:assumed-role/CrossAccountBedrockExecutionRole/CrossAccountBedrockInvokeStateMachine "
        "is not authorized to perform: bedrock:InvokeModel on resource: "), d["cause"]
    assert "(Service: BedrockRuntime, Status Code: 403, Request ID: " in d["cause"]
