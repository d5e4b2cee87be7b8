"""Step Functions end to end over HTTP with boto3 against the release binary (virtual clock): a 1000-state Pass
chain, a Map over 10,000 items and JSONata Output on 100 states, Standard (StartExecution, then
DescribeExecution until it ends) and Express (StartSyncExecution). Prints the median wall time of each and the
server's RSS at the end.

Usage: .venv/bin/python scripts/bench/states.py [runs]   (builds target/release/sekisho first)
"""

import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

import boto3
import botocore.config

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
TRUST = json.dumps({"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Principal": {"Service": "states.amazonaws.com"}, "Action": "sts:AssumeRole"}]})


def chain(n, state):
    states = {}
    for i in range(n):
        s = dict(state)
        if i + 1 == n:
            s["End"] = True
        else:
            s["Next"] = f"S{i + 1}"
        states[f"S{i}"] = s
    return {"StartAt": "S0", "States": states}


def main():
    runs = int(sys.argv[1]) if len(sys.argv) > 1 else 10
    subprocess.run(["cargo", "build", "--quiet", "--release", "--bin", "sekisho"], cwd=ROOT, check=True)
    fd, config = tempfile.mkstemp(suffix=".toml")
    with os.fdopen(fd, "w") as f:
        f.write('[clock]\nmode = "virtual"\n')
    proc = subprocess.Popen([os.path.join(ROOT, "target/release/sekisho"), "serve", "--port", "0", "--config", config],
                            stdout=subprocess.PIPE, text=True)
    endpoint = proc.stdout.readline().strip().rsplit(" ", 1)[-1]
    try:
        session = boto3.session.Session(aws_access_key_id="111111111111", aws_secret_access_key="test",
                                        region_name="us-east-1")
        cfg = botocore.config.Config(retries={"max_attempts": 1}, inject_host_prefix=False, read_timeout=300)
        sfn = session.client("stepfunctions", endpoint_url=endpoint, config=cfg)
        iam = session.client("iam", endpoint_url=endpoint, config=cfg)
        role = iam.create_role(RoleName="bench", AssumeRolePolicyDocument=TRUST)["Role"]["Arn"]
        pass_chain = chain(1000, {"Type": "Pass", "Parameters": {"value.$": "$.value"}})
        jsonata = chain(100, {"Type": "Pass", "Output": {
            "total": "{% $states.input.total + $sum($states.input.orders.(price * quantity)) %}",
            "orders": "{% $states.input.orders %}"}})
        jsonata["QueryLanguage"] = "JSONata"
        mapping = {"StartAt": "M", "States": {"M": {"Type": "Map", "ItemsPath": "$.items",
                   "ItemSelector": {"v.$": "$$.Map.Item.Value", "i.$": "$$.Map.Item.Index"},
                   "ItemProcessor": {"StartAt": "P", "States": {"P": {"Type": "Pass", "End": True}}}, "End": True}}}
        inputs = {
            "pass_chain_1000": json.dumps({"value": 1}),
            "map_10000_items": json.dumps({"items": [{"n": i} for i in range(10000)]}),
            "jsonata_output_100_states": json.dumps({"total": 0, "orders": [{"price": i, "quantity": 2} for i in range(10)]}),
        }
        for name, definition in [("pass_chain_1000", pass_chain), ("map_10000_items", mapping),
                                 ("jsonata_output_100_states", jsonata)]:
            for kind in ("STANDARD", "EXPRESS"):
                arn = sfn.create_state_machine(name=f"{name}-{kind.lower()}", definition=json.dumps(definition),
                                               roleArn=role, type=kind)["stateMachineArn"]
                times = []
                for _ in range(runs):
                    began = time.perf_counter()
                    if kind == "EXPRESS":
                        r = sfn.start_sync_execution(stateMachineArn=arn, input=inputs[name])
                        assert r["status"] == "SUCCEEDED", r
                    else:
                        exec_arn = sfn.start_execution(stateMachineArn=arn, input=inputs[name])["executionArn"]
                        while sfn.describe_execution(executionArn=exec_arn)["status"] == "RUNNING":
                            time.sleep(0.001)
                    times.append(time.perf_counter() - began)
                print(f"{name:28} {kind:8} median {statistics.median(times) * 1000:8.1f} ms"
                      f"  (min {min(times) * 1000:.1f}, max {max(times) * 1000:.1f}, {runs} runs)")
        integrations(session, endpoint, cfg, role, runs)
        with open(f"/proc/{proc.pid}/status") as f:
            rss = next(line for line in f if line.startswith("VmRSS"))
        print(f"server {rss.strip()} after the runs (Standard histories are kept, as AWS keeps them)")
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def integrations(session, endpoint, cfg, role, runs):
    """Express machines whose one Task goes through the door: as the execution role, and with Credentials as a
    role in another account (one sts:AssumeRole with ExternalId, both accounts evaluated, then the call)."""
    sfn = session.client("stepfunctions", endpoint_url=endpoint, config=cfg)
    other = boto3.session.Session(aws_access_key_id="222222222222", aws_secret_access_key="test",
                                  region_name="us-east-1").client("iam", endpoint_url=endpoint, config=cfg)
    trust = json.dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Principal": {"AWS": "111111111111"}, "Action": "sts:AssumeRole"}]})
    target = other.create_role(RoleName="bench-target", AssumeRolePolicyDocument=trust)["Role"]["Arn"]
    other.put_role_policy(RoleName="bench-target", PolicyName="read", PolicyDocument=json.dumps({
        "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "iam:GetRole", "Resource": "*"}]}))
    iam = session.client("iam", endpoint_url=endpoint, config=cfg)
    iam.put_role_policy(RoleName="bench", PolicyName="calls", PolicyDocument=json.dumps({
        "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": ["sts:AssumeRole", "iam:GetRole"],
                                                "Resource": "*"}]}))
    task = {"Type": "Task", "Resource": "arn:aws:states:::aws-sdk:iam:getRole",
            "Parameters": {"RoleName": "bench-target"}, "End": True}
    for name, state in [("one_pass_state", {"Type": "Pass", "End": True}),
                        ("aws_sdk_task", dict(task, Parameters={"RoleName": "bench"})),
                        ("aws_sdk_task_cross_account", dict(task, Credentials={"RoleArn": target}))]:
        arn = sfn.create_state_machine(name=name, definition=json.dumps({"StartAt": "T", "States": {"T": state}}),
                                       roleArn=role, type="EXPRESS")["stateMachineArn"]
        times = []
        for _ in range(runs * 10):
            began = time.perf_counter()
            r = sfn.start_sync_execution(stateMachineArn=arn, input="{}")
            assert r["status"] == "SUCCEEDED", r
            times.append(time.perf_counter() - began)
        print(f"{name:28} EXPRESS  median {statistics.median(times) * 1000:8.2f} ms"
              f"  (min {min(times) * 1000:.2f}, max {max(times) * 1000:.2f}, {runs * 10} runs)")


if __name__ == "__main__":
    main()
