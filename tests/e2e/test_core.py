"""The core promise: real clients reach sekisho unchanged, every request is authenticated for real, and bad
input gets AWS's errors, never a 500."""

import json
import signal
import subprocess
import urllib.request

import botocore.exceptions
import pytest
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

from conftest import ACCOUNT_A, ACCOUNT_B, start


def error_of(excinfo):
    e = excinfo.value.response
    return e["Error"]["Code"], e["ResponseMetadata"]["HTTPStatusCode"], e["Error"].get("Message", "")


def test_health(sekisho):
    with urllib.request.urlopen(sekisho.endpoint + "/_sekisho/health") as r:
        body = json.load(r)
    assert r.status == 200
    assert body["status"] == "ok" and "version" in body and body["uptimeSeconds"] >= 0


@pytest.mark.parametrize("account", [ACCOUNT_A, ACCOUNT_B])
def test_boto3_get_caller_identity_as_root(sekisho, account):
    sts = sekisho.client("sts", access_key=account)
    me = sts.get_caller_identity()
    assert me["Account"] == account
    assert me["Arn"] == f"arn:aws:iam::{account}:root"
    assert me["UserId"] == account
    assert me["ResponseMetadata"]["RequestId"]


@pytest.mark.parametrize("account", [ACCOUNT_A, ACCOUNT_B])
def test_cli_get_caller_identity_as_root(sekisho, account):
    out = sekisho.aws("sts", "get-caller-identity", account=account)
    me = json.loads(out.stdout)
    assert me["Arn"] == f"arn:aws:iam::{account}:root"
    assert me["Account"] == account


def test_cli_with_profiles_from_sekisho_profiles(sekisho, tmp_path):
    import os, sys

    binary = os.environ["SEKISHO_BIN"]
    text = subprocess.run(
        [binary, "profiles", ACCOUNT_A, ACCOUNT_B, "--endpoint", sekisho.endpoint],
        capture_output=True, text=True, check=True,
    ).stdout
    marker = text.index("# Append to ~/.aws/credentials")
    config, credentials = text[:marker], text[marker:]
    (tmp_path / "config").write_text(config)
    (tmp_path / "credentials").write_text(credentials)
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update(AWS_CONFIG_FILE=str(tmp_path / "config"), AWS_SHARED_CREDENTIALS_FILE=str(tmp_path / "credentials"))
    aws = os.path.join(os.path.dirname(sys.executable), "aws")
    out = subprocess.run(
        [aws, "--profile", f"sekisho-{ACCOUNT_B}", "sts", "get-caller-identity"],
        env=env, capture_output=True, text=True, check=True,
    )
    assert json.loads(out.stdout)["Account"] == ACCOUNT_B


def test_wrong_secret_is_signature_does_not_match(sekisho):
    sts = sekisho.client("sts", secret="not-the-secret")
    with pytest.raises(botocore.exceptions.ClientError) as e:
        sts.get_caller_identity()
    code, status, message = error_of(e)
    assert (code, status) == ("SignatureDoesNotMatch", 403)
    assert message.startswith("The request signature we calculated does not match the signature you provided.")


def test_unknown_key_is_invalid_client_token_id(sekisho):
    sts = sekisho.client("sts", access_key="AKIAIOSFODNN7EXAMPLE")
    with pytest.raises(botocore.exceptions.ClientError) as e:
        sts.get_caller_identity()
    assert error_of(e) == ("InvalidClientTokenId", 403, "The security token included in the request is invalid.")


def test_cli_reports_the_same_errors(sekisho):
    out = sekisho.aws("sts", "get-caller-identity", secret="wrong", check=False)
    assert out.returncode != 0
    assert "SignatureDoesNotMatch" in out.stderr


def signed_request(endpoint, service, region, body, headers, account=ACCOUNT_A, secret="test", amz_date=None,
                   method="POST", path="/"):
    if isinstance(body, str):
        body = body.encode()
    req = AWSRequest(method=method, url=endpoint + path, data=body, headers=headers)
    auth = SigV4Auth(Credentials(account, secret), service, region)
    if amz_date is not None:
        import datetime
        from unittest import mock

        fixed = datetime.datetime.strptime(amz_date, "%Y%m%dT%H%M%SZ")
        with mock.patch("botocore.auth.get_current_datetime", return_value=fixed):
            auth.add_auth(req)
    else:
        auth.add_auth(req)
    prepared = req.prepare()
    r = urllib.request.Request(prepared.url, data=prepared.body, method=method, headers=dict(prepared.headers))
    try:
        with urllib.request.urlopen(r) as resp:
            return resp.status, {k.lower(): v for k, v in resp.headers.items()}, resp.read()
    except urllib.error.HTTPError as e:
        return e.code, {k.lower(): v for k, v in e.headers.items()}, e.read()


def test_date_twenty_minutes_off_is_rejected_as_aws_does(sekisho):
    import datetime

    off = (datetime.datetime.now(datetime.timezone.utc) - datetime.timedelta(minutes=20)).strftime("%Y%m%dT%H%M%SZ")
    status, _, body = signed_request(
        sekisho.endpoint, "sts", "us-east-1", "Action=GetCallerIdentity&Version=2011-06-15",
        {"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"}, amz_date=off,
    )
    assert status == 403
    text = body.decode()
    assert "<Code>SignatureDoesNotMatch</Code>" in text
    assert f"Signature expired: {off} is now earlier than" in text and "- 5 min.)" in text


@pytest.mark.parametrize(
    "service,target,content_type",
    [("states", "AWSStepFunctions.NoSuchOperation", "application/x-amz-json-1.0"),
     ("logs", "Logs_20140328.NoSuchOperation", "application/x-amz-json-1.1")],
)
def test_unknown_json_operation(sekisho, service, target, content_type):
    status, headers, body = signed_request(
        sekisho.endpoint, service, "us-east-1", "{}", {"Content-Type": content_type, "X-Amz-Target": target}
    )
    assert status == 400
    assert json.loads(body)["__type"].endswith("UnknownOperationException")


def test_unknown_rest_json_operation(sekisho):
    status, headers, body = signed_request(
        sekisho.endpoint, "lambda", "us-east-1", b"", {}, method="GET", path="/2015-03-31/no-such-thing"
    )
    assert 400 <= status < 500
    assert headers.get("x-amzn-errortype", "").startswith("UnknownOperationException")


@pytest.mark.parametrize(
    "body,headers",
    [
        (b"Action=GetCallerIdentity&Version=2011-06-15&%zz", {"Content-Type": "application/x-www-form-urlencoded"}),
        (b"\xff\xfe\xfd", {"Content-Type": "application/x-www-form-urlencoded"}),
        (b"{not json", {"Content-Type": "application/x-amz-json-1.0", "X-Amz-Target": "AWSStepFunctions.ListStateMachines"}),
        (b"\xff\xfe", {"Content-Type": "application/x-amz-json-1.0", "X-Amz-Target": "AWSStepFunctions.ListStateMachines"}),
        (b"Action=NoSuchAction&Version=2011-06-15", {"Content-Type": "application/x-www-form-urlencoded"}),
    ],
)
def test_bad_input_gets_an_aws_shaped_4xx(sekisho, body, headers):
    service = "states" if "X-Amz-Target" in headers else "sts"
    status, resp_headers, payload = signed_request(sekisho.endpoint, service, "us-east-1", body, headers)
    assert 400 <= status < 500, (status, payload)
    if service == "sts":
        assert b"<ErrorResponse" in payload and b"<Code>" in payload
    else:
        assert "__type" in json.loads(payload)


def test_missing_authentication(sekisho):
    r = urllib.request.Request(
        sekisho.endpoint + "/", data=b"Action=GetCallerIdentity&Version=2011-06-15", method="POST",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    with pytest.raises(urllib.error.HTTPError) as e:
        urllib.request.urlopen(r)
    assert e.value.code == 403
    assert b"<Code>MissingAuthenticationToken</Code>" in e.value.read()


def test_sigterm_shuts_down_cleanly():
    server = start()
    server.proc.send_signal(signal.SIGTERM)
    assert server.proc.wait(timeout=10) == 0


def test_sigint_shuts_down_cleanly():
    server = start()
    server.proc.send_signal(signal.SIGINT)
    assert server.proc.wait(timeout=10) == 0
