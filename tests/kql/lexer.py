"""Tokens of the KQL subset that tests/kql reads (see tests/kql/__init__.py for the grammar).

A character the lexer does not know is an error, not something to skip: a query that uses
more of KQL than this subset must fail its test, never pass unread.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import timedelta

from tests.kql.errors import Unsupported

__all__ = ["Token", "tokenize"]

_TIMESPAN_UNITS = {"d": "days", "h": "hours", "m": "minutes", "s": "seconds", "ms": "milliseconds"}
_PATTERN = re.compile(
    r"""
    (?P<space>\s+|//[^\n]*)
  | (?P<timespan>\d+(?:\.\d+)?(?:ms|d|h|m|s)\b)
  | (?P<number>\d+\.\d*|\d*\.\d+|\d+)
  | (?P<string>"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*')
  | (?P<negated>!(?:in|startswith|contains|has)\b)
  | (?P<ident>[A-Za-z_][A-Za-z0-9_]*)
  | (?P<symbol>==|!=|=~|<=|>=|[|,()\[\].=<>+\-*/;])
    """,
    re.VERBOSE,
)


@dataclass(frozen=True, slots=True)
class Token:
    kind: str  # ident, number, string, timespan, symbol, negated, end
    value: object
    text: str
    at: int


def _value(kind: str, text: str) -> object:
    if kind == "number":
        return float(text) if "." in text else int(text)
    if kind == "string":
        return bytes(text[1:-1], "utf-8").decode("unicode_escape")
    if kind == "timespan":
        unit = "ms" if text.endswith("ms") else text[-1]
        return timedelta(**{_TIMESPAN_UNITS[unit]: float(text[: -len(unit)])})
    return text


def tokenize(text: str) -> list[Token]:
    tokens: list[Token] = []
    position = 0
    while position < len(text):
        match = _PATTERN.match(text, position)
        if match is None:
            raise Unsupported(f"unexpected character {text[position]!r} at {position}")
        kind = match.lastgroup or ""
        if kind != "space":
            tokens.append(Token(kind, _value(kind, match.group()), match.group(), position))
        position = match.end()
    tokens.append(Token("end", None, "", len(text)))
    return tokens
