"""Publishing after commit, the relay, the sweep and message parsing, on fakes."""

from __future__ import annotations

import base64
from datetime import UTC, datetime, timedelta

import pytest

from shared.changes.errors import BadEventMessage
from shared.changes.outbox import PublishingOrderRepository, relay_unsent
from shared.changes.publisher import decode_message, encode_message, parse_event
from shared.changes.sweep import sweep
from shared.orders import services
from shared.orders.errors import StaleOrder
from shared.orders.events import EventType, OrderEvent
from shared.orders.model import Order, OrderChanges, OrderStatus, format_time
from tests.support import BACK_OFFICE
from tests.unit.changes.fakes import FakeBacklog, FakePublisher
from tests.unit.orders.conftest import Clock, order_body
from tests.unit.orders.fakes import FakeOrderRepository

TTL = timedelta(hours=24)


@pytest.fixture
def inner() -> FakeOrderRepository:
    return FakeOrderRepository()


@pytest.fixture
def backlog(inner) -> FakeBacklog:
    return FakeBacklog(inner)


@pytest.fixture
def publisher() -> FakePublisher:
    return FakePublisher()


@pytest.fixture
def repo(inner, backlog, publisher) -> PublishingOrderRepository:
    return PublishingOrderRepository(inner, publisher=publisher, backlog=backlog)


async def create(repo, clock) -> str:
    result = await services.create_order(order_body(), repo=repo, clock=clock, caller=BACK_OFFICE)
    return result.order.order_id


async def test_each_committed_change_is_sent_then_marked_sent(repo, publisher, backlog) -> None:
    clock = Clock()
    order_id = await create(repo, clock)
    etag = (await repo.get(order_id)).etag
    await services.update_order(
        order_id, {"quantity": 5}, if_match=etag, repo=repo, clock=clock, caller=BACK_OFFICE
    )
    await services.delete_order(order_id, if_match=None, repo=repo, clock=clock, caller=BACK_OFFICE)
    assert [(e.type, e.version) for e in publisher.sent] == [
        (EventType.INSERT, 1),
        (EventType.MODIFY, 2),
        (EventType.REMOVE, 3),
    ]
    assert backlog.sent == {(order_id, 1), (order_id, 2), (order_id, 3)}


async def test_a_failed_send_keeps_the_event_for_the_relay(repo, publisher, backlog) -> None:
    clock = Clock()
    publisher.failing = True
    order_id = await create(repo, clock)  # the request succeeds all the same
    assert publisher.sent == [] and backlog.sent == set()
    publisher.failing = False
    cutoff = format_time(clock.now + timedelta(minutes=1))
    report = await relay_unsent(backlog=backlog, publisher=publisher, created_before=cutoff)
    assert report.sent == 1 and [e.order_id for e in publisher.sent] == [order_id]
    again = await relay_unsent(backlog=backlog, publisher=publisher, created_before=cutoff)
    assert again.sent == 0


async def test_the_relay_leaves_recent_events_to_their_requests(repo, publisher, backlog) -> None:
    clock = Clock()
    publisher.failing = True
    await create(repo, clock)
    publisher.failing = False
    report = await relay_unsent(
        backlog=backlog,
        publisher=publisher,
        created_before=format_time(clock.now - timedelta(minutes=1)),
    )
    assert report.sent == 0


async def test_sweep_expires_only_stale_pending_orders(repo, inner, backlog, publisher) -> None:
    clock = Clock()
    stale = [await create(repo, clock) for _ in range(3)]
    confirmed = await create(repo, clock)
    await services.update_order(
        confirmed,
        {"status": "CONFIRMED"},
        if_match=(await inner.get(confirmed)).etag,
        repo=repo,
        clock=clock,
        caller=BACK_OFFICE,
    )
    clock.advance(hours=23)
    fresh = await create(repo, clock)
    clock.advance(hours=2)
    report = await sweep(repo=repo, backlog=backlog, publisher=publisher, now=clock.now, ttl=TTL)
    assert (report.expired, report.skipped, report.failed) == (3, 0, 0)
    assert {o: (await inner.get(o)).status for o in [*stale, confirmed, fresh]} == {
        **{o: OrderStatus.EXPIRED for o in stale},
        confirmed: OrderStatus.CONFIRMED,
        fresh: OrderStatus.PENDING,
    }
    expired_events = [
        e for e in publisher.sent if e.new_image and e.new_image["status"] == "EXPIRED"
    ]
    assert sorted(e.order_id for e in expired_events) == sorted(stale)
    again = await sweep(repo=repo, backlog=backlog, publisher=publisher, now=clock.now, ttl=TTL)
    assert again.stale == 0  # nothing left, and nothing done twice


async def test_sweep_relays_unsent_events(repo, backlog, publisher) -> None:
    clock = Clock()
    publisher.failing = True
    await create(repo, clock)
    publisher.failing = False
    clock.advance(minutes=5)
    report = await sweep(repo=repo, backlog=backlog, publisher=publisher, now=clock.now, ttl=TTL)
    assert report.relayed == 1 and report.expired == 0


async def test_expiry_racing_a_patch_keeps_the_patch(inner) -> None:
    clock = Clock()
    order_id = await create(inner, clock)
    clock.advance(hours=30)
    cutoff = format_time(clock.now - TTL)
    original_replace = inner.replace
    raced: list[Order] = []

    async def patch_first(current, changed, event):
        if not raced:  # a client's PATCH lands between the sweep's read and its write
            raced.append(current)
            patched = current.apply(OrderChanges(quantity=9), now="t")
            await original_replace(
                current, patched, OrderEvent.for_change(current, patched, now="t")
            )
        return await original_replace(current, changed, event)

    inner.replace = patch_first
    assert await services.expire_order(order_id, created_before=cutoff, repo=inner, clock=clock)
    final = await inner.get(order_id)
    assert final.status is OrderStatus.EXPIRED and final.quantity == 9 and final.version == 3


async def test_expiry_gives_way_to_a_confirmation(inner) -> None:
    clock = Clock()
    order_id = await create(inner, clock)
    await services.update_order(
        order_id,
        {"status": "CONFIRMED"},
        if_match=(await inner.get(order_id)).etag,
        repo=inner,
        clock=clock,
        caller=BACK_OFFICE,
    )
    clock.advance(hours=30)
    cutoff = format_time(clock.now - TTL)
    expired = await services.expire_order(order_id, created_before=cutoff, repo=inner, clock=clock)
    assert not expired


async def test_expiry_that_never_wins_raises(inner, monkeypatch) -> None:
    clock = Clock()
    order_id = await create(inner, clock)

    async def always_stale(current, changed, event):
        raise StaleOrder("raced")

    monkeypatch.setattr(inner, "replace", always_stale)
    with pytest.raises(StaleOrder):
        await services.expire_order(order_id, created_before="9999", repo=inner, clock=clock)


def test_messages_are_base64_json_events() -> None:
    event = OrderEvent.for_change(None, _order(), now="2026-11-26T10:00:00.000Z")
    content = encode_message(event.to_json())
    assert base64.b64decode(content) == event.to_json().encode()
    assert parse_event(decode_message(content)) == event


@pytest.mark.parametrize(
    "body",
    [
        b"",
        b"not json",
        b"{}",
        b'{"event_id": 1}',
        b"\xff\xfe",
        b'{"event_id":"e","type":"INSERT","order_id":"o","version":0,"occurred_at":"t",'
        b'"new_image":{"customer_id":"c"}}',
        b'{"event_id":"e","type":"BOGUS","order_id":"o","version":1,"occurred_at":"t"}',
    ],
)
def test_bad_messages_are_permanent_failures(body: bytes) -> None:
    with pytest.raises(BadEventMessage):
        parse_event(body)


def test_non_base64_content_is_a_bad_message() -> None:
    with pytest.raises(BadEventMessage):
        decode_message("{not base64}")


def _order():
    from decimal import Decimal

    from shared.orders.model import Order, OrderDraft

    draft = OrderDraft("c", "p", 1, Decimal("1.00"))
    return Order.create("o-1", draft, now=format_time(datetime(2026, 11, 26, tzinfo=UTC)))
