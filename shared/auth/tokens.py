"""The app's own check of the bearer token: what App Service authentication checks, again, and
the client application it was issued to.

Easy Auth validates the token before the app runs, and forwards the `Authorization` header
unchanged. The app validates it once more, so that its trust never rests on a setting
(WEBSITE_AUTH_ENABLED can be set by hand) or on a platform being in front at all: signature
with the issuer's published key (RS256 only: `none`, HS256 keyed with the public key, and any
other algorithm are refused before a key is looked up), `iss`, `aud` (one of AUTH_AUDIENCES),
`exp` and `nbf` with 60 s of leeway, the claims a caller needs, and the client: `azp` in a v2
token, `appid` in a v1 token, must be one of AUTH_ALLOWED_CLIENT_APPLICATIONS (the same list
infra gives Easy Auth as `allowedApplications`). docs/security.md, "Trust".

Per request this costs one RSA verification and PyJWT's parse of the token, no I/O: the keys
are cached (shared.auth.keys). Its cost against devhost's validation: docs/benchmarks.md.
"""

from __future__ import annotations

import base64
import binascii
import json
from typing import TYPE_CHECKING, Any

import jwt

from shared.errors import ClientNotAllowed, Unauthenticated

if TYPE_CHECKING:
    from shared.auth.keys import SigningKeys
    from shared.config import AuthSettings

__all__ = ["ALGORITHM", "LEEWAY_SECONDS", "REQUIRED_CLAIMS", "TokenVerifier", "client_of"]

ALGORITHM = "RS256"  # what Entra ID signs access tokens with
# The app's clock and Entra ID's are both kept by NTP; a minute covers their drift.
LEEWAY_SECONDS = 60
REQUIRED_CLAIMS = ("iss", "aud", "exp", "oid")

_REASONS: tuple[tuple[type[jwt.InvalidTokenError], str], ...] = (
    (jwt.ExpiredSignatureError, "The token expired."),
    (jwt.ImmatureSignatureError, "The token is not valid yet."),
    (jwt.InvalidAudienceError, "The token is for another audience."),
    (jwt.InvalidIssuerError, "The token is from another issuer."),
    (jwt.InvalidSignatureError, "The token signature is invalid."),
)


class TokenVerifier:
    def __init__(self, keys: SigningKeys, settings: AuthSettings) -> None:
        self.keys = keys
        self._issuer = settings.issuer
        self._audiences = list(settings.audiences)
        self._clients = settings.allowed_clients

    async def claims(self, token: str) -> dict[str, Any]:
        """The verified claims; Unauthenticated (401) when the token is not valid,
        ClientNotAllowed (403) when it is but its client may not call."""
        key = await self._key_for(token)
        try:
            claims: dict[str, Any] = jwt.decode(
                token,
                key,
                algorithms=[ALGORITHM],
                audience=self._audiences,
                issuer=self._issuer,
                leeway=LEEWAY_SECONDS,
                options={"require": list(REQUIRED_CLAIMS)},
            )
        except jwt.MissingRequiredClaimError as exc:
            raise Unauthenticated(f"The token has no {exc.claim} claim.") from exc
        except jwt.InvalidTokenError as exc:
            raise Unauthenticated(_reason(exc)) from exc
        client = client_of(claims)
        if client not in self._clients:
            raise ClientNotAllowed(
                f"The token was issued to client application {client or '(none)'}, which may "
                "not call this API."
            )
        return claims

    async def _key_for(self, token: str) -> Any:
        header = _header(token)
        if header.get("alg") != ALGORITHM:
            raise Unauthenticated(f"The token is not signed with {ALGORITHM}.")
        kid = header.get("kid")
        if not isinstance(kid, str) or not kid:
            raise Unauthenticated("The token names no signing key (kid).")
        key = self.keys.cached(kid) or await self.keys.key(kid)
        if key is None:
            raise Unauthenticated("The token is signed with a key its issuer does not publish.")
        return key


def _header(token: str) -> dict[str, Any]:
    """The JOSE header, read to pick the key. Decoded here rather than with PyJWT's
    get_unverified_header, which checks the whole token character by character in Python and
    would do so again in decode: half again the cost of a verification (docs/benchmarks.md).
    The signature check that follows covers the header, so reading it first trusts nothing."""
    segment = token.partition(".")[0]
    try:
        header = json.loads(base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4)))
    except (ValueError, binascii.Error, RecursionError) as exc:  # RecursionError: deep nesting
        raise Unauthenticated("The token is not a well-formed JWT.") from exc
    if not isinstance(header, dict) or token.count(".") != 2:
        raise Unauthenticated("The token is not a well-formed JWT.")
    return header


def client_of(claims: dict[str, Any]) -> str | None:
    """The client application the token was issued to: `appid` in a v1 token, `azp` in a v2
    one (https://learn.microsoft.com/entra/identity-platform/access-token-claims-reference)."""
    value = claims.get("appid") if claims.get("ver") == "1.0" else claims.get("azp")
    return value if isinstance(value, str) else None


def _reason(error: jwt.InvalidTokenError) -> str:
    for kind, reason in _REASONS:
        if isinstance(error, kind):
            return reason
    return "The token is invalid."
