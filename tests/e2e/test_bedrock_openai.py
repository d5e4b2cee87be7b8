"""The OpenAI-compatible backend against real server processes started here: mockllm (PyPI, a third-party
OpenAI-compatible mock server; installed into .cache/bedrock-mockllm on first use) for plain text and
streaming, and tests/fixtures/bedrock/openai_server.py (standard library, written for these tests) for what
mockllm cannot do: tool calls, stop reasons, usage, server errors."""

import json
import os
import signal
import socket
import subprocess
import sys
import urllib.request

import botocore.exceptions
import pytest

from conftest import ACCOUNT_B, start, stop

TOKYO = "ap-northeast-1"
JP_HAIKU = "jp.anthropic.claude-haiku-4-5-20251001-v1:0"
HERE = os.path.dirname(os.path.abspath(__file__))
FIXTURES = os.path.join(HERE, "..", "fixtures", "bedrock")
REPO = os.path.abspath(os.path.join(HERE, "..", ".."))
MOCKLLM_VENV = os.path.join(REPO, ".cache", "bedrock-mockllm")


def user(text):
    return [{"role": "user", "content": [{"text": text}]}]


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def stop_process(proc):
    proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(timeout=10)


def sekisho_with_backend(url, model=None):
    config = f"""
[bedrock]
require_use_case_form = false

[[bedrock.backends]]
models = ["anthropic.*"]
type = "openai"
url = "{url}"
timeout_ms = 20000
"""
    if model:
        config += f'model = "{model}"\n'
    return start(config=config)


@pytest.fixture(scope="module")
def stdlib_server():
    proc = subprocess.Popen([sys.executable, os.path.join(FIXTURES, "openai_server.py"), "0"],
                            stdout=subprocess.PIPE, text=True)
    line = proc.stdout.readline().strip()
    assert line.startswith("listening on "), line
    port = int(line.split()[-1])
    yield f"http://127.0.0.1:{port}"
    stop_process(proc)


@pytest.fixture(scope="module")
def via_stdlib(stdlib_server):
    server = sekisho_with_backend(stdlib_server + "/v1", model="tiny-test-model")
    yield server
    stop(server)


def received(base):
    with urllib.request.urlopen(base + "/requests") as r:
        return json.load(r)


def test_converse_is_translated_both_ways(via_stdlib, stdlib_server):
    rt = via_stdlib.client("bedrock-runtime", access_key=ACCOUNT_B, region=TOKYO)
    out = rt.converse(modelId=JP_HAIKU, system=[{"text": "Be brief."}], messages=user("hello there"),
                      inferenceConfig={"maxTokens": 50, "temperature": 0.2})
    assert out["output"]["message"]["content"] == [{"text": "echo: hello there"}]
    assert out["stopReason"] == "end_turn"
    assert out["usage"]["inputTokens"] == 6 and out["usage"]["outputTokens"] == 3, "the server's usage"
    sent = received(stdlib_server)[-1]
    assert sent["model"] == "tiny-test-model"
    assert sent["messages"] == [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "hello there"}]
    assert sent["max_tokens"] == 50 and sent["temperature"] == 0.2


def test_limits_and_stop_sequences(via_stdlib):
    rt = via_stdlib.client("bedrock-runtime", access_key=ACCOUNT_B, region=TOKYO)
    cut = rt.converse(modelId=JP_HAIKU, messages=user("one two three four five"), inferenceConfig={"maxTokens": 2})
    assert (cut["stopReason"], cut["output"]["message"]["content"][0]["text"]) == ("max_tokens", "echo: one")
    stopped = rt.converse(modelId=JP_HAIKU, messages=user("alpha beta STOP gamma"), inferenceConfig={"stopSequences": ["STOP"]})
    assert stopped["stopReason"] == "stop_sequence"
    assert stopped["output"]["message"]["content"][0]["text"] == "echo: alpha beta "


TOOLS = {"tools": [{"toolSpec": {"name": "get_weather", "description": "weather",
                                 "inputSchema": {"json": {"type": "object", "properties": {"city": {"type": "string"}}}}}}]}


def test_tool_calls_round_trip(via_stdlib, stdlib_server):
    rt = via_stdlib.client("bedrock-runtime", access_key=ACCOUNT_B, region=TOKYO)
    messages = user("What is the weather in Sapporo?")
    first = rt.converse(modelId=JP_HAIKU, messages=messages, toolConfig=TOOLS)
    assert first["stopReason"] == "tool_use"
    assert first["output"]["message"]["content"] == [
        {"toolUse": {"toolUseId": "call_sekisho_1", "name": "get_weather", "input": {"city": "Sapporo"}}}]
    messages += [first["output"]["message"], {"role": "user", "content": [
        {"toolResult": {"toolUseId": "call_sekisho_1", "content": [{"text": "snow, -3C"}]}}]}]
    second = rt.converse(modelId=JP_HAIKU, messages=messages, toolConfig=TOOLS)
    assert second["output"]["message"]["content"][0]["text"] == "The tool said: snow, -3C"
    sent = received(stdlib_server)[-1]
    assert sent["tools"][0] == {"type": "function", "function": {
        "name": "get_weather", "parameters": {"type": "object", "properties": {"city": {"type": "string"}}}, "description": "weather"}}
    assert sent["messages"][1]["tool_calls"][0]["function"] == {"name": "get_weather", "arguments": '{"city":"Sapporo"}'}
    assert sent["messages"][2] == {"role": "tool", "tool_call_id": "call_sekisho_1", "content": "snow, -3C"}
    forced = rt.converse(modelId=JP_HAIKU, messages=user("anything"),
                         toolConfig={**TOOLS, "toolChoice": {"tool": {"name": "get_weather"}}})
    assert forced["stopReason"] == "tool_use"
    assert received(stdlib_server)[-1]["tool_choice"] == {"type": "function", "function": {"name": "get_weather"}}


def test_converse_stream_from_server_sent_events(via_stdlib):
    rt = via_stdlib.client("bedrock-runtime", access_key=ACCOUNT_B, region=TOKYO)
    events = list(rt.converse_stream(modelId=JP_HAIKU, messages=user("streaming works fine"))["stream"])
    text = "".join(e["contentBlockDelta"]["delta"]["text"] for e in events if "contentBlockDelta" in e)
    assert text == "echo: streaming works fine"
    assert events[-2] == {"messageStop": {"stopReason": "end_turn"}}
    assert events[-1]["metadata"]["usage"]["outputTokens"] == 4
    tool_events = list(rt.converse_stream(modelId=JP_HAIKU, messages=user("weather in Kobe"), toolConfig=TOOLS)["stream"])
    start_event = next(e for e in tool_events if "contentBlockStart" in e)["contentBlockStart"]
    assert start_event["start"]["toolUse"] == {"toolUseId": "call_sekisho_1", "name": "get_weather"}
    partial = "".join(e["contentBlockDelta"]["delta"]["toolUse"]["input"] for e in tool_events if "contentBlockDelta" in e)
    assert json.loads(partial) == {"city": "Kobe"}
    assert tool_events[-2] == {"messageStop": {"stopReason": "tool_use"}}


def test_invoke_model_through_the_openai_backend(via_stdlib):
    rt = via_stdlib.client("bedrock-runtime", access_key=ACCOUNT_B, region=TOKYO)
    body = {"anthropic_version": "bedrock-2023-05-31", "max_tokens": 100, "messages": [{"role": "user", "content": "hi there"}]}
    answer = json.loads(rt.invoke_model(modelId=JP_HAIKU, body=json.dumps(body))["body"].read())
    assert answer["content"] == [{"type": "text", "text": "echo: hi there"}]


def test_server_errors_become_bedrock_errors(via_stdlib):
    rt = via_stdlib.client("bedrock-runtime", access_key=ACCOUNT_B, region=TOKYO)
    with pytest.raises(botocore.exceptions.ClientError) as e:
        rt.converse(modelId=JP_HAIKU, messages=user("please fail400"))
    assert e.value.response["Error"]["Code"] == "ValidationException"
    assert e.value.response["Error"]["Message"] == "The model returned the following errors: context length exceeded"
    with pytest.raises(botocore.exceptions.ClientError) as e:
        rt.converse(modelId=JP_HAIKU, messages=user("please fail500"))
    assert e.value.response["Error"]["Code"] == "ModelErrorException"
    assert e.value.response["ResponseMetadata"]["HTTPStatusCode"] == 424
    assert e.value.response["originalStatusCode"] == 500


def test_a_stream_broken_by_the_server_ends_with_a_stream_exception(via_stdlib):
    rt = via_stdlib.client("bedrock-runtime", access_key=ACCOUNT_B, region=TOKYO)
    stream = rt.converse_stream(modelId=JP_HAIKU, messages=user("please failmidstream"))["stream"]
    seen = []
    with pytest.raises(botocore.exceptions.EventStreamError) as e:
        for event in stream:
            seen.append(event)
    assert seen[0] == {"messageStart": {"role": "assistant"}}
    assert seen[1]["contentBlockDelta"]["delta"]["text"] == "partial"
    assert e.value.response["Error"]["Code"] == "modelStreamErrorException"
    assert "closed the stream" in e.value.response["Error"]["Message"]


def test_an_unreachable_server_is_said_plainly():
    port = free_port()
    server = sekisho_with_backend(f"http://127.0.0.1:{port}/v1")
    try:
        rt = server.client("bedrock-runtime", access_key=ACCOUNT_B, region=TOKYO)
        with pytest.raises(botocore.exceptions.ClientError) as e:
            rt.converse(modelId=JP_HAIKU, messages=user("hi"))
        assert e.value.response["Error"]["Code"] == "ServiceUnavailableException"
        assert f"127.0.0.1:{port}" in e.value.response["Error"]["Message"]
        with pytest.raises(botocore.exceptions.ClientError) as e:
            list(rt.converse_stream(modelId=JP_HAIKU, messages=user("hi"))["stream"])
        assert e.value.response["Error"]["Code"] == "ServiceUnavailableException", "fails before the stream starts"
    finally:
        stop(server)


# --- mockllm (third-party) --------------------------------------------------------------------------------

def mockllm_python():
    """The interpreter of a virtualenv with mockllm, created on first use; None when it cannot be installed."""
    python = os.path.join(MOCKLLM_VENV, "bin", "python")
    requirements = os.path.join(FIXTURES, "requirements-mockllm.txt")
    marker = os.path.join(MOCKLLM_VENV, ".requirements")
    wanted = open(requirements).read()
    if os.path.exists(marker) and open(marker).read() == wanted:
        return python
    try:
        subprocess.run([sys.executable, "-m", "venv", MOCKLLM_VENV], check=True, capture_output=True, timeout=120)
        subprocess.run([python, "-m", "pip", "install", "--quiet", "--disable-pip-version-check", "-r", requirements],
                       check=True, capture_output=True, timeout=600)
    except (subprocess.CalledProcessError, subprocess.TimeoutExpired) as e:
        return None
    with open(marker, "w") as f:
        f.write(wanted)
    return python


@pytest.fixture(scope="module")
def mockllm():
    python = mockllm_python()
    if python is None:
        pytest.skip("mockllm could not be installed (no package index reachable); the stdlib server tests still ran")
    port = free_port()
    env = dict(os.environ, MOCKLLM_RESPONSES_FILE=os.path.join(FIXTURES, "mockllm-responses.yml"))
    proc = subprocess.Popen([python, "-m", "uvicorn", "mockllm.server:app", "--host", "127.0.0.1", "--port", str(port)],
                            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    for _ in range(200):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            break
        except OSError:
            if proc.poll() is not None:
                pytest.fail("mockllm exited at start")
            import time
            time.sleep(0.1)
    server = sekisho_with_backend(url, model="gpt-4o-mini")
    yield server
    stop(server)
    stop_process(proc)


def test_mockllm_converse(mockllm):
    rt = mockllm.client("bedrock-runtime", access_key=ACCOUNT_B, region=TOKYO)
    out = rt.converse(modelId=JP_HAIKU, messages=user("hello from sekisho"))
    assert out["output"]["message"]["content"] == [{"text": "mockllm says hello back"}]
    assert out["stopReason"] == "end_turn"
    assert out["usage"]["outputTokens"] > 0
    other = rt.converse(modelId=JP_HAIKU, messages=user("something unknown"))
    assert other["output"]["message"]["content"][0]["text"] == "mockllm default answer"


def test_mockllm_converse_stream(mockllm):
    rt = mockllm.client("bedrock-runtime", access_key=ACCOUNT_B, region=TOKYO)
    events = list(rt.converse_stream(modelId=JP_HAIKU, messages=user("hello from sekisho"))["stream"])
    deltas = [e["contentBlockDelta"]["delta"]["text"] for e in events if "contentBlockDelta" in e]
    assert "".join(deltas) == "mockllm says hello back"
    assert len(deltas) > 5, "mockllm streams character by character"
    assert events[-2] == {"messageStop": {"stopReason": "end_turn"}}
