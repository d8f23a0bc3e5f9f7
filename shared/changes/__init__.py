"""The order change feed: outbox publishing, the relay, the read models and the nightly sweep.

The entry points here are what blueprints call; storage adapters and SDKs load on first use.
See docs/change-feed.md for the design and its guarantees.
"""

from __future__ import annotations

import logging
import threading
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
    "ORDER_EVENTS_QUEUE", "customer_orders", "daily_summary", "event_publisher", "order_backlog",
    "process_event_message", "run_nightly_sweep", "run_relay",
]  # fmt: skip

logger = logging.getLogger(__name__)
_lock = threading.Lock()
_publishers: dict[str, tuple[Any, EventPublisher]] = {}


def event_publisher() -> EventPublisher:
    """The queue publisher, one per process and storage account (tests swap accounts)."""
    from shared.changes.publisher import QueueEventPublisher

    service, name = queue_service(), ORDER_EVENTS_QUEUE
    with _lock:
        cached = _publishers.get(name)
        if cached is None or cached[0] is not service:
            publisher = QueueEventPublisher(
                service.get_queue_client(name), service.get_queue_client(f"{name}-poison")
            )
            cached = _publishers[name] = (service, publisher)
    return cached[1]


def order_backlog() -> OrderBacklog:
    from shared.orders.table_repository import TableOrderBacklog

    return TableOrderBacklog(table(get_settings().orders_table))


def customer_orders() -> CustomerOrders:
    from shared.changes.table_read_models import TableCustomerOrders

    return TableCustomerOrders(table(get_settings().customer_orders_table))


def daily_summary() -> DailySummary:
    from shared.changes.table_read_models import TableDailySummary

    return TableDailySummary(table(get_settings().order_summary_table))


def process_event_message(body: bytes, *, message_id: str) -> ApplyResult | None:
    """Apply one queue message to the read models.

    A message that is not an order event can never succeed: it is parked in the poison
    queue at once and logged (a recorded permanent failure). Anything else that fails
    (storage, lasting conflicts) raises, so the host retries it and, after maxDequeueCount
    attempts, moves it to the poison queue itself."""
    from shared.changes.errors import BadEventMessage
    from shared.changes.publisher import parse_event
    from shared.changes.read_models import apply_event

    try:
        event = parse_event(body)
    except BadEventMessage as exc:
        logger.error("order_event_rejected message_id=%s reason=%s", message_id, exc.detail)
        event_publisher().dead_letter(body, reason=exc.detail)
        return None
    return apply_event(event, customers=customer_orders(), summary=daily_summary())


def run_nightly_sweep(*, past_due: bool, clock: Callable[[], datetime] = utc_now) -> SweepReport:
    """Expire stale PENDING orders (their events flow as for any change), relay unsent
    events, and log one summary line."""
    from shared.changes.sweep import log_report, sweep
    from shared.orders import order_repository

    started = time.monotonic()
    backlog, publisher = order_backlog(), event_publisher()
    report = sweep(
        repo=order_repository(), backlog=backlog, publisher=publisher, now=clock(),
        ttl=timedelta(hours=get_settings().pending_ttl_hours),
    )  # fmt: skip
    log_report(report, past_due=past_due, started=started)
    return report


def run_relay() -> int:
    """Send outbox events left unsent for over a minute; the number sent."""
    from shared.changes.outbox import relay_unsent
    from shared.changes.sweep import RELAY_AGE
    from shared.orders.model import format_time

    report = relay_unsent(
        backlog=order_backlog(), publisher=event_publisher(),
        created_before=format_time(utc_now() - RELAY_AGE),
    )  # fmt: skip
    if report.sent or report.failed:
        logger.info("outbox_relay sent=%d failed=%d", report.sent, report.failed)
    return report.sent
