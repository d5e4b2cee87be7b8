"""Seed 002 end to end: the operator state machine in account A starts the subject state machine in account B
with `states:startExecution.sync:2`, as the role of B its task's Credentials name, whose trust policy requires
ExternalId = the operator machine's ARN. The article's commands and documents are used with the AWS CLI, account
ids substituted, and nothing else changed except where the article is wrong, which AWS refuses as sekisho does
(each refusal is tested first):

- The operator role's policy ends its statement list with a trailing comma and no `]`: PutRolePolicy answers
  MalformedPolicyDocument "Syntax errors in policy.". The intended document closes the list.
- That policy allows sts:AssumeRole on `execute-subject-statemachine-role`, while the ASL's Credentials name
  `subject-statemachine-execute-role`: with the names as written, the AssumeRole is denied and the task fails
  with Step Functions' "not authorized to assume the task state's role" cause. The intended policy names the
  role the ASL uses.
- The subject role's permission policy allows only states:StartExecution. `.sync:2` also asks about the child
  (states:DescribeExecution, and states:StopExecution to stop it), as AWS's cross-account .sync documentation
  says: without them the child starts and the task fails when Step Functions asks about it.

The article shows neither the subject machine's definition nor its role; a Pass state that echoes its input and
a role states.amazonaws.com may assume stand in for them."""

import json
import os
import subprocess
import time

import pytest

from conftest import ACCOUNT_A, ACCOUNT_B
from seed_documents import (
    STATES_TRUST,
    SEED_002_SUBJECT_PERMISSIONS as SUBJECT_PERMISSIONS,
    SEED_002_SUBJECT_TRUST as SUBJECT_TRUST,
    SEED_002_OPERATOR_PERMISSIONS as OPERATOR_POLICY,
)

TOKYO = "ap-northeast-1"
OPERATOR = "arn:aws:states:ap-northeast-1:" + ACCOUNT_A + ":stateMachine:operator-statemachine"
SUBJECT = "arn:aws:states:ap-northeast-1:" + ACCOUNT_B + ":stateMachine:subject-statemachine"
EXECUTE_ROLE = f"arn:aws:iam::{ACCOUNT_B}:role/subject-statemachine-execute-role"
OPERATOR_ROLE = f"arn:aws:iam::{ACCOUNT_A}:role/operator-statemachine-iam-role"

# The article's state machine, verbatim but for the account ids (its IAM documents are in seed_documents).
OPERATOR_ASL = """{
  "Comment": "A description of my state machine",
  "StartAt": "Step Functions StartExecution",
  "States": {
    "Step Functions StartExecution": {
      "Type": "Task",
      "Resource": "arn:aws:states:::states:startExecution.sync:2",
      "Parameters": {
        "StateMachineArn": "arn:aws:states:ap-northeast-1:${SubjectアカウントのID}:stateMachine:subject-statemachine",
        "Input": {
          "StatePayload": "Hello from Step Functions!",
          "AWS_STEP_FUNCTIONS_STARTED_BY_EXECUTION_ID.$": "$$.Execution.Id"
        }
      },
      "End": true,
      "Credentials": {
        "RoleArn": "arn:aws:iam::${SubjectアカウントのID}:role/subject-statemachine-execute-role"
      }
    }
  }
}""".replace("${SubjectアカウントのID}", ACCOUNT_B)

# The operator policy with its list closed (the article's names, and the names the ASL uses).
CLOSED_OPERATOR_POLICY = OPERATOR_POLICY.replace("        },\n}", "        }\n    ]\n}")
INTENDED_OPERATOR_POLICY = CLOSED_OPERATOR_POLICY.replace(
    "role/execute-subject-statemachine-role", "role/subject-statemachine-execute-role")

# What AWS's cross-account .sync documentation adds to the subject role for following the child.
POLLING_POLICY = json.dumps({"Version": "2012-10-17", "Statement": [{
    "Effect": "Allow", "Action": ["states:DescribeExecution", "states:StopExecution"],
    "Resource": f"arn:aws:states:ap-northeast-1:{ACCOUNT_B}:execution:subject-statemachine:*"}]})

SUBJECT_ASL = json.dumps({"StartAt": "Echo", "States": {"Echo": {"Type": "Pass", "End": True}}})


def cli(sekisho, *args, account=ACCOUNT_A, check=True):
    out = sekisho.aws(*args, account=account, region=TOKYO, check=check)
    return json.loads(out.stdout) if check and out.stdout.strip() else out


def operator_policy(sekisho, document):
    cli(sekisho, "iam", "put-role-policy", "--role-name", "operator-statemachine-iam-role",
        "--policy-name", "ExecuteSubjectStateMachine", "--policy-document", document)


def polling(sekisho, allowed):
    if allowed:
        cli(sekisho, "iam", "put-role-policy", "--role-name", "subject-statemachine-execute-role",
            "--policy-name", "FollowSubjectExecutions", "--policy-document", POLLING_POLICY, account=ACCOUNT_B)
    else:
        cli(sekisho, "iam", "delete-role-policy", "--role-name", "subject-statemachine-execute-role",
            "--policy-name", "FollowSubjectExecutions", account=ACCOUNT_B, check=False)


@pytest.fixture(scope="module")
def seed(sekisho):
    # The operator machine's role exists before the article starts (a trust policy may only name a role that
    # exists: AWS answers "Invalid principal in policy" otherwise).
    cli(sekisho, "iam", "create-role", "--role-name", "operator-statemachine-iam-role",
        "--assume-role-policy-document", STATES_TRUST)
    # Subject account: the machine the article starts, and the role the operator's task assumes.
    cli(sekisho, "iam", "create-role", "--role-name", "subject-statemachine-iam-role",
        "--assume-role-policy-document", STATES_TRUST, account=ACCOUNT_B)
    cli(sekisho, "stepfunctions", "create-state-machine", "--name", "subject-statemachine",
        "--definition", SUBJECT_ASL, "--role-arn", f"arn:aws:iam::{ACCOUNT_B}:role/subject-statemachine-iam-role",
        account=ACCOUNT_B)
    cli(sekisho, "iam", "create-role", "--role-name", "subject-statemachine-execute-role",
        "--assume-role-policy-document", SUBJECT_TRUST, account=ACCOUNT_B)
    cli(sekisho, "iam", "put-role-policy", "--role-name", "subject-statemachine-execute-role",
        "--policy-name", "ExecuteSubjectStateMachine", "--policy-document", SUBJECT_PERMISSIONS, account=ACCOUNT_B)
    # Operator account: its machine.
    created = cli(sekisho, "stepfunctions", "create-state-machine", "--name", "operator-statemachine",
                  "--definition", OPERATOR_ASL, "--role-arn", OPERATOR_ROLE)
    assert created["stateMachineArn"] == OPERATOR
    return sekisho.client("stepfunctions", region=TOKYO)


def run(sfn):
    started = sfn.start_execution(stateMachineArn=OPERATOR)
    for _ in range(1000):
        d = sfn.describe_execution(executionArn=started["executionArn"])
        if d["status"] != "RUNNING":
            return d, started["ResponseMetadata"]["RequestId"]
        time.sleep(0.01)
    raise AssertionError("still running")


def denied_assume_role(sekisho, start_request_id):
    """The task's AssumeRole, found among the calls the execution made on behalf of its StartExecution."""
    import urllib.request

    with urllib.request.urlopen(f"{sekisho.endpoint}/_sekisho/decisions/{start_request_id}") as r:
        calls = json.load(r)["internalCalls"]
    assume = [c for c in calls if c["operation"] == "AssumeRole" and c["caller"].startswith(
        f"arn:aws:sts::{ACCOUNT_A}:assumed-role/operator-statemachine-iam-role/")]
    assert assume and assume[-1]["outcome"] == "Denied", calls
    return assume[-1]["requestId"]


def explain(sekisho, request_id):
    out = subprocess.run([os.environ["SEKISHO_BIN"], "explain", request_id, "--endpoint", sekisho.endpoint],
                         capture_output=True, text=True, timeout=30)
    assert out.returncode == 0, out.stderr
    return out.stdout


ASSUME_FAILED = f"The role {OPERATOR_ROLE} is not authorized to assume the task state's role, {EXECUTE_ROLE}."


def test_the_article_operator_policy_is_malformed(sekisho, seed):
    out = cli(sekisho, "iam", "put-role-policy", "--role-name", "operator-statemachine-iam-role",
              "--policy-name", "ExecuteSubjectStateMachine", "--policy-document", OPERATOR_POLICY, check=False)
    assert out.returncode != 0
    assert "An error occurred (MalformedPolicyDocument) when calling the PutRolePolicy operation: " \
           "Syntax errors in policy." in out.stderr


def test_the_article_role_names_disagree(sekisho, seed):
    operator_policy(sekisho, CLOSED_OPERATOR_POLICY)
    d, request_id = run(seed)
    assert (d["status"], d["error"], d["cause"]) == ("FAILED", "States.TaskFailed", ASSUME_FAILED)
    why = explain(sekisho, denied_assume_role(sekisho, request_id))
    assert f"sts:AssumeRole on {EXECUTE_ROLE}: ImplicitDeny" in why, why
    assert "no identity-based policy allows the action" in why, why
    # The operator's policy names another role.
    assert "no statement matches this action and resource" in why, why


def test_without_polling_permissions_the_task_fails(sekisho, seed):
    operator_policy(sekisho, INTENDED_OPERATOR_POLICY)
    polling(sekisho, False)
    d, _ = run(seed)
    assert (d["status"], d["error"]) == ("FAILED", "StepFunctions.AWSStepFunctionsException")
    assert d["cause"].startswith(
        f"User: arn:aws:sts::{ACCOUNT_B}:assumed-role/subject-statemachine-execute-role/operator-statemachine "
        "is not authorized to perform: states:DescribeExecution on resource: "
        f"arn:aws:states:ap-northeast-1:{ACCOUNT_B}:execution:subject-statemachine:"), d["cause"]
    assert "(Service: AWSStepFunctions; Status Code: 400; Error Code: AccessDeniedException; Request ID: " in d["cause"]
    assert d["cause"].endswith("; Proxy: null)")


def test_the_article_run(sekisho, seed):
    operator_policy(sekisho, INTENDED_OPERATOR_POLICY)
    polling(sekisho, True)
    d, _ = run(seed)
    assert d["status"] == "SUCCEEDED", d
    out = json.loads(d["output"])
    sent = {"StatePayload": "Hello from Step Functions!", "AWS_STEP_FUNCTIONS_STARTED_BY_EXECUTION_ID": d["executionArn"]}
    assert out["Input"] == sent and out["Output"] == sent
    assert (out["Status"], out["StateMachineArn"]) == ("SUCCEEDED", SUBJECT)
    assert out["InputDetails"] == {"Included": True} and out["OutputDetails"] == {"Included": True}
    assert isinstance(out["StartDate"], int) and isinstance(out["StopDate"], int)
    assert "SdkHttpMetadata" not in out
    # The child, as account B sees it: its input names the parent execution.
    child = sekisho.client("stepfunctions", access_key=ACCOUNT_B, region=TOKYO).describe_execution(
        executionArn=out["ExecutionArn"])
    assert json.loads(child["input"])["AWS_STEP_FUNCTIONS_STARTED_BY_EXECUTION_ID"] == d["executionArn"]
    events = seed.get_execution_history(executionArn=d["executionArn"])["events"]
    assert [e["type"] for e in events] == [
        "ExecutionStarted", "TaskStateEntered", "TaskScheduled", "TaskStarted", "TaskSubmitted", "TaskSucceeded",
        "TaskStateExited", "ExecutionSucceeded"]
    scheduled = events[2]["taskScheduledEventDetails"]
    assert (scheduled["resourceType"], scheduled["resource"]) == ("states", "startExecution.sync:2")
    assert scheduled["taskCredentials"] == {"roleArn": EXECUTE_ROLE}


def test_a_wrong_external_id_is_refused(sekisho, seed):
    operator_policy(sekisho, INTENDED_OPERATOR_POLICY)
    polling(sekisho, True)
    other = SUBJECT_TRUST.replace("stateMachine:operator-statemachine", "stateMachine:another-statemachine")
    cli(sekisho, "iam", "update-assume-role-policy", "--role-name", "subject-statemachine-execute-role",
        "--policy-document", other, account=ACCOUNT_B)
    try:
        d, request_id = run(seed)
    finally:
        cli(sekisho, "iam", "update-assume-role-policy", "--role-name", "subject-statemachine-execute-role",
            "--policy-document", SUBJECT_TRUST, account=ACCOUNT_B)
    assert (d["error"], d["cause"]) == ("States.TaskFailed", ASSUME_FAILED)
    why = explain(sekisho, denied_assume_role(sekisho, request_id))
    assert "the resource's account has no role trust policy that allows the caller" in why, why
    # The log does not show the value a trust policy requires of sts:ExternalId (issue 11), only that it failed.
    assert ("sts:ExternalId [required value not shown]: failed: did not match the required sts:ExternalId"
            in why), why
    assert OPERATOR.replace("operator-", "another-") not in why, why


def test_without_sts_assume_role_in_the_operator_role(sekisho, seed):
    only_start = INTENDED_OPERATOR_POLICY.replace('"Action": "sts:AssumeRole"', '"Action": "sts:GetCallerIdentity"')
    operator_policy(sekisho, only_start)
    try:
        d, request_id = run(seed)
    finally:
        operator_policy(sekisho, INTENDED_OPERATOR_POLICY)
    assert (d["error"], d["cause"]) == ("States.TaskFailed", ASSUME_FAILED)
    why = explain(sekisho, denied_assume_role(sekisho, request_id))
    assert "no identity-based policy allows the action" in why, why
