"""The Step Functions replay harness (scripts/conformance-sfn.py) recognises placeholders by their shape.

The recordings replace what differs from run to run by placeholders of two shapes: `<...>` tokens and bare
words. No name is listed anywhere, so a recording with placeholders never seen before needs no change.
Runs without a server: it checks the comparison only.
"""

import importlib.util
import os

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
_spec = importlib.util.spec_from_file_location("conformance_sfn", os.path.join(ROOT, "scripts", "conformance-sfn.py"))
harness = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(harness)

ARN = "arn:aws:states:us-east-1:111111111111:execution:case-7:0c6b2a47-3f1e-4d8e-9a51-2f7e4b1c9d00"


def same(expected, actual):
    return harness.matches(expected, actual, "$") is None


def test_tokens_of_any_name_are_wildcards_inside_strings():
    assert same("arn:<partition>:states:<region>:111111111111:execution:<NeverSeen_7idx>:<run-name:2>", ARN)
    assert not same("arn:<partition>:states:<region>:222222222222:execution:<a>:<b>", ARN)


def test_a_whole_token_stands_for_any_scalar():
    assert same({"length": "<count:1>"}, {"length": 3})
    assert same({"flag": "<anything>"}, {"flag": True})
    assert not same({"items": "<list>"}, {"items": [1]})


def test_bare_words_stand_for_values_that_change_from_run_to_run():
    assert same("some-new-time", "2024-11-05T10:20:30.123Z")
    assert same("a_role_placeholder", "arn:aws:iam::111111111111:role/conformance")
    assert same("RequestId", "0c6b2a47-3f1e-4d8e-9a51-2f7e4b1c9d00")
    assert same("date", "Tue, 08 Dec 2026 03:29:41 GMT")
    assert same("startDate", 1_733_600_000_123)


def test_bare_words_do_not_hide_real_differences():
    assert not same("pass", "fail")
    assert not same("test", 12)
    assert not same("value", "2024")
    assert not same("two words", "2024-11-05T10:20:30Z")


def test_placeholder_words_inside_json_text():
    assert same('["start-time", 1]', '["2024-11-05T10:20:30.123Z",1]')
    assert not same('["start-time", 2]', '["2024-11-05T10:20:30.123Z",1]')
    # Without a placeholder, JSON text is compared as text: AWS's number formatting is part of the answer.
    assert not same("[1]", "[1.0]")
