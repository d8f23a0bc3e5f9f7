"""What the order services need from storage, as interfaces (all I/O is async).

`TableOrderRepository` is the one real implementation; tests use an in-memory fake.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING, Protocol

from shared.orders.model import format_time

if TYPE_CHECKING:
    from collections.abc import Sequence
    from datetime import datetime

    from shared.orders.events import OrderEvent
    from shared.orders.model import Order, OrderStatus

__all__ = [
    "IdempotencyRecord",
    "LegacyIdempotencyKeys",
    "OrderBacklog",
    "OrderPage",
    "OrderQuery",
    "OrderRepository",
    "RecordState",
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

    async def add(
        self, order: Order, event: OrderEvent, *, key: IdempotencyRecord | None = None
    ) -> Order:
        """Insert a new order; OrderAlreadyExists if another write got there first. With
        `key`, the record of the Idempotency-Key that creates it, in the same transaction:
        inserted, or with `key.etag` replacing the expired record that has it. If the key's
        row is there (or no longer has that ETag) nothing is written, and IdempotencyKeyTaken
        carries the record stored (None: the row to replace is gone)."""

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


class LegacyIdempotencyKeys(Protocol):
    """Idempotency-Key records as written before issue 33, in a table of their own."""

    async def find(self, legacy_hash: str, *, now: datetime) -> IdempotencyRecord | None:
        """The record of `legacy_hash`, or None (also once no such record can be alive)."""


class RecordState(StrEnum):
    """What a stored record means for a request with its key (Powertools' idempotency
    layer names the same states)."""

    COMPLETED = "completed"  # within its window, with the order it made: replay it
    EXPIRED = "expired"  # past its window: the key is free, the row replaced with the next order
    UNFINISHED = "unfinished"  # only before issue 33: claimed, its order not confirmed


@dataclass(frozen=True, slots=True)
class IdempotencyRecord:
    """One key's record. `response` is the JSON of the answer to replay: `{"order": ...}`
    (the order as created), with `"etag"` in records written before issue 33, None in those
    still unfinished. `etag` is the stored row's own ETag (None for a record not yet
    stored), which guards the replacement of an expired record."""

    key_hash: str
    request_hash: str
    order_id: str
    expires_at: str
    response: str | None = None
    etag: str | None = None

    def state(self, now: datetime) -> RecordState:
        if self.expires_at <= format_time(now):
            return RecordState.EXPIRED
        if self.response is None:
            return RecordState.UNFINISHED
        return RecordState.COMPLETED
