#!/usr/bin/env python3
"""Load driver: signed STS AssumeRole/s against signed GetCallerIdentity/s on one sekisho.

Each worker process keeps one HTTP/1.1 connection open and sends requests signed with SigV4 by botocore
(re-signed every few seconds, well inside SigV4's five-minute window), so the figures measure sekisho's
request path: authentication, decoding, the door's policy evaluation, the handler and the response.

    scripts/bench/sts_load.py                       # builds and starts target/release/sekisho itself
    scripts/bench/sts_load.py --endpoint http://127.0.0.1:4566 --seconds 10 --workers 4

Run it from the project's virtualenv (.venv, created by scripts/test) or any Python with boto3.
"""

import argparse
import http.client
import json
import multiprocessing
import os
import subprocess
import sys
import time
import urllib.parse

import boto3
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

ACCOUNT_A = "111111111111"
ACCOUNT_B = "222222222222"
SECRET = "test"


def signed(endpoint, body, access_key=None, secret=None, token=None):
    """(path, headers, body) of an STS query request signed now (unsigned without a key, as SDKs send
    AssumeRoleWithWebIdentity)."""
    if access_key is None:
        return "/", {"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"}, body.encode()
    req = AWSRequest(method="POST", url=endpoint + "/", data=body.encode(),
                     headers={"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"})
    SigV4Auth(Credentials(access_key, secret, token), "sts", "us-east-1").add_auth(req)
    prepared = req.prepare()
    return "/", dict(prepared.headers), prepared.body


def worker(endpoint, body, creds, seconds, queue):
    parsed = urllib.parse.urlparse(endpoint)
    conn = http.client.HTTPConnection(parsed.hostname, parsed.port, timeout=30)
    ok = failed = 0
    deadline = time.monotonic() + seconds
    path, headers, payload = signed(endpoint, body, *(creds or ()))
    signed_at = time.monotonic()
    while time.monotonic() < deadline:
        if time.monotonic() - signed_at > 5:
            path, headers, payload = signed(endpoint, body, *(creds or ()))
            signed_at = time.monotonic()
        conn.request("POST", path, body=payload, headers=headers)
        resp = conn.getresponse()
        resp.read()
        if resp.status == 200:
            ok += 1
        else:
            failed += 1
    queue.put((ok, failed))


def run(name, endpoint, body, creds, seconds, workers):
    queue = multiprocessing.Queue()
    procs = [multiprocessing.Process(target=worker, args=(endpoint, body, creds, seconds, queue)) for _ in range(workers)]
    start = time.monotonic()
    for p in procs:
        p.start()
    results = [queue.get() for _ in procs]
    for p in procs:
        p.join()
    elapsed = time.monotonic() - start
    ok = sum(r[0] for r in results)
    failed = sum(r[1] for r in results)
    print(f"{name:<22} {ok / elapsed:10.0f} req/s   ({ok} ok, {failed} failed, {workers} workers, {elapsed:.1f} s)")
    return ok / elapsed


def setup(endpoint):
    """external-role in B (trusts A, ReadOnlyAccess); lambda-role in A allowed to assume it; a session of it."""
    def client(service, account):
        return boto3.client(service, endpoint_url=endpoint, region_name="us-east-1",
                            aws_access_key_id=account, aws_secret_access_key=SECRET)
    iam_a, iam_b = client("iam", ACCOUNT_A), client("iam", ACCOUNT_B)
    trust_a = json.dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Principal": {"AWS": ACCOUNT_A}, "Action": "sts:AssumeRole"}]})
    for iam, name in [(iam_b, "bench-external-role"), (iam_a, "bench-lambda-role")]:
        try:
            iam.create_role(RoleName=name, AssumeRolePolicyDocument=trust_a)
        except iam.exceptions.EntityAlreadyExistsException:
            pass
    iam_b.attach_role_policy(RoleName="bench-external-role", PolicyArn="arn:aws:iam::aws:policy/ReadOnlyAccess")
    iam_a.put_role_policy(RoleName="bench-lambda-role", PolicyName="assume", PolicyDocument=json.dumps({
        "Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Action": "sts:AssumeRole", "Resource": "arn:aws:iam::*:role/bench-external-role"}]}))
    creds = client("sts", ACCOUNT_A).assume_role(
        RoleArn=f"arn:aws:iam::{ACCOUNT_A}:role/bench-lambda-role", RoleSessionName="bench",
        DurationSeconds=3600)["Credentials"]
    return creds["AccessKeyId"], creds["SecretAccessKey"], creds["SessionToken"]


def start_sekisho():
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    subprocess.run(["cargo", "build", "--quiet", "--release", "--bin", "sekisho"], cwd=root, check=True)
    proc = subprocess.Popen([os.path.join(root, "target/release/sekisho"), "serve", "--port", "0"],
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    line = proc.stdout.readline().strip()
    if not line.startswith("sekisho listening on "):
        proc.kill()
        sys.exit(f"sekisho did not start: {line!r}")
    return proc, line[len("sekisho listening on "):]


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
        session = setup(endpoint)
        identity = run("GetCallerIdentity", endpoint, "Action=GetCallerIdentity&Version=2011-06-15",
                       (ACCOUNT_A, SECRET, None), args.seconds, args.workers)
        assume_body = urllib.parse.urlencode({
            "Action": "AssumeRole", "Version": "2011-06-15",
            "RoleArn": f"arn:aws:iam::{ACCOUNT_B}:role/bench-external-role",
            "RoleSessionName": "external-session", "DurationSeconds": "3600"})
        assume = run("AssumeRole (chained)", endpoint, assume_body, session, args.seconds, args.workers)
        if identity:
            print(f"AssumeRole costs {identity / assume if assume else float('inf'):.1f}x a GetCallerIdentity")
    finally:
        if proc is not None:
            proc.terminate()
            proc.wait(timeout=10)


if __name__ == "__main__":
    main()
