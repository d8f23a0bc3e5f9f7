"""The order change feed: outbox publishing, the relay, the read models and the nightly sweep.

The entry points here are what blueprints call; storage adapters and SDKs load on first use.
See docs/change-feed.md for the design and its guarantees.
"""

from __future__ import annotations

import logging
import time
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from shared.config import ORDER_EVENTS_QUEUE, get_settings
from shared.orders.services import utc_now
from shared.storage import queue_service, table

if TYPE_CHECKING:
    from collections.abc import Callable
    from datetime import datetime

    from shared.changes.publisher import EventPublisher
    from shared.changes.read_models import ApplyResult, CustomerOrders, DailySummary
    from shared.changes.sweep import SweepReport
    from shared.orders.repository import OrderBacklog

__all__ = [
    "ORDER_EVENTS_QUEUE",
    "customer_orders",
    "daily_summary",
    "event_publisher",
    "order_backlog",
    "process_event_message",
    "run_nightly_sweep",
    "run_relay",
]

logger = logging.getLogger(__name__)
_publishers: dict[str, tuple[Any, EventPublisher]] = {}


def event_publisher() -> EventPublisher:
    """The queue publisher, one per queue client (so one per process; tests swap accounts)."""
    from shared.changes.publisher import QueueEventPublisher

    service, name = queue_service(), ORDER_EVENTS_QUEUE
    cached = _publishers.get(name)
    if cached is None or cached[0] is not service:
        publisher = QueueEventPublisher(
            service.get_queue_client(name), service.get_queue_client(f"{name}-poison")
        )
        cached = _publishers[name] = (service, publisher)
    return cached[1]


async def order_backlog() -> OrderBacklog:
    from shared.orders.table_repository import TableOrderBacklog

    return TableOrderBacklog(await table(get_settings().orders_table))


async def customer_orders() -> CustomerOrders:
    from shared.changes.table_read_models import TableCustomerOrders

    return TableCustomerOrders(await table(get_settings().customer_orders_table))


async def daily_summary() -> DailySummary:
    from shared.changes.table_read_models import TableDailySummary

    return TableDailySummary(await table(get_settings().order_summary_table))


async def process_event_message(
    body: bytes, *, message_id: str, attempt: int = 1
) -> ApplyResult | None:
    """Apply one queue message to the read models, continuing the trace of the write that
    made the event (shared.changes.feed_telemetry).

    A message that is not an order event can never succeed: it is parked in the poison
    queue at once and logged (a recorded permanent failure). Anything else that fails
    (storage, lasting conflicts) raises, so the host retries it and, after maxDequeueCount
    attempts (`attempt` is the message's dequeue count), moves it to the poison queue."""
    from shared.changes import feed_telemetry
    from shared.changes.errors import BadEventMessage
    from shared.changes.publisher import parse_event
    from shared.changes.read_models import apply_event

    try:
        event = parse_event(body)
    except BadEventMessage as exc:
        logger.error("order_event_rejected message_id=%s reason=%s", message_id, exc.detail)
        await event_publisher().dead_letter(body, reason=exc.detail)
        feed_telemetry.poisoned(malformed=True)
        return None
    with feed_telemetry.consuming(event, message_id=message_id) as span:
        try:
            result = await apply_event(
                event, customers=await customer_orders(), summary=await daily_summary()
            )
        except Exception:
            feed_telemetry.poisoned(malformed=False, attempt=attempt)
            raise
        feed_telemetry.applied(event, result, span, now=utc_now())
    return result


async def run_nightly_sweep(
    *, past_due: bool, clock: Callable[[], datetime] = utc_now
) -> SweepReport:
    """Expire stale PENDING orders (their events flow as for any change), relay unsent
    events, and log one summary line."""
    from shared.changes.sweep import log_report, sweep
    from shared.orders import order_repository

    started = time.monotonic()
    backlog, publisher = await order_backlog(), event_publisher()
    report = await sweep(
        repo=await order_repository(),
        backlog=backlog,
        publisher=publisher,
        now=clock(),
        ttl=timedelta(hours=get_settings().pending_ttl_hours),
    )
    log_report(report, past_due=past_due, started=started)
    return report


async def run_relay() -> int:
    """Send outbox events left unsent for over a minute; the number sent."""
    from shared.changes.outbox import relay_unsent
    from shared.changes.sweep import RELAY_AGE
    from shared.orders.model import format_time

    report = await relay_unsent(
        backlog=await order_backlog(),
        publisher=event_publisher(),
        created_before=format_time(utc_now() - RELAY_AGE),
    )
    if report.sent or report.failed:
        logger.info("outbox_relay sent=%d failed=%d", report.sent, report.failed)
    return report.sent
