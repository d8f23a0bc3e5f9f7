"""E2E fixtures: devhost as a subprocess against the session's Azurite.

`app_host` serves the real app (function_app.py at the repository root) as `make run` does,
authentication off; `easy_auth_host` serves it with `--easy-auth`, as on Azure (tokens from
`issuer`, the repository's local test issuer); `sample_host` serves tests/e2e/sample_app, which
has one function per trigger kind. Each yields a `DevhostProcess` (base_url, connection_string,
restart(), invocations()). As under `make run`, a page served by an app host may PUT uploads
to Azurite's blob service (CORS). The app hosts keep their images in the session Azurite's
uploads account (UploadsStorage), as on Azure. `app_blobs` is a blob client on it;
`run_id` a per-test prefix for blob names, since the session's Azurite is shared.
"""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING

import pytest
from azure.storage.blob import BlobServiceClient

from devhost.auth import LocalIssuer
from devhost.azurite import allow_browser_uploads
from shared.azurite import UPLOADS_ACCOUNT
from tests.e2e.harness import ROOT, SAMPLE_APP, SAMPLE_EVENTS, DevhostProcess

if TYPE_CHECKING:
    from collections.abc import Iterator

    from devhost.azurite import Azurite


# Once a year, at New Year: the example's 2 AM schedule would fire nightly_sweep by itself when
# a run spans 2 AM, and the sweep test counts the summary lines of the run it fires through the
# admin endpoint (make e2e-repeat caught it: two lines at 02:00).
NEVER = "0 0 0 1 1 *"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "tests/e2e/" in str(item.path).replace("\\", "/"):
            item.add_marker(pytest.mark.e2e)


@pytest.fixture(scope="session")
def app_host(
    azurite: Azurite, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[DevhostProcess]:
    host = DevhostProcess(
        ROOT,
        azurite.connection_string,
        tmp_path_factory.mktemp("app") / "devhost.log",
        extra_env={"ORDER_SWEEP_SCHEDULE": NEVER, "UploadsStorage": _uploads(azurite)},
    )
    _allow_uploads_from(host.uploads_connection, host.base_url)
    host.start()
    yield host
    host.stop()


@pytest.fixture(scope="session")
def issuer() -> LocalIssuer:
    """The local test issuer of the repository, the one `easy_auth_host` trusts (made on
    first use, as `python -m devhost.auth token` would make it)."""
    return LocalIssuer.open(ROOT)


@pytest.fixture(scope="module")
def easy_auth_host(
    azurite: Azurite, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[DevhostProcess]:
    """The app behind devhost --easy-auth, both locks on as on Azure. Customers are named by
    the `customer_id` claim (`python -m devhost.auth token --customer`), so the tests choose
    readable ids; the default (`oid`) is read the same way (tests/unit/devhost).

    One per module, never for the session: it serves the same app on the same storage as
    `app_host` (same host id, so the same blob trigger queue), and would take work whose
    invocation lines other modules wait for in `app_host`'s log."""
    host = DevhostProcess(
        ROOT,
        azurite.connection_string,
        tmp_path_factory.mktemp("easy-auth") / "devhost.log",
        extra_env={
            "ORDER_SWEEP_SCHEDULE": NEVER,
            "CUSTOMER_ID_CLAIM": "customer_id",
            "UploadsStorage": _uploads(azurite),
        },
        extra_args=["--easy-auth"],
    )
    _allow_uploads_from(host.uploads_connection, host.base_url)
    host.start()
    yield host
    host.stop()


def _uploads(azurite: Azurite) -> str:
    """The uploads account of the session's Azurite: the app's images apart, as on Azure."""
    return azurite.connection_string_of(UPLOADS_ACCOUNT)


def _allow_uploads_from(connection_string: str, origin: str) -> None:
    """Add `origin` to the blob service's CORS rule, keeping the origins already there (each
    app host's pages upload from their own origin)."""
    with BlobServiceClient.from_connection_string(connection_string) as service:
        rules = service.get_service_properties()["cors"] or []
    origins = {o for rule in rules for o in rule.allowed_origins.split(",") if o}
    allow_browser_uploads(connection_string, sorted(origins | {origin}))


@pytest.fixture(scope="module")
def sample_host(
    azurite: Azurite, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[DevhostProcess]:
    host = DevhostProcess(
        SAMPLE_APP,
        azurite.connection_string,
        tmp_path_factory.mktemp("sample") / "devhost.log",
        extra_env={"TICK_SCHEDULE": "0 0 0 1 1 *", "E2E_EVENTS_CONTAINER": SAMPLE_EVENTS},
    )
    host.start()
    yield host
    host.stop()


@pytest.fixture(scope="module")
def app_blobs(app_host: DevhostProcess) -> Iterator[BlobServiceClient]:
    with BlobServiceClient.from_connection_string(app_host.uploads_connection) as service:
        yield service


@pytest.fixture
def run_id() -> str:
    return f"e2e-{uuid.uuid4().hex[:8]}"
