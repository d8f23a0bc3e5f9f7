"""Opaque, signed continuation tokens.

Table Storage hands back its position as partition and row keys; clients must not read or
forge them (a forged position could walk another query's partitions), so the position is
signed together with the query it belongs to.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac

from shared.errors import MalformedRequest
from shared.jsoncodec import decode_json, encode_json

__all__ = ["InvalidContinuationToken", "decode_token", "encode_token"]

_SIGNATURE_BYTES = 16


class InvalidContinuationToken(MalformedRequest):
    """The continuation token was not issued by this API for this query."""

    code = "invalid-continuation-token"


def _sign(payload: bytes, scope: str, secret: bytes) -> bytes:
    mac = hmac.new(secret, scope.encode() + b"\0" + payload, hashlib.sha256)
    return mac.digest()[:_SIGNATURE_BYTES]


def encode_token(position: dict[str, str], *, scope: str, secret: bytes) -> str:
    payload = encode_json(position).encode()
    raw = _sign(payload, scope, secret) + payload
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_token(token: str, *, scope: str, secret: bytes) -> dict[str, str]:
    try:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
    except (binascii.Error, ValueError) as exc:
        raise InvalidContinuationToken("The continuation token is not valid.") from exc
    signature, payload = raw[:_SIGNATURE_BYTES], raw[_SIGNATURE_BYTES:]
    if not hmac.compare_digest(signature, _sign(payload, scope, secret)):
        raise InvalidContinuationToken("The continuation token is not valid for this query.")
    try:
        position = decode_json(payload)
    except (ValueError, UnicodeDecodeError) as exc:
        raise InvalidContinuationToken("The continuation token is not valid.") from exc
    if not isinstance(position, dict) or not all(isinstance(v, str) for v in position.values()):
        raise InvalidContinuationToken("The continuation token is not valid.")
    return position
