"""Start-up of a large durable world (a benchmark, not a test): builds, through the API with boto3, a data
directory holding 10,000 IAM roles, 1,000 state machines and executions whose histories add up to about
100,000 events, stops sekisho, and measures the restart: time from exec to the ready line, time to the first
answered call, and the resident memory then. Also reports how long building the world took (every mutating
call durable before its answer).

Usage: .venv/bin/python scripts/bench/persist_world.py [SEKISHO_BIN] [roles] [machines] [states per machine]
(defaults: target/release/sekisho, 10000, 1000, 48; a 48-state Pass chain gives 98 events per execution, one
execution per machine; say which build the figures are from)."""

import concurrent.futures
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time

import boto3
import botocore.config

BIN = sys.argv[1] if len(sys.argv) > 1 else "target/release/sekisho"
ROLES = int(sys.argv[2]) if len(sys.argv) > 2 else 10_000
MACHINES = int(sys.argv[3]) if len(sys.argv) > 3 else 1_000
STATES = int(sys.argv[4]) if len(sys.argv) > 4 else 48
WORKERS = 16
TRUST = json.dumps({"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Principal": {"Service": "states.amazonaws.com"}, "Action": "sts:AssumeRole"}]})


def start(data_dir):
    began = time.perf_counter()
    proc = subprocess.Popen([BIN, "serve", "--port", "0", "--data-dir", data_dir], stdout=subprocess.PIPE, text=True)
    line = proc.stdout.readline().strip()
    ready = time.perf_counter() - began
    if not line.startswith("sekisho listening on "):
        proc.kill()
        raise SystemExit(f"sekisho did not start: {line!r}")
    return proc, line.rsplit(" ", 1)[-1], ready


def clients(endpoint):
    session = boto3.session.Session(aws_access_key_id="111111111111", aws_secret_access_key="test",
                                    region_name="us-east-1")
    cfg = botocore.config.Config(retries={"max_attempts": 1}, max_pool_connections=WORKERS)
    return session.client("iam", endpoint_url=endpoint, config=cfg), session.client(
        "stepfunctions", endpoint_url=endpoint, config=cfg)


def rss_mb(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def chain(n):
    states = {f"P{i}": {"Type": "Pass", **({"Next": f"P{i + 1}"} if i + 1 < n else {"End": True})} for i in range(n)}
    return json.dumps({"StartAt": "P0", "States": states})


def main():
    data_dir = tempfile.mkdtemp(prefix="sekisho-bench-")
    try:
        proc, endpoint, _ = start(data_dir)
        iam, sfn = clients(endpoint)
        began = time.perf_counter()
        with concurrent.futures.ThreadPoolExecutor(WORKERS) as pool:
            list(pool.map(lambda i: iam.create_role(RoleName=f"r{i}", AssumeRolePolicyDocument=TRUST), range(ROLES)))
        roles_s = time.perf_counter() - began
        definition = chain(STATES)
        began = time.perf_counter()

        def machine(i):
            arn = sfn.create_state_machine(name=f"m{i}", roleArn="arn:aws:iam::111111111111:role/r0",
                                           definition=definition)["stateMachineArn"]
            return sfn.start_execution(stateMachineArn=arn)["executionArn"]

        with concurrent.futures.ThreadPoolExecutor(WORKERS) as pool:
            executions = list(pool.map(machine, range(MACHINES)))
        while any(sfn.describe_execution(executionArn=e)["status"] == "RUNNING" for e in executions[-20:]):
            time.sleep(0.2)
        machines_s = time.perf_counter() - began
        events = sum(len(sfn.get_execution_history(executionArn=e, maxResults=1000)["events"])
                     for e in executions[:10]) * MACHINES // 10
        rss_built = rss_mb(proc.pid)
        proc.terminate()
        proc.wait(30)
        size = sum(os.path.getsize(os.path.join(data_dir, f)) for f in os.listdir(data_dir)
                   if os.path.isfile(os.path.join(data_dir, f)))
        print(f"built: {ROLES} roles in {roles_s:.1f} s, {MACHINES} machines + executions (~{events} history "
              f"events) in {machines_s:.1f} s; RSS {rss_built:.1f} MB; data dir {size / 1e6:.1f} MB")
        for attempt in range(3):
            proc, endpoint, ready = start(data_dir)
            iam, sfn = clients(endpoint)
            began = time.perf_counter()
            iam.get_role(RoleName=f"r{ROLES - 1}")
            first = time.perf_counter() - began
            print(f"restart {attempt + 1}: ready line after {ready * 1000:.0f} ms, first GetRole {first * 1000:.1f} ms, "
                  f"RSS {rss_mb(proc.pid):.1f} MB")
            proc.terminate()
            proc.wait(30)
    finally:
        shutil.rmtree(data_dir, ignore_errors=True)


if __name__ == "__main__":
    main()
