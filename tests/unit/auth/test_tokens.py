"""The app's own verification of bearer tokens (shared.auth.tokens) and its cache of the
issuer's signing keys (shared.auth.keys): every kind of bad token is refused, a client not on
the list gets 403, and keys are fetched once, off the event loop, again only for an unknown key
and never more often than the rate limit allows."""

from __future__ import annotations

import base64
import json
import threading
from typing import Any

import pytest

from devhost.auth import LocalIssuer, mint
from devhost.auth.discovery import key_set
from shared.auth.keys import MIN_REFRESH_SECONDS, REFRESH_AFTER_SECONDS, RETRY_SECONDS, SigningKeys
from shared.auth.tokens import TokenVerifier
from shared.config import AuthSettings
from shared.errors import ClientNotAllowed, IssuerUnavailable, Unauthenticated
from tests import forged_tokens as forge

CONFIGURATION = "https://login.example/tenant/v2.0/.well-known/openid-configuration"
KEYS = "https://login.example/tenant/discovery/v2.0/keys"
OID = "6f1c2d3e-0000-4000-8000-000000000001"


class Documents:
    """The issuer's two documents as its endpoints serve them; counts fetches and records the
    thread each ran on. `published` swaps the key set (a rollover)."""

    def __init__(self, issuer: LocalIssuer) -> None:
        self.issuer_name = issuer.issuer
        self.published = key_set(issuer)
        self.fetches: list[str] = []
        self.threads: set[int] = set()
        self.down = False

    def __call__(self, url: str) -> bytes:
        self.fetches.append(url)
        self.threads.add(threading.get_ident())
        if self.down:
            raise OSError("connection refused")
        if url == CONFIGURATION:
            return json.dumps({"issuer": self.issuer_name, "jwks_uri": KEYS}).encode()
        assert url == KEYS
        return json.dumps(self.published).encode()


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture(scope="module")
def issuer(tmp_path_factory: pytest.TempPathFactory) -> LocalIssuer:
    return LocalIssuer.open(tmp_path_factory.mktemp("issuer"))


@pytest.fixture(scope="module")
def other_issuer(tmp_path_factory: pytest.TempPathFactory) -> LocalIssuer:
    return LocalIssuer.open(tmp_path_factory.mktemp("other"))


@pytest.fixture
def documents(issuer: LocalIssuer) -> Documents:
    return Documents(issuer)


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def verifier(issuer: LocalIssuer, documents: Documents, clock: Clock) -> TokenVerifier:
    settings = AuthSettings(
        issuer=issuer.issuer,
        openid_configuration_url=CONFIGURATION,
        audiences=issuer.audiences,
        allowed_clients=frozenset({issuer.client_app_id}),
    )
    keys = SigningKeys(CONFIGURATION, issuer.issuer, fetch=documents, clock=clock)
    return TokenVerifier(keys, settings)


async def test_a_good_token_gives_its_claims_and_fetches_the_keys_once_off_the_loop(
    verifier: TokenVerifier, issuer: LocalIssuer, documents: Documents
) -> None:
    for _ in range(3):
        claims = await verifier.claims(mint(issuer, OID, roles=["Orders.Read.All"]))
        assert (claims["oid"], claims["roles"]) == (OID, ["Orders.Read.All"])
    assert documents.fetches == [CONFIGURATION, KEYS]
    assert threading.get_ident() not in documents.threads  # never on the event loop's thread


async def test_the_api_uri_is_an_audience_too(verifier: TokenVerifier, issuer: LocalIssuer) -> None:
    await verifier.claims(mint(issuer, OID, audience=f"api://{issuer.client_id}"))


@pytest.mark.parametrize(
    ("make", "reason"),
    [
        (lambda i: forge.reissued(i, OID, iss="https://login.example/other/v2.0"), "issuer"),
        (lambda i: mint(i, OID, audience="api://another-app"), "audience"),
        (lambda i: mint(i, OID, expires_in=-120), "expired"),
        (lambda i: forge.reissued(i, OID, nbf=4_000_000_000), "not valid yet"),
        (lambda i: forge.unsigned(i, OID), "RS256"),
        (lambda i: forge.hs256_with_public_key(i, OID), "RS256"),
        (lambda i: forge.signed_by_another_key(i, OID), "signature"),
        (lambda i: forge.tampered(i, OID, roles=["Orders.ReadWrite.All"]), "signature"),
        (lambda i: forge.reissued(i, OID, oid=forge.DELETE), "oid"),
        (lambda i: forge.reissued(i, OID, exp=forge.DELETE), "exp"),
        (lambda i: "not.a.jwt", "well-formed"),
        (lambda i: _segment(b"[" * 9000) + ".e30.sig", "well-formed"),
        (lambda i: _segment(b'"alg"') + ".e30.sig", "well-formed"),
        (lambda i: mint(i, OID) + ".extra", "well-formed"),
    ],
)
async def test_a_bad_token_is_401_saying_why(
    verifier: TokenVerifier, issuer: LocalIssuer, make: Any, reason: str
) -> None:
    with pytest.raises(Unauthenticated, match=reason):
        await verifier.claims(make(issuer))


async def test_an_expired_token_within_the_leeway_still_passes(
    verifier: TokenVerifier, issuer: LocalIssuer
) -> None:
    await verifier.claims(mint(issuer, OID, expires_in=-30))


async def test_a_client_not_on_the_list_is_403_naming_it(
    verifier: TokenVerifier, issuer: LocalIssuer
) -> None:
    with pytest.raises(ClientNotAllowed, match="04b07795"):
        await verifier.claims(mint(issuer, OID, client="04b07795-8ddb-461a-bbee-02f9e1bf7b46"))


async def test_a_v1_token_names_its_client_in_appid(
    verifier: TokenVerifier, issuer: LocalIssuer
) -> None:
    allowed = forge.reissued(issuer, OID, ver="1.0", azp=forge.DELETE, appid=issuer.client_app_id)
    assert (await verifier.claims(allowed))["appid"] == issuer.client_app_id
    # A v1 token's azp is not its client: only appid counts.
    other = forge.reissued(issuer, OID, ver="1.0", azp=issuer.client_app_id, appid="stranger")
    with pytest.raises(ClientNotAllowed, match="stranger"):
        await verifier.claims(other)
    with pytest.raises(ClientNotAllowed):
        await verifier.claims(forge.reissued(issuer, OID, azp=forge.DELETE))


async def test_an_unknown_kid_refetches_once_and_a_rolled_key_is_then_accepted(
    verifier: TokenVerifier,
    issuer: LocalIssuer,
    other_issuer: LocalIssuer,
    documents: Documents,
    clock: Clock,
) -> None:
    await verifier.claims(mint(issuer, OID))
    # The issuer rolls over to a new key (same issuer name, another key pair).
    rolled = forge.reissued(
        other_issuer, OID, iss=issuer.issuer, aud=issuer.client_id, azp=issuer.client_app_id
    )
    documents.published = {"keys": key_set(issuer)["keys"] + key_set(other_issuer)["keys"]}
    with pytest.raises(Unauthenticated, match="does not publish"):  # too soon to refetch
        await verifier.claims(rolled)
    assert len(documents.fetches) == 2
    clock.now += MIN_REFRESH_SECONDS
    assert (await verifier.claims(rolled))["oid"] == OID
    assert len(documents.fetches) == 4


async def test_made_up_key_ids_cannot_make_the_app_hammer_the_issuer(
    verifier: TokenVerifier, issuer: LocalIssuer, documents: Documents, clock: Clock
) -> None:
    await verifier.claims(mint(issuer, OID))
    for n in range(50):
        with pytest.raises(Unauthenticated):
            await verifier.claims(_with_kid(mint(issuer, OID), f"made-up-{n}"))
        clock.now += 1
    assert len(documents.fetches) == 2


async def test_an_unreachable_issuer_is_503_then_retried_after_a_pause(
    verifier: TokenVerifier, issuer: LocalIssuer, documents: Documents, clock: Clock
) -> None:
    documents.down = True
    with pytest.raises(IssuerUnavailable):
        await verifier.claims(mint(issuer, OID))
    with pytest.raises(IssuerUnavailable):
        await verifier.claims(mint(issuer, OID))
    assert len(documents.fetches) == 1  # the second did not fetch again at once
    documents.down = False
    clock.now += RETRY_SECONDS
    await verifier.claims(mint(issuer, OID))


async def test_old_keys_are_refreshed_in_the_background_and_kept_when_that_fails(
    verifier: TokenVerifier, issuer: LocalIssuer, documents: Documents, clock: Clock
) -> None:
    await verifier.claims(mint(issuer, OID))
    clock.now += REFRESH_AFTER_SECONDS
    documents.down = True
    await verifier.claims(mint(issuer, OID))  # served from the cache; a refresh starts
    for task in list(verifier.keys._background):
        await task
    assert len(documents.fetches) == 3  # the refresh tried (and failed at the first document)
    await verifier.claims(mint(issuer, OID))  # the last good keys still serve


async def test_a_configuration_for_another_issuer_is_refused(
    issuer: LocalIssuer, documents: Documents
) -> None:
    documents.issuer_name = "https://login.example/someone-else/v2.0"
    keys = SigningKeys(CONFIGURATION, issuer.issuer, fetch=documents)
    with pytest.raises(IssuerUnavailable):
        await keys.key(issuer.kid)


async def test_prefetch_fetches_before_any_token_arrives(
    verifier: TokenVerifier, issuer: LocalIssuer, documents: Documents
) -> None:
    await verifier.keys.prefetch()
    assert verifier.keys.cached(issuer.kid) is not None
    await verifier.claims(mint(issuer, OID))
    assert len(documents.fetches) == 2


async def test_keys_are_fetched_over_http_from_a_real_issuer_endpoint(
    issuer: LocalIssuer,
) -> None:
    from devhost.auth import IssuerServer
    from shared.auth.keys import http_get

    server = IssuerServer(issuer)
    try:
        keys = SigningKeys(server.configuration_url, issuer.issuer, fetch=http_get)
        assert await keys.key(issuer.kid) is not None
        assert server.requests == 2
    finally:
        server.close()


def _with_kid(token: str, kid: str) -> str:
    """The token with another key id in its header (the signature no longer matters: no key
    by that id exists)."""
    header, payload, signature = token.split(".")
    decoded = json.loads(base64.urlsafe_b64decode(header + "=" * (-len(header) % 4)))
    encoded = base64.urlsafe_b64encode(json.dumps(decoded | {"kid": kid}).encode())
    return f"{encoded.rstrip(b'=').decode()}.{payload}.{signature}"


def _segment(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()
