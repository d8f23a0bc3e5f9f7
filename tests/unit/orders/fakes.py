"""In-memory stand-ins for the order repository (with the Idempotency-Key records it writes
with each order) and the records written before issue 33 (unit tests only)."""

from __future__ import annotations

import itertools
from dataclasses import replace
from typing import TYPE_CHECKING

from shared.orders.errors import (
    IdempotencyKeyTaken,
    OrderAlreadyExists,
    OrderNotFound,
    StaleOrder,
)
from shared.orders.repository import OrderPage

if TYPE_CHECKING:
    from datetime import datetime

    from shared.orders.events import OrderEvent
    from shared.orders.model import Order
    from shared.orders.repository import Continuation, IdempotencyRecord, OrderQuery


class FakeOrderRepository:
    def __init__(self) -> None:
        self.orders: dict[str, Order] = {}
        self.events: list[OrderEvent] = []
        self.keys: dict[str, IdempotencyRecord] = {}  # by key hash
        self._etags = itertools.count(1)

    def _store(self, order: Order, event: OrderEvent) -> Order:
        stored = replace(order, etag=f"etag-{next(self._etags)}")
        self.orders[order.order_id] = stored
        self.events.append(event)
        return stored

    async def get(self, order_id: str) -> Order | None:
        return self.orders.get(order_id)

    async def add(
        self, order: Order, event: OrderEvent, *, key: IdempotencyRecord | None = None
    ) -> Order:
        """As the table's transaction: the order and its key's record, or neither."""
        if order.order_id in self.orders:
            raise OrderAlreadyExists(order.order_id)
        if key is not None:
            stored = self.keys.get(key.key_hash)
            if (stored.etag if stored else None) != key.etag:
                raise IdempotencyKeyTaken(stored)
            self.keys[key.key_hash] = replace(key, etag=f"key-etag-{next(self._etags)}")
        return self._store(order, event)

    def _check(self, order_id: str, etag: str | None) -> None:
        current = self.orders.get(order_id)
        if current is None:
            raise OrderNotFound(order_id)
        if current.etag != etag:
            raise StaleOrder("stale")

    async def replace(self, current: Order, changed: Order, event: OrderEvent) -> Order:
        self._check(current.order_id, current.etag)
        return self._store(changed, event)

    async def remove(self, current: Order, event: OrderEvent) -> None:
        self._check(current.order_id, current.etag)
        del self.orders[current.order_id]
        self.events.append(event)

    async def query(
        self, query: OrderQuery, *, limit: int, continuation: Continuation | None
    ) -> OrderPage:
        matching = sorted(
            (
                o
                for o in self.orders.values()
                if query.customer_id in (None, o.customer_id) and query.status in (None, o.status)
            ),
            key=lambda o: o.order_id,
        )
        start = int(continuation["offset"]) if continuation else 0
        page = matching[start : start + limit]
        more = start + limit < len(matching)
        return OrderPage(page, {"offset": str(start + limit)} if more else None)


class FakeLegacyKeys:
    """Records as the flow before issue 33 left them, by their hash."""

    def __init__(self) -> None:
        self.records: dict[str, IdempotencyRecord] = {}

    async def find(self, legacy_hash: str, *, now: datetime) -> IdempotencyRecord | None:
        return self.records.get(legacy_hash)
