"""A durable world (`serve --data-dir`): a world built through boto3 is the same after a clean restart and after
kill -9; a burst of calls cut by kill -9 keeps exactly what was acknowledged; damaged, newer and busy data
directories are refused and left untouched; snapshots save, reset a running server and start one."""

import concurrent.futures
import json
import os
import sqlite3
import subprocess
import threading
import time
import urllib.parse
import urllib.request

import botocore.exceptions
import pytest

from conftest import ACCOUNT_A, ACCOUNT_B, kill, refused, start, stop

TRUST_LAMBDA = json.dumps({"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}]})
TRUST_AGENTCORE = json.dumps({"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Principal": {"Service": "bedrock-agentcore.amazonaws.com"}, "Action": "sts:AssumeRole"}]})
ALLOW_LOGS = json.dumps({"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Action": "logs:*", "Resource": "*"}]})
FORM = json.dumps({"companyName": "sekisho", "intendedUsers": "0", "useCases": "testing"}).encode()
HAIKU = "arn:aws:bedrock:us-east-1::foundation-model/anthropic.claude-haiku-4-5-20251001-v1:0"


def trust_account(account):
    return json.dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{account}:root"}, "Action": "sts:AssumeRole"}]})


def build_world(s):
    """Every persisted service gets something: IAM, STS, Organizations, Logs, Bedrock, AgentCore."""
    iam = s.client("iam")
    iam.create_user(UserName="alice", Path="/staff/", Tags=[{"Key": "team", "Value": "a"}])
    iam.put_user_policy(UserName="alice", PolicyName="logs", PolicyDocument=ALLOW_LOGS)
    policy = iam.create_policy(PolicyName="LogsAll", PolicyDocument=ALLOW_LOGS)["Policy"]["Arn"]
    iam.create_policy_version(PolicyArn=policy, PolicyDocument=ALLOW_LOGS, SetAsDefault=True)
    iam.create_group(GroupName="devs")
    iam.add_user_to_group(GroupName="devs", UserName="alice")
    iam.attach_group_policy(GroupName="devs", PolicyArn=policy)
    iam.create_role(RoleName="app", AssumeRolePolicyDocument=trust_account(ACCOUNT_A), MaxSessionDuration=7200)
    iam.put_role_policy(RoleName="app", PolicyName="inline", PolicyDocument=ALLOW_LOGS)
    iam.attach_role_policy(RoleName="app", PolicyArn=policy)
    iam.create_role(RoleName="fn", AssumeRolePolicyDocument=TRUST_LAMBDA)
    iam.create_role(RoleName="GwRole", AssumeRolePolicyDocument=TRUST_AGENTCORE)
    iam.create_instance_profile(InstanceProfileName="ec2")
    iam.add_role_to_instance_profile(InstanceProfileName="ec2", RoleName="app")
    iam.create_virtual_mfa_device(VirtualMFADeviceName="alice-phone")
    key = iam.create_access_key(UserName="alice")["AccessKey"]
    iam.attach_user_policy(UserName="alice", PolicyArn="arn:aws:iam::aws:policy/AdministratorAccess")

    sts = s.client("sts", access_key=key["AccessKeyId"], secret=key["SecretAccessKey"])
    session = sts.assume_role(RoleArn=f"arn:aws:iam::{ACCOUNT_A}:role/app", RoleSessionName="worker")["Credentials"]

    orgs = s.client("organizations")
    orgs.create_organization(FeatureSet="ALL")
    root = orgs.list_roots()["Roots"][0]["Id"]
    orgs.enable_policy_type(RootId=root, PolicyType="SERVICE_CONTROL_POLICY")
    ou = orgs.create_organizational_unit(ParentId=root, Name="Workloads")["OrganizationalUnit"]["Id"]
    scp = orgs.create_policy(Name="deny-regions", Type="SERVICE_CONTROL_POLICY", Description="d",
                             Content=json.dumps({"Version": "2012-10-17", "Statement": [
                                 {"Effect": "Deny", "Action": "ec2:*", "Resource": "*"}]}))["Policy"]["PolicySummary"]["Id"]
    orgs.attach_policy(PolicyId=scp, TargetId=ou)

    logs = s.client("logs")
    logs.create_log_group(logGroupName="/app/web", tags={"env": "prod"})
    logs.put_retention_policy(logGroupName="/app/web", retentionInDays=7)
    logs.create_log_stream(logGroupName="/app/web", logStreamName="one")
    now = int(time.time() * 1000)
    logs.put_log_events(logGroupName="/app/web", logStreamName="one",
                        logEvents=[{"timestamp": now + i, "message": f"line {i}"} for i in range(5)])

    bedrock = s.client("bedrock", access_key=ACCOUNT_B)
    bedrock.put_use_case_for_model_access(formData=FORM)
    bedrock.create_inference_profile(inferenceProfileName="team-a", modelSource={"copyFrom": HAIKU},
                                     tags=[{"key": "team", "value": "a"}])

    ctl = s.client("bedrock-agentcore-control")
    g = ctl.create_gateway(name="tools", protocolType="MCP", authorizerType="AWS_IAM",
                           roleArn=f"arn:aws:iam::{ACCOUNT_A}:role/GwRole")
    ctl.put_resource_policy(resourceArn=g["gatewayArn"], policy=json.dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT_B}:root"},
         "Action": "bedrock-agentcore:InvokeGateway", "Resource": g["gatewayArn"]}]}))
    ctl.tag_resource(resourceArn=g["gatewayArn"], tags={"owner": "platform"})
    for _ in range(100):
        if ctl.get_gateway(gatewayIdentifier=g["gatewayId"])["status"] == "READY":
            break
        time.sleep(0.05)
    return {"key": key, "session": session, "gateway": g, "ou": ou, "root": root, "scp": scp}


def clean(value):
    if isinstance(value, dict):
        return {k: clean(v) for k, v in value.items() if k != "ResponseMetadata"}
    if isinstance(value, list):
        return [clean(v) for v in value]
    return value


def dump(s, ids):
    """What List/Get/Describe say about the world, without response metadata."""
    iam = s.client("iam")
    orgs = s.client("organizations")
    logs = s.client("logs")
    bedrock = s.client("bedrock", access_key=ACCOUNT_B)
    ctl = s.client("bedrock-agentcore-control")
    gid, garn = ids["gateway"]["gatewayId"], ids["gateway"]["gatewayArn"]
    out = {
        "users": iam.list_users(),
        "user": iam.get_user(UserName="alice"),
        "user_policy": iam.get_user_policy(UserName="alice", PolicyName="logs"),
        "groups": iam.list_groups_for_user(UserName="alice"),
        "group": iam.get_group(GroupName="devs"),
        "roles": iam.list_roles(),
        "role": iam.get_role(RoleName="app"),
        "role_policy": iam.get_role_policy(RoleName="app", PolicyName="inline"),
        "attached": iam.list_attached_role_policies(RoleName="app"),
        "policies": iam.list_policies(Scope="Local"),
        "versions": iam.list_policy_versions(PolicyArn=f"arn:aws:iam::{ACCOUNT_A}:policy/LogsAll"),
        "profiles": iam.list_instance_profiles(),
        "keys": iam.list_access_keys(UserName="alice"),
        "mfa": iam.list_virtual_mfa_devices(),
        "org": orgs.describe_organization(),
        "accounts": orgs.list_accounts(),
        "ous": orgs.list_organizational_units_for_parent(ParentId=ids["root"]),
        "scp": orgs.describe_policy(PolicyId=ids["scp"]),
        "targets": orgs.list_targets_for_policy(PolicyId=ids["scp"]),
        "log_groups": logs.describe_log_groups(),
        "log_streams": logs.describe_log_streams(logGroupName="/app/web"),
        "log_events": logs.get_log_events(logGroupName="/app/web", logStreamName="one", startFromHead=True),
        "log_tags": logs.list_tags_log_group(logGroupName="/app/web"),
        "use_case": bedrock.get_use_case_for_model_access(),
        "app_profiles": bedrock.list_inference_profiles(typeEquals="APPLICATION"),
        "gateways": ctl.list_gateways(),
        "gateway": ctl.get_gateway(gatewayIdentifier=gid),
        "gateway_policy": ctl.get_resource_policy(resourceArn=garn),
        "gateway_tags": ctl.list_tags_for_resource(resourceArn=garn),
    }
    return json.loads(json.dumps(clean(out), default=str))


def whoami(s, creds):
    sts = s.client("sts", access_key=creds["AccessKeyId"], secret=creds["SecretAccessKey"],
                   token=creds.get("SessionToken"))
    return sts.get_caller_identity()["Arn"]


def control(s, path, method="POST"):
    req = urllib.request.Request(f"{s.endpoint}{path}", method=method, data=b"" if method == "POST" else None)
    with urllib.request.urlopen(req, timeout=30) as r:
        return json.loads(r.read())


def test_a_world_is_the_same_after_a_clean_restart_and_after_kill_9(tmp_path):
    data = str(tmp_path / "data")
    s = start("--data-dir", data)
    try:
        ids = build_world(s)
        before = dump(s, ids)
        request_count = control(s, "/_sekisho/stats", method="GET")["decisions"]
    finally:
        stop(s)

    s = start("--data-dir", data)
    try:
        assert dump(s, ids) == before
        assert whoami(s, ids["session"]) == f"arn:aws:sts::{ACCOUNT_A}:assumed-role/app/worker"
        assert whoami(s, ids["key"]) == f"arn:aws:iam::{ACCOUNT_A}:user/staff/alice"
        # The decision log is kept across a clean stop too (bounded; the calls above were all recorded).
        assert control(s, "/_sekisho/stats", method="GET")["decisions"] >= request_count
        s.client("iam").create_role(RoleName="after-restart", AssumeRolePolicyDocument=TRUST_LAMBDA)
        before = dump(s, ids)
    finally:
        kill(s)

    s = start("--data-dir", data)
    try:
        assert dump(s, ids) == before
        assert whoami(s, ids["session"]) == f"arn:aws:sts::{ACCOUNT_A}:assumed-role/app/worker"
    finally:
        stop(s)


def test_a_burst_cut_by_kill_9_keeps_what_was_acknowledged_and_nothing_that_failed(tmp_path):
    data = str(tmp_path / "data")
    s = start("--data-dir", data)
    answered, failed, lock = [], [], threading.Lock()
    stop_now = threading.Event()

    def worker(n):
        iam = s.client("iam")
        for i in range(200):
            if stop_now.is_set():
                return
            name = f"burst-{n}-{i}"
            try:
                if i % 4 == 3:
                    # Refused by IAM (malformed trust policy): must leave nothing behind.
                    try:
                        iam.create_role(RoleName=name, AssumeRolePolicyDocument="{not json")
                    except botocore.exceptions.ClientError:
                        with lock:
                            failed.append(name)
                    continue
                iam.create_role(RoleName=name, AssumeRolePolicyDocument=TRUST_LAMBDA)
                iam.put_role_policy(RoleName=name, PolicyName="p", PolicyDocument=ALLOW_LOGS)
                with lock:
                    answered.append(name)
            except (botocore.exceptions.EndpointConnectionError, botocore.exceptions.ConnectionClosedError,
                    botocore.exceptions.ReadTimeoutError, ConnectionError):
                return
            except botocore.exceptions.ClientError:
                return

    with concurrent.futures.ThreadPoolExecutor(max_workers=8) as pool:
        futures = [pool.submit(worker, n) for n in range(8)]
        while True:
            with lock:
                if len(answered) >= 60:
                    break
            if all(f.done() for f in futures):
                break
            time.sleep(0.01)
        kill(s)
        stop_now.set()
        for f in futures:
            f.result()
    assert len(answered) >= 60 and failed

    s = start("--data-dir", data)
    try:
        iam = s.client("iam")
        roles = {r["RoleName"] for page in iam.get_paginator("list_roles").paginate() for r in page["Roles"]}
        missing = [n for n in answered if n not in roles]
        assert missing == [], f"acknowledged but lost: {missing[:5]}"
        for name in answered:
            # A role whose PutRolePolicy returned 200 has its policy: no half-applied pair.
            assert iam.get_role_policy(RoleName=name, PolicyName="p")["PolicyName"] == "p"
        assert [n for n in failed if n in roles] == []
    finally:
        stop(s)


def test_a_damaged_or_newer_data_directory_is_refused_and_left_untouched(tmp_path):
    damaged = tmp_path / "damaged"
    damaged.mkdir()
    garbage = b"SQLite format 3\x00" + b"\xff" * 4080
    (damaged / "sekisho.db").write_bytes(garbage)
    code, err = refused("--data-dir", str(damaged))
    assert code != 0
    assert "is not a sekisho database or is damaged" in err and "left untouched" in err, err
    assert (damaged / "sekisho.db").read_bytes() == garbage

    newer = tmp_path / "newer"
    s = start("--data-dir", str(newer))
    s.client("iam").create_role(RoleName="kept", AssumeRolePolicyDocument=TRUST_LAMBDA)
    stop(s)
    with sqlite3.connect(newer / "sekisho.db") as db:
        (version,) = db.execute("PRAGMA user_version").fetchone()
        db.execute(f"PRAGMA user_version = {version + 1}")
    db.close()
    before = (newer / "sekisho.db").read_bytes()
    code, err = refused("--data-dir", str(newer))
    assert code != 0
    assert "written by a newer sekisho" in err, err
    assert (newer / "sekisho.db").read_bytes() == before


def test_a_second_server_on_the_same_directory_is_refused(tmp_path):
    data = str(tmp_path / "data")
    s = start("--data-dir", data)
    try:
        code, err = refused("--data-dir", data)
        assert code != 0
        assert "in use by another sekisho" in err, err
        # The first one is unharmed.
        assert s.client("sts").get_caller_identity()["Account"] == ACCOUNT_A
    finally:
        stop(s)


def test_storage_dir_from_the_configuration_file(tmp_path):
    data = tmp_path / "from-config"
    s = start(config=f'[storage]\ndir = "{data}"\n')
    try:
        s.client("iam").create_role(RoleName="configured", AssumeRolePolicyDocument=TRUST_LAMBDA)
    finally:
        stop(s)
    assert (data / "sekisho.db").exists()
    s = start("--data-dir", str(data))
    try:
        assert s.client("iam").get_role(RoleName="configured")["Role"]["RoleName"] == "configured"
    finally:
        stop(s)


def sekisho_cli(*args):
    return subprocess.run([os.environ["SEKISHO_BIN"], *args], capture_output=True, text=True, timeout=60)


def test_snapshots_save_reset_a_running_server_and_start_one(tmp_path):
    snap = tmp_path / "world.snapshot"
    data = str(tmp_path / "data")
    s = start("--data-dir", data)
    try:
        iam = s.client("iam")
        iam.create_role(RoleName="baseline", AssumeRolePolicyDocument=TRUST_LAMBDA)
        key = iam.create_access_key(UserName=s.client("iam").create_user(UserName="bob")["User"]["UserName"])
        saved = sekisho_cli("snapshot", "save", str(snap), "--endpoint", s.endpoint)
        assert saved.returncode == 0, saved.stderr
        assert json.loads(saved.stdout)["status"] == "ok"

        iam.create_role(RoleName="scratch", AssumeRolePolicyDocument=TRUST_LAMBDA)
        iam.delete_role(RoleName="baseline")
        reset = control(s, "/_sekisho/snapshot/restore?path=" + urllib.parse.quote(str(snap)))
        assert reset["status"] == "ok" and reset["records"] > 0
        names = {r["RoleName"] for r in iam.list_roles()["Roles"]}
        assert "baseline" in names and "scratch" not in names
        k = key["AccessKey"]
        assert whoami(s, k) == f"arn:aws:iam::{ACCOUNT_A}:user/bob"
    finally:
        kill(s)

    # The reset reached the data directory too.
    s = start("--data-dir", data)
    try:
        names = {r["RoleName"] for r in s.client("iam").list_roles()["Roles"]}
        assert "baseline" in names and "scratch" not in names
    finally:
        stop(s)

    copied = tmp_path / "copied.snapshot"
    out = sekisho_cli("snapshot", "save", str(copied), "--data-dir", data)
    assert out.returncode == 0, out.stderr

    s = start("--from-snapshot", str(copied))
    try:
        assert s.client("iam").get_role(RoleName="baseline")["Role"]["RoleName"] == "baseline"
    finally:
        stop(s)


def test_a_missing_snapshot_is_refused(tmp_path):
    code, err = refused("--from-snapshot", str(tmp_path / "nothing.snapshot"))
    assert code != 0 and "no such snapshot file" in err, err
