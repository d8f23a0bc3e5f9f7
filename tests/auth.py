"""Callers for tests: bearer tokens from a test issuer whose keys are served over HTTP.

The app trusts nothing but a token it verifies against its issuer's published keys
(shared.auth), so tests that act as a caller do what a client does: send
`Authorization: Bearer <token>`. `token_issuer()` is one local issuer (devhost.auth's, in a
temporary folder) with its OpenID configuration and key set served on loopback, made once per
test process; `platform_on` points the app's settings at it, as infra points the deployed app
at Entra ID; `headers_for` and `token_for` mint its tokens.
"""

from __future__ import annotations

import atexit
import shutil
import tempfile
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from devhost.auth import IssuerServer, LocalIssuer, as_deployed, mint

if TYPE_CHECKING:
    from collections.abc import Iterable

    import pytest


class TokenIssuer:
    """A local issuer and the server that publishes its keys."""

    def __init__(self, folder: Path) -> None:
        self.issuer = LocalIssuer.open(folder)
        self.server = IssuerServer(self.issuer)

    @property
    def settings(self) -> dict[str, str]:
        """The app settings that make the app require and verify this issuer's tokens, with
        WEBSITE_AUTH_ENABLED as the platform sets it (it opens nothing: the app verifies)."""
        deployed = as_deployed(self.issuer, self.server.configuration_url)
        return deployed | {"AUTH_ALLOWED_CLIENT_APPLICATIONS": self.issuer.client_app_id}


@cache
def token_issuer() -> TokenIssuer:
    """One per test process: generating its RSA key takes a moment."""
    folder = Path(tempfile.mkdtemp(prefix="test-issuer-"))
    issuer = TokenIssuer(folder)
    atexit.register(shutil.rmtree, folder, ignore_errors=True)
    atexit.register(issuer.server.close)
    return issuer


def token_for(
    oid: str,
    *,
    roles: Iterable[str] = (),
    extra: dict[str, Any] | None = None,
    client: str | None = None,
    expires_in: int | None = None,
) -> str:
    """A token of the test issuer for object id `oid` with `roles`, `extra` claims (a
    customer claim, say) and, by default, the issuer's allowed client."""
    options: dict[str, Any] = {} if expires_in is None else {"expires_in": expires_in}
    return mint(token_issuer().issuer, oid, roles=roles, claims=extra, client=client, **options)


def headers_for(oid: str, **kwargs: Any) -> dict[str, str]:
    """The headers a client sends for this caller (`token_for`'s options)."""
    return {"Authorization": f"Bearer {token_for(oid, **kwargs)}"}


def platform_on(monkeypatch: pytest.MonkeyPatch) -> None:
    """Authentication required, against the test issuer, as on Azure against Entra ID."""
    for name, value in token_issuer().settings.items():
        monkeypatch.setenv(name, value)
