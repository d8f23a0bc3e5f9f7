"""schemathesis hooks (loaded through SCHEMATHESIS_HOOKS by tests/contract/test_schemathesis.py).

An Idempotency-Key means "this request, once": sending one key with two different bodies is a
client error (422, as the IETF draft says), which OpenAPI cannot describe. Generated requests
reuse short keys all the time, so every key that is valid by the documented pattern is made
unique per request, as a well-behaved client's are. Keys that break the pattern are left
alone: the malformed-key cases (400) still run.
"""

from __future__ import annotations

import itertools
from typing import Any

import schemathesis

from shared.orders.validation import IDEMPOTENCY_KEY_PATTERN

_counter = itertools.count()


@schemathesis.hook
def before_call(context: Any, case: Any, kwargs: dict[str, Any]) -> None:
    key = (case.headers or {}).get("Idempotency-Key")
    if isinstance(key, str) and IDEMPOTENCY_KEY_PATTERN.fullmatch(key.strip()):
        case.headers["Idempotency-Key"] = f"st-{next(_counter)}-{key.strip()}"[:255]
