"""The transactional outbox, from the sending side.

A change and its event are committed together (see shared.orders.table_layout). Right after
the commit the event is sent, and its outbox row is handed to the cleanup
(shared.changes.cleanup), which deletes sent rows in batches; if the send fails the request
still succeeds, the same process tries again within seconds (shared.changes.resend), and
`relay_unsent` sends whatever is still left later. Sending twice is harmless: every consumer
compares versions.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING

from shared import telemetry
from shared.changes.cleanup import ImmediateCleanup
from shared.orders.model import format_time
from shared.telemetry import metrics

if TYPE_CHECKING:
    from datetime import datetime

    from shared.changes.cleanup import SentEvents
    from shared.changes.publisher import EventPublisher
    from shared.changes.resend import Resender
    from shared.orders.events import OrderEvent
    from shared.orders.model import Order
    from shared.orders.repository import (
        Continuation,
        IdempotencyRecord,
        OrderBacklog,
        OrderPage,
        OrderQuery,
        OrderRepository,
    )

__all__ = [
    "RELAY_AGE",
    "PublishingOrderRepository",
    "RelayReport",
    "deliver",
    "publish_committed",
    "relay_unsent",
    "run_relay",
]

logger = logging.getLogger(__name__)

# Events older than this are the relay's: younger ones may still be in their request's send.
RELAY_AGE = timedelta(minutes=1)


async def publish_committed(
    event: OrderEvent,
    *,
    publisher: EventPublisher,
    cleanup: SentEvents,
    resend: Resender | None = None,
) -> bool:
    """Send a committed event and hand its outbox row to the cleanup; never raises. A failed
    send goes to `resend`, which tries again within seconds (shared.changes.resend); the
    relay repairs whatever is left."""
    if await deliver(event, publisher=publisher, cleanup=cleanup):
        return True
    if resend is not None:
        resend.failed(event)
    return False


async def deliver(
    event: OrderEvent,
    *,
    publisher: EventPublisher,
    cleanup: SentEvents,
    failure: str = "order_event_send_deferred",
) -> bool:
    """Send the event and hand its outbox row to the cleanup: False (logged as `failure`)
    if the send failed, leaving the row where it is."""
    if not await _send(event, publisher, failure=failure):
        return False
    try:
        await cleanup.sent(event)
    except Exception as exc:  # noqa: BLE001 - a leftover row only means one duplicate send
        logger.warning(
            "outbox_row_kept order_id=%s version=%s error=%s",
            event.order_id,
            event.version,
            type(exc).__name__,
        )
    return True


class PublishingOrderRepository:
    """An OrderRepository that publishes each change's event once the change is committed.
    Without a `cleanup`, each sent event's row is deleted at once (one request each); without
    a `resend`, a failed send waits for the relay."""

    def __init__(
        self,
        inner: OrderRepository,
        *,
        publisher: EventPublisher,
        backlog: OrderBacklog,
        cleanup: SentEvents | None = None,
        resend: Resender | None = None,
    ) -> None:
        self._inner, self._publisher, self._resend = inner, publisher, resend
        self._cleanup = cleanup or ImmediateCleanup(backlog)

    async def _publish(self, event: OrderEvent) -> None:
        await publish_committed(
            event, publisher=self._publisher, cleanup=self._cleanup, resend=self._resend
        )

    async def get(self, order_id: str) -> Order | None:
        return await self._inner.get(order_id)

    async def add(
        self, order: Order, event: OrderEvent, *, key: IdempotencyRecord | None = None
    ) -> Order:
        stored = await self._inner.add(order, event, key=key)
        await self._publish(event)
        return stored

    async def replace(self, current: Order, changed: Order, event: OrderEvent) -> Order:
        stored = await self._inner.replace(current, changed, event)
        await self._publish(event)
        return stored

    async def remove(self, current: Order, event: OrderEvent) -> None:
        await self._inner.remove(current, event)
        await self._publish(event)

    async def query(
        self, query: OrderQuery, *, limit: int, continuation: Continuation | None
    ) -> OrderPage:
        return await self._inner.query(query, limit=limit, continuation=continuation)


@dataclass(frozen=True, slots=True)
class RelayReport:
    sent: int = 0
    failed: int = 0


async def relay_unsent(
    *,
    backlog: OrderBacklog,
    publisher: EventPublisher,
    created_before: str,
    limit: int = 1000,
    cleanup: SentEvents | None = None,
) -> RelayReport:
    """Send outbox events older than the cutoff, partition by partition (a bounded walk), and
    delete each partition's sent rows together.

    The cutoff keeps the relay away from events whose request is still sending them, and
    from rows that another process sent and will delete in its next cleanup batch. Rows this
    process sent are deleted first (`cleanup`), so the relay does not send them again."""
    if cleanup is not None:
        await cleanup.flush()
    sent = failed = 0
    for partition in backlog.partitions():
        unsent = await backlog.unsent_events(partition, created_before=created_before, limit=limit)
        done = [
            event
            for event in unsent
            if await _send(event, publisher, failure="order_event_relay_failed")
        ]
        sent, failed = sent + len(done), failed + len(unsent) - len(done)
        if done:
            await _clear(backlog, done)
    for outcome, count in (("sent", sent), ("failed", failed)):
        if count:
            telemetry.record(metrics.OUTBOX_RELAYED, count, attributes={"outcome": outcome})
    return RelayReport(sent, failed)


async def _send(event: OrderEvent, publisher: EventPublisher, *, failure: str) -> bool:
    """True once sent; a failure is logged as `failure` and leaves the row for the relay."""
    try:
        await publisher.publish(event)
    except Exception as exc:  # noqa: BLE001 - any failure leaves the row in the outbox
        logger.warning(
            "%s order_id=%s version=%s error=%s",
            failure,
            event.order_id,
            event.version,
            type(exc).__name__,
        )
        return False
    return True


async def _clear(backlog: OrderBacklog, events: list[OrderEvent]) -> None:
    try:
        await backlog.clear_sent(events)
    except Exception as exc:  # noqa: BLE001 - rows left behind are only sent once more
        logger.warning("outbox_rows_kept rows=%d error=%s", len(events), type(exc).__name__)


async def run_relay(
    *,
    backlog: OrderBacklog,
    publisher: EventPublisher,
    now: datetime,
    cleanup: SentEvents | None = None,
) -> int:
    """The relay timer's entry point: send what has waited past RELAY_AGE; the number sent."""
    report = await relay_unsent(
        backlog=backlog,
        publisher=publisher,
        created_before=format_time(now - RELAY_AGE),
        cleanup=cleanup,
    )
    if report.sent or report.failed:
        logger.info("outbox_relay sent=%d failed=%d", report.sent, report.failed)
    return report.sent
