"""The composition root: what it builds is made once per event loop on first use and shared,
and `reset()` closes it and forgets the settings (no I/O: making a client opens no
connection)."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

import pytest

from shared import bootstrap

if TYPE_CHECKING:
    from collections.abc import AsyncIterator


@pytest.fixture(autouse=True)
async def development_storage(monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[None]:
    monkeypatch.setenv("AzureWebJobsStorage", "UseDevelopmentStorage=true")
    await bootstrap.reset()
    yield
    await bootstrap.reset()


async def test_each_client_is_made_once_and_shared() -> None:
    clients = bootstrap.storage_clients()
    assert clients is bootstrap.storage_clients()
    assert clients.table_service() is clients.table_service()
    assert clients.queue_service() is clients.queue_service()
    assert clients.blob_service() is clients.blob_service()


async def test_the_publisher_is_made_once_per_loop() -> None:
    assert bootstrap.event_publisher() is bootstrap.event_publisher()


async def test_settings_are_read_once_until_reset(monkeypatch: pytest.MonkeyPatch) -> None:
    first = bootstrap.settings()
    monkeypatch.setenv("ORDER_PENDING_TTL_HOURS", "48")
    assert bootstrap.settings() is first
    await bootstrap.reset()
    assert bootstrap.settings().pending_ttl_hours == 48


async def test_reset_closes_the_clients_and_the_next_use_makes_new_ones() -> None:
    first = bootstrap.storage_clients().queue_service()
    publisher = bootstrap.event_publisher()
    await first.__aenter__()  # opens its aiohttp session, as its first request would
    await bootstrap.reset()
    second = bootstrap.storage_clients().queue_service()
    assert second is not first
    assert bootstrap.event_publisher() is not publisher
    with pytest.raises(ValueError, match="closed"):  # azure-core refuses a closed transport
        await first.get_queue_client("q").send_message("x")


async def test_another_event_loop_gets_its_own_clients() -> None:
    """aiohttp sessions belong to one loop; a client from another loop would fail there."""
    here = bootstrap.storage_clients().table_service()

    async def on_another_loop() -> object:
        client = bootstrap.storage_clients().table_service()
        await bootstrap.reset()
        return client

    there = await asyncio.to_thread(asyncio.run, on_another_loop())
    assert there is not here
    assert bootstrap.storage_clients().table_service() is here  # this loop's were left alone
