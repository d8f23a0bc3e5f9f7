"""E2E fixtures: devhost as a subprocess against the session's Azurite.

`app_host` serves the real app (function_app.py at the repository root); `sample_host`
serves tests/e2e/sample_app, which has one function per trigger kind. Both yield a
`DevhostProcess` (base_url, connection_string, restart(), invocations()). As under
`make run`, a page served by the app host may PUT uploads to Azurite's blob service (CORS).
`app_blobs` is a blob client on the app host's storage; `run_id` a per-test prefix for blob
names, since the session's Azurite is shared.
"""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING

import pytest
from azure.storage.blob import BlobServiceClient

from devhost.azurite import allow_browser_uploads
from tests.e2e.harness import ROOT, SAMPLE_APP, SAMPLE_EVENTS, DevhostProcess

if TYPE_CHECKING:
    from collections.abc import Iterator

    from devhost.azurite import Azurite


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "tests/e2e/" in str(item.path).replace("\\", "/"):
            item.add_marker(pytest.mark.e2e)


@pytest.fixture(scope="session")
def app_host(
    azurite: Azurite, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[DevhostProcess]:
    # The example's schedule (2 AM UTC) would fire nightly_sweep by itself when a run spans
    # 2 AM, and the sweep test counts the summary lines of the run it fires through the admin
    # endpoint (make e2e-repeat caught it: two lines at 02:00). Once a year, at New Year.
    host = DevhostProcess(
        ROOT,
        azurite.connection_string,
        tmp_path_factory.mktemp("app") / "devhost.log",
        extra_env={"ORDER_SWEEP_SCHEDULE": "0 0 0 1 1 *"},
    )
    allow_browser_uploads(azurite.connection_string, [host.base_url])
    host.start()
    yield host
    host.stop()


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
    with BlobServiceClient.from_connection_string(app_host.connection_string) as service:
        yield service


@pytest.fixture
def run_id() -> str:
    return f"e2e-{uuid.uuid4().hex[:8]}"
