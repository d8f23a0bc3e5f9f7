"""JSON with exact decimals, and a nesting bound for JSON from outside.

Amounts parse to Decimal and print as plain JSON numbers. Every document the app reads (HTTP
bodies, queue messages, stored rows, continuation tokens) is checked for nesting depth before
it is decoded: the standard decoder recurses once per level, so an array nested 100,000 deep
raises RecursionError (an unhandled 500) instead of a clear rejection. None of our documents
is nested more than a few levels.
"""

from __future__ import annotations

import json
import re
from decimal import Decimal
from typing import Any

__all__ = [
    "MAX_DEPTH",
    "JsonTooDeep",
    "check_depth",
    "check_surrogates",
    "decode_json",
    "encode_json",
]

MAX_DEPTH = 32
# A string (escapes included; an unterminated one runs to the end) or one bracket: brackets
# inside strings are not nesting.
_STRING_OR_BRACKET = re.compile(r'"(?:[^"\\]|\\.)*"?|[\[\]{}]', re.DOTALL)
_ESCAPE = re.compile(r"\\(?:u([0-9a-fA-F]{4})|.)", re.DOTALL)


class JsonTooDeep(ValueError):
    """The document nests arrays or objects deeper than MAX_DEPTH."""


def _default(value: object) -> object:
    if isinstance(value, Decimal):
        # Amounts are bounded to 2 places and 12 digits, so the float's repr is exact.
        return float(value)
    raise TypeError(f"{type(value).__name__} is not JSON serialisable")


def encode_json(value: object) -> str:
    return json.dumps(value, default=_default, separators=(",", ":"), sort_keys=True)


def check_depth(text: str, *, limit: int = MAX_DEPTH) -> None:
    """Raise JsonTooDeep if `text` opens more than `limit` brackets without closing them."""
    depth = 0
    for match in _STRING_OR_BRACKET.finditer(text):
        piece = match.group()
        if piece in ("[", "{"):
            depth += 1
            if depth > limit:
                raise JsonTooDeep(f"JSON nested deeper than {limit} levels")
        elif piece in ("]", "}"):
            depth -= 1


def check_surrogates(text: str) -> None:
    """Raise ValueError if a string escapes half of a UTF-16 surrogate pair (`"\\ud800"`).
    RFC 8259 leaves such strings' meaning open; in Python they become text that cannot be
    encoded as UTF-8, so the first write or log of one would fail far from the cause."""
    pending_at = -1  # where the low half must follow a high half
    for escape in _ESCAPE.finditer(text):
        code = int(escape.group(1), 16) if escape.group(1) else -1
        if pending_at >= 0:
            if escape.start() != pending_at or not 0xDC00 <= code <= 0xDFFF:
                raise ValueError("JSON string with a lone surrogate")
            pending_at = -1
        elif 0xD800 <= code <= 0xDBFF:
            pending_at = escape.end()
        elif 0xDC00 <= code <= 0xDFFF:
            raise ValueError("JSON string with a lone surrogate")
    if pending_at >= 0:
        raise ValueError("JSON string with a lone surrogate")


def _not_json(constant: str) -> Any:
    # Python's decoder accepts NaN and Infinity by default; JSON (RFC 8259) has no such numbers.
    raise ValueError(f"{constant} is not a JSON number")


def decode_json(text: str | bytes) -> Any:
    """Decode UTF-8 JSON; ValueError (JsonTooDeep, JSONDecodeError, NaN or Infinity) or
    UnicodeDecodeError if it is not a document we accept."""
    if isinstance(text, bytes):
        text = text.decode("utf-8")
    check_depth(text)
    if "\\u" in text:
        check_surrogates(text)
    return json.loads(text, parse_float=Decimal, parse_constant=_not_json)
