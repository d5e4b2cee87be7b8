"""Hardening of authentication against the real binary: presigned URLs live at most a week, a streaming payload
hash (`STREAMING-*`) or `UNSIGNED-PAYLOAD` no longer switches off body verification, and GetSessionToken
credentials without MFA may not call IAM (nor STS beyond AssumeRole and GetCallerIdentity), as AWS rules."""

import json
import re
import urllib.error
import urllib.request

import botocore.auth
import botocore.awsrequest
import botocore.credentials
import botocore.exceptions
import pytest

from conftest import ACCOUNT_A, ROOT_SECRET
import totp


def http(method, url, body=None, headers=None):
    """(status, body text) of a raw request; errors are answers too."""
    req = urllib.request.Request(url, data=body, method=method, headers=headers or {})
    try:
        with urllib.request.urlopen(req, timeout=10) as r:
            return r.status, r.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode()


def xml_error(text):
    code = re.search(r"<Code>(.*?)</Code>", text)
    message = re.search(r"<Message>(.*?)</Message>", text, re.S)
    return (code.group(1) if code else None), (message.group(1) if message else None)


def assert_alive(sekisho):
    assert http("GET", sekisho.endpoint + "/_sekisho/health")[0] == 200


def error_of(excinfo):
    e = excinfo.value.response
    return e["Error"]["Code"], e["ResponseMetadata"]["HTTPStatusCode"], e["Error"].get("Message", "")


# ---- presigned URLs: X-Amz-Expires ----

WEEK_MESSAGE = ("X-Amz-Expires must be less than a week (in seconds); that is, the given X-Amz-Expires must be "
                "less than 604800 seconds")


def test_presigned_url_for_more_than_a_week_is_refused(sekisho):
    sts = sekisho.client("sts")
    week = sts.generate_presigned_url("get_caller_identity", ExpiresIn=604800, HttpMethod="GET")
    status, body = http("GET", week)
    assert status == 200 and f"<Account>{ACCOUNT_A}</Account>" in body, body

    over = sts.generate_presigned_url("get_caller_identity", ExpiresIn=604801, HttpMethod="GET")
    assert "X-Amz-Expires=604801" in over
    status, body = http("GET", over)
    assert (status, xml_error(body)) == (400, ("AuthorizationQueryParametersError", WEEK_MESSAGE)), body
    for value, message in [("-5", "X-Amz-Expires must be non-negative"), ("abc", "X-Amz-Expires should be a number"),
                           ("9223372036854775807", WEEK_MESSAGE)]:
        status, body = http("GET", week.replace("X-Amz-Expires=604800", f"X-Amz-Expires={value}"))
        assert (status, xml_error(body)) == (400, ("AuthorizationQueryParametersError", message)), value
    assert_alive(sekisho)


# ---- payload hash stand-ins ----

def signed_post(sekisho, body, content_sha256=None):
    """A GetCallerIdentity POST signed by botocore; with `content_sha256` the signature covers that value in
    place of the body's hash, as S3 clients do."""
    headers = {"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"}
    if content_sha256:
        headers["X-Amz-Content-SHA256"] = content_sha256
    request = botocore.awsrequest.AWSRequest(method="POST", url=sekisho.endpoint + "/", data=body, headers=headers)
    credentials = botocore.credentials.Credentials(ACCOUNT_A, ROOT_SECRET)
    botocore.auth.SigV4Auth(credentials, "sts", "us-east-1").add_auth(request)
    return dict(request.headers.items())


CALLER_IDENTITY = b"Action=GetCallerIdentity&Version=2011-06-15"
SESSION_TOKEN = b"Action=GetSessionToken&Version=2011-06-15"


def test_a_swapped_body_is_refused_whatever_the_payload_hash_says(sekisho):
    url = sekisho.endpoint + "/"
    # The harness itself: a body signed by its hash passes, the same signature over another body does not.
    headers = signed_post(sekisho, CALLER_IDENTITY)
    assert http("POST", url, CALLER_IDENTITY, headers)[0] == 200
    status, body = http("POST", url, SESSION_TOKEN, headers)
    assert (status, xml_error(body)[0]) == (403, "SignatureDoesNotMatch"), body

    for stand_in in ["STREAMING-AWS4-HMAC-SHA256-PAYLOAD", "STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER",
                     "STREAMING-UNSIGNED-PAYLOAD-TRAILER", "UNSIGNED-PAYLOAD"]:
        headers = signed_post(sekisho, CALLER_IDENTITY, stand_in)
        # Once accepted: the signature skipped the body, so any other operation could be sent under it.
        status, body = http("POST", url, SESSION_TOKEN, headers)
        assert (status, xml_error(body)[0]) == (403, "SignatureDoesNotMatch"), (stand_in, body)
        assert "<SessionToken>" not in body
        # STS takes no stand-in at all (only S3 does), even over the body that was sent.
        status, body = http("POST", url, CALLER_IDENTITY, headers)
        assert (status, xml_error(body)[0]) == (403, "SignatureDoesNotMatch"), (stand_in, body)
    assert_alive(sekisho)


# ---- GetSessionToken credentials ----

TRUST_ACCOUNT_A = json.dumps({"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT_A}:root"}, "Action": "sts:AssumeRole"}]})


@pytest.fixture(scope="module")
def admin_keys(sekisho):
    iam = sekisho.client("iam")
    iam.create_user(UserName="mfa-admin")
    iam.attach_user_policy(UserName="mfa-admin", PolicyArn="arn:aws:iam::aws:policy/AdministratorAccess")
    iam.create_role(RoleName="hardening-role", AssumeRolePolicyDocument=TRUST_ACCOUNT_A)
    key = iam.create_access_key(UserName="mfa-admin")["AccessKey"]
    device = iam.create_virtual_mfa_device(VirtualMFADeviceName="mfa-admin")["VirtualMFADevice"]
    totp.enable(iam, "mfa-admin", device["Base32StringSeed"], device["SerialNumber"])
    return key["AccessKeyId"], key["SecretAccessKey"], device["Base32StringSeed"]


def session_clients(sekisho, admin_keys, **mfa):
    sts = sekisho.client("sts", access_key=admin_keys[0], secret=admin_keys[1])
    c = sts.get_session_token(**mfa)["Credentials"]
    as_session = dict(access_key=c["AccessKeyId"], secret=c["SecretAccessKey"], token=c["SessionToken"])
    return sekisho.client("iam", **as_session), sekisho.client("sts", **as_session)


def test_session_token_without_mfa_may_not_call_iam(sekisho, admin_keys):
    iam, sts = session_clients(sekisho, admin_keys)
    with pytest.raises(botocore.exceptions.ClientError) as e:
        iam.list_users()
    assert error_of(e) == ("InvalidClientTokenId", 403, "The security token included in the request is invalid")
    # STS: AssumeRole and GetCallerIdentity only.
    assert sts.get_caller_identity()["Arn"] == f"arn:aws:iam::{ACCOUNT_A}:user/mfa-admin"
    assumed = sts.assume_role(RoleArn=f"arn:aws:iam::{ACCOUNT_A}:role/hardening-role", RoleSessionName="s1")
    assert assumed["AssumedRoleUser"]["Arn"] == f"arn:aws:sts::{ACCOUNT_A}:assumed-role/hardening-role/s1"
    for call, name in [(lambda: sts.get_access_key_info(AccessKeyId=admin_keys[0]), "GetAccessKeyInfo"),
                       (lambda: sts.get_session_token(), "GetSessionToken")]:
        with pytest.raises(botocore.exceptions.ClientError) as e:
            call()
        assert error_of(e) == ("AccessDenied", 403, f"Cannot call {name} with session credentials")
    assert_alive(sekisho)


def test_session_token_with_mfa_may_call_iam(sekisho, admin_keys):
    iam, sts = session_clients(sekisho, admin_keys, SerialNumber=f"arn:aws:iam::{ACCOUNT_A}:mfa/mfa-admin",
                               TokenCode=totp.code(admin_keys[2], totp.step_now()))
    assert "mfa-admin" in [u["UserName"] for u in iam.list_users()["Users"]]
    with pytest.raises(botocore.exceptions.ClientError) as e:
        sts.get_access_key_info(AccessKeyId=admin_keys[0])
    assert error_of(e)[:2] == ("AccessDenied", 403)
    assert_alive(sekisho)
