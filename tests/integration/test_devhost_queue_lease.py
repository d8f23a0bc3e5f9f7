"""devhost's queue lease on a real Azurite queue: a message stays invisible while its function
runs past the visibility timeout, and the pop receipt of the last renewal deletes it, also
when the function ends while a renewal is in flight."""

from __future__ import annotations

import asyncio
import uuid
from typing import TYPE_CHECKING, Any

import pytest

from devhost import queuepolling
from devhost.queuepolling import MessageLease

if TYPE_CHECKING:
    from collections.abc import AsyncIterator

    from azure.storage.queue.aio import QueueClient

    from devhost.azurite import Azurite

LEASE = 4  # seconds; renewed every 2 s (a 2 s margin for a loaded machine)


@pytest.fixture
async def queue(azurite: Azurite, monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[QueueClient]:
    from azure.storage.queue.aio import QueueClient

    monkeypatch.setattr(queuepolling, "LEASE_SECONDS", LEASE)
    client = QueueClient.from_connection_string(
        azurite.connection_string, f"lease-{uuid.uuid4().hex[:12]}"
    )
    async with client:
        await client.create_queue()
        await client.send_message("work")
        yield client


async def _receive(queue: QueueClient) -> object:
    async for message in queue.receive_messages(max_messages=1, visibility_timeout=LEASE):
        return message
    raise AssertionError("no message")


async def _visible(queue: QueueClient) -> int:
    return len(await queue.peek_messages(max_messages=32))


async def test_a_message_held_past_its_visibility_is_renewed_then_deleted(
    queue: QueueClient,
) -> None:
    message = await _receive(queue)
    async with MessageLease(queue, message) as lease:  # type: ignore[arg-type]
        await asyncio.sleep(LEASE * 1.75)  # the function runs well past its first lease
        assert await _visible(queue) == 0
        assert lease.pop_receipt != message.pop_receipt  # type: ignore[attr-defined]
    await queue.delete_message(message.id, lease.pop_receipt)  # type: ignore[attr-defined]
    assert await _visible(queue) == 0


async def test_ending_during_a_renewal_keeps_the_renewed_receipt(
    queue: QueueClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    message = await _receive(queue)
    renewing = asyncio.Event()
    update = queue.update_message

    async def slow_update(*args: Any, **kwargs: Any) -> object:
        renewed = await update(*args, **kwargs)  # the server has the new receipt now...
        renewing.set()
        await asyncio.sleep(0.3)  # ...and the response is still on its way
        return renewed

    monkeypatch.setattr(queue, "update_message", slow_update)
    async with MessageLease(queue, message) as lease:  # type: ignore[arg-type]
        await renewing.wait()  # the function ends while the renewal is on its way
    # The renewal changed the receipt on the server: only the renewed one deletes.
    await queue.delete_message(message.id, lease.pop_receipt)  # type: ignore[attr-defined]
    assert await _visible(queue) == 0
    await asyncio.sleep(LEASE + 0.5)
    assert await _visible(queue) == 0  # deleted, not merely hidden
