"""HTTP/2 on the plain listener (issue 15): prior knowledge as Node's SDK speaks it, signed AWS calls, event streams
(ConverseStream, InvokeModelWithResponseStream) read to the end and equal to what HTTP/1.1 delivers, large bodies
past the flow-control windows, many requests on one connection; and hostile HTTP/2 (bad frames, a flood of streams,
oversized headers, silence) answered with protocol errors while the server keeps serving."""

import base64
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request

import hpack
import hyperframe.frame
import pytest
from botocore.eventstream import EventStreamBuffer

import h2client
from conftest import ACCOUNT_B, start, stop
from h2client import Connection, call, signed

TOKYO = "ap-northeast-1"
JP_HAIKU = "jp.anthropic.claude-haiku-4-5-20251001-v1:0"
FORM = json.dumps({"companyName": "sekisho", "intendedUsers": "0", "useCases": "testing"}).encode()
GET_CALLER_IDENTITY = b"Action=GetCallerIdentity&Version=2011-06-15"
FORM_TYPE = {"content-type": "application/x-www-form-urlencoded; charset=utf-8"}
PROTOCOL_ERROR, REFUSED_STREAM, ENHANCE_YOUR_CALM = 0x1, 0x7, 0xB


@pytest.fixture(scope="module")
def vendor(sekisho):
    sekisho.client("bedrock", access_key=ACCOUNT_B, region=TOKYO).put_use_case_for_model_access(formData=FORM)
    return sekisho


def health(server):
    with urllib.request.urlopen(server.endpoint + "/_sekisho/health", timeout=10) as r:
        return r.status


def events_of(body):
    """(event type, payload) of each event-stream message, parsed by botocore's own decoder."""
    buf = EventStreamBuffer()
    buf.add_data(bytes(body))
    return [(m.headers[":event-type"], json.loads(m.payload)) for m in buf]


def converse_stream_h2(server, text):
    path = f"/model/{JP_HAIKU}/converse-stream"
    body = json.dumps({"messages": [{"role": "user", "content": [{"text": text}]}]}).encode()
    return call(server.endpoint, "bedrock", TOKYO, "POST", path, body, {"content-type": "application/json"},
                key=ACCOUNT_B)


# --- AWS calls over HTTP/2 -------------------------------------------------------------------------------

def test_a_signed_call_over_prior_knowledge_http2(sekisho):
    r = call(sekisho.endpoint, "sts", "us-east-1", "POST", "/", GET_CALLER_IDENTITY, FORM_TYPE)
    assert r.status == 200 and r.ended
    assert b"<Arn>arn:aws:iam::111111111111:root</Arn>" in r.body


def test_a_bad_signature_over_http2_is_the_same_aws_error(sekisho):
    r = call(sekisho.endpoint, "sts", "us-east-1", "POST", "/", GET_CALLER_IDENTITY, FORM_TYPE, secret="wrong")
    assert r.status == 403 and b"<Code>SignatureDoesNotMatch</Code>" in r.body


def test_converse_stream_over_http2_delivers_every_event(vendor):
    prompt = "Tell me about the Tokaido road."
    r = converse_stream_h2(vendor, prompt)
    assert r.status == 200 and r.ended
    events = events_of(r.body)
    names = [name for name, _ in events]
    assert names[0] == "messageStart" and names[-3:] == ["contentBlockStop", "messageStop", "metadata"]
    # The same answer boto3 reads over HTTP/1.1.
    rt = vendor.client("bedrock-runtime", access_key=ACCOUNT_B, region=TOKYO)
    over_h1 = list(rt.converse_stream(modelId=JP_HAIKU, messages=[{"role": "user", "content": [{"text": prompt}]}])
                   ["stream"])
    text = "".join(p["delta"]["text"] for name, p in events if name == "contentBlockDelta")
    text_h1 = "".join(e["contentBlockDelta"]["delta"]["text"] for e in over_h1 if "contentBlockDelta" in e)
    assert text == text_h1 and len(events) == len(over_h1)


def test_invoke_model_with_response_stream_over_http2(vendor):
    body = json.dumps({"anthropic_version": "bedrock-2023-05-31", "max_tokens": 300,
                       "messages": [{"role": "user", "content": [{"type": "text", "text": "Hello, Claude"}]}]})
    r = call(vendor.endpoint, "bedrock", TOKYO, "POST", f"/model/{JP_HAIKU}/invoke-with-response-stream",
             body.encode(), {"content-type": "application/json"}, key=ACCOUNT_B)
    assert r.status == 200 and r.ended
    chunks = [json.loads(base64.b64decode(p["bytes"])) for name, p in events_of(r.body) if name == "chunk"]
    types = [c["type"] for c in chunks]
    assert types[0] == "message_start" and types[-1] == "message_stop"


def test_a_large_body_crosses_the_flow_control_windows(vendor):
    """A 6 MiB request (six times HTTP/2's stream window) arrives whole: Converse counts its tokens."""
    text = "tokaido " * (6 * 1024 * 1024 // 8)
    small = call(vendor.endpoint, "bedrock", TOKYO, "POST", f"/model/{JP_HAIKU}/converse",
                 json.dumps({"messages": [{"role": "user", "content": [{"text": "tokaido"}]}]}).encode(),
                 {"content-type": "application/json"}, key=ACCOUNT_B)
    body = json.dumps({"messages": [{"role": "user", "content": [{"text": text}]}]}).encode()
    r = call(vendor.endpoint, "bedrock", TOKYO, "POST", f"/model/{JP_HAIKU}/converse", body,
             {"content-type": "application/json"}, key=ACCOUNT_B)
    assert small.status == 200, small.body[:300]
    assert r.status == 200, r.body[:300]
    assert json.loads(r.body)["usage"]["inputTokens"] > 1000 * json.loads(small.body)["usage"]["inputTokens"]


def test_many_requests_share_one_connection(sekisho):
    conn = Connection(sekisho.endpoint)
    try:
        sids = [conn.request("POST", "/", signed(sekisho.endpoint, "sts", "us-east-1", "POST", "/",
                                                 GET_CALLER_IDENTITY, FORM_TYPE), GET_CALLER_IDENTITY)
                for _ in range(50)]
        responses = conn.run(*sids)
        assert [r.status for r in responses] == [200] * 50
        assert conn.goaway is None and not conn.closed
    finally:
        conn.close()


def test_the_server_announces_its_stream_and_header_limits(sekisho):
    conn = Connection(sekisho.endpoint)
    try:
        sid = conn.request("GET", "/_sekisho/health")
        assert conn.run(sid)[0].status == 200
        assert conn.settings[hyperframe.frame.SettingsFrame.MAX_CONCURRENT_STREAMS] == 128
        assert conn.settings[hyperframe.frame.SettingsFrame.MAX_HEADER_LIST_SIZE] == 64 * 1024
    finally:
        conn.close()


# --- hostile HTTP/2 --------------------------------------------------------------------------------------

PREFACE = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"


def raw_h2(server):
    s = socket.create_connection(h2client.address(server.endpoint), timeout=20)
    s.sendall(PREFACE + hyperframe.frame.SettingsFrame(0).serialize())
    return s


def frames_until_close(sock, limit=30, until=lambda frames: False):
    """Every frame the server sends until it closes the connection, `until(frames)` holds or `limit` seconds pass."""
    buf, frames = b"", []
    deadline = time.monotonic() + limit
    sock.settimeout(limit)
    while time.monotonic() < deadline and not until(frames):
        try:
            chunk = sock.recv(65536)
        except (ConnectionResetError, socket.timeout):
            break
        if not chunk:
            break
        buf += chunk
        while len(buf) >= 9:
            frame, length = hyperframe.frame.Frame.parse_frame_header(memoryview(buf[:9]))
            if len(buf) < 9 + length:
                break
            frame.parse_body(memoryview(buf[9:9 + length]))
            frames.append(frame)
            buf = buf[9 + length:]
    return frames


def headers_frame(sid, headers, end_stream=True):
    f = hyperframe.frame.HeadersFrame(sid)
    f.data = hpack.Encoder().encode(headers)
    f.flags.add("END_HEADERS")
    if end_stream:
        f.flags.add("END_STREAM")
    return f.serialize()


def goaway_code(frames):
    codes = [f.error_code for f in frames if isinstance(f, hyperframe.frame.GoAwayFrame)]
    return codes[-1] if codes else None


def test_garbage_after_the_preface_is_a_protocol_error(fresh):
    s = raw_h2(fresh)
    # A frame header announcing a DATA frame on stream 0, which RFC 9113 §6.1 makes a connection error.
    s.sendall(b"\x00\x00\x04\x00\x00\x00\x00\x00\x00garb")
    frames = frames_until_close(s)
    s.close()
    assert goaway_code(frames) == PROTOCOL_ERROR
    assert health(fresh) == 200


def test_a_frame_larger_than_allowed_is_refused(fresh):
    s = raw_h2(fresh)
    # 1 MiB announced against the default 16 KiB SETTINGS_MAX_FRAME_SIZE: FRAME_SIZE_ERROR (0x6).
    s.sendall(b"\x10\x00\x00\x00\x00\x00\x00\x00\x01" + b"\x00" * 1024)
    frames = frames_until_close(s)
    s.close()
    assert goaway_code(frames) == 0x6
    assert health(fresh) == 200


def test_a_flood_of_streams_is_refused_past_the_cap(fresh):
    """1,000 requests opened at once, none of them finished: the ones past the 128 allowed are refused."""
    s = raw_h2(fresh)
    headers = [(":method", "POST"), (":scheme", "http"), (":authority", "127.0.0.1"), (":path", "/_sekisho/health")]
    s.sendall(b"".join(headers_frame(sid, headers, end_stream=False) for sid in range(1, 2001, 2)))
    # Every stream ends in a reset: the refused ones at once, the served ones after their answer (their request
    # body never came).
    frames = frames_until_close(s, until=lambda got: sum(isinstance(f, hyperframe.frame.RstStreamFrame) for f in got)
                                == 1000)
    s.close()
    refused = [f for f in frames if isinstance(f, hyperframe.frame.RstStreamFrame) and f.error_code == REFUSED_STREAM]
    answered = [f for f in frames if isinstance(f, hyperframe.frame.HeadersFrame)]
    assert (len(refused), len(answered)) == (1000 - 128, 128)
    assert health(fresh) == 200


def test_rapidly_reset_streams_end_the_connection(fresh):
    """Open and reset, again and again (CVE-2023-44487): the server calls the client out instead of working on."""
    s = raw_h2(fresh)
    headers = [(":method", "GET"), (":scheme", "http"), (":authority", "127.0.0.1"), (":path", "/_sekisho/health")]
    frames = b""
    for sid in range(1, 4001, 2):
        frames += headers_frame(sid, headers, end_stream=True) + hyperframe.frame.RstStreamFrame(sid, 0x8).serialize()
    try:
        s.sendall(frames)
    except (BrokenPipeError, ConnectionResetError):
        pass
    got = frames_until_close(s)
    s.close()
    assert goaway_code(got) == ENHANCE_YOUR_CALM
    assert health(fresh) == 200


def test_oversized_headers_are_refused(fresh):
    """A 100 KiB header against the 64 KiB header-list cap: 431 for that request, and the connection lives on."""
    conn = Connection(fresh.endpoint)
    try:
        big = conn.request("GET", "/_sekisho/health", [("x-big", "a" * (100 * 1024))])
        r = conn.run(big)[0]
        assert r.status == 431
        fine = conn.request("GET", "/_sekisho/health")
        assert conn.run(fine)[0].status == 200 and conn.goaway is None
    finally:
        conn.close()
    assert health(fresh) == 200


def test_a_flood_of_continuation_frames_is_cut_off(fresh):
    """A header block that never ends (HEADERS, then CONTINUATION frames without END_HEADERS, CVE-2024-27316's
    shape): cut off once past the header-list cap instead of buffered without end."""
    s = raw_h2(fresh)
    start = hyperframe.frame.HeadersFrame(1)
    start.data = hpack.Encoder().encode([(":method", "GET"), (":scheme", "http"), (":authority", "127.0.0.1"),
                                         (":path", "/_sekisho/health")])
    sent = start.serialize()
    # Literal header fields without indexing, 16 KiB each: 4 MiB of header block in all.
    chunk = hpack.Encoder().encode([("x-flood", "a" * 16000)], huffman=False)
    sent += b"".join(hyperframe.frame.ContinuationFrame(1, data=chunk).serialize() for _ in range(256))
    try:
        s.sendall(sent)
    except (BrokenPipeError, ConnectionResetError):
        pass
    frames = frames_until_close(s)
    s.close()
    assert goaway_code(frames) == ENHANCE_YOUR_CALM
    assert health(fresh) == 200


def test_a_silent_http2_connection_is_closed():
    server = start(config="[server]\nheader_read_timeout_secs = 1\n")
    try:
        s = raw_h2(server)
        frames = frames_until_close(s, limit=20)
        s.close()
        # Told to go away (NO_ERROR) once idle, then closed; nothing kept it open.
        assert goaway_code(frames) == 0
        silent = socket.create_connection(h2client.address(server.endpoint), timeout=20)
        assert silent.recv(1) == b""
        silent.close()
    finally:
        stop(server)


def test_shutdown_with_an_open_http2_connection_is_clean():
    server = start()
    s = raw_h2(server)
    health_request = [(":method", "GET"), (":scheme", "http"), (":authority", "127.0.0.1"),
                      (":path", "/_sekisho/health")]
    s.sendall(headers_frame(1, health_request))
    assert frames_until_close(s, until=lambda got: any(isinstance(f, hyperframe.frame.HeadersFrame) for f in got))
    server.proc.send_signal(signal.SIGTERM)
    # The client is told to go away (NO_ERROR), answers the server's PING as clients must, and sees the close.
    pings = lambda got: [f for f in got if isinstance(f, hyperframe.frame.PingFrame)]
    frames = frames_until_close(s, until=pings)
    for ping in pings(frames):
        s.sendall(hyperframe.frame.PingFrame(0, ping.opaque_data, flags=["ACK"]).serialize())
    frames += frames_until_close(s)
    s.close()
    assert goaway_code(frames) == 0
    assert server.proc.wait(timeout=10) == 0


@pytest.fixture
def fresh():
    server = start()
    yield server
    stop(server)


def test_an_event_stream_over_http2_outlasts_the_idle_timeout():
    """Silence closes an HTTP/2 connection, but a stream still sending events is not silence."""
    fixtures = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "fixtures", "bedrock")
    backend = subprocess.Popen([sys.executable, os.path.join(fixtures, "openai_server.py"), "0"],
                               stdout=subprocess.PIPE, text=True)
    try:
        port = int(backend.stdout.readline().split()[-1])
        server = start(config=f"""
[server]
header_read_timeout_secs = 1

[bedrock]
require_use_case_form = false

[[bedrock.backends]]
models = ["anthropic.*"]
type = "openai"
url = "http://127.0.0.1:{port}/v1"
model = "tiny-test-model"
""")
        try:
            r = converse_stream_h2(server, "slowstream a b c d")
            assert r.status == 200 and r.ended
            # Six words half a second apart: the stream lasted well past the one-second idle timeout.
            text = "".join(p["delta"]["text"] for name, p in events_of(r.body) if name == "contentBlockDelta")
            assert text == "echo: slowstream a b c d"
        finally:
            stop(server)
    finally:
        backend.terminate()
        backend.wait(timeout=10)
