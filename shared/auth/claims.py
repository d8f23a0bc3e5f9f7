"""The caller of a request: the bearer token it sent, and the `Caller` its verified claims name.

The token is the one thing the caller's identity rests on: the issuer signed it, and the app
checks that signature itself (shared.auth.tokens). App Service authentication forwards the
request's `Authorization` header unchanged, and adds `X-MS-CLIENT-PRINCIPAL`, an unsigned
rewrite of the same claims; the app ignores that header, so no setting and no missing
platform can turn it into something a client can forge (docs/security.md, "Trust").
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Protocol

from shared.auth.caller import ROLES, Caller
from shared.errors import Unauthenticated
from shared.ids import ID_PATTERN

if TYPE_CHECKING:
    from collections.abc import Mapping

__all__ = ["MAX_TOKEN_BYTES", "Verifier", "authenticate", "bearer_token", "caller_from_claims"]

# Far above an Entra ID access token (1-4 KB, more with many groups), far below anything costly.
MAX_TOKEN_BYTES = 16 * 1024
# RFC 6750's b64token, which a JWT's three base64url segments always fit.
_TOKEN_CHARACTERS = frozenset(
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~+/="
)
_SIGN_IN = "Sign in: send an Entra ID access token as a Bearer token."


class Verifier(Protocol):
    async def claims(self, token: str) -> dict[str, Any]:
        """The token's verified claims, or the app's error saying why not."""


async def authenticate(
    headers: Mapping[str, str], *, verifier: Verifier, customer_claim: str
) -> Caller:
    """The caller whose valid token came with the request (shared.auth.tokens verifies it)."""
    claims = await verifier.claims(bearer_token(headers))
    return caller_from_claims(claims, customer_claim=customer_claim)


def bearer_token(headers: Mapping[str, str]) -> str:
    """The token of `Authorization: Bearer <token>`; Unauthenticated for anything else (none,
    another scheme, two tokens, an oversized one)."""
    raw = (headers.get("Authorization") or "").strip()
    if not raw:
        raise Unauthenticated(_SIGN_IN)
    scheme, _, token = raw.partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token:
        raise Unauthenticated(_SIGN_IN)
    if len(token) > MAX_TOKEN_BYTES or not _TOKEN_CHARACTERS.issuperset(token):
        raise Unauthenticated("The bearer token is malformed or too large.")
    return token


def caller_from_claims(claims: Mapping[str, Any], *, customer_claim: str) -> Caller:
    """The caller a verified token names: its object id, its customer (the claim
    CUSTOMER_ID_CLAIM names, `oid` by default) and the app's roles among its `roles`."""
    object_id = claims.get("oid")
    if not isinstance(object_id, str) or not object_id.strip():
        raise Unauthenticated("The token names no object id (oid).")
    customer = claims.get(customer_claim)
    if not isinstance(customer, str) or not ID_PATTERN.fullmatch(customer):
        # Not a customer id the app can store or use as its folder of images: a caller
        # without a customer (so a customer's actions answer 403), never a wider one.
        customer = None
    roles = claims.get("roles")
    held = {role for role in roles if isinstance(role, str)} if isinstance(roles, list) else set()
    return Caller(object_id, customer, frozenset(held & ROLES))
