"""Four event queues on a real Azurite (ORDER_EVENT_QUEUES=4): every event of an order in
the queue of its order, all queues used, the relay sending to the right queue, a bad message
parked in the poison queue of the queue it came from. The app's registered functions were
indexed with one queue in this process, so the consumer's core entry point is called as the
function of queue i calls it (tests/unit/test_sharding.py checks the registration)."""

from __future__ import annotations

import uuid
from collections import defaultdict
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

import pytest

from shared import bootstrap
from shared.changes import process_event_message
from shared.changes.outbox import relay_unsent
from shared.orders import services
from shared.orders.model import format_time
from shared.sharding import queue_index, queue_names
from tests.integration.test_change_feed import drain, events, feed_env, own_azurite
from tests.support import BACK_OFFICE, lose_sends, point_app_at

if TYPE_CHECKING:
    from devhost.azurite import Azurite

__all__ = ["feed_env", "own_azurite"]

QUEUES = 4


@pytest.fixture
async def four_queues(feed_env: Azurite, monkeypatch: pytest.MonkeyPatch) -> Azurite:
    monkeypatch.setenv("ORDER_EVENT_QUEUES", str(QUEUES))
    await point_app_at(monkeypatch, feed_env.connection_string)
    for name in queue_names(QUEUES):
        await drain(name)
    return feed_env


async def create(owner: str) -> str:
    body = {"customer_id": owner, "product_id": "p", "quantity": 1, "total_amount": 2}
    result = await services.create_order(
        body,
        repo=await bootstrap.order_repository(),
        caller=BACK_OFFICE,
    )
    return result.order.order_id


@pytest.mark.usefixtures("four_queues")
async def test_every_event_of_an_order_goes_to_its_own_queue() -> None:
    owner = f"c-{uuid.uuid4().hex[:8]}"
    created = [await create(owner) for _ in range(24)]
    repo = await bootstrap.order_repository()
    for order_id in created:
        order = await repo.get(order_id)
        assert order is not None
        await services.update_order(
            order_id,
            {"quantity": 2},
            if_match=order.etag,
            repo=repo,
            caller=BACK_OFFICE,
        )
    found: dict[str, set[int]] = defaultdict(set)
    for index, name in enumerate(queue_names(QUEUES)):
        for event in events(await drain(name)):
            found[event.order_id].add(index)
            assert event.version in (1, 2)
    assert {order_id: {queue_index(order_id, QUEUES)} for order_id in created} == dict(found)
    assert {index for indexes in found.values() for index in indexes} == set(range(QUEUES))
    assert await drain() == []  # nothing in the one-queue name


async def test_the_relay_sends_to_the_queue_of_the_order(
    four_queues: Azurite, monkeypatch: pytest.MonkeyPatch
) -> None:
    owner = f"c-{uuid.uuid4().hex[:8]}"
    with monkeypatch.context() as patch:
        lose_sends(patch)
        lost = [await create(owner) for _ in range(8)]
    report = await relay_unsent(
        backlog=await bootstrap.order_backlog(),
        publisher=bootstrap.event_publisher(),
        created_before=format_time(datetime.now(UTC) + timedelta(minutes=1)),
        cleanup=await bootstrap.outbox_cleanup(),
    )
    assert report.sent >= len(lost)
    for index, name in enumerate(queue_names(QUEUES)):
        relayed = {e.order_id for e in events(await drain(name))} & set(lost)
        assert relayed == {o for o in lost if queue_index(o, QUEUES) == index}


@pytest.mark.usefixtures("four_queues")
async def test_a_bad_message_is_parked_with_the_queue_it_came_from() -> None:
    await process_event_message(
        b"not an event",
        message_id="m-1",
        customers=await bootstrap.customer_orders(),
        summary=await bootstrap.daily_summary(),
        publisher=bootstrap.queue_publisher(2),
        queue="order-events-2",
    )
    assert await drain("order-events-2-poison") != []
    for other in ("order-events-0-poison", "order-events-1-poison", "order-events-3-poison"):
        assert await drain(other) == []
