"""Bedrock and Bedrock Runtime through boto3 and the AWS CLI against the real binary, with the built-in model:
the control plane's catalog, model access, Converse, ConverseStream (boto3's own event-stream parser),
InvokeModel with an Anthropic body, AWS's error texts, and the scripted backend from sekisho.toml."""

import json
import os
import subprocess
import urllib.error
import urllib.parse
import urllib.request

import botocore.exceptions
import pytest
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

from conftest import ACCOUNT_A, ACCOUNT_B, start, stop

TOKYO = "ap-northeast-1"
JP_HAIKU = "jp.anthropic.claude-haiku-4-5-20251001-v1:0"
FIXTURES = os.path.join(os.path.dirname(__file__), "..", "fixtures", "bedrock")
FORM = json.dumps({"companyName": "sekisho", "intendedUsers": "0", "useCases": "testing"}).encode()


def error_of(excinfo):
    e = excinfo.value.response
    return e["Error"]["Code"], e["ResponseMetadata"]["HTTPStatusCode"], e["Error"].get("Message", "")


def user(text):
    return [{"role": "user", "content": [{"text": text}]}]


@pytest.fixture(scope="module")
def vendor(sekisho):
    """Account B with the Anthropic use-case form submitted."""
    sekisho.client("bedrock", access_key=ACCOUNT_B, region=TOKYO).put_use_case_for_model_access(formData=FORM)
    return sekisho


def runtime(sekisho, account=ACCOUNT_B, region=TOKYO):
    return sekisho.client("bedrock-runtime", access_key=account, region=region)


# --- control plane ---------------------------------------------------------------------------------------

def test_cli_get_inference_profile_carries_the_callers_account(sekisho):
    out = sekisho.aws("bedrock", "get-inference-profile", "--inference-profile-identifier", JP_HAIKU,
                      account=ACCOUNT_B, region=TOKYO)
    p = json.loads(out.stdout)
    assert p["inferenceProfileArn"] == f"arn:aws:bedrock:{TOKYO}:{ACCOUNT_B}:inference-profile/{JP_HAIKU}"
    assert [m["modelArn"] for m in p["models"]] == [
        "arn:aws:bedrock:ap-northeast-1::foundation-model/anthropic.claude-haiku-4-5-20251001-v1:0",
        "arn:aws:bedrock:ap-northeast-3::foundation-model/anthropic.claude-haiku-4-5-20251001-v1:0",
    ]
    assert (p["type"], p["status"]) == ("SYSTEM_DEFINED", "ACTIVE")
    assert p["description"] == "Routes requests to Anthropic Claude Haiku 4.5 in ap-northeast-1 and ap-northeast-3."


def test_cli_lists_models_with_filters(sekisho):
    out = sekisho.aws("bedrock", "list-foundation-models", "--by-provider", "Anthropic",
                      "--by-output-modality", "TEXT", region=TOKYO)
    models = json.loads(out.stdout)["modelSummaries"]
    assert models and all(m["providerName"] == "Anthropic" for m in models)
    haiku = next(m for m in models if m["modelId"] == "anthropic.claude-haiku-4-5-20251001-v1:0")
    assert haiku["modelArn"] == "arn:aws:bedrock:ap-northeast-1::foundation-model/anthropic.claude-haiku-4-5-20251001-v1:0"
    assert haiku["inferenceTypesSupported"] == ["ON_DEMAND", "INFERENCE_PROFILE"]
    one = sekisho.client("bedrock", region=TOKYO).get_foundation_model(modelIdentifier=haiku["modelId"])
    assert one["modelDetails"]["modelName"] == "Claude Haiku 4.5"


def test_profiles_page_and_the_cli_follows_the_pages(sekisho):
    bedrock = sekisho.client("bedrock", region="us-east-1")
    first = bedrock.list_inference_profiles(maxResults=5)
    assert len(first["inferenceProfileSummaries"]) == 5 and first["nextToken"]
    everything = json.loads(sekisho.aws("bedrock", "list-inference-profiles", "--page-size", "7").stdout)
    ids = [p["inferenceProfileId"] for p in everything["inferenceProfileSummaries"]]
    assert len(ids) == len(set(ids)) > 5
    assert all(i.split(".")[0] in ("us", "global") for i in ids), "only profiles callable from us-east-1"
    assert bedrock.list_inference_profiles(typeEquals="APPLICATION")["inferenceProfileSummaries"] == []


def test_use_case_form_round_trip(sekisho):
    bedrock = sekisho.client("bedrock", access_key="333333333333")
    with pytest.raises(botocore.exceptions.ClientError) as e:
        bedrock.get_use_case_for_model_access()
    assert error_of(e)[:2] == ("ResourceNotFoundException", 404)
    bedrock.put_use_case_for_model_access(formData=FORM)
    assert bedrock.get_use_case_for_model_access()["formData"] == FORM


def test_application_profile_invoked_by_arn(vendor):
    bedrock = vendor.client("bedrock", access_key=ACCOUNT_B, region=TOKYO)
    arn = bedrock.create_inference_profile(
        inferenceProfileName="team-a",
        modelSource={"copyFrom": f"arn:aws:bedrock:{TOKYO}::foundation-model/anthropic.claude-haiku-4-5-20251001-v1:0"},
        tags=[{"key": "team", "value": "a"}])["inferenceProfileArn"]
    got = bedrock.get_inference_profile(inferenceProfileIdentifier=arn)
    assert got["type"] == "APPLICATION" and got["inferenceProfileName"] == "team-a"
    out = runtime(vendor).converse(modelId=arn, messages=user("hello"))
    assert out["stopReason"] == "end_turn"
    bedrock.delete_inference_profile(inferenceProfileIdentifier=arn)
    with pytest.raises(botocore.exceptions.ClientError) as e:
        bedrock.get_inference_profile(inferenceProfileIdentifier=arn)
    assert error_of(e)[:2] == ("ResourceNotFoundException", 404)


# --- Converse ---------------------------------------------------------------------------------------------

def test_converse_in_japanese_as_the_field_output_shows(vendor):
    out = runtime(vendor).converse(modelId=JP_HAIKU, messages=user("こんにちは、日本語でテストしています。"),
                                   inferenceConfig={"maxTokens": 1000, "temperature": 0.7})
    text = out["output"]["message"]["content"][0]["text"]
    assert out["output"]["message"]["role"] == "assistant"
    assert text.startswith("こんにちは!"), text
    assert out["stopReason"] == "end_turn"
    usage = out["usage"]
    assert usage["inputTokens"] == 22, "the seed's figure"
    assert usage["totalTokens"] == usage["inputTokens"] + usage["outputTokens"]
    assert usage["cacheReadInputTokens"] == 0 and usage["cacheWriteInputTokens"] == 0
    assert isinstance(out["metrics"]["latencyMs"], int)
    again = runtime(vendor).converse(modelId=JP_HAIKU, messages=user("こんにちは、日本語でテストしています。"),
                                     inferenceConfig={"maxTokens": 1000, "temperature": 0.7})
    assert again["output"] == out["output"], "same request, same answer"


def test_converse_honours_system_history_limits_and_stop_sequences(vendor):
    rt = runtime(vendor)
    out = rt.converse(modelId=JP_HAIKU, system=[{"text": "You are a samurai guard."}],
                      messages=[*user("My name is Taro."),
                                {"role": "assistant", "content": [{"text": "Welcome, Taro."}]},
                                *user("What did I say?")])
    text = out["output"]["message"]["content"][0]["text"]
    assert text.startswith("Speaking as a samurai guard.")
    assert "My name is Taro." in text
    cut = rt.converse(modelId=JP_HAIKU, messages=user("Please tell me a long story."), inferenceConfig={"maxTokens": 4})
    assert (cut["stopReason"], cut["usage"]["outputTokens"]) == ("max_tokens", 4)
    stopped = rt.converse(modelId=JP_HAIKU, messages=user("Please tell me a long story."),
                          inferenceConfig={"stopSequences": ["stand-in"]})
    assert stopped["stopReason"] == "stop_sequence"
    assert "stand-in" not in stopped["output"]["message"]["content"][0]["text"]


WEATHER_TOOL = {"tools": [{"toolSpec": {
    "name": "get_weather", "description": "Current weather in a city",
    "inputSchema": {"json": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}}}}]}


def test_converse_tool_use_round_trip(vendor):
    rt = runtime(vendor)
    messages = user("What's the weather in Kyoto? Please use the get_weather tool.")
    first = rt.converse(modelId=JP_HAIKU, messages=messages, toolConfig=WEATHER_TOOL)
    assert first["stopReason"] == "tool_use"
    use = next(b["toolUse"] for b in first["output"]["message"]["content"] if "toolUse" in b)
    assert use["name"] == "get_weather" and use["input"] == {"city": "Kyoto"}
    assert use["toolUseId"].startswith("tooluse_")
    messages += [first["output"]["message"],
                 {"role": "user", "content": [{"toolResult": {"toolUseId": use["toolUseId"],
                                                              "content": [{"json": {"forecast": "sunny"}}]}}]}]
    second = rt.converse(modelId=JP_HAIKU, messages=messages, toolConfig=WEATHER_TOOL)
    assert second["stopReason"] == "end_turn"
    assert '{"forecast":"sunny"}' in second["output"]["message"]["content"][0]["text"]
    forced = rt.converse(modelId=JP_HAIKU, messages=user("Hi"), toolConfig={**WEATHER_TOOL, "toolChoice": {"any": {}}})
    assert forced["stopReason"] == "tool_use"


def test_cli_converse(vendor):
    out = vendor.aws("bedrock-runtime", "converse", "--model-id", JP_HAIKU,
                     "--messages", json.dumps(user("Hello from the CLI")), account=ACCOUNT_B, region=TOKYO)
    answer = json.loads(out.stdout)
    assert answer["output"]["message"]["content"][0]["text"].startswith("Hello!")
    assert answer["usage"]["totalTokens"] > 0


def test_converse_stream_is_read_by_boto3s_event_stream_parser(vendor):
    rt = runtime(vendor)
    whole = rt.converse(modelId=JP_HAIKU, messages=user("Tell me about the Tokaido road."))
    events = list(rt.converse_stream(modelId=JP_HAIKU, messages=user("Tell me about the Tokaido road."))["stream"])
    names = [next(iter(e)) for e in events]
    assert names[0] == "messageStart" and names[-3:] == ["contentBlockStop", "messageStop", "metadata"]
    assert names.count("contentBlockDelta") > 3
    text = "".join(e["contentBlockDelta"]["delta"]["text"] for e in events if "contentBlockDelta" in e)
    assert text == whole["output"]["message"]["content"][0]["text"]
    assert events[-2]["messageStop"]["stopReason"] == "end_turn"
    meta = events[-1]["metadata"]
    assert meta["usage"]["outputTokens"] == whole["usage"]["outputTokens"]
    assert "latencyMs" in meta["metrics"]


def test_converse_stream_with_a_tool_use(vendor):
    events = list(runtime(vendor).converse_stream(
        modelId=JP_HAIKU, messages=user("Weather in Nara? use the get_weather tool"), toolConfig=WEATHER_TOOL)["stream"])
    start = next(e["contentBlockStart"] for e in events if "contentBlockStart" in e)
    assert start["start"]["toolUse"]["name"] == "get_weather"
    index = start["contentBlockIndex"]
    partial = "".join(e["contentBlockDelta"]["delta"]["toolUse"]["input"] for e in events
                      if "contentBlockDelta" in e and e["contentBlockDelta"]["contentBlockIndex"] == index)
    assert json.loads(partial) == {"city": "Nara"}
    assert next(e for e in events if "messageStop" in e)["messageStop"]["stopReason"] == "tool_use"


# --- InvokeModel -----------------------------------------------------------------------------------------

ANTHROPIC_BODY = {"anthropic_version": "bedrock-2023-05-31", "max_tokens": 300, "system": "Be kind.",
                  "messages": [{"role": "user", "content": [{"type": "text", "text": "Hello, Claude"}]}]}


def test_invoke_model_with_an_anthropic_body(vendor):
    out = runtime(vendor).invoke_model(modelId=JP_HAIKU, body=json.dumps(ANTHROPIC_BODY),
                                       contentType="application/json", accept="application/json")
    assert out["contentType"] == "application/json"
    answer = json.loads(out["body"].read())
    assert (answer["type"], answer["role"], answer["model"]) == ("message", "assistant", "claude-haiku-4-5-20251001")
    assert answer["id"].startswith("msg_bdrk_")
    assert answer["content"][0]["type"] == "text" and answer["content"][0]["text"].startswith("Hello!")
    assert answer["stop_reason"] == "end_turn" and answer["stop_sequence"] is None
    assert answer["usage"]["input_tokens"] > 0 and answer["usage"]["output_tokens"] > 0


def test_invoke_model_with_response_stream(vendor):
    out = runtime(vendor).invoke_model_with_response_stream(modelId=JP_HAIKU, body=json.dumps(ANTHROPIC_BODY))
    chunks = [json.loads(e["chunk"]["bytes"]) for e in out["body"]]
    types = [c["type"] for c in chunks]
    assert types[0] == "message_start" and types[-3:] == ["content_block_stop", "message_delta", "message_stop"]
    text = "".join(c["delta"]["text"] for c in chunks if c["type"] == "content_block_delta")
    assert text.startswith("Hello!")
    assert chunks[-1]["amazon-bedrock-invocationMetrics"]["outputTokenCount"] > 0


def test_invoke_model_schema_errors(vendor):
    body = {k: v for k, v in ANTHROPIC_BODY.items() if k != "max_tokens"}
    with pytest.raises(botocore.exceptions.ClientError) as e:
        runtime(vendor).invoke_model(modelId=JP_HAIKU, body=json.dumps(body))
    assert error_of(e) == ("ValidationException", 400, "Malformed input request: #: required key [max_tokens] not found, "
                                                       "please reformat your input and try again.")


def test_count_tokens(vendor):
    out = runtime(vendor).count_tokens(modelId="anthropic.claude-haiku-4-5-20251001-v1:0", input={
        "converse": {"messages": user("こんにちは、日本語でテストしています。")}})
    assert out["inputTokens"] == 22


# --- errors -----------------------------------------------------------------------------------------------

def test_br_9_model_id_errors(vendor):
    with pytest.raises(botocore.exceptions.ClientError) as e:
        runtime(vendor, region="us-east-1").converse(modelId="anthropic.claude-sonnet-4-20250514-v1:0", messages=user("hi"))
    assert error_of(e) == ("ValidationException", 400,
                           "Invocation of model ID anthropic.claude-sonnet-4-20250514-v1:0 with on-demand throughput "
                           "isn\u2019t supported. Retry your request with the ID or ARN of an inference profile that "
                           "contains this model.")
    with pytest.raises(botocore.exceptions.ClientError) as e:
        runtime(vendor).converse(modelId="apac.anthropic.claude-haiku-4-5-20251001-v1:0", messages=user("hi"))
    assert error_of(e) == ("ValidationException", 400, "The provided model identifier is invalid.")
    with pytest.raises(botocore.exceptions.ClientError) as e:
        runtime(vendor, region="us-east-1").converse(modelId="amazon.titan-embed-text-v2:0", messages=user("hi"))
    assert error_of(e) == ("ValidationException", 400, "This action doesn't support the model that you provided. "
                                                       "Try again with a supported text or chat model.")
    with pytest.raises(botocore.exceptions.ClientError) as e:
        runtime(vendor).converse(modelId=JP_HAIKU, messages=[{"role": "assistant", "content": [{"text": "hi"}]}])
    assert error_of(e)[2] == "A conversation must start with a user message. Try again with a conversation that starts with a user message."


def test_model_id_pattern_is_checked_by_the_wire(vendor):
    with pytest.raises(botocore.exceptions.ClientError) as e:
        runtime(vendor).converse(modelId="not a model", messages=user("hi"))
    code, status, message = error_of(e)
    assert (code, status) == ("ValidationException", 400)
    assert message.startswith("1 validation error detected: Value 'not a model' at 'modelId' failed to satisfy constraint")


def signed_converse(sekisho, account, region, model_id, body):
    url = f"{sekisho.endpoint}/model/{urllib.parse.quote(model_id, safe='')}/converse"
    request = AWSRequest(method="POST", url=url, data=json.dumps(body).encode(), headers={"content-type": "application/json"})
    SigV4Auth(Credentials(account, "test"), "bedrock", region).add_auth(request)
    prepared = request.prepare()
    req = urllib.request.Request(prepared.url, data=prepared.body, headers=dict(prepared.headers), method="POST")
    try:
        with urllib.request.urlopen(req) as r:
            return r.status, {k.lower(): v for k, v in r.headers.items()}, json.load(r)
    except urllib.error.HTTPError as e:
        return e.code, {k.lower(): v for k, v in e.headers.items()}, json.loads(e.read())


def test_access_denied_body_uses_a_capital_message(sekisho):
    status, headers, body = signed_converse(sekisho, "444444444444", TOKYO, JP_HAIKU, {"messages": user("hi")})
    assert status == 403
    assert headers["x-amzn-errortype"] == "AccessDeniedException"
    assert body == {"Message": "Model use case details have not been submitted for this account. Fill out the "
                               "Anthropic use case details form before using the model. If you have already filled "
                               "out the form, try again in 15 minutes."}


def test_marketplace_is_not_asked_for_amazon_models(sekisho):
    out = runtime(sekisho, account="555555555555", region="us-east-1").converse(
        modelId="us.amazon.nova-lite-v1:0", messages=user("Hello Nova"))
    assert out["output"]["message"]["content"][0]["text"].startswith("Hello!")


# --- configuration ----------------------------------------------------------------------------------------

def test_scripted_backend_from_sekisho_toml():
    script = os.path.abspath(os.path.join(FIXTURES, "script.toml"))
    config = f"""
[bedrock]
require_use_case_form = false

[[bedrock.backends]]
models = ["anthropic.claude-haiku-*"]
type = "scripted"
file = "{script}"
"""
    server = start(config=config)
    try:
        rt = runtime(server)
        said = lambda text, **kw: rt.converse(modelId=JP_HAIKU, messages=user(text), **kw)
        assert said("What is the capital of Japan?")["output"]["message"]["content"][0]["text"] == "The capital of Japan is in the script."
        tool = said("book a flight to Osaka")
        assert tool["stopReason"] == "tool_use"
        assert tool["output"]["message"]["content"][1]["toolUse"] == {
            "toolUseId": "tooluse_scripted_flight", "name": "book_flight", "input": {"destination": "HND"}}
        assert said("anything else")["output"]["message"]["content"][0]["text"] == "This is the scripted default answer."
        assert said("stop here")["stopReason"] == "max_tokens"
        other = rt.converse(modelId="apac.anthropic.claude-sonnet-4-20250514-v1:0", messages=user("Hello"))
        assert other["output"]["message"]["content"][0]["text"].startswith("Hello!"), "other models stay built-in"
    finally:
        stop(server)


def test_a_bad_bedrock_section_stops_start_up():
    binary = os.environ["SEKISHO_BIN"]
    import tempfile
    with tempfile.NamedTemporaryFile("w", suffix=".toml", delete=False) as f:
        f.write('[bedrock.routing]\nstrategy = "random"\n')
    result = subprocess.run([binary, "serve", "--port", "0", "--config", f.name], capture_output=True, text=True, timeout=30)
    os.unlink(f.name)
    assert result.returncode == 2
    assert "strategy" in result.stderr and "random" in result.stderr
