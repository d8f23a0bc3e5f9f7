"""Fixtures shared by every test layer.

`azurite` is one real Azurite per test session on free ports, serving the development account
and the uploads account; `storage_env` points the app's settings at it (UploadsStorage at the
uploads account). Tests that stop storage start their own Azurite instead.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from devhost.azurite import Azurite, start_azurite
from shared import azurite as azurite_facts
from shared import bootstrap
from tests.reliability.poison import unexplained_poison
from tests.support import point_app_at

if TYPE_CHECKING:
    from collections.abc import AsyncIterator, Iterator
    from pathlib import Path


@pytest.fixture(autouse=True)
def local_development(monkeypatch: pytest.MonkeyPatch) -> None:
    """Tests run the app as a developer's machine does (AUTH_REQUIRED=false, as in
    local.settings.json.example), acting as the local developer unless they send a principal;
    the tests of who may call switch authentication on themselves (tests/auth.py)."""
    monkeypatch.setenv("AUTH_REQUIRED", "false")


@pytest.fixture(scope="session")
def azurite(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Azurite]:
    location: Path = tmp_path_factory.mktemp("azurite")
    # Two accounts, as the app's two on Azure: the host's (the development one) and uploads.
    uploads = {azurite_facts.UPLOADS_ACCOUNT: azurite_facts.UPLOADS_KEY}
    instance = start_azurite(location, log_file=location / "azurite.log", accounts=uploads)
    yield instance
    try:  # poison hygiene: when the suite ends, only messages tests put there on purpose
        unexplained = unexplained_poison(instance.connection_string) + unexplained_poison(
            instance.connection_string_of(azurite_facts.UPLOADS_ACCOUNT)
        )
    finally:
        instance.stop()
    assert not unexplained, "poison messages no test explains:\n" + "\n".join(unexplained)


@pytest.fixture
async def storage_env(azurite: Azurite, monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[Azurite]:
    """The app's settings and clients, pointed at the session's Azurite (the clients are
    closed afterwards)."""
    uploads = azurite.connection_string_of(azurite_facts.UPLOADS_ACCOUNT)
    await point_app_at(monkeypatch, azurite.connection_string, uploads=uploads)
    yield azurite
    await bootstrap.reset()
