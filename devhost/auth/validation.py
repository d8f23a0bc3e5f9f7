"""Bearer token validation, as Easy Auth validates an Entra ID access token before the app runs:
the signature with the issuer's key, the algorithm, `iss`, `aud`, `exp` and `nbf`, the claims
a caller must have, and, as `defaultAuthorizationPolicy.allowedApplications` does, the client
application (`azp`, or `appid` in a v1 token). It only authenticates; roles are the app's to
check.

The key is the local issuer's, loaded once when devhost starts: nothing is fetched (no OpenID
discovery, no key set), so a request never waits for I/O, and validation is a few tens of
microseconds of CPU on the event loop (docs/benchmarks.md, "Easy Auth").
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import jwt

from devhost.auth.exceptions import ClientRejected, TokenRejected
from devhost.auth.tokens import ALGORITHM

if TYPE_CHECKING:
    from collections.abc import Iterable

    from devhost.auth.issuer import LocalIssuer

__all__ = ["LEEWAY_SECONDS", "REQUIRED_CLAIMS", "TokenValidator"]

# Issuer and validator share this machine's clock, so the allowance for clock skew can be
# small (the .NET token validation Azure's platform is built on allows 5 minutes by default).
LEEWAY_SECONDS = 30
REQUIRED_CLAIMS = ("iss", "aud", "exp", "iat", "oid", "sub")

# PyJWT's failures, most specific first, as RFC 6750 error descriptions (no quotes in them).
_REASONS: tuple[tuple[type[jwt.InvalidTokenError], str], ...] = (
    (jwt.ExpiredSignatureError, "the token expired"),
    (jwt.ImmatureSignatureError, "the token is not valid yet"),
    (jwt.InvalidAudienceError, "the token is for another audience"),
    (jwt.InvalidIssuerError, "the token is from another issuer"),
    (jwt.InvalidSignatureError, "the token signature is invalid"),
    (jwt.InvalidAlgorithmError, "the token is not signed with RS256"),
    (jwt.DecodeError, "the token is not a well-formed JWT"),
)


class TokenValidator:
    def __init__(
        self,
        issuer: LocalIssuer,
        *,
        allowed_clients: Iterable[str] = (),
        leeway: float = LEEWAY_SECONDS,
    ) -> None:
        """`allowed_clients`: the client ids `allowedApplications` lists; empty lets any
        client through, as Easy Auth does without the policy."""
        self._clients = frozenset(allowed_clients)
        self._key = issuer.public_key
        self._kid = issuer.kid
        self._issuer = issuer.issuer
        self._audiences = issuer.audiences
        self._leeway = leeway

    def claims(self, token: str) -> dict[str, Any]:
        """The token's claims; TokenRejected, saying why, when Easy Auth would refuse it."""
        try:
            # RS256 alone: `none`, and HS256 keyed with the public key (the classic algorithm
            # confusion), are refused before any signature is checked.
            decoded = jwt.decode_complete(
                token,
                self._key,
                algorithms=[ALGORITHM],
                audience=self._audiences,
                issuer=self._issuer,
                leeway=self._leeway,
                options={"require": list(REQUIRED_CLAIMS), "enforce_minimum_key_length": True},
            )
        except jwt.MissingRequiredClaimError as exc:
            raise TokenRejected(f"the token has no {exc.claim} claim") from exc
        except jwt.InvalidTokenError as exc:
            raise TokenRejected(_reason(exc)) from exc
        # One parse for header and claims: PyJWT checks each character of a segment in Python,
        # half of the cost of a validation (docs/benchmarks.md, "Easy Auth").
        header: dict[str, Any] = decoded["header"]
        claims: dict[str, Any] = decoded["payload"]
        if header.get("alg") != ALGORITHM:  # what PyJWT enforced: kept explicit here
            raise TokenRejected("the token is not signed with RS256")
        if header.get("kid") != self._kid:
            raise TokenRejected("the token is signed with a key this issuer does not have")
        if not isinstance(claims["oid"], str) or not claims["oid"].strip():
            raise TokenRejected("the token oid claim is not an object id")
        client = claims.get("appid") if claims.get("ver") == "1.0" else claims.get("azp")
        if self._clients and client not in self._clients:
            raise ClientRejected(f"client application {client} is not allowed")
        return claims


def _reason(error: jwt.InvalidTokenError) -> str:
    for kind, reason in _REASONS:
        if isinstance(error, kind):
            return reason
    return "the token is invalid"
