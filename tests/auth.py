"""Callers for tests: the principal the platform hands the app, in its own format.

`principal()` builds what App Service authentication puts in X-MS-CLIENT-PRINCIPAL (base64 of
JSON with `auth_typ`, `claims` as `{typ, val}` pairs, `name_typ`, `role_typ`); `platform_on`
switches the app to trust it, as the platform's WEBSITE_AUTH_ENABLED does on Azure.
"""

from __future__ import annotations

import base64
import json
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Iterable

    import pytest

OBJECT_ID_URI = "http://schemas.microsoft.com/identity/claims/objectidentifier"
TENANT_ID_URI = "http://schemas.microsoft.com/identity/claims/tenantid"


def principal(
    oid: str,
    *,
    roles: Iterable[str] = (),
    long_names: bool = False,
    extra: dict[str, str] | None = None,
) -> str:
    """The X-MS-CLIENT-PRINCIPAL value for a caller with object id `oid` and `roles`;
    `long_names` sends the object id under its long URI name, as the platform may."""
    claims: list[dict[str, str]] = [
        {"typ": OBJECT_ID_URI if long_names else "oid", "val": oid},
        {"typ": TENANT_ID_URI, "val": "00000000-0000-0000-0000-00000000000a"},
        {"typ": "name", "val": f"Test user {oid}"},
    ]
    claims += [{"typ": "roles", "val": role} for role in roles]
    claims += [{"typ": typ, "val": val} for typ, val in (extra or {}).items()]
    document: dict[str, Any] = {
        "auth_typ": "aad",
        "claims": claims,
        "name_typ": "name",
        "role_typ": "roles",
    }
    return base64.b64encode(json.dumps(document).encode()).decode()


def headers_for(oid: str, **kwargs: Any) -> dict[str, str]:
    """The headers the platform adds for this caller."""
    return {
        "X-MS-CLIENT-PRINCIPAL": principal(oid, **kwargs),
        "X-MS-CLIENT-PRINCIPAL-ID": oid,
        "X-MS-CLIENT-PRINCIPAL-IDP": "aad",
    }


def platform_on(monkeypatch: pytest.MonkeyPatch) -> None:
    """Authentication required and done by the platform, as on Azure."""
    monkeypatch.setenv("AUTH_REQUIRED", "true")
    monkeypatch.setenv("WEBSITE_AUTH_ENABLED", "True")
