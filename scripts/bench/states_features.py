"""Step Functions activity and redrive figures (a benchmark, not a test), over HTTP with boto3:
- activity round trip: StartExecution -> GetActivityTask (the worker's poll answers) -> SendTaskSuccess ->
  DescribeExecution says SUCCEEDED, one machine with one activity Task;
- redrive: RedriveExecution's own latency on a FAILED execution, and redrive -> GetActivityTask ->
  SendTaskSuccess -> SUCCEEDED.

Usage: .venv/bin/python scripts/bench/states_features.py [SEKISHO_BIN] [runs]
(defaults: target/debug/sekisho, 50; say which build the figures are from)."""

import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

import boto3
import botocore.config

BIN = sys.argv[1] if len(sys.argv) > 1 else "target/debug/sekisho"
RUNS = int(sys.argv[2]) if len(sys.argv) > 2 else 50
TRUST = json.dumps({"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Principal": {"Service": "states.amazonaws.com"}, "Action": "sts:AssumeRole"}]})


def until_done(sfn, arn):
    while True:
        d = sfn.describe_execution(executionArn=arn)
        if d["status"] != "RUNNING":
            return d
        time.sleep(0.001)


def report(name, times):
    ms = [t * 1000 for t in times]
    print(f"{name:34} median {statistics.median(ms):7.2f} ms  (min {min(ms):.2f}, max {max(ms):.2f}, {len(ms)} runs)")


def main():
    fd, config = tempfile.mkstemp(suffix=".toml")
    with os.fdopen(fd, "w") as f:
        f.write('[clock]\nmode = "virtual"\n')
    proc = subprocess.Popen([BIN, "serve", "--port", "0", "--config", config], stdout=subprocess.PIPE, text=True)
    endpoint = proc.stdout.readline().strip().rsplit(" ", 1)[-1]
    try:
        session = boto3.session.Session(aws_access_key_id="111111111111", aws_secret_access_key="test",
                                        region_name="us-east-1")
        cfg = botocore.config.Config(retries={"max_attempts": 1}, read_timeout=70)
        sfn = session.client("stepfunctions", endpoint_url=endpoint, config=cfg)
        role = session.client("iam", endpoint_url=endpoint, config=cfg).create_role(
            RoleName="bench", AssumeRolePolicyDocument=TRUST)["Role"]["Arn"]
        activity = sfn.create_activity(name="bench")["activityArn"]
        sm = sfn.create_state_machine(name="activity", roleArn=role, definition=json.dumps(
            {"StartAt": "W", "States": {"W": {"Type": "Task", "Resource": activity, "End": True}}}))["stateMachineArn"]
        round_trip, to_task, redrive_call, redrive_to_success = [], [], [], []
        for _ in range(RUNS):
            began = time.perf_counter()
            arn = sfn.start_execution(stateMachineArn=sm, input='{"n": 1}')["executionArn"]
            task = sfn.get_activity_task(activityArn=activity, workerName="bench")
            got = time.perf_counter()
            sfn.send_task_success(taskToken=task["taskToken"], output='{"ok": true}')
            assert until_done(sfn, arn)["status"] == "SUCCEEDED"
            round_trip.append(time.perf_counter() - began)
            to_task.append(got - began)
        for _ in range(RUNS):
            arn = sfn.start_execution(stateMachineArn=sm)["executionArn"]
            task = sfn.get_activity_task(activityArn=activity)
            sfn.send_task_failure(taskToken=task["taskToken"], error="E")
            assert until_done(sfn, arn)["status"] == "FAILED"
            began = time.perf_counter()
            sfn.redrive_execution(executionArn=arn)
            redrive_call.append(time.perf_counter() - began)
            task = sfn.get_activity_task(activityArn=activity)
            sfn.send_task_success(taskToken=task["taskToken"], output="{}")
            assert until_done(sfn, arn)["status"] == "SUCCEEDED"
            redrive_to_success.append(time.perf_counter() - began)
        print(f"binary: {BIN}")
        report("activity: start -> task polled", to_task)
        report("activity: start -> SUCCEEDED", round_trip)
        report("redrive: RedriveExecution call", redrive_call)
        report("redrive: redrive -> SUCCEEDED", redrive_to_success)
    finally:
        proc.terminate()
        proc.wait(timeout=10)


if __name__ == "__main__":
    main()
