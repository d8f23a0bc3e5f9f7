"""The queue consumer's entry point: one message of an event queue applied to the read models."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from shared.changes import feed_telemetry
from shared.changes.errors import BadEventMessage
from shared.changes.publisher import parse_event
from shared.changes.read_models import apply_event
from shared.orders.services import utc_now
from shared.sharding import ORDER_EVENTS_QUEUE

if TYPE_CHECKING:
    from shared.changes.publisher import EventPublisher
    from shared.changes.read_models import ApplyResult, CustomerOrders, DailySummary

__all__ = ["process_event_message"]

logger = logging.getLogger(__name__)


async def process_event_message(
    body: bytes,
    *,
    message_id: str,
    attempt: int = 1,
    customers: CustomerOrders,
    summary: DailySummary,
    publisher: EventPublisher,
    queue: str = ORDER_EVENTS_QUEUE,
) -> ApplyResult | None:
    """Apply one queue message to the read models, continuing the trace of the write that
    made the event (shared.changes.feed_telemetry).

    A message that is not an order event can never succeed: it is parked in the poison
    queue at once and logged (a recorded permanent failure). Anything else that fails
    (storage, lasting conflicts) raises, so the host retries it and, after maxDequeueCount
    attempts (`attempt` is the message's dequeue count), moves it to the poison queue.
    `publisher` parks in the poison queue of `queue`, the queue the message came from."""
    try:
        event = parse_event(body)
    except BadEventMessage as exc:
        logger.error("order_event_rejected message_id=%s reason=%s", message_id, exc.detail)
        await publisher.dead_letter(body, reason=exc.detail)
        feed_telemetry.poisoned(malformed=True, queue=queue)
        return None
    with feed_telemetry.consuming(event, message_id=message_id, queue=queue) as span:
        try:
            result = await apply_event(event, customers=customers, summary=summary)
        except Exception:
            feed_telemetry.poisoned(malformed=False, attempt=attempt, queue=queue)
            raise
        feed_telemetry.applied(event, result, span, now=utc_now(), queue=queue)
    return result
