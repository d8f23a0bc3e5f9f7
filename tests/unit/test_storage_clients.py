"""Storage clients: made once per event loop on first use, closed by reset_clients (no I/O:
making a client opens no connection)."""

from __future__ import annotations

import asyncio

import pytest

from shared import storage


@pytest.fixture(autouse=True)
async def development_storage(monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    monkeypatch.setenv("AzureWebJobsStorage", "UseDevelopmentStorage=true")
    await storage.reset_clients()
    yield
    await storage.reset_clients()


async def test_each_client_is_made_once_and_shared() -> None:
    assert storage.table_service() is storage.table_service()
    assert storage.queue_service() is storage.queue_service()
    assert storage.blob_service() is storage.blob_service()


async def test_reset_closes_the_clients_and_the_next_use_makes_new_ones() -> None:
    first = storage.queue_service()
    await first.__aenter__()  # opens its aiohttp session, as its first request would
    await storage.reset_clients()
    second = storage.queue_service()
    assert second is not first
    with pytest.raises(ValueError, match="closed"):  # azure-core refuses a closed transport
        await first.get_queue_client("q").send_message("x")


async def test_another_event_loop_gets_its_own_clients() -> None:
    """aiohttp sessions belong to one loop; a client from another loop would fail there."""
    here = storage.table_service()

    async def on_another_loop() -> object:
        client = storage.table_service()
        await storage.reset_clients()
        return client

    there = await asyncio.to_thread(asyncio.run, on_another_loop())
    assert there is not here
    assert storage.table_service() is here  # this loop's client was left alone
