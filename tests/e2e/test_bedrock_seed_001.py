"""Seed 001 end to end: the municipality account's role assumes the vendor account's Bedrock role and calls
Converse with `jp.anthropic.claude-haiku-4-5-20251001-v1:0` in Tokyo. The article's script runs as printed
(only the role ARN placeholder and the STS endpoint are filled in; credentials and the Bedrock endpoint come
from the environment). The IAM set-up uses the article's policies with the AWS CLI.

Needs IAM and STS AssumeRole; the module is skipped while sekisho does not serve them."""

import json
import os
import subprocess
import sys
import urllib.request

import botocore.exceptions
import pytest

from conftest import ACCOUNT_A, ACCOUNT_B, start, stop

MUNICIPALITY, VENDOR = ACCOUNT_A, ACCOUNT_B
TOKYO = "ap-northeast-1"
JP_HAIKU = "jp.anthropic.claude-haiku-4-5-20251001-v1:0"
SCRIPT = os.path.join(os.path.dirname(__file__), "..", "fixtures", "bedrock", "seed_001_converse.py")
OSAKA_ROUTING = '[bedrock.routing.profiles]\n"jp.anthropic.claude-haiku-4-5-20251001-v1:0" = "ap-northeast-3"\n'

# The vendor role's permission policy, as the article prints it (account id filled in).
VENDOR_POLICY = """{
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
}""".replace("事業者アカウントの ID", VENDOR)
VENDOR_POLICY_WITHOUT_OSAKA = "\n".join(l for l in VENDOR_POLICY.splitlines() if "ap-northeast-3" not in l)

VENDOR_TRUST = """{
"Version": "2012-10-17",
"Statement": [
{
"Sid": "Statement1",
"Effect": "Allow",
"Principal": {
"AWS": "arn:aws:iam::自治体アカウントの ID:role/municipality-ec2-role"
},
"Action": "sts:AssumeRole"
}
]
}""".replace("自治体アカウントの ID", MUNICIPALITY)

MUNICIPALITY_POLICY = json.dumps({"Version": "2012-10-17", "Statement": [{
    "Sid": "Statement1", "Effect": "Allow", "Action": ["sts:AssumeRole"], "Resource": ["arn:aws:iam::*:role/vendor-*"]}]})
# The EC2 instance's role; the tests take its session through an IAM user of the account.
MUNICIPALITY_TRUST = json.dumps({"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"},
    {"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{MUNICIPALITY}:root"}, "Action": "sts:AssumeRole"}]})

LIMITED = "arn:aws:iam::aws:policy/AmazonBedrockLimitedAccess"
MARKETPLACE_READ = "arn:aws:iam::aws:policy/AWSMarketplaceRead-only"


def serves_iam(server):
    """False only when sekisho says it does not implement IAM; any other error fails the test."""
    try:
        server.client("iam").list_roles()
        return True
    except botocore.exceptions.ClientError as e:
        if e.response["Error"]["Code"] == "NotImplemented":
            return False
        raise


def vendor_role(server, name, policy=VENDOR_POLICY, managed=(LIMITED, MARKETPLACE_READ)):
    server.aws("iam", "create-role", "--role-name", name, "--assume-role-policy-document", VENDOR_TRUST, account=VENDOR)
    server.aws("iam", "put-role-policy", "--role-name", name, "--policy-name", "bedrock-invoke",
               "--policy-document", policy, account=VENDOR)
    for arn in managed:
        server.aws("iam", "attach-role-policy", "--role-name", name, "--policy-arn", arn, account=VENDOR)
    return f"arn:aws:iam::{VENDOR}:role/{name}"


def municipality_session(server):
    """The municipality's role (created first: IAM refuses a trust policy naming a role that does not exist)."""
    iam = server.client("iam", access_key=MUNICIPALITY)
    iam.create_role(RoleName="municipality-ec2-role", AssumeRolePolicyDocument=MUNICIPALITY_TRUST)
    iam.put_role_policy(RoleName="municipality-ec2-role", PolicyName="assume-vendor", PolicyDocument=MUNICIPALITY_POLICY)
    iam.attach_role_policy(RoleName="municipality-ec2-role", PolicyArn=LIMITED)
    # The instance's credentials, obtained through an IAM user (AWS does not let the root user assume roles).
    iam.create_user(UserName="instance-stand-in")
    iam.put_user_policy(UserName="instance-stand-in", PolicyName="assume-municipality-role", PolicyDocument=json.dumps(
        {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole",
                                                 "Resource": f"arn:aws:iam::{MUNICIPALITY}:role/municipality-ec2-role"}]}))
    key = iam.create_access_key(UserName="instance-stand-in")["AccessKey"]
    sts = server.client("sts", access_key=key["AccessKeyId"], secret=key["SecretAccessKey"], region=TOKYO)
    return sts.assume_role(RoleArn=f"arn:aws:iam::{MUNICIPALITY}:role/municipality-ec2-role",
                           RoleSessionName="i-0123456789abcdef0")["Credentials"]


def submit_use_case(server):
    form = json.dumps({"companyName": "vendor", "intendedUsers": "0", "useCases": "government cloud"}).encode()
    server.client("bedrock", access_key=VENDOR, region=TOKYO).put_use_case_for_model_access(formData=form)


def run_script(server, creds, role_arn):
    """The article's script with the role ARN filled in and the STS endpoint pointed at sekisho."""
    text = open(SCRIPT, encoding="utf-8").read()
    text = text.replace("事業者アカウントの IAM ロールの ARN", role_arn)
    text = text.replace("https://sts.ap-northeast-1.amazonaws.com", server.endpoint)
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update(AWS_ACCESS_KEY_ID=creds["AccessKeyId"], AWS_SECRET_ACCESS_KEY=creds["SecretAccessKey"],
               AWS_SESSION_TOKEN=creds["SessionToken"], AWS_ENDPOINT_URL=server.endpoint,
               AWS_CONFIG_FILE=os.devnull, AWS_SHARED_CREDENTIALS_FILE=os.devnull)
    return subprocess.run([sys.executable, "-c", text], env=env, capture_output=True, text=True, timeout=60)


def converse_checks(server):
    """The resources of the last Converse's checks, from the decision log."""
    with urllib.request.urlopen(server.endpoint + "/_sekisho/decisions?limit=50") as r:
        records = json.load(r)["decisions"]
    last = [d for d in records if d["operation"] == "Converse"][-1]
    return last["outcome"], [c["resource"] for c in last["checks"]]


@pytest.fixture
def fresh():
    def make(config=None):
        server = start(config=config)
        servers.append(server)
        if not serves_iam(server):
            pytest.skip("sekisho does not serve IAM and STS AssumeRole yet")
        return server
    servers = []
    yield make
    for s in servers:
        stop(s)


def test_script_runs_verbatim_and_gets_a_converse_response(fresh):
    server = fresh()
    creds = municipality_session(server)
    role = vendor_role(server, "vendor-bedrock-role")
    submit_use_case(server)
    result = run_script(server, creds, role)
    assert result.returncode == 0, result.stderr
    assert "'stopReason': 'end_turn'" in result.stdout
    assert "'role': 'assistant'" in result.stdout and "こんにちは" in result.stdout
    assert "'inputTokens': 8" in result.stdout
    outcome, resources = converse_checks(server)
    assert outcome == "Succeeded"
    assert resources == [
        f"arn:aws:bedrock:ap-northeast-1:{VENDOR}:inference-profile/{JP_HAIKU}",
        "arn:aws:bedrock:ap-northeast-1::foundation-model/anthropic.claude-haiku-4-5-20251001-v1:0",
    ]


def test_before_the_use_case_form_the_anthropic_model_is_refused(fresh):
    server = fresh()
    creds = municipality_session(server)
    role = vendor_role(server, "vendor-bedrock-role")
    result = run_script(server, creds, role)
    assert result.returncode != 0
    assert ("An error occurred (AccessDeniedException) when calling the Converse operation: Model use case details "
            "have not been submitted for this account. Fill out the Anthropic use case details form before using the "
            "model. If you have already filled out the form, try again in 15 minutes.") in result.stderr


def test_without_marketplace_permissions_the_first_call_fails(fresh):
    server = fresh()
    creds = municipality_session(server)
    role = vendor_role(server, "vendor-bedrock-role", managed=())
    submit_use_case(server)
    result = run_script(server, creds, role)
    assert result.returncode != 0
    assert ("An error occurred (AccessDeniedException) when calling the Converse operation: Model access is denied "
            "due to IAM user or service role is not authorized to perform the required AWS Marketplace actions "
            "(aws-marketplace:ViewSubscriptions, aws-marketplace:Subscribe) to enable access to this model.") in result.stderr
    # The article's fix: the managed policies; Bedrock then subscribes the account on the caller's behalf.
    for arn in (LIMITED, MARKETPLACE_READ):
        server.aws("iam", "attach-role-policy", "--role-name", "vendor-bedrock-role", "--policy-arn", arn, account=VENDOR)
    assert run_script(server, creds, role).returncode == 0


def test_routed_to_osaka_without_the_osaka_arn_is_denied(fresh):
    server = fresh(config=OSAKA_ROUTING)
    creds = municipality_session(server)
    full = vendor_role(server, "vendor-bedrock-role")
    submit_use_case(server)
    first = run_script(server, creds, full)
    assert first.returncode == 0, first.stderr
    outcome, resources = converse_checks(server)
    assert resources[-1] == "arn:aws:bedrock:ap-northeast-3::foundation-model/anthropic.claude-haiku-4-5-20251001-v1:0"
    # The article's inline policy alone, without the Osaka model: the Osaka check is denied by IAM.
    narrow = vendor_role(server, "vendor-narrow-role", policy=VENDOR_POLICY_WITHOUT_OSAKA, managed=())
    result = run_script(server, creds, narrow)
    assert result.returncode != 0
    assert (f"An error occurred (AccessDeniedException) when calling the Converse operation: User: "
            f"arn:aws:sts::{VENDOR}:assumed-role/vendor-narrow-role/assume_role_session is not authorized to perform: "
            f"bedrock:InvokeModel on resource: arn:aws:bedrock:ap-northeast-3::foundation-model/"
            f"anthropic.claude-haiku-4-5-20251001-v1:0 because no identity-based policy allows the bedrock:InvokeModel "
            f"action") in result.stderr
    # AmazonBedrockLimitedAccess allows bedrock:InvokeModel on every resource, so with it the gap does not show.
    lenient = vendor_role(server, "vendor-lenient-role", policy=VENDOR_POLICY_WITHOUT_OSAKA, managed=(LIMITED,))
    assert run_script(server, creds, lenient).returncode == 0
