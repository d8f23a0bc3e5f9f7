"""schemathesis hooks (loaded through SCHEMATHESIS_HOOKS by tests/contract/test_schemathesis.py).

An Idempotency-Key means "this request, once": sending one key with two different bodies is a
client error (422, as the IETF draft says), which OpenAPI cannot describe. Generated requests
reuse short keys all the time, so every key that is valid by the documented pattern is made
unique per request, as a well-behaved client's are. Keys that break the pattern are left
alone: the malformed-key cases (400) still run.

Header values go out as the UTF-8 of the generated text. An HTTP client writes a header string
as Latin-1 bytes, so generated text like `\x84` becomes a byte that is not UTF-8, which Kestrel
(and devhost, docs/local-host.md) refuses with its own bodiless 400 before any function runs:
the host's answer, not the API's. As UTF-8 the same text reaches the function, whose checks
are what this contract is about.
"""

from __future__ import annotations

import itertools
from typing import Any

import schemathesis

from shared.orders.validation import IDEMPOTENCY_KEY_PATTERN

_counter = itertools.count()


def _as_utf8(value: str) -> str:
    """The text whose Latin-1 bytes are `value`'s UTF-8."""
    return value.encode("utf-8").decode("latin-1")


@schemathesis.hook
def before_call(context: Any, case: Any, kwargs: dict[str, Any]) -> None:
    for name, value in list((case.headers or {}).items()):
        if isinstance(value, str) and not value.isascii():
            case.headers[name] = _as_utf8(value)
    key = (case.headers or {}).get("Idempotency-Key")
    if isinstance(key, str) and IDEMPOTENCY_KEY_PATTERN.fullmatch(key.strip()):
        case.headers["Idempotency-Key"] = f"st-{next(_counter)}-{key.strip()}"[:255]
