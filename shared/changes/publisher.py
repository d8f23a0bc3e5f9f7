"""Sending order events to their event queue, and parking messages that cannot be used.

With several event queues (ORDER_EVENT_QUEUES) every event of one order goes to the same
queue (shared.sharding.queue_index); a message is parked in the poison queue of the queue it
came from.

Messages are base64 text, as host.json's `messageEncoding` tells the Functions host to expect;
`encode_message` and `decode_message` are the one place that knows it.
"""

from __future__ import annotations

import base64
import binascii
import logging
from typing import TYPE_CHECKING, Any, Protocol

from shared.changes.errors import BadEventMessage
from shared.orders.events import OrderEvent
from shared.provisioning import creating_queue
from shared.sharding import queue_index
from shared.tables import storage_unavailable_on_failure

if TYPE_CHECKING:
    from collections.abc import Sequence

    from azure.storage.queue.aio import QueueClient

__all__ = [
    "EventPublisher",
    "QueueEventPublisher",
    "ShardedEventPublisher",
    "decode_message",
    "encode_message",
    "parse_event",
]

logger = logging.getLogger(__name__)

# One retry, and only when the request surely did not reach the service (a refused or reset
# connection, such as a pooled keep-alive connection the service had just closed). A timeout
# or an error answer is left to the relay, instead of holding up the request that made the
# change. A retry that did reach the service only sends a duplicate, which consumers absorb.
_SEND_OPTIONS: dict[str, Any] = {
    "retry_total": 1,
    "retry_connect": 1,
    "retry_read": 0,
    "retry_status": 0,
}


class EventPublisher(Protocol):
    async def publish(self, event: OrderEvent) -> None:
        """Send the event; raises StorageUnavailable (or any error) if it was not sent."""

    async def dead_letter(self, body: bytes, *, reason: str) -> None:
        """Park a message that can never be processed, where operators look for them."""


def encode_message(text: str) -> str:
    return base64.b64encode(text.encode()).decode("ascii")


def decode_message(content: str) -> bytes:
    try:
        return base64.b64decode(content, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise BadEventMessage("The message is not base64.") from exc


def parse_event(body: bytes) -> OrderEvent:
    """The event in a message body, or BadEventMessage: such a message never becomes valid."""
    try:
        event = OrderEvent.from_json(body)
    except (ValueError, KeyError, TypeError, UnicodeDecodeError) as exc:
        raise BadEventMessage(f"The message is not an order event ({type(exc).__name__}).") from exc
    image = event.new_image or event.old_image
    if event.version < 1 or not isinstance(image, dict) or "customer_id" not in image:
        raise BadEventMessage("The order event has no usable version or image.")
    return event


class QueueEventPublisher:
    """Events to one queue; unusable messages to its `-poison` twin, as the host does."""

    def __init__(self, queue: QueueClient, poison: QueueClient) -> None:
        self._queue, self._poison = queue, poison

    @property
    def queue(self) -> QueueClient:
        """The event queue itself (the warmup opens its connection)."""
        return self._queue

    async def _send(self, queue: QueueClient, content: str) -> None:
        """Send; a queue that does not exist yet is created and the send made once more
        (shared.provisioning). Failures stay inside the caller's error handling."""
        with storage_unavailable_on_failure("send_queue_message"):
            await creating_queue(
                queue, lambda: queue.send_message(content, **_SEND_OPTIONS), **_SEND_OPTIONS
            )

    async def publish(self, event: OrderEvent) -> None:
        await self._send(self._queue, encode_message(event.to_json()))

    async def dead_letter(self, body: bytes, *, reason: str) -> None:
        await self._send(self._poison, base64.b64encode(body).decode("ascii"))
        logger.error(
            "order_event_dead_lettered queue=%s reason=%s", self._poison.queue_name, reason
        )


class ShardedEventPublisher:
    """Each event to the queue of its order, so one order's events always share a queue."""

    def __init__(self, shards: Sequence[QueueEventPublisher]) -> None:
        self._shards = tuple(shards)

    @property
    def shards(self) -> tuple[QueueEventPublisher, ...]:
        return self._shards

    def shard(self, index: int) -> QueueEventPublisher:
        """The publisher of queue `index`: the consumer of that queue parks messages there."""
        return self._shards[index]

    async def publish(self, event: OrderEvent) -> None:
        await self._shards[queue_index(event.order_id, len(self._shards))].publish(event)

    async def dead_letter(self, body: bytes, *, reason: str) -> None:
        """A message of no known queue (the consumer passes its own queue's publisher)."""
        await self._shards[0].dead_letter(body, reason=reason)
