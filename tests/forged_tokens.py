"""Tokens that App Service authentication and the app must refuse, made from a local test
issuer (devhost.auth) the ways an attacker or a mistake would make them: for the unit tests of
both validators and the e2e tests, so all refuse the same tokens; and the principal headers a
client forges, which nothing may trust."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from functools import cache
from typing import TYPE_CHECKING, Any

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from devhost.auth import mint

if TYPE_CHECKING:
    from collections.abc import Iterable

    from devhost.auth import LocalIssuer

DELETE = object()  # a claim value for `reissued`: leave the claim out


def principal_headers(oid: str, *, roles: Iterable[str] = ()) -> dict[str, str]:
    """`X-MS-CLIENT-PRINCIPAL*` as App Service authentication writes them, for a caller with
    `roles`: what a client sends to pass itself off as that caller."""
    claims = [{"typ": "oid", "val": oid}] + [{"typ": "roles", "val": role} for role in roles]
    document = {"auth_typ": "aad", "claims": claims, "name_typ": "name", "role_typ": "roles"}
    return {
        "X-MS-CLIENT-PRINCIPAL": base64.b64encode(json.dumps(document).encode()).decode(),
        "X-MS-CLIENT-PRINCIPAL-ID": oid,
        "X-MS-CLIENT-PRINCIPAL-IDP": "aad",
    }


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _segments(header: dict[str, Any], claims: dict[str, Any]) -> str:
    return f"{_b64(json.dumps(header).encode())}.{_b64(json.dumps(claims).encode())}"


def claims_for(issuer: LocalIssuer, oid: str, **kwargs: Any) -> dict[str, Any]:
    """The claims a good token for `oid` carries (what mint signs)."""
    token = mint(issuer, oid, **kwargs)
    claims: dict[str, Any] = jwt.decode(token, options={"verify_signature": False})
    return claims


def reissued(issuer: LocalIssuer, oid: str, /, **changes: Any) -> str:
    """A token signed with the issuer's own key whose claims differ from a good one's: another
    `iss`, a missing `oid` (DELETE), ..."""
    claims = claims_for(issuer, oid) | changes
    claims = {name: value for name, value in claims.items() if value is not DELETE}
    headers = {"kid": issuer.kid, "typ": "JWT"}
    return jwt.encode(claims, issuer.private_key, algorithm="RS256", headers=headers)


def unsigned(issuer: LocalIssuer, oid: str, **kwargs: Any) -> str:
    """`alg: none`, no signature: accepted by a validator that trusts the header's alg."""
    header = {"alg": "none", "typ": "JWT", "kid": issuer.kid}
    return _segments(header, claims_for(issuer, oid, **kwargs)) + "."


def hs256_with_public_key(issuer: LocalIssuer, oid: str, **kwargs: Any) -> str:
    """HS256 keyed with the issuer's public key (PEM), which anyone may know: accepted by a
    validator that picks the algorithm from the header and feeds it the RSA key."""
    header = {"alg": "HS256", "typ": "JWT", "kid": issuer.kid}
    signing_input = _segments(header, claims_for(issuer, oid, **kwargs))
    secret = issuer.public_key.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    digest = hmac.new(secret, signing_input.encode(), hashlib.sha256).digest()
    return f"{signing_input}.{_b64(digest)}"


@cache
def _stranger_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def signed_by_another_key(issuer: LocalIssuer, oid: str, **kwargs: Any) -> str:
    """Good claims and the issuer's key id, signed with some other RSA key."""
    headers = {"kid": issuer.kid, "typ": "JWT"}
    claims = claims_for(issuer, oid, **kwargs)
    return jwt.encode(claims, _stranger_key(), algorithm="RS256", headers=headers)


def tampered(issuer: LocalIssuer, oid: str, /, **changes: Any) -> str:
    """A good token whose claims were edited afterwards (say, a role added), its signature
    kept."""
    header, _, signature = mint(issuer, oid).split(".")
    claims = claims_for(issuer, oid) | changes
    return f"{header}.{_b64(json.dumps(claims).encode())}.{signature}"
