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


KEYED = (
    "DefaultEndpointsProtocol=https;AccountName={};AccountKey=azE=;EndpointSuffix=core.windows.net"
)


async def test_the_first_use_signs_every_account_in_at_once_and_only_once(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """No warmup ran (a restart): the first invocation's own initialization fetches every
    account's token concurrently, and concurrent first uses wait for that one fetch."""
    from shared.storage import StorageClients

    monkeypatch.setenv("ORDER_STORAGE_CONNECTIONS", "AzureWebJobsStorage,Orders1,Orders2")
    monkeypatch.setenv("Orders1", KEYED.format("orders1"))
    monkeypatch.setenv("Orders2", KEYED.format("orders2"))
    await bootstrap.reset()
    signing_in: set[int] = set()
    most, calls = 0, 0

    async def sign_in(self: StorageClients) -> None:
        nonlocal most, calls
        calls += 1
        signing_in.add(id(self))
        most = max(most, len(signing_in))
        await asyncio.sleep(0.05)
        signing_in.discard(id(self))

    monkeypatch.setattr(StorageClients, "sign_in", sign_in)
    await asyncio.gather(
        bootstrap.order_repository(),
        bootstrap.customer_orders(),
        bootstrap.daily_summary(),
        bootstrap.legacy_idempotency_keys(),
        bootstrap.health_probe(),
    )
    assert (most, calls) == (3, 3)
    await bootstrap.order_repository()
    assert calls == 3


async def test_signing_in_fetches_the_storage_token_only_with_an_identity(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from shared import storage
    from shared.connections import StorageEndpoints

    scopes: list[tuple[str, ...]] = []

    class Credential:
        async def get_token(self, *wanted: str) -> object:
            scopes.append(wanted)
            return object()

        async def close(self) -> None:
            return None

    monkeypatch.setattr(storage, "async_storage_credential", lambda endpoints: Credential())
    keyed = storage.StorageClients(StorageEndpoints(KEYED.format("a")))
    await keyed.sign_in()
    assert scopes == []
    identity = storage.StorageClients(
        StorageEndpoints(
            None, table_uri="https://a.table.core.windows.net", credential="managedidentity"
        )
    )
    await identity.sign_in()
    assert scopes == [("https://storage.azure.com/.default",)]
    await identity.close()
