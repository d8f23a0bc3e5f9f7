"""The platform's gate in front of the app: what App Service authentication does with each
request when `requireAuthentication` is on and `unauthenticatedClientAction` is `Return401`
(docs/security.md, "Locally").

Every request loses the `X-MS-CLIENT-PRINCIPAL*` headers a client sent. Then:

- an excluded path (`[tool.devhost] easy-auth-excluded-paths`, each matched exactly, as
  `globalValidation.excludedPaths`) and a CORS preflight (a browser sends no credentials on
  one) pass without a caller, and any token they carry is ignored;
- any other request needs `Authorization: Bearer <token>` that the local issuer's key
  validates: then it passes with the caller's principal headers added (and its
  `Authorization` header unchanged, which the app verifies itself), else it is answered 401
  with a `WWW-Authenticate: Bearer` challenge (RFC 6750: `error="invalid_token"` and why, when
  a token was sent) and never reaches the app;
- a valid token of a client application not on AUTH_ALLOWED_CLIENT_APPLICATIONS is answered
  403, as `allowedApplications` makes Easy Auth answer.

`start` also serves the local issuer's OpenID configuration and keys (devhost.auth.discovery)
and points the app at them, as the platform's settings point the deployed app at Entra ID.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING

from devhost.auth.discovery import IssuerServer
from devhost.auth.exceptions import ClientRejected, ExcludedPathsInvalid, TokenRejected
from devhost.auth.issuer import LocalIssuer
from devhost.auth.platform import allowed_clients, emulate_platform
from devhost.auth.principal import principal_headers, without_principal
from devhost.auth.validation import TokenValidator
from devhost.project import devhost_table

if TYPE_CHECKING:
    from collections.abc import Iterable, MutableMapping
    from pathlib import Path

    from multidict import CIMultiDict, MultiMapping

__all__ = ["EXCLUDED_PATHS_KEY", "EasyAuth", "Refusal", "excluded_paths"]

logger = logging.getLogger(__name__)

EXCLUDED_PATHS_KEY = "easy-auth-excluded-paths"


@dataclass(frozen=True, slots=True)
class Refusal:
    """The platform's answer to a request it refuses: 401 with a Bearer challenge without a
    valid token, 403 (no challenge) for a client application that may not call."""

    challenge: str | None
    status: int = 401

    @property
    def headers(self) -> list[tuple[str, str]]:
        return [("WWW-Authenticate", self.challenge)] if self.challenge else []


class EasyAuth:
    def __init__(
        self, validator: TokenValidator, excluded: Iterable[str], *, server: IssuerServer | None
    ) -> None:
        self._validator = validator
        self.excluded = frozenset(excluded)
        self.server = server

    @classmethod
    def start(cls, script_root: Path, environ: MutableMapping[str, str]) -> EasyAuth:
        """The gate for the app in `script_root`: its issuer (made on first use), served over
        HTTP, the platform's settings in `environ` (before the app is imported), and the
        excluded paths; reads files, so it is called once, before serving."""
        issuer = LocalIssuer.open(script_root)
        server = IssuerServer(issuer)
        emulate_platform(environ, issuer, server.configuration_url)
        validator = TokenValidator(issuer, allowed_clients=allowed_clients(environ))
        gate = cls(validator, excluded_paths(script_root), server=server)
        logger.info(
            "easy_auth on: bearer tokens of the local issuer in %s (keys at %s); no token "
            "needed for %s; mint one with: python -m devhost.auth token --oid <id> "
            "[--role <role>]",
            issuer.folder,
            server.configuration_url,
            ", ".join(sorted(gate.excluded)) or "no path",
        )
        return gate

    def close(self) -> None:
        if self.server is not None:
            self.server.close()

    def admit(
        self, method: str, path: str, headers: MultiMapping[str]
    ) -> CIMultiDict[str] | Refusal:
        """The headers the app gets for this request, or the platform's refusal."""
        kept = without_principal(headers.items())
        if path in self.excluded or _is_preflight(method, headers):
            return kept
        authorization = headers.getall("Authorization", [])
        scheme, _, token = (authorization[0] if authorization else "").partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            logger.info("easy_auth_refused method=%s path=%s reason=no_bearer_token", method, path)
            return Refusal("Bearer")
        try:
            if len(authorization) > 1:
                raise TokenRejected("more than one Authorization header")
            claims = self._validator.claims(token.strip())
        except TokenRejected as exc:
            logger.info("easy_auth_refused method=%s path=%s reason=%r", method, path, str(exc))
            return Refusal(f'Bearer error="invalid_token", error_description="{exc}"')
        except ClientRejected as exc:
            logger.info("easy_auth_forbidden method=%s path=%s reason=%r", method, path, str(exc))
            return Refusal(None, 403)
        kept.extend(principal_headers(claims))
        return kept


def excluded_paths(script_root: Path) -> tuple[str, ...]:
    """The app's excluded paths; none (every path needs a token) when it names none."""
    paths = devhost_table(script_root).get(EXCLUDED_PATHS_KEY, [])
    if not isinstance(paths, list) or not all(
        isinstance(p, str) and p.startswith("/") for p in paths
    ):
        raise ExcludedPathsInvalid(
            f"[tool.devhost] {EXCLUDED_PATHS_KEY} must be a list of paths starting with /"
        )
    return tuple(paths)


def _is_preflight(method: str, headers: MultiMapping[str]) -> bool:
    asks = "Origin" in headers and "Access-Control-Request-Method" in headers
    return method == "OPTIONS" and asks
