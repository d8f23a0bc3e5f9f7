"""Failed sends after commit are tried again within seconds (shared/changes/resend.py), on fakes.

The pauses are shrunk to milliseconds; what is checked is the order of things, never a time:
every wait polls a condition with a deadline."""

from __future__ import annotations

import asyncio
from functools import partial
from typing import TYPE_CHECKING

import pytest

from shared.changes.cleanup import ImmediateCleanup
from shared.changes.outbox import RELAY_AGE, PublishingOrderRepository, deliver, relay_unsent
from shared.changes.read_models import apply_event
from shared.changes.resend import Resender
from shared.orders import services
from shared.orders.model import format_time
from tests.support import BACK_OFFICE
from tests.unit.changes.fakes import FakeBacklog, FakeCustomerOrders, FakeDailySummary
from tests.unit.orders.conftest import Clock, order_body
from tests.unit.orders.fakes import FakeOrderRepository

if TYPE_CHECKING:
    from collections.abc import Callable

    from shared.orders.events import OrderEvent

DEADLINE_S = 10.0


class Queue:
    """A publisher whose sends fail while `down`; with `lose_answers`, a send reaches the
    queue but its answer is lost, so the sender sees a failure (a read timeout)."""

    def __init__(self) -> None:
        self.delivered: list[OrderEvent] = []
        self.attempts = 0
        self.down = False
        self.lose_answers = 0

    async def publish(self, event: OrderEvent) -> None:
        self.attempts += 1
        await asyncio.sleep(0)
        if self.down:
            raise ConnectionError("queue unreachable")
        self.delivered.append(event)
        if self.lose_answers:
            self.lose_answers -= 1
            raise TimeoutError("the answer was lost")

    async def dead_letter(self, body: bytes, *, reason: str) -> None:
        raise AssertionError("not used")


async def until(condition: Callable[[], bool]) -> None:
    """Poll `condition` (state changed by the retry task, which sets no event) to a deadline."""
    async with asyncio.timeout(DEADLINE_S):
        while not condition():  # noqa: ASYNC110 - nothing to wait on but the state itself
            await asyncio.sleep(0.005)


@pytest.fixture
def inner() -> FakeOrderRepository:
    return FakeOrderRepository()


@pytest.fixture
def backlog(inner: FakeOrderRepository) -> FakeBacklog:
    return FakeBacklog(inner)


@pytest.fixture
def queue() -> Queue:
    return Queue()


def resender(queue: Queue, backlog: FakeBacklog, *, retry_for: float = 5.0) -> Resender:
    send = partial(deliver, publisher=queue, cleanup=ImmediateCleanup(backlog))
    return Resender(send, first_pause=0.01, longest_pause=0.04, retry_for=retry_for)


@pytest.fixture
def resend(queue: Queue, backlog: FakeBacklog) -> Resender:
    return resender(queue, backlog)


@pytest.fixture
def repo(
    inner: FakeOrderRepository, queue: Queue, backlog: FakeBacklog, resend: Resender
) -> PublishingOrderRepository:
    return repository(inner, queue, backlog, resend)


def repository(
    inner: FakeOrderRepository, queue: Queue, backlog: FakeBacklog, resend: Resender
) -> PublishingOrderRepository:
    return PublishingOrderRepository(inner, publisher=queue, backlog=backlog, resend=resend)


async def create(repo: PublishingOrderRepository, clock: Clock) -> str:
    result = await services.create_order(order_body(), repo=repo, clock=clock, caller=BACK_OFFICE)
    return result.order.order_id


async def test_a_failed_send_is_sent_again_once_the_queue_is_back(
    repo: PublishingOrderRepository, resend: Resender, queue: Queue, backlog: FakeBacklog
) -> None:
    queue.down = True
    order_id = await create(repo, Clock())  # the request succeeds all the same
    assert queue.delivered == [] and resend.waiting == 1
    await until(lambda: queue.attempts >= 3)  # retried, and retried again while down
    queue.down = False
    await until(lambda: resend.waiting == 0)
    assert [e.order_id for e in queue.delivered] == [order_id]
    assert backlog.sent == {(order_id, 1)}  # its row handed to the cleanup, as after a send


async def test_while_the_queue_is_down_a_round_sends_one_event_not_all(
    repo: PublishingOrderRepository, resend: Resender, queue: Queue, backlog: FakeBacklog
) -> None:
    queue.down = True
    clock = Clock()
    for _ in range(20):
        await create(repo, clock)
    attempts_after_commits = queue.attempts  # the 20 sends right after each commit
    await until(lambda: queue.attempts >= attempts_after_commits + 5)
    queue.down = False
    await until(lambda: resend.waiting == 0)
    # Each failed round cost one send; the round that got through sent all 20.
    retries = queue.attempts - attempts_after_commits
    assert len(queue.delivered) == 20
    assert retries < 20 + 20  # one probe per failed round (a few) + the 20 that went through
    assert backlog.sent == {(e.order_id, e.version) for e in queue.delivered}


async def test_an_event_not_sent_in_time_is_left_to_the_relay(
    inner: FakeOrderRepository, queue: Queue, backlog: FakeBacklog
) -> None:
    resend = resender(queue, backlog, retry_for=0.05)
    repo = repository(inner, queue, backlog, resend)
    queue.down = True
    clock = Clock()
    order_id = await create(repo, clock)
    await until(lambda: resend.waiting == 0)
    await until(lambda: len(asyncio.all_tasks()) == 1)  # the retry task ended: nothing runs
    assert queue.delivered == [] and backlog.sent == set()  # the row is still in the outbox
    queue.down = False
    cutoff = format_time(clock.now + RELAY_AGE)
    report = await relay_unsent(backlog=backlog, publisher=queue, created_before=cutoff)
    assert report.sent == 1 and [e.order_id for e in queue.delivered] == [order_id]


async def test_nothing_runs_while_nothing_waits(
    repo: PublishingOrderRepository, resend: Resender, queue: Queue, backlog: FakeBacklog
) -> None:
    """An idle process makes no request: the retry task exists only while events wait."""
    await create(repo, Clock())  # sent at once: nothing waits
    assert resend.waiting == 0 and len(asyncio.all_tasks()) == 1
    queue.down = True
    await create(repo, Clock())
    assert len(asyncio.all_tasks()) == 2  # the retry task, while one waits
    queue.down = False
    await until(lambda: len(asyncio.all_tasks()) == 1)


async def test_a_copy_sent_by_a_retry_is_absorbed_by_the_read_models(
    repo: PublishingOrderRepository, resend: Resender, queue: Queue, backlog: FakeBacklog
) -> None:
    """The send reached the queue but its answer was lost, so the retry sends the event a
    second time. The consumer applies both copies; the version check drops the second, and
    both read models end as after one (docs/change-feed.md, "Catching up after a blip")."""
    queue.lose_answers = 1
    await create(repo, Clock())
    await until(lambda: resend.waiting == 0)
    first, second = queue.delivered
    assert first == second
    customers, summary = FakeCustomerOrders(), FakeDailySummary()
    once = await apply_event(first, customers=customers, summary=summary)
    twice = await apply_event(second, customers=customers, summary=summary)
    assert once.customer_view and once.summary
    assert twice.outcome == "duplicate"
    assert (customers.writes, summary.writes) == (1, 1)
