"""The seeds' IAM steps, run verbatim with the AWS CLI (account ids substituted): every command succeeds and
IAM shows what was stored, as AWS does."""

import json

import pytest

from conftest import ACCOUNT_A, ACCOUNT_B
from seed_documents import (  # noqa: F401
    SEED_000_INVOKER_TRUST,
    SEED_000_ASSUME_POLICY,
    SEED_000_LOG_POLICY,
    SEED_000_EXECUTION_TRUST,
    SEED_002_SUBJECT_PERMISSIONS,
    SEED_002_SUBJECT_TRUST,
    SEED_002_OPERATOR_PERMISSIONS,
    STATES_TRUST,
)


def cli_json(sekisho, *args, account=ACCOUNT_A):
    out = sekisho.aws(*args, account=account)
    return json.loads(out.stdout) if out.stdout.strip() else {}


def test_seed_000_commands(sekisho):
    role = cli_json(
        sekisho, "iam", "create-role",
        "--role-name", "CrossAccountBedrockInvokerRole",
        "--assume-role-policy-document", SEED_000_INVOKER_TRUST,
        "--description", "Step Functions role for cross-account Bedrock invocation",
    )["Role"]
    assert role["Arn"] == f"arn:aws:iam::{ACCOUNT_A}:role/CrossAccountBedrockInvokerRole"
    assert role["RoleId"].startswith("AROA") and len(role["RoleId"]) == 21
    assert role["Description"] == "Step Functions role for cross-account Bedrock invocation"
    assert role["AssumeRolePolicyDocument"] == json.loads(SEED_000_INVOKER_TRUST)
    for name, document in [("CrossAccountRoleAssumePolicy", SEED_000_ASSUME_POLICY),
                           ("StepFunctionsLogDeliveryPolicy", SEED_000_LOG_POLICY)]:
        sekisho.aws("iam", "put-role-policy", "--role-name", "CrossAccountBedrockInvokerRole",
                    "--policy-name", name, "--policy-document", document)
        got = cli_json(sekisho, "iam", "get-role-policy", "--role-name", "CrossAccountBedrockInvokerRole",
                       "--policy-name", name)
        assert got["PolicyDocument"] == json.loads(document)
    names = cli_json(sekisho, "iam", "list-role-policies", "--role-name", "CrossAccountBedrockInvokerRole")
    assert names["PolicyNames"] == ["CrossAccountRoleAssumePolicy", "StepFunctionsLogDeliveryPolicy"]

    # Account B trusts A's role, which now exists.
    role_b = cli_json(
        sekisho, "iam", "create-role",
        "--role-name", "CrossAccountBedrockExecutionRole",
        "--assume-role-policy-document", SEED_000_EXECUTION_TRUST,
        "--description", "Role for cross-account Bedrock access from Step Functions",
        account=ACCOUNT_B,
    )["Role"]
    assert role_b["Arn"] == f"arn:aws:iam::{ACCOUNT_B}:role/CrossAccountBedrockExecutionRole"
    sekisho.aws("iam", "attach-role-policy", "--role-name", "CrossAccountBedrockExecutionRole",
                "--policy-arn", "arn:aws:iam::aws:policy/AmazonBedrockFullAccess", account=ACCOUNT_B)
    attached = cli_json(sekisho, "iam", "list-attached-role-policies",
                        "--role-name", "CrossAccountBedrockExecutionRole", account=ACCOUNT_B)
    assert attached["AttachedPolicies"] == [
        {"PolicyName": "AmazonBedrockFullAccess", "PolicyArn": "arn:aws:iam::aws:policy/AmazonBedrockFullAccess"}
    ]
    # Each account sees only its own roles.
    roles_a = [r["RoleName"] for r in cli_json(sekisho, "iam", "list-roles")["Roles"]]
    assert "CrossAccountBedrockInvokerRole" in roles_a and "CrossAccountBedrockExecutionRole" not in roles_a


def test_seed_000_trust_in_a_role_that_does_not_exist_is_refused(sekisho):
    trust = SEED_000_EXECUTION_TRUST.replace("CrossAccountBedrockInvokerRole", "NoSuchInvokerRole")
    out = sekisho.aws("iam", "create-role", "--role-name", "NeverCreated", "--assume-role-policy-document", trust,
                      account=ACCOUNT_B, check=False)
    assert out.returncode != 0
    assert "MalformedPolicyDocument" in out.stderr
    assert (f'Invalid principal in policy: "AWS":"arn:aws:iam::{ACCOUNT_A}:role/NoSuchInvokerRole"'
            in out.stderr)


# Seed 001: a municipality account assumes a vendor role for Bedrock (policies entered in the console).
SEED_001_VENDOR_POLICY = """{
"Version": "2012-10-17",
"Statement": [
{
"Sid": "Statement1",
"Effect": "Allow",
"Action": [
"bedrock:InvokeModel"
],
"Resource": [
"arn:aws:bedrock:ap-northeast-1::foundation-model/anthropic.claude-haiku-4-5-20251001-v1:0",
"arn:aws:bedrock:ap-northeast-3::foundation-model/anthropic.claude-haiku-4-5-20251001-v1:0",
"arn:aws:bedrock:ap-northeast-1:事業者アカウントの ID:inference-profile/jp.anthropic.claude-haiku-4-5-20251001-v1:0"
]
}
]
}""".replace("事業者アカウントの ID", ACCOUNT_B)

SEED_001_VENDOR_TRUST = """{
"Version": "2012-10-17",
"Statement": [
{
"Sid": "Statement1",
"Effect": "Allow",
"Principal": {
"AWS": "arn:aws:iam::自治体アカウントの ID:role/自治体アカウントの IAM ロール ARN"
},
"Action": "sts:AssumeRole"
}
]
}""".replace("自治体アカウントの ID", ACCOUNT_A).replace("自治体アカウントの IAM ロール ARN", "municipality-ec2-role")

SEED_001_MUNICIPALITY_POLICY = """{
"Version": "2012-10-17",
"Statement": [
{
"Sid": "Statement1",
"Effect": "Allow",
"Action": [
"sts:AssumeRole"
],
"Resource": [
"事業者アカウントに作成している IAM ロールの ARN"
]
}
]
}""".replace("事業者アカウントに作成している IAM ロールの ARN", f"arn:aws:iam::{ACCOUNT_B}:role/vendor-bedrock-role")

EC2_TRUST = json.dumps({"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"}]})


def test_seed_001_policies(sekisho):
    # Municipality account (A): the EC2 role that assumes the vendor role.
    sekisho.aws("iam", "create-role", "--role-name", "municipality-ec2-role", "--assume-role-policy-document", EC2_TRUST)
    policy = cli_json(sekisho, "iam", "create-policy", "--policy-name", "assume-vendor-role",
                      "--policy-document", SEED_001_MUNICIPALITY_POLICY)["Policy"]
    assert policy["Arn"] == f"arn:aws:iam::{ACCOUNT_A}:policy/assume-vendor-role"
    assert policy["DefaultVersionId"] == "v1" and policy["PolicyId"].startswith("ANPA")
    for arn in [policy["Arn"], "arn:aws:iam::aws:policy/AmazonBedrockLimitedAccess"]:
        sekisho.aws("iam", "attach-role-policy", "--role-name", "municipality-ec2-role", "--policy-arn", arn)
    profile = cli_json(sekisho, "iam", "create-instance-profile", "--instance-profile-name", "municipality-ec2")
    assert profile["InstanceProfile"]["InstanceProfileId"].startswith("AIPA")
    sekisho.aws("iam", "add-role-to-instance-profile", "--instance-profile-name", "municipality-ec2",
                "--role-name", "municipality-ec2-role")

    # Vendor account (B): the role the municipality assumes.
    sekisho.aws("iam", "create-role", "--role-name", "vendor-bedrock-role",
                "--assume-role-policy-document", SEED_001_VENDOR_TRUST, account=ACCOUNT_B)
    vendor = cli_json(sekisho, "iam", "create-policy", "--policy-name", "claude-haiku-jp",
                      "--policy-document", SEED_001_VENDOR_POLICY, account=ACCOUNT_B)["Policy"]
    for arn in [vendor["Arn"], "arn:aws:iam::aws:policy/AmazonBedrockLimitedAccess",
                "arn:aws:iam::aws:policy/AWSMarketplaceRead-only",
                "arn:aws:iam::aws:policy/AWSCodeArtifactReadOnlyAccess"]:
        sekisho.aws("iam", "attach-role-policy", "--role-name", "vendor-bedrock-role", "--policy-arn", arn,
                    account=ACCOUNT_B)
    # The CodeArtifact policy was only needed to install boto3.
    sekisho.aws("iam", "detach-role-policy", "--role-name", "vendor-bedrock-role", "--policy-arn",
                "arn:aws:iam::aws:policy/AWSCodeArtifactReadOnlyAccess", account=ACCOUNT_B)
    attached = cli_json(sekisho, "iam", "list-attached-role-policies", "--role-name", "vendor-bedrock-role",
                        account=ACCOUNT_B)["AttachedPolicies"]
    assert [p["PolicyName"] for p in attached] == ["claude-haiku-jp", "AmazonBedrockLimitedAccess",
                                                   "AWSMarketplaceRead-only"]
    version = cli_json(sekisho, "iam", "get-policy-version", "--policy-arn", vendor["Arn"], "--version-id", "v1",
                       account=ACCOUNT_B)["PolicyVersion"]
    assert version["Document"] == json.loads(SEED_001_VENDOR_POLICY) and version["IsDefaultVersion"] is True


def test_seed_002_policies(sekisho):
    sekisho.aws("iam", "create-role", "--role-name", "operator-statemachine-iam-role",
                "--assume-role-policy-document", STATES_TRUST)
    # The article's operator policy is not valid JSON: IAM refuses it as AWS does.
    out = sekisho.aws("iam", "put-role-policy", "--role-name", "operator-statemachine-iam-role",
                      "--policy-name", "operator", "--policy-document", SEED_002_OPERATOR_PERMISSIONS, check=False)
    assert out.returncode != 0
    assert "MalformedPolicyDocument" in out.stderr and "Syntax errors in policy." in out.stderr
    fixed = SEED_002_OPERATOR_PERMISSIONS.replace("        },\n}", "        }\n    ]\n}")
    sekisho.aws("iam", "put-role-policy", "--role-name", "operator-statemachine-iam-role",
                "--policy-name", "operator", "--policy-document", fixed)

    sekisho.aws("iam", "create-role", "--role-name", "subject-statemachine-execute-role",
                "--assume-role-policy-document", SEED_002_SUBJECT_TRUST, account=ACCOUNT_B)
    sekisho.aws("iam", "put-role-policy", "--role-name", "subject-statemachine-execute-role",
                "--policy-name", "execute-subject", "--policy-document", SEED_002_SUBJECT_PERMISSIONS,
                account=ACCOUNT_B)
    role = cli_json(sekisho, "iam", "get-role", "--role-name", "subject-statemachine-execute-role",
                    account=ACCOUNT_B)["Role"]
    condition = role["AssumeRolePolicyDocument"]["Statement"][0]["Condition"]
    assert condition == {"StringEquals": {
        "sts:ExternalId": f"arn:aws:states:ap-northeast-1:{ACCOUNT_A}:stateMachine:operator-statemachine"}}


def test_seed_003_external_role(sekisho):
    """The CloudFormation template's role, made with the CLI: trust in the source account id, ReadOnlyAccess."""
    trust = json.dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": "sts:AssumeRole", "Principal": {"AWS": ACCOUNT_A}}]})
    sekisho.aws("iam", "create-role", "--role-name", "seed3-external-role", "--assume-role-policy-document", trust,
                account=ACCOUNT_B)
    sekisho.aws("iam", "attach-role-policy", "--role-name", "seed3-external-role",
                "--policy-arn", "arn:aws:iam::aws:policy/ReadOnlyAccess", account=ACCOUNT_B)
    policy = cli_json(sekisho, "iam", "get-policy", "--policy-arn", "arn:aws:iam::aws:policy/ReadOnlyAccess",
                      account=ACCOUNT_B)["Policy"]
    assert policy["AttachmentCount"] == 1 and policy["Path"] == "/" and policy["IsAttachable"] is True
