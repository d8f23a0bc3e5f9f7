"""What the order services need from storage, as interfaces (all I/O is async).

`TableOrderRepository` is the one real implementation; tests use an in-memory fake.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from collections.abc import Sequence

    from shared.orders.events import OrderEvent
    from shared.orders.model import Order, OrderStatus

__all__ = [
    "IdempotencyRecord",
    "IdempotencyStore",
    "OrderBacklog",
    "OrderPage",
    "OrderQuery",
    "OrderRepository",
]

Continuation = dict[str, str]


@dataclass(frozen=True, slots=True)
class OrderQuery:
    customer_id: str | None = None
    status: OrderStatus | None = None


@dataclass(frozen=True, slots=True)
class OrderPage:
    items: list[Order]
    continuation: Continuation | None


class OrderRepository(Protocol):
    """Orders and their change events, always written together atomically."""

    async def get(self, order_id: str) -> Order | None:
        """The order with its current ETag, or None."""

    async def add(self, order: Order, event: OrderEvent) -> Order:
        """Insert a new order; OrderAlreadyExists if another write got there first."""

    async def replace(self, current: Order, changed: Order, event: OrderEvent) -> Order:
        """Write `changed` if the stored order still has current's ETag, else StaleOrder."""

    async def remove(self, current: Order, event: OrderEvent) -> None:
        """Delete if the stored order still has current's ETag, else StaleOrder."""

    async def query(
        self, query: OrderQuery, *, limit: int, continuation: Continuation | None
    ) -> OrderPage:
        """One page of matching orders and where the next page starts."""


class OrderBacklog(Protocol):
    """Work left behind by changes: unsent outbox events, and orders still PENDING.

    Both are kept per partition, in key order, so background jobs read only the rows they
    have to act on (times are RFC 3339 strings, which sort as text)."""

    def partitions(self) -> tuple[str, ...]:
        """Every partition an order can live in."""

    def partition_of(self, order_id: str) -> str:
        """The partition of `order_id` (one of `partitions()`)."""

    async def unsent_events(
        self, partition: str, *, created_before: str, limit: int
    ) -> list[OrderEvent]:
        """Up to `limit` events of `partition` still in the outbox and older than the cutoff."""

    async def clear_sent(self, events: Sequence[OrderEvent]) -> int:
        """Drop the outbox rows of events that were sent, in as few requests as the store
        allows (one per partition and 100 rows); rows already gone are no error. Returns the
        number of rows dropped."""

    async def stale_pending(self, partition: str, *, created_before: str, limit: int) -> list[str]:
        """Ids of up to `limit` PENDING orders of `partition` created before the cutoff."""


@dataclass(frozen=True, slots=True)
class IdempotencyRecord:
    key_hash: str
    request_hash: str
    order_id: str
    expires_at: str
    response: str | None = None


class IdempotencyStore(Protocol):
    """Remembers which order an Idempotency-Key created, for 24 hours."""

    async def claim(self, record: IdempotencyRecord, *, now: str) -> IdempotencyRecord:
        """Store `record` unless a live one exists for its key; return whichever holds."""

    async def complete(self, record: IdempotencyRecord, response: str) -> None:
        """Remember the response to replay for this key."""
