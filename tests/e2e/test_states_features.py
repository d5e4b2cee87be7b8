"""Step Functions activities, RedriveExecution, distributed Map runs and state machine aliases end to end:
an activity worker in Python polling GetActivityTask, a failed execution redriven to success, a distributed
Map listed by ListMapRuns and resized by UpdateMapRun, and starts through a weighted alias."""

import json
import threading
import time

import botocore.exceptions
import pytest

from conftest import start, stop

STATES_TRUST = json.dumps({
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Principal": {"Service": "states.amazonaws.com"}, "Action": "sts:AssumeRole"}],
})


@pytest.fixture(scope="module")
def sekisho():
    server = start(config='[clock]\nmode = "virtual"\n')
    yield server
    stop(server)


@pytest.fixture(scope="module")
def sfn(sekisho):
    return sekisho.client("stepfunctions")


@pytest.fixture(scope="module")
def role(sekisho):
    return sekisho.client("iam").create_role(RoleName="states-features", AssumeRolePolicyDocument=STATES_TRUST)["Role"]["Arn"]


def wait_status(sfn, arn, status="RUNNING", timeout=20):
    """Waits until the execution is no longer `status` (or reaches it, for status RUNNING it leaves it)."""
    deadline = time.time() + timeout
    while time.time() < deadline:
        d = sfn.describe_execution(executionArn=arn)
        if d["status"] != status:
            return d
        time.sleep(0.02)
    raise AssertionError(f"{arn} still {status}")


def history(sfn, arn):
    return sfn.get_execution_history(executionArn=arn, maxResults=1000)["events"]


def machine(sfn, role, name, definition, **kw):
    return sfn.create_state_machine(name=name, definition=json.dumps(definition), roleArn=role, **kw)["stateMachineArn"]


def test_activity_worker_polls_and_answers(sfn, role):
    activity = sfn.create_activity(name="resize")["activityArn"]
    assert activity.endswith(":activity:resize") and activity.startswith("arn:aws:states:us-east-1:")
    # Idempotent by name.
    assert sfn.create_activity(name="resize")["activityArn"] == activity
    assert sfn.describe_activity(activityArn=activity)["name"] == "resize"
    assert activity in [a["activityArn"] for a in sfn.list_activities()["activities"]]
    sm = machine(sfn, role, "with-activity", {"StartAt": "Work", "States": {
        "Work": {"Type": "Task", "Resource": activity, "TimeoutSeconds": 30, "HeartbeatSeconds": 10, "End": True}}})
    arn = sfn.start_execution(stateMachineArn=sm, input=json.dumps({"size": 3}))["executionArn"]

    def worker():
        task = sfn.get_activity_task(activityArn=activity, workerName="py-worker")
        data = json.loads(task["input"])
        sfn.send_task_heartbeat(taskToken=task["taskToken"])
        sfn.send_task_success(taskToken=task["taskToken"], output=json.dumps({"resized": data["size"] * 2}))

    t = threading.Thread(target=worker)
    t.start()
    t.join(20)
    d = wait_status(sfn, arn)
    assert d["status"] == "SUCCEEDED", d
    assert json.loads(d["output"]) == {"resized": 6}
    events = history(sfn, arn)
    kinds = [e["type"] for e in events]
    assert kinds[2:5] == ["ActivityScheduled", "ActivityStarted", "ActivitySucceeded"]
    scheduled = events[2]["activityScheduledEventDetails"]
    assert scheduled["resource"] == activity
    assert (scheduled["timeoutInSeconds"], scheduled["heartbeatInSeconds"]) == (30, 10)
    assert json.loads(scheduled["input"]) == {"size": 3}
    assert events[3]["activityStartedEventDetails"] == {"workerName": "py-worker"}


def test_activity_errors_and_an_empty_poll(sfn):
    missing = "arn:aws:states:us-east-1:111111111111:activity:nope"
    with pytest.raises(botocore.exceptions.ClientError) as e:
        sfn.describe_activity(activityArn=missing)
    assert e.value.response["Error"]["Code"] == "ActivityDoesNotExist"
    with pytest.raises(botocore.exceptions.ClientError) as e:
        sfn.get_activity_task(activityArn=missing)
    assert e.value.response["Error"]["Code"] == "ActivityDoesNotExist"
    with pytest.raises(botocore.exceptions.ClientError) as e:
        sfn.describe_activity(activityArn="arn:aws:states:us-east-1:111111111111:stateMachine:m")
    assert e.value.response["Error"]["Code"] == "InvalidArn"
    arn = sfn.create_activity(name="gone", tags=[{"key": "team", "value": "a"}])["activityArn"]
    sfn.tag_resource(resourceArn=arn, tags=[{"key": "env", "value": "dev"}])
    assert sfn.list_tags_for_resource(resourceArn=arn)["tags"] == [
        {"key": "team", "value": "a"}, {"key": "env", "value": "dev"}]
    sfn.untag_resource(resourceArn=arn, tagKeys=["team"])
    assert sfn.list_tags_for_resource(resourceArn=arn)["tags"] == [{"key": "env", "value": "dev"}]
    sfn.delete_activity(activityArn=arn)
    assert arn not in [a["activityArn"] for a in sfn.list_activities()["activities"]]


def test_a_failed_execution_is_redriven_to_success(sfn, role):
    activity = sfn.create_activity(name="flaky")["activityArn"]
    sm = machine(sfn, role, "redrivable", {"StartAt": "Prepare", "States": {
        "Prepare": {"Type": "Pass", "Result": {"n": 1}, "Next": "Work"},
        "Work": {"Type": "Task", "Resource": activity, "End": True}}})
    arn = sfn.start_execution(stateMachineArn=sm)["executionArn"]
    with pytest.raises(botocore.exceptions.ClientError) as e:
        sfn.redrive_execution(executionArn=arn)
    assert e.value.response["Error"]["Code"] == "ExecutionNotRedrivable"
    assert e.value.response["Error"]["Message"] == "Execution is RUNNING and cannot be redriven"
    task = sfn.get_activity_task(activityArn=activity, workerName="w")
    sfn.send_task_failure(taskToken=task["taskToken"], error="Flaky", cause="first attempt")
    d = wait_status(sfn, arn)
    assert (d["status"], d["error"], d["redriveStatus"], d["redriveCount"]) == ("FAILED", "Flaky", "REDRIVABLE", 0)
    out = sfn.redrive_execution(executionArn=arn)
    assert "redriveDate" in out
    task = sfn.get_activity_task(activityArn=activity, workerName="w")
    assert json.loads(task["input"]) == {"n": 1}
    sfn.send_task_success(taskToken=task["taskToken"], output='{"ok": true}')
    d = wait_status(sfn, arn)
    assert (d["status"], d["redriveCount"]) == ("SUCCEEDED", 1)
    assert "redriveDate" in d and d["redriveStatus"] == "NOT_REDRIVABLE"
    kinds = [e["type"] for e in history(sfn, arn)]
    assert kinds.count("PassStateEntered") == 1
    redriven = kinds.index("ExecutionRedriven")
    assert kinds[redriven - 1] == "ExecutionFailed" and kinds[redriven + 1] == "TaskStateEntered"
    assert history(sfn, arn)[redriven]["executionRedrivenEventDetails"] == {"redriveCount": 1}
    listed = sfn.list_executions(stateMachineArn=sm, redriveFilter="REDRIVEN")["executions"]
    assert [(x["executionArn"], x["redriveCount"]) for x in listed] == [(arn, 1)]
    with pytest.raises(botocore.exceptions.ClientError) as e:
        sfn.redrive_execution(executionArn=arn)
    assert e.value.response["Error"]["Message"] == "Execution is SUCCEEDED and cannot be redriven"


DISTRIBUTED = {"StartAt": "Fan", "States": {"Fan": {
    "Type": "Map", "Label": "fan", "MaxConcurrency": 1, "End": True,
    "ItemProcessor": {"ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": "STANDARD"},
                      "StartAt": "Double", "States": {"Double": {"Type": "Pass", "End": True}}}}}}


def test_a_distributed_map_is_listed_by_list_map_runs(sfn, role):
    sm = machine(sfn, role, "fan-out", DISTRIBUTED)
    arn = sfn.start_execution(stateMachineArn=sm, input="[1, 2, 3]")["executionArn"]
    d = wait_status(sfn, arn)
    assert d["status"] == "SUCCEEDED", d
    runs = sfn.list_map_runs(executionArn=arn)["mapRuns"]
    assert len(runs) == 1
    run = runs[0]
    assert run["executionArn"] == arn and run["stateMachineArn"] == f"{sm}/fan"
    assert run["mapRunArn"].startswith("arn:aws:states:us-east-1:111111111111:mapRun:fan-out/fan:")
    started = [e for e in history(sfn, arn) if e["type"] == "MapRunStarted"]
    assert started[0]["mapRunStartedEventDetails"] == {"mapRunArn": run["mapRunArn"]}
    described = sfn.describe_map_run(mapRunArn=run["mapRunArn"])
    assert (described["status"], described["maxConcurrency"], described["executionArn"]) == ("SUCCEEDED", 1, arn)
    assert described["itemCounts"]["total"] == 3 and described["itemCounts"]["succeeded"] == 3
    with pytest.raises(botocore.exceptions.ClientError) as e:
        sfn.update_map_run(mapRunArn=run["mapRunArn"], maxConcurrency=5)
    assert e.value.response["Error"]["Code"] == "ValidationException"
    with pytest.raises(botocore.exceptions.ClientError) as e:
        sfn.describe_map_run(mapRunArn=run["mapRunArn"][:-4] + "0000")
    assert e.value.response["Error"]["Code"] == "ResourceNotFound"


def test_update_map_run_resizes_a_running_map(sfn, role):
    activity = sfn.create_activity(name="child-work")["activityArn"]
    definition = json.loads(json.dumps(DISTRIBUTED))
    definition["States"]["Fan"]["ItemProcessor"]["States"] = {"Double": {"Type": "Task", "Resource": activity, "End": True}}
    sm = machine(sfn, role, "fan-out-work", definition)
    arn = sfn.start_execution(stateMachineArn=sm, input="[1, 2, 3]")["executionArn"]
    first = sfn.get_activity_task(activityArn=activity)
    run = sfn.list_map_runs(executionArn=arn)["mapRuns"][0]["mapRunArn"]
    counts = sfn.describe_map_run(mapRunArn=run)["itemCounts"]
    assert (counts["running"], counts["pending"]) == (1, 2)
    sfn.update_map_run(mapRunArn=run, maxConcurrency=3)
    assert sfn.describe_map_run(mapRunArn=run)["maxConcurrency"] == 3
    sfn.send_task_success(taskToken=first["taskToken"], output="1")
    for _ in range(2):
        task = sfn.get_activity_task(activityArn=activity)
        sfn.send_task_success(taskToken=task["taskToken"], output="2")
    assert wait_status(sfn, arn)["status"] == "SUCCEEDED"
    assert sfn.describe_map_run(mapRunArn=run)["itemCounts"]["succeeded"] == 3


def test_an_alias_routes_starts_between_versions(sfn, role):
    sm = machine(sfn, role, "aliased", {"StartAt": "P", "States": {"P": {"Type": "Pass", "Result": 1, "End": True}}},
                 publish=True)
    v1 = f"{sm}:1"
    sfn.update_state_machine(stateMachineArn=sm, definition=json.dumps(
        {"StartAt": "P", "States": {"P": {"Type": "Pass", "Result": 2, "End": True}}}), publish=True)
    v2 = f"{sm}:2"
    alias = sfn.create_state_machine_alias(name="live", routingConfiguration=[
        {"stateMachineVersionArn": v1, "weight": 100}])["stateMachineAliasArn"]
    assert alias == f"{sm}:live"
    # Idempotent with the same configuration; a different one conflicts.
    assert sfn.create_state_machine_alias(name="live", routingConfiguration=[
        {"stateMachineVersionArn": v1, "weight": 100}])["stateMachineAliasArn"] == alias
    with pytest.raises(botocore.exceptions.ClientError) as e:
        sfn.create_state_machine_alias(name="live", routingConfiguration=[{"stateMachineVersionArn": v2, "weight": 100}])
    assert e.value.response["Error"]["Code"] == "ConflictException"
    arn = sfn.start_execution(stateMachineArn=alias)["executionArn"]
    d = wait_status(sfn, arn)
    assert (d["output"], d["stateMachineAliasArn"], d["stateMachineVersionArn"]) == ("1", alias, v1)
    sfn.update_state_machine_alias(stateMachineAliasArn=alias, routingConfiguration=[
        {"stateMachineVersionArn": v1, "weight": 50}, {"stateMachineVersionArn": v2, "weight": 50}])
    described = sfn.describe_state_machine_alias(stateMachineAliasArn=alias)
    assert [r["weight"] for r in described["routingConfiguration"]] == [50, 50]
    versions = set()
    for _ in range(24):
        versions.add(wait_status(sfn, sfn.start_execution(stateMachineArn=alias)["executionArn"])["stateMachineVersionArn"])
    assert versions == {v1, v2}
    assert [a["stateMachineAliasArn"] for a in sfn.list_state_machine_aliases(stateMachineArn=sm)["stateMachineAliases"]] == [alias]
    with pytest.raises(botocore.exceptions.ClientError) as e:
        sfn.delete_state_machine_version(stateMachineVersionArn=v2)
    assert e.value.response["Error"]["Code"] == "ConflictException"
    with pytest.raises(botocore.exceptions.ClientError) as e:
        sfn.update_state_machine_alias(stateMachineAliasArn=alias, routingConfiguration=[
            {"stateMachineVersionArn": v1, "weight": 60}, {"stateMachineVersionArn": v2, "weight": 60}])
    assert e.value.response["Error"]["Code"] == "ValidationException"
    sfn.delete_state_machine_alias(stateMachineAliasArn=alias)
    with pytest.raises(botocore.exceptions.ClientError) as e:
        sfn.describe_state_machine_alias(stateMachineAliasArn=alias)
    assert e.value.response["Error"]["Code"] == "ResourceNotFound"
    sfn.delete_state_machine_version(stateMachineVersionArn=v2)
