"""A durable Lambda and Step Functions (`serve --data-dir`): functions (invoked after the restart), layers,
versions, aliases, permissions, state machines, versions and executions with their histories are the same
after a clean restart and after kill -9; 50 running Standard executions (Waits, Lambda tasks, a `.sync:2`
child, a task-token wait) survive kill -9 and finish with valid histories."""

import json
import os
import sys
import time

from conftest import ACCOUNT_A, kill, start, stop

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "fixtures", "lambda"))
import lambda_e2e as lx  # noqa: E402

APP = """
import json, time

def handler(event, context):
    time.sleep(event.get("sleep", 0))
    return {"hello": event.get("name"), "version": context.function_version}
"""

STATES_TRUST = json.dumps({"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Principal": {"Service": "states.amazonaws.com"}, "Action": "sts:AssumeRole"}]})
SFN_ROLE = f"arn:aws:iam::{ACCOUNT_A}:role/sfn-runner"
FUNCTION = f"arn:aws:lambda:us-east-1:{ACCOUNT_A}:function:worker"
TERMINAL = {"ExecutionSucceeded", "ExecutionFailed", "ExecutionTimedOut", "ExecutionAborted"}


def build(s):
    role = lx.role(s, "worker-role", managed=[lx.BASIC_EXECUTION])
    lx.role(s, "sfn-runner", trust=STATES_TRUST, inline={"run": {"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": ["lambda:InvokeFunction", "states:*", "events:*"], "Resource": "*"}]}})
    lam = s.client("lambda")
    layer = lam.publish_layer_version(LayerName="shared", Content={"ZipFile": lx.zip_files({"python/x.py": "X = 1"})},
                                      CompatibleRuntimes=["python3.12"])
    lam.create_function(FunctionName="worker", Runtime="python3.12", Role=role, Handler="app.handler",
                        Code={"ZipFile": lx.zip_files({"app.py": APP})}, Timeout=30, Layers=[layer["LayerVersionArn"]],
                        Tags={"team": "a"}, Environment={"Variables": {"MODE": "test"}})
    version = lam.publish_version(FunctionName="worker", Description="first")["Version"]
    lam.create_alias(FunctionName="worker", Name="live", FunctionVersion=version)
    lam.add_permission(FunctionName="worker", StatementId="events", Action="lambda:InvokeFunction",
                       Principal="events.amazonaws.com", SourceArn=f"arn:aws:events:us-east-1:{ACCOUNT_A}:rule/r")
    sfn = s.client("stepfunctions")
    passes = {"StartAt": "A", "States": {"A": {"Type": "Pass", "Result": {"n": 1}, "Next": "B"},
                                         "B": {"Type": "Pass", "End": True}}}
    arn = sfn.create_state_machine(name="passes", definition=json.dumps(passes), roleArn=SFN_ROLE, publish=True,
                                   versionDescription="v1", tags=[{"key": "k", "value": "v"}])["stateMachineArn"]
    sfn.create_state_machine(name="fast", definition=json.dumps(passes), roleArn=SFN_ROLE, type="EXPRESS")
    done = sfn.start_execution(stateMachineArn=arn, name="done", input='{"x": 1}')["executionArn"]
    wait_for(lambda: sfn.describe_execution(executionArn=done)["status"] != "RUNNING")
    return {"machine": arn, "execution": done, "layer": layer["LayerArn"]}


def wait_for(condition, timeout=60.0):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if condition():
            return
        time.sleep(0.05)
    raise AssertionError("timed out")


def clean(value):
    if isinstance(value, dict):
        # The package's URL names the server's port, which changes with each start.
        return {k: clean(v) for k, v in value.items() if k not in ("ResponseMetadata", "Location")}
    if isinstance(value, list):
        return [clean(v) for v in value]
    return value


def dump(s, ids):
    lam = s.client("lambda")
    sfn = s.client("stepfunctions")
    out = {
        "functions": lam.list_functions(),
        "function": lam.get_function(FunctionName="worker"),
        "alias_function": lam.get_function(FunctionName="worker", Qualifier="live"),
        "versions": lam.list_versions_by_function(FunctionName="worker"),
        "aliases": lam.list_aliases(FunctionName="worker"),
        "policy": lam.get_policy(FunctionName="worker"),
        "layers": lam.list_layers(),
        "layer_versions": lam.list_layer_versions(LayerName="shared"),
        "machines": sfn.list_state_machines(),
        "machine": sfn.describe_state_machine(stateMachineArn=ids["machine"]),
        "machine_versions": sfn.list_state_machine_versions(stateMachineArn=ids["machine"]),
        "machine_tags": sfn.list_tags_for_resource(resourceArn=ids["machine"]),
        "executions": sfn.list_executions(stateMachineArn=ids["machine"]),
        "execution": sfn.describe_execution(executionArn=ids["execution"]),
        "history": sfn.get_execution_history(executionArn=ids["execution"]),
    }
    return json.loads(json.dumps(clean(out), default=str))


def invoke(s, qualifier=None):
    args = {"FunctionName": "worker", "Payload": json.dumps({"name": "again"})}
    if qualifier:
        args["Qualifier"] = qualifier
    out = s.client("lambda").invoke(**args)
    return json.loads(out["Payload"].read())


def test_lambda_and_step_functions_are_the_same_after_a_clean_restart_and_after_kill_9(tmp_path):
    data = str(tmp_path / "data")
    s = start("--data-dir", data, config=lx.config())
    try:
        ids = build(s)
        before = dump(s, ids)
    finally:
        stop(s)

    s = start("--data-dir", data, config=lx.config())
    try:
        assert dump(s, ids) == before
        # The package came back: the function runs (a new execution environment), by alias too.
        assert invoke(s) == {"hello": "again", "version": "$LATEST"}
        assert invoke(s, "live") == {"hello": "again", "version": "1"}
        s.client("lambda").tag_resource(Resource=FUNCTION, Tags={"after": "restart"})
        before = dump(s, ids)
    finally:
        kill(s)

    s = start("--data-dir", data, config=lx.config())
    try:
        assert dump(s, ids) == before
        assert invoke(s, "1") == {"hello": "again", "version": "1"}
    finally:
        stop(s)


def check_history(events):
    ids = [e["id"] for e in events]
    assert ids == list(range(1, len(events) + 1)), ids
    for e in events:
        assert 0 <= e["previousEventId"] < e["id"], e
    kinds = [e["type"] for e in events]
    assert kinds[0] == "ExecutionStarted" and kinds.count("ExecutionStarted") == 1, kinds
    assert [k for k in kinds if k in TERMINAL] == [kinds[-1]], kinds
    # Each task was scheduled once and ended once: none is duplicated or lost across the restart.
    for pair in (("TaskScheduled", "TaskSucceeded"), ("TaskStarted", "TaskSucceeded"),
                 ("WaitStateEntered", "WaitStateExited")):
        assert kinds.count(pair[0]) == kinds.count(pair[1]), (pair, kinds)
    assert kinds.count("TaskStarted") <= kinds.count("TaskScheduled"), kinds
    return kinds


def test_running_standard_executions_survive_kill_9_and_finish_with_valid_histories(tmp_path):
    data = str(tmp_path / "data")
    s = start("--data-dir", data, config=lx.config())
    try:
        build(s)
        sfn = s.client("stepfunctions")

        def machine(name, definition):
            return sfn.create_state_machine(name=name, definition=json.dumps(definition),
                                            roleArn=SFN_ROLE)["stateMachineArn"]

        waiter = machine("waiter", {"StartAt": "W", "States": {
            "W": {"Type": "Wait", "Seconds": 2, "Next": "P"}, "P": {"Type": "Pass", "End": True}}})
        lambdas = machine("lambdas", {"StartAt": "T", "States": {"T": {
            "Type": "Task", "Resource": "arn:aws:states:::lambda:invoke",
            "Parameters": {"FunctionName": FUNCTION, "Payload": {"name.$": "$.name", "sleep": 1.5}},
            "OutputPath": "$.Payload", "End": True}}})
        child = machine("child", {"StartAt": "W", "States": {
            "W": {"Type": "Wait", "Seconds": 2, "Next": "P"}, "P": {"Type": "Pass", "Result": "grown", "End": True}}})
        parent = machine("parent", {"StartAt": "T", "States": {"T": {
            "Type": "Task", "Resource": "arn:aws:states:::states:startExecution.sync:2",
            "Parameters": {"StateMachineArn": child, "Input": {"from": "parent"}}, "End": True}}})
        token = machine("token", {"StartAt": "T", "States": {"T": {
            "Type": "Task", "Resource": "arn:aws:states:::lambda:invoke.waitForTaskToken",
            "Parameters": {"FunctionName": FUNCTION, "Payload": {"name": "cb", "token.$": "$$.Task.Token"}},
            "End": True}}})
        started = []
        for i in range(40):
            started.append(sfn.start_execution(stateMachineArn=waiter, name=f"w{i}")["executionArn"])
        for i in range(6):
            started.append(sfn.start_execution(stateMachineArn=lambdas, name=f"l{i}",
                                               input=json.dumps({"name": f"l{i}"}))["executionArn"])
        started.append(sfn.start_execution(stateMachineArn=parent, name="p0")["executionArn"])
        started.append(sfn.start_execution(stateMachineArn=parent, name="p1")["executionArn"])
        started.append(sfn.start_execution(stateMachineArn=token, name="t0")["executionArn"])
        started.append(sfn.start_execution(stateMachineArn=token, name="t1")["executionArn"])

        def scheduled(arn):
            kinds = [e["type"] for e in sfn.get_execution_history(executionArn=arn)["events"]]
            return "TaskScheduled" in kinds

        # Every task is out (Lambda functions running, children started, tokens issued), then the crash.
        wait_for(lambda: all(scheduled(a) for a in started[40:]))
        wait_for(lambda: len(sfn.list_executions(stateMachineArn=child)["executions"]) == 2)
        running = [a for a in started if sfn.describe_execution(executionArn=a)["status"] == "RUNNING"]
        assert len(running) >= 40, "most executions were still running at the crash"
    finally:
        kill(s)

    s = start("--data-dir", data, config=lx.config())
    try:
        sfn = s.client("stepfunctions")
        # The tokens issued before the crash still work.
        for name in ("t0", "t1"):
            arn = next(a for a in started if a.endswith(f":{name}"))
            wait_for(lambda: any(e["type"] == "TaskSubmitted"
                                 for e in sfn.get_execution_history(executionArn=arn)["events"]))
            events = sfn.get_execution_history(executionArn=arn)["events"]
            sched = next(e for e in events if e["type"] == "TaskScheduled")
            params = json.loads(sched["taskScheduledEventDetails"]["parameters"])
            sfn.send_task_success(taskToken=params["Payload"]["token"], output=json.dumps({"token": name}))
        children = [e["executionArn"] for e in sfn.list_executions(stateMachineArn=child)["executions"]]
        assert len(children) == 2, "the .sync:2 parents followed their children, starting no others"
        everything = started + children
        wait_for(lambda: all(sfn.describe_execution(executionArn=a)["status"] != "RUNNING" for a in everything))
        for arn in everything:
            d = sfn.describe_execution(executionArn=arn)
            assert d["status"] == "SUCCEEDED", (arn, d.get("error"), d.get("cause"))
            check_history(sfn.get_execution_history(executionArn=arn, maxResults=1000)["events"])
        out = json.loads(sfn.describe_execution(executionArn=started[40])["output"])
        assert out == {"hello": "l0", "version": "$LATEST"}
        out = json.loads(sfn.describe_execution(executionArn=started[46])["output"])
        assert out["Output"] == "grown" and out["Status"] == "SUCCEEDED"
        assert json.loads(sfn.describe_execution(executionArn=started[48])["output"]) == {"token": "t0"}
    finally:
        stop(s)
