"""Hostile JSON: nesting is bounded before decoding, wherever the app reads JSON."""

from __future__ import annotations

import base64
import json

import pytest

from shared.changes.errors import BadEventMessage
from shared.changes.publisher import parse_event
from shared.jsoncodec import MAX_DEPTH, JsonTooDeep, decode_json
from shared.paging import InvalidContinuationToken, _sign, decode_token

DEEP = "[" * 100_000 + "]" * 100_000


@pytest.mark.parametrize("text", [DEEP, '{"a":' * 100_000 + "1" + "}" * 100_000, "[" * 100_000])
def test_deep_documents_are_refused_before_decoding(text: str) -> None:
    with pytest.raises(JsonTooDeep):
        decode_json(text)


def test_the_bound_is_exact() -> None:
    assert decode_json("[" * MAX_DEPTH + "]" * MAX_DEPTH) is not None
    with pytest.raises(JsonTooDeep):
        decode_json("[" * (MAX_DEPTH + 1) + "]" * (MAX_DEPTH + 1))


def test_brackets_inside_strings_are_not_nesting() -> None:
    text = '{"a": "' + "[" * 1000 + '\\"{{{", "b": ["]]]"]}'
    assert decode_json(text) == {"a": "[" * 1000 + '"{{{', "b": ["]]]"]}


def test_bytes_must_be_utf8() -> None:
    assert decode_json(b'{"a": "\xc3\xa9"}') == {"a": "é"}
    with pytest.raises(UnicodeDecodeError):
        decode_json(b'{"a": "\xff"}')


def test_a_deep_queue_message_is_a_permanent_failure() -> None:
    with pytest.raises(BadEventMessage):
        parse_event(DEEP.encode())


def test_a_deep_continuation_token_is_refused_even_when_signed() -> None:
    secret, scope, payload = b"s" * 32, "orders?", DEEP.encode()
    token = base64.urlsafe_b64encode(_sign(payload, scope, secret) + payload).decode()
    with pytest.raises(InvalidContinuationToken):
        decode_token(token, scope=scope, secret=secret)


@pytest.mark.parametrize("constant", ["NaN", "Infinity", "-Infinity"])
def test_nan_and_infinity_are_not_json(constant: str) -> None:
    with pytest.raises(ValueError, match="not a JSON number"):
        decode_json('{"total_amount": ' + constant + "}")


@pytest.mark.parametrize(
    "text",
    ['"\\ud800"', '"a\\udc00"', '"\\ud800x"', '"\\ud800\\u0041"', '{"\\udbff": 1}', '"\\ud800\\n"'],
)
def test_a_lone_surrogate_is_refused(text: str) -> None:
    with pytest.raises(ValueError, match="lone surrogate"):
        decode_json(text)


@pytest.mark.parametrize("text", ['"\\ud83d\\ude00"', '"\\\\ud800"', '"\\u00e9\\\\"'])
def test_pairs_and_escaped_backslashes_are_fine(text: str) -> None:
    assert decode_json(text) == json.loads(text)
