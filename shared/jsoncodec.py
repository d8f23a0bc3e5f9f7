"""JSON with exact decimals: amounts parse to Decimal and print as plain JSON numbers."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

__all__ = ["decode_json", "encode_json"]


def _default(value: object) -> object:
    if isinstance(value, Decimal):
        # Amounts are bounded to 2 places and 12 digits, so the float's repr is exact.
        return float(value)
    raise TypeError(f"{type(value).__name__} is not JSON serialisable")


def encode_json(value: object) -> str:
    return json.dumps(value, default=_default, separators=(",", ":"), sort_keys=True)


def decode_json(text: str | bytes) -> Any:
    return json.loads(text, parse_float=Decimal)
