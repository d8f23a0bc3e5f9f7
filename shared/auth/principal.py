"""The caller, read from the principal the platform hands the app.

With App Service built-in authentication on, the platform validates the caller's token,
removes any `X-MS-CLIENT-PRINCIPAL*` header the client sent, and adds its own:
`X-MS-CLIENT-PRINCIPAL` is base64 of JSON `{"auth_typ", "claims": [{"typ", "val"}],
"name_typ", "role_typ"}`, roles as repeated claims of type `role_typ`.
https://learn.microsoft.com/azure/app-service/configure-authentication-user-identities

The platform strips client-sent headers only while it is on, so the header is trusted only
then (`trusted`, from WEBSITE_AUTH_ENABLED). A header that cannot be read is the caller's
fault, never the server's: 401, whatever is wrong with it.
"""

from __future__ import annotations

import base64
import binascii
from typing import TYPE_CHECKING, Any

from shared.auth.caller import LOCAL_DEVELOPER, ROLES, Caller
from shared.errors import Unauthenticated
from shared.ids import ID_PATTERN
from shared.jsoncodec import decode_json

if TYPE_CHECKING:
    from collections.abc import Mapping

__all__ = ["MAX_PRINCIPAL_BYTES", "PRINCIPAL_HEADER", "caller_from_headers", "parse_principal"]

PRINCIPAL_HEADER = "X-MS-CLIENT-PRINCIPAL"
# Far above a real principal (a few KB with dozens of claims), far below anything costly.
MAX_PRINCIPAL_BYTES = 16 * 1024
# Some claims arrive under their long URI names (the platform's claim mapping), others short.
_OBJECT_ID = ("oid", "http://schemas.microsoft.com/identity/claims/objectidentifier")
_ROLE_TYPES = ("roles", "http://schemas.microsoft.com/ws/2008/06/identity/claims/role")


def caller_from_headers(
    headers: Mapping[str, str], *, trusted: bool, required: bool, customer_claim: str
) -> Caller:
    """The caller of a request. Without a trusted principal: Unauthenticated when
    authentication is required, else the local developer (local development only)."""
    raw = headers.get(PRINCIPAL_HEADER) if trusted else None
    if not raw:
        if required:
            raise Unauthenticated("Sign in: send an Entra ID access token as a Bearer token.")
        return LOCAL_DEVELOPER
    return parse_principal(raw, customer_claim=customer_claim)


def parse_principal(raw: str, *, customer_claim: str) -> Caller:
    claims, role_type = _read(raw)
    role_types = {role_type, *_ROLE_TYPES}
    object_id = _first(claims, _OBJECT_ID)
    if object_id is None:
        raise Unauthenticated("The principal names no object id (oid).")
    names = _OBJECT_ID if customer_claim == "oid" else (customer_claim,)
    customer = _first(claims, names)
    if customer is not None and not ID_PATTERN.fullmatch(customer):
        # Not a customer id the app can store or use as its folder of images: a caller
        # without a customer (so a customer's actions answer 403), never a wider one.
        customer = None
    roles = {value for kind in role_types for value in claims.get(kind, [])}
    return Caller(object_id, customer, frozenset(roles & ROLES))


def _read(raw: str) -> tuple[dict[str, list[str]], str]:
    """Claim type -> values, and the type the document says roles have."""
    if len(raw) > MAX_PRINCIPAL_BYTES:
        raise Unauthenticated("The principal header is too large.")
    try:
        document: Any = decode_json(base64.b64decode(raw, validate=True))
    except (binascii.Error, ValueError, UnicodeDecodeError) as exc:
        raise Unauthenticated("The principal header is not base64 JSON.") from exc
    items = document.get("claims") if isinstance(document, dict) else None
    if not isinstance(items, list):
        raise Unauthenticated("The principal header holds no claims.")
    claims: dict[str, list[str]] = {}
    for item in items:
        if isinstance(item, dict) and isinstance(item.get("typ"), str):
            value = item.get("val")
            if isinstance(value, str):
                claims.setdefault(item["typ"], []).append(value)
    role_type = document.get("role_typ")
    return claims, role_type if isinstance(role_type, str) and role_type else "roles"


def _first(claims: Mapping[str, list[str]], names: tuple[str, ...]) -> str | None:
    for name in names:
        for value in claims.get(name, []):
            if value.strip():
                return value
    return None
