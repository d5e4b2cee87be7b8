#!/usr/bin/env python3
"""Load driver: AssumeRoleWithWebIdentity/s (a GitHub Actions-shaped token from the local issuer, RS256-verified
on every request, trust policy on `token.actions.githubusercontent.com:sub`) against signed GetCallerIdentity/s.

Each worker process keeps one HTTP/1.1 connection open. AssumeRoleWithWebIdentity is sent unsigned, as SDKs
send it; the figure includes parsing and verifying the JWT twice (authorization and handler), the trust
policy, and issuing the session.

    scripts/bench/web_identity.py                       # builds and starts target/release/sekisho itself
    scripts/bench/web_identity.py --endpoint http://127.0.0.1:4566 --seconds 10 --workers 4

Run it from the project's virtualenv (.venv, created by scripts/test) or any Python with boto3.
"""

import argparse
import json
import os
import urllib.parse
import urllib.request

import boto3

from sts_load import ACCOUNT_A, ACCOUNT_B, SECRET, run, start_sekisho

GITHUB = "token.actions.githubusercontent.com"


def setup(endpoint):
    """A deploy role in B trusting GitHub jobs of octo/app on main; a token for such a job, valid an hour."""
    iam = boto3.client("iam", endpoint_url=endpoint, region_name="us-east-1",
                       aws_access_key_id=ACCOUNT_B, aws_secret_access_key=SECRET)
    provider = f"arn:aws:iam::{ACCOUNT_B}:oidc-provider/{GITHUB}"
    if provider not in [p["Arn"] for p in iam.list_open_id_connect_providers()["OpenIDConnectProviderList"]]:
        iam.create_open_id_connect_provider(Url=f"https://{GITHUB}", ClientIDList=["sts.amazonaws.com"],
                                            ThumbprintList=["6938fd4d98bab03faadb97b34396831e3780aea1"])
    trust = {"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Principal": {"Federated": provider}, "Action": "sts:AssumeRoleWithWebIdentity",
        "Condition": {"StringEquals": {f"{GITHUB}:aud": "sts.amazonaws.com"},
                      "StringLike": {f"{GITHUB}:sub": "repo:octo/app:ref:refs/heads/main"}}}]}
    try:
        iam.create_role(RoleName="bench-gha-deploy", AssumeRolePolicyDocument=json.dumps(trust))
    except iam.exceptions.EntityAlreadyExistsException:
        pass
    req = urllib.request.Request(
        f"{endpoint}/_sekisho/oidc/token", method="POST", headers={"Content-Type": "application/json"},
        data=json.dumps({"github": {"repository": "octo/app", "ref": "refs/heads/main"}, "expires_in": 3600}).encode())
    with urllib.request.urlopen(req, timeout=60) as resp:
        return json.loads(resp.read())["token"]


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--endpoint", help="a running sekisho; default: build and start target/release/sekisho")
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--workers", type=int, default=max(1, os.cpu_count() or 1))
    args = parser.parse_args()
    proc = None
    endpoint = args.endpoint
    if endpoint is None:
        proc, endpoint = start_sekisho()
    try:
        token = setup(endpoint)
        identity = run("GetCallerIdentity", endpoint, "Action=GetCallerIdentity&Version=2011-06-15",
                       (ACCOUNT_A, SECRET, None), args.seconds, args.workers)
        body = urllib.parse.urlencode({
            "Action": "AssumeRoleWithWebIdentity", "Version": "2011-06-15",
            "RoleArn": f"arn:aws:iam::{ACCOUNT_B}:role/bench-gha-deploy",
            "RoleSessionName": "ci", "WebIdentityToken": token})
        web = run("AssumeRoleWithWebId", endpoint, body, None, args.seconds, args.workers)
        if identity:
            print(f"AssumeRoleWithWebIdentity costs {identity / web if web else float('inf'):.1f}x a GetCallerIdentity")
    finally:
        if proc is not None:
            proc.terminate()
            proc.wait(timeout=10)


if __name__ == "__main__":
    main()
