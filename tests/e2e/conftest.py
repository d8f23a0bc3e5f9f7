"""E2E fixtures: devhost as a subprocess against the session's Azurite.

`app_host` serves the real app (function_app.py at the repository root); `sample_host`
serves tests/e2e/sample_app, which has one function per trigger kind. Both yield a
`DevhostProcess` (base_url, connection_string, restart(), invocations()).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

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
    host = DevhostProcess(
        ROOT, azurite.connection_string, tmp_path_factory.mktemp("app") / "devhost.log"
    )
    host.start()
    yield host
    host.stop()


@pytest.fixture(scope="module")
def sample_host(
    azurite: Azurite, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[DevhostProcess]:
    host = DevhostProcess(
        SAMPLE_APP, azurite.connection_string,
        tmp_path_factory.mktemp("sample") / "devhost.log",
        extra_env={"TICK_SCHEDULE": "0 0 0 1 1 *", "E2E_EVENTS_CONTAINER": SAMPLE_EVENTS},
    )  # fmt: skip
    host.start()
    yield host
    host.stop()
