"""Access tokens from the local test issuer, named as Entra ID names the claims of a v2 access
token (`aud`, `iss`, `iat`, `nbf`, `exp`, `azp`, `oid`, `sub`, `tid`, `roles`, `ver`):
https://learn.microsoft.com/entra/identity-platform/access-token-claims-reference
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

import jwt

if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping

    from devhost.auth.issuer import LocalIssuer

__all__ = ["ALGORITHM", "CUSTOMER_CLAIM", "DEFAULT_LIFETIME", "mint"]

ALGORITHM = "RS256"  # what Entra ID signs access tokens with, and all Easy Auth accepts here
# The claim `--customer` sets; the app reads it when CUSTOMER_ID_CLAIM names it (on Azure, a
# directory extension or optional claim would carry it; docs/security.md).
CUSTOMER_CLAIM = "customer_id"
DEFAULT_LIFETIME = 3600  # Entra ID's access tokens last 60-90 minutes


def mint(
    issuer: LocalIssuer,
    oid: str,
    *,
    customer: str | None = None,
    roles: Iterable[str] = (),
    expires_in: int = DEFAULT_LIFETIME,
    audience: str | None = None,
    client: str | None = None,
    claims: Mapping[str, Any] | None = None,
    now: int | None = None,
) -> str:
    """A signed token for object id `oid`. A negative `expires_in` makes one that expired
    that long ago (issued an hour before it expired); `audience` another app's token;
    `client` the client application that asked for it (`azp`; default the issuer's local
    client, which devhost allows); `claims` adds or replaces claims."""
    issued = int(time.time()) if now is None else now
    expires = issued + expires_in
    if expires_in <= 0:
        issued = expires - DEFAULT_LIFETIME
    payload: dict[str, Any] = {
        "aud": audience if audience is not None else issuer.client_id,
        "iss": issuer.issuer,
        "iat": issued,
        "nbf": issued,
        "exp": expires,
        "azp": client if client is not None else issuer.client_app_id,
        "oid": oid,
        # Entra's `sub` is pairwise (per app) for users and equals `oid` for applications;
        # nothing here tells users from applications, so it is the oid.
        "sub": oid,
        "tid": issuer.tenant_id,
        "ver": "2.0",
    }
    role_list = list(dict.fromkeys(roles))
    if role_list:
        payload["roles"] = role_list
    if customer is not None:
        payload[CUSTOMER_CLAIM] = customer
    payload |= claims or {}
    headers = {"kid": issuer.kid, "typ": "JWT"}
    return jwt.encode(payload, issuer.private_key, algorithm=ALGORITHM, headers=headers)
