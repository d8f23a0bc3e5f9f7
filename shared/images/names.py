"""Which blob names under `uploads/` the API accepts.

One rule, written once as NAME_PATTERN (valid as a Python and as an ECMA-262 regular
expression, so the OpenAPI document states exactly what the server accepts): slash-separated
segments, none empty, none ending in '.' (so no '..' anywhere, no trailing '/' or '.'),
at most 1024 characters, and none of the characters Azure or a reader could trip on: control
characters (C0, DEL, C1), '\\', U+FFFE/U+FFFF (not valid in the XML that blob listings
return) and the invisible or bidirectional formatting characters of the BMP. Lone surrogates
never get this far: shared.jsoncodec refuses a document that escapes one.
"""

from __future__ import annotations

import re

from shared.errors import FieldError, InvalidInput

__all__ = ["MAX_NAME_CHARS", "NAME_PATTERN", "validate_name"]

MAX_NAME_CHARS = 1024  # Azure's limit for a blob name
_FORBIDDEN = (
    r"\x00-\x1f\x7f-\x9f\\\u00ad\u0600-\u0605\u061c\u06dd\u070f\u180e\u200b-\u200f"
    r"\u202a-\u202e\u2060-\u206f\ufeff\ufff9-\ufffb\ufffe\uffff"
)
_CHAR = rf"[^/.{_FORBIDDEN}]"  # any allowed character but '/' and '.'
_SEGMENT = rf"(?:{_CHAR}|\.{_CHAR})+"  # every '.' is followed by another allowed character
NAME_PATTERN = rf"^{_SEGMENT}(?:/{_SEGMENT})*$"
_NAME = re.compile(NAME_PATTERN)
_BAD_CHAR = re.compile(rf"[{_FORBIDDEN}]")


def validate_name(name: object, *, field: str = "name") -> str:
    """`name` unchanged, or InvalidInput saying which part of the rule it breaks."""
    problem = _problem(name)
    if problem:
        raise InvalidInput("The image name is not acceptable.", [FieldError(field, problem)])
    assert isinstance(name, str)
    return name


def _problem(name: object) -> str | None:
    if not isinstance(name, str) or not name:
        return "must be a non-empty string"
    if len(name) > MAX_NAME_CHARS:
        return f"must be at most {MAX_NAME_CHARS} characters"
    if _BAD_CHAR.search(name):
        return "must not contain control, formatting or invisible characters, or '\\'"
    if _NAME.fullmatch(name) is None:
        return "must be '/'-separated segments, none empty and none ending in '.'"
    return None
