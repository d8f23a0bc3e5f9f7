"""What the change feed reports about each message it takes off the queue.

The span continues the trace of the write that made the event (its parent is the context the
event carries) and links to the host's invocation, which is a trace of its own: so one
operation in Application Insights runs from the HTTP request to the read-model writes.
Metrics: the lag from the change to the read models, the outcome, and poison messages.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from shared import telemetry
from shared.config import ORDER_EVENTS_MAX_DEQUEUE
from shared.telemetry import metrics

if TYPE_CHECKING:
    from contextlib import AbstractContextManager

    from shared.changes.read_models import ApplyResult
    from shared.orders.events import OrderEvent
    from shared.telemetry import SpanHandle

__all__ = ["SPAN_NAME", "applied", "consuming", "poisoned"]

SPAN_NAME = "process order event"


def _queue(queue: str | None) -> dict[str, str]:
    """The queue a message came from, when the caller knows it (the consumer always does)."""
    return {"queue": queue} if queue else {}


def consuming(
    event: OrderEvent, *, message_id: str, queue: str | None = None
) -> AbstractContextManager[SpanHandle]:
    """The span of one event's processing, current inside the block."""
    host = telemetry.current_trace_context() if event.trace else None
    where = {"messaging.destination.name": queue} if queue else {}
    return telemetry.span(
        SPAN_NAME,
        kind="consumer",
        parent=event.trace,
        links=[host] if host else [],
        attributes={
            "order.id": event.order_id,
            "order.version": event.version,
            "order.event_type": event.type.value,
            "messaging.message.id": message_id,
            **where,
        },
    )


def applied(
    event: OrderEvent,
    result: ApplyResult,
    span: SpanHandle,
    *,
    now: datetime,
    queue: str | None = None,
) -> None:
    """Record the outcome and, for an event that changed a read model, its lag."""
    span.set("orders.feed.outcome", result.outcome)
    telemetry.record(metrics.FEED_EVENTS, attributes={"outcome": result.outcome})
    if result.outcome != "applied":
        return
    lag = max(0.0, (now - datetime.fromisoformat(event.occurred_at)).total_seconds())
    span.set("orders.feed.lag_s", round(lag, 3))
    attributes = {"event.type": event.type.value, **_queue(queue)}
    telemetry.record(metrics.FEED_LAG, lag, attributes=attributes)


def poisoned(*, malformed: bool, attempt: int = 0, queue: str | None = None) -> None:
    """Count a message that ends in a poison queue: parked by the app as malformed, or on
    its last failed attempt (the host moves it after maxDequeueCount)."""
    if malformed:
        telemetry.record(metrics.FEED_POISON, attributes={"reason": "malformed", **_queue(queue)})
    elif attempt >= ORDER_EVENTS_MAX_DEQUEUE:
        reason = {"reason": "retries_exhausted", **_queue(queue)}
        telemetry.record(metrics.FEED_POISON, attributes=reason)
