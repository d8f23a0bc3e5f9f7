"""Sent outbox rows deleted in batches (shared.changes.cleanup), on fakes: batching per
partition, never an unsent row, retries of a failed delete, and the relay's view of rows
that were sent but are not deleted yet."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import TYPE_CHECKING

import pytest

from shared.changes.cleanup import BATCH_ROWS, GIVE_UP_AFTER, BatchedCleanup
from shared.changes.outbox import PublishingOrderRepository, relay_unsent
from shared.orders import services
from shared.orders.model import format_time
from tests.support import BACK_OFFICE
from tests.unit.changes.fakes import FakeBacklog, FakePublisher
from tests.unit.orders.conftest import Clock, order_body
from tests.unit.orders.fakes import FakeOrderRepository

if TYPE_CHECKING:
    from collections.abc import Sequence

    from shared.orders.events import OrderEvent


class Ticks:
    """A monotonic clock the test moves."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


class FlakyBacklog(FakeBacklog):
    def __init__(self, repo: FakeOrderRepository) -> None:
        super().__init__(repo)
        self.failures = 0

    async def clear_sent(self, events: Sequence[OrderEvent]) -> int:
        if self.failures:
            self.failures -= 1
            raise ConnectionError("storage down")
        return await super().clear_sent(events)


@pytest.fixture
def inner() -> FakeOrderRepository:
    return FakeOrderRepository()


async def create_orders(repo: PublishingOrderRepository, count: int) -> list[str]:
    clock = Clock()
    return [
        (
            await services.create_order(
                order_body(),
                repo=repo,
                clock=clock,
                caller=BACK_OFFICE,
            )
        ).order.order_id
        for _ in range(count)
    ]


async def test_rows_sent_within_the_window_go_in_one_request(inner) -> None:
    backlog, publisher, ticks = FakeBacklog(inner), FakePublisher(), Ticks()
    cleanup = BatchedCleanup(backlog, after=0.05, clock=ticks)
    repo = PublishingOrderRepository(inner, publisher=publisher, backlog=backlog, cleanup=cleanup)
    ids = await create_orders(repo, 7)  # all at one instant of the injected clock
    assert backlog.sent == set() and cleanup.waiting == 7  # sent, not yet deleted
    ticks.now += 0.05  # the window ends; the timer sees it at its next wake-up
    for _ in range(100):  # a deadline for that wake-up (0.05 s apart), not a speed
        if not cleanup.waiting:
            break
        await asyncio.sleep(0.05)
    assert backlog.sent == {(order_id, 1) for order_id in ids}
    assert backlog.clears == 1 and cleanup.waiting == 0
    await cleanup.close()


async def test_a_full_batch_goes_at_once(inner) -> None:
    backlog, publisher = FakeBacklog(inner), FakePublisher()
    cleanup = BatchedCleanup(backlog, after=3600)
    repo = PublishingOrderRepository(inner, publisher=publisher, backlog=backlog, cleanup=cleanup)
    await create_orders(repo, BATCH_ROWS + 3)
    await asyncio.sleep(0)  # the full batch's delete runs beside the request that filled it
    assert (len(backlog.sent), backlog.clears, cleanup.waiting) == (BATCH_ROWS, 1, 3)
    await cleanup.close()
    assert (len(backlog.sent), backlog.clears, cleanup.waiting) == (BATCH_ROWS + 3, 2, 0)


async def test_an_unsent_event_is_never_handed_to_the_cleanup(inner) -> None:
    backlog, publisher = FakeBacklog(inner), FakePublisher()
    cleanup = BatchedCleanup(backlog, after=0)
    repo = PublishingOrderRepository(inner, publisher=publisher, backlog=backlog, cleanup=cleanup)
    publisher.failing = True
    [order_id] = await create_orders(repo, 1)
    await cleanup.close()
    assert backlog.sent == set() and backlog.clears == 0
    later = format_time(Clock().now + timedelta(minutes=5))
    publisher.failing = False
    report = await relay_unsent(backlog=backlog, publisher=publisher, created_before=later)
    assert report.sent == 1 and backlog.sent == {(order_id, 1)}


async def test_a_failed_delete_is_retried_while_young_then_left_to_the_relay(inner) -> None:
    backlog, publisher, ticks = FlakyBacklog(inner), FakePublisher(), Ticks()
    cleanup = BatchedCleanup(backlog, after=3600, clock=ticks)
    repo = PublishingOrderRepository(inner, publisher=publisher, backlog=backlog, cleanup=cleanup)
    [first] = await create_orders(repo, 1)
    backlog.failures = 1
    await cleanup.flush()
    assert cleanup.waiting == 1  # kept for another try
    await cleanup.flush()
    assert backlog.sent == {(first, 1)}
    [second] = await create_orders(repo, 1)
    backlog.failures = 1
    ticks.now += GIVE_UP_AFTER
    await cleanup.flush()
    assert cleanup.waiting == 0 and (second, 1) not in backlog.sent  # the relay's now
    await cleanup.close()


async def test_the_relay_leaves_rows_another_instance_sent_and_will_delete(inner) -> None:
    """Instance A sent the event and holds its row for the next batch; instance B's relay
    (its own cleanup, the same outbox) sends nothing until the row is a minute old, and by
    then A has deleted it. Had A died, B's relay sends it once more: the repair."""
    backlog, publisher = FakeBacklog(inner), FakePublisher()
    instance_a = BatchedCleanup(backlog, after=3600)
    repo = PublishingOrderRepository(
        inner, publisher=publisher, backlog=backlog, cleanup=instance_a
    )
    [order_id] = await create_orders(repo, 1)
    clock = Clock()
    instance_b = BatchedCleanup(backlog)
    now = format_time(clock.now - timedelta(minutes=1))
    report = await relay_unsent(
        backlog=backlog, publisher=publisher, created_before=now, cleanup=instance_b
    )
    assert report.sent == 0 and len(publisher.sent) == 1
    a_died = format_time(clock.now + timedelta(minutes=1))
    report = await relay_unsent(
        backlog=backlog, publisher=publisher, created_before=a_died, cleanup=instance_b
    )
    assert report.sent == 1 and [e.order_id for e in publisher.sent] == [order_id] * 2
    await instance_a.close()  # A's late delete of a row the relay deleted is no error
    assert backlog.sent == {(order_id, 1)}


async def test_the_relay_first_deletes_what_its_own_instance_sent(inner) -> None:
    backlog, publisher = FakeBacklog(inner), FakePublisher()
    cleanup = BatchedCleanup(backlog, after=3600)
    repo = PublishingOrderRepository(inner, publisher=publisher, backlog=backlog, cleanup=cleanup)
    await create_orders(repo, 3)
    later = format_time(Clock().now + timedelta(minutes=5))
    report = await relay_unsent(
        backlog=backlog, publisher=publisher, created_before=later, cleanup=cleanup
    )
    assert report.sent == 0 and len(publisher.sent) == 3  # no duplicate
    assert cleanup.waiting == 0 and len(backlog.sent) == 3
