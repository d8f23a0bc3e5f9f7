"""The caller as App Service authentication hands it to the app: `X-MS-CLIENT-PRINCIPAL`
(base64 of JSON `{"auth_typ", "claims": [{"typ", "val"}], "name_typ", "role_typ"}`) and
`X-MS-CLIENT-PRINCIPAL-ID`, `-NAME`, `-IDP`
(https://learn.microsoft.com/azure/app-service/configure-authentication-user-identities).

Written here from the token's claims, in devhost's own code: devhost plays the platform, so it
must not borrow the app's parser (the import contract forbids it), and a test then shows the
app reads what devhost writes. As the platform does, a few claims take their long URI names
(the .NET claim mapping), so the app's matching of both forms is exercised locally too; roles
stay repeated `roles` claims.
"""

from __future__ import annotations

import base64
import json
from typing import TYPE_CHECKING, Any

from multidict import CIMultiDict

if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping

__all__ = ["LONG_NAMES", "PRINCIPAL_PREFIX", "principal_headers", "without_principal"]

PRINCIPAL_PREFIX = "x-ms-client-principal"  # every header the platform owns starts so
LONG_NAMES = {
    "oid": "http://schemas.microsoft.com/identity/claims/objectidentifier",
    "tid": "http://schemas.microsoft.com/identity/claims/tenantid",
    "sub": "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/nameidentifier",
}
_NAME_CLAIMS = ("preferred_username", "name")


def without_principal(headers: Iterable[tuple[str, str]]) -> CIMultiDict[str]:
    """The request's headers less every `X-MS-CLIENT-PRINCIPAL*` one, in any case: only the
    platform may set them, whatever a client sends."""
    return CIMultiDict(
        (name, value) for name, value in headers if not name.lower().startswith(PRINCIPAL_PREFIX)
    )


def principal_headers(claims: Mapping[str, Any]) -> list[tuple[str, str]]:
    """The headers the platform adds for a caller with these (validated) claims."""
    items = [
        {"typ": LONG_NAMES.get(name, name), "val": value}
        for name, raw in claims.items()
        for value in _values(raw)
    ]
    document = {"auth_typ": "aad", "claims": items, "name_typ": "name", "role_typ": "roles"}
    encoded = base64.b64encode(json.dumps(document, separators=(",", ":")).encode()).decode()
    oid = str(claims["oid"])
    name = next((str(claims[c]) for c in _NAME_CLAIMS if claims.get(c)), oid)
    return [
        ("X-MS-CLIENT-PRINCIPAL", encoded),
        ("X-MS-CLIENT-PRINCIPAL-ID", oid),
        ("X-MS-CLIENT-PRINCIPAL-NAME", name),
        ("X-MS-CLIENT-PRINCIPAL-IDP", "aad"),
    ]


def _values(raw: Any) -> list[str]:
    """A claim's values as strings: one per item of a list (roles, groups), none for objects."""
    items = raw if isinstance(raw, list) else [raw]
    return [
        str(item).lower() if isinstance(item, bool) else str(item)
        for item in items
        if isinstance(item, str | int | float)
    ]
