"""The app's own lock, with no platform in front: devhost runs the app without --easy-auth but
with WEBSITE_AUTH_ENABLED=True set by hand (the setting that used to make the app trust
X-MS-CLIENT-PRINCIPAL) and authentication required against a test issuer, whose OpenID
configuration and keys this test process serves over HTTP (tests/auth.py). Nothing strips a
forged principal here; the app must refuse it itself, verify each token, and check its client.
"""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING

import pytest

from shared.auth import READ_ALL, READ_WRITE_ALL
from tests import forged_tokens as forged
from tests.auth import headers_for, token_issuer
from tests.e2e.callers import problem_type
from tests.e2e.conftest import NEVER
from tests.e2e.harness import ROOT, DevhostProcess

if TYPE_CHECKING:
    from collections.abc import Iterator

    from devhost.azurite import Azurite
    from tests.e2e.harness import Response

STRANGER = "04b07795-8ddb-461a-bbee-02f9e1bf7b46"  # the Azure CLI's client id: not allowed


@pytest.fixture(scope="module")
def host(azurite: Azurite, tmp_path_factory: pytest.TempPathFactory) -> Iterator[DevhostProcess]:
    issuer = token_issuer()
    process = DevhostProcess(
        ROOT,
        azurite.connection_string,
        tmp_path_factory.mktemp("no-platform") / "devhost.log",
        extra_env=issuer.settings | {"ORDER_SWEEP_SCHEDULE": NEVER},
    )
    assert process.extra_env["WEBSITE_AUTH_ENABLED"] == "True"
    process.start()
    yield process
    process.stop()


def assert_refused_by_the_app(response: Response, status: int, problem: str) -> None:
    assert response.status == status, (response.status, response.body)
    assert problem_type(response) == problem  # problem+json: the app answered, not a platform


def test_a_forged_principal_without_a_token_is_refused_by_the_app(host: DevhostProcess) -> None:
    for role in (READ_WRITE_ALL, READ_ALL):
        sent = forged.principal_headers(str(uuid.uuid4()), roles=[role])
        response = host.call("GET", "/api/reports/orders", headers=sent)
        assert_refused_by_the_app(response, 401, "unauthenticated")
        assert response.headers["WWW-Authenticate"] == "Bearer"


def test_a_forged_principal_with_an_invalid_token_is_refused_by_the_app(
    host: DevhostProcess,
) -> None:
    issuer = token_issuer().issuer
    oid = str(uuid.uuid4())
    for token in (
        forged.unsigned(issuer, oid, roles=[READ_WRITE_ALL]),
        forged.hs256_with_public_key(issuer, oid, roles=[READ_WRITE_ALL]),
        forged.signed_by_another_key(issuer, oid, roles=[READ_WRITE_ALL]),
        forged.tampered(issuer, oid, roles=[READ_WRITE_ALL]),
        "not-a-token",
    ):
        sent = forged.principal_headers(oid, roles=[READ_WRITE_ALL])
        sent["Authorization"] = f"Bearer {token}"
        response = host.call("GET", "/api/reports/orders", headers=sent)
        assert_refused_by_the_app(response, 401, "unauthenticated")


def test_a_valid_token_is_the_caller_whatever_the_principal_header_claims(
    host: DevhostProcess,
) -> None:
    oid = str(uuid.uuid4())
    sent = headers_for(oid) | forged.principal_headers(oid, roles=[READ_WRITE_ALL])
    assert_refused_by_the_app(
        host.call("GET", "/api/reports/orders", headers=sent), 403, "forbidden"
    )
    auditor = headers_for(str(uuid.uuid4()), roles=[READ_ALL])
    assert host.call("GET", "/api/reports/orders", headers=auditor).status == 200
    assert token_issuer().server.requests >= 2  # the app fetched configuration and keys


def test_a_token_from_a_client_not_allowed_is_403_from_the_app(host: DevhostProcess) -> None:
    sent = headers_for(str(uuid.uuid4()), roles=[READ_WRITE_ALL], client=STRANGER)
    response = host.call("GET", "/api/orders", headers=sent)
    assert_refused_by_the_app(response, 403, "client-not-allowed")
    assert STRANGER in response.json()["detail"]
