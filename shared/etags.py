"""The syntax of If-Match (RFC 9110, section 13.1.1): `*` or a comma-separated list of
entity tags, each `"opaque"` or weak `W/"opaque"`. As for any list field, empty elements are
ignored (RFC 9110, section 5.6.1), so an empty If-Match is an empty list: it matches nothing.

A header that breaks the syntax is a malformed request (400); a well-formed one that names no
current version is a failed precondition (412). The OpenAPI document uses IF_MATCH_PATTERN, so
the contract and the server cannot disagree.
"""

from __future__ import annotations

import re
from typing import Literal

from shared.errors import MalformedRequest

__all__ = ["IF_MATCH_PATTERN", "EntityTag", "parse_if_match"]

_TAG = r'(?:W/)?"[!#-~]*"'
IF_MATCH_PATTERN = rf"^\s*(?:\*|(?:{_TAG})?(?:\s*,\s*(?:{_TAG})?)*)\s*$"
_IF_MATCH = re.compile(IF_MATCH_PATTERN)
_EACH_TAG = re.compile(r'(W/)?"([!#-~]*)"')

EntityTag = tuple[bool, str]  # (weak, opaque text between the quotes)


def parse_if_match(raw: str | None) -> Literal["*"] | tuple[EntityTag, ...] | None:
    """None without the header; "*" for any version; else the listed tags, in order."""
    if raw is None:
        return None
    if _IF_MATCH.fullmatch(raw) is None:
        raise MalformedRequest('If-Match must be * or a list of entity tags such as "abc".')
    if raw.strip() == "*":
        return "*"
    return tuple((bool(weak), opaque) for weak, opaque in _EACH_TAG.findall(raw))
