"""In-memory read models, publisher and backlog with real ETag semantics (unit tests only)."""

from __future__ import annotations

import itertools
from dataclasses import replace
from typing import TYPE_CHECKING, Generic, TypeVar

from shared.changes.errors import ReadModelConflict
from shared.changes.read_models import CustomerOrderPage
from shared.orders.model import OrderStatus

if TYPE_CHECKING:
    from collections.abc import AsyncIterator, Awaitable, Callable, Sequence

    from shared.changes.projections import Contribution, CustomerOrderRow
    from shared.orders.events import OrderEvent
    from shared.orders.repository import Continuation
    from tests.unit.orders.fakes import FakeOrderRepository

_etags = itertools.count(1)


def _etag() -> str:
    return f"etag-{next(_etags)}"


RowT = TypeVar("RowT", "CustomerOrderRow", "Contribution")


class _EtaggedRows(Generic[RowT]):
    """Rows keyed by (partition, row key): create when the caller saw none, replace when
    the caller's ETag is still current, else ReadModelConflict, as Table Storage does."""

    def __init__(self) -> None:
        self.rows: dict[tuple[str, str], RowT] = {}
        self.writes = 0
        self.reads = 0
        self.before_save: Callable[[], Awaitable[object]] | None = None  # races a writer

    async def _get(self, key: tuple[str, str]) -> RowT | None:
        self.reads += 1
        return self.rows.get(key)

    async def _save(self, key: tuple[str, str], row: RowT, etag: str | None) -> None:
        if self.before_save:
            hook, self.before_save = self.before_save, None
            await hook()
        current = self.rows.get(key)
        if (current.etag if current else None) != etag:
            raise ReadModelConflict("stale")
        self.rows[key] = replace(row, etag=_etag())
        self.writes += 1


class FakeCustomerOrders(_EtaggedRows["CustomerOrderRow"]):
    async def get(self, customer_id: str, order_id: str) -> CustomerOrderRow | None:
        return await self._get((customer_id, order_id))

    async def save(self, row: CustomerOrderRow, *, etag: str | None) -> None:
        await self._save((row.customer_id, row.order_id), row, etag)

    async def page(
        self,
        customer_id: str,
        status: OrderStatus | None,
        *,
        limit: int,
        continuation: Continuation | None,
    ) -> CustomerOrderPage:
        items = [
            r.order
            for (c, _), r in sorted(self.rows.items())
            if c == customer_id and r.order is not None and status in (None, r.order["status"])
        ]
        start = int(continuation["offset"]) if continuation else 0
        more = start + limit < len(items)
        return CustomerOrderPage(
            items[start : start + limit], {"offset": str(start + limit)} if more else None
        )

    def visible(self, customer_id: str) -> dict[str, dict[str, object]]:
        return {o: r.order for (c, o), r in self.rows.items() if c == customer_id and r.order}


class FakeDailySummary(_EtaggedRows["Contribution"]):
    async def get(self, day: str, order_id: str) -> Contribution | None:
        return await self._get((day, order_id))

    async def save(self, contribution: Contribution, *, etag: str | None) -> None:
        await self._save((contribution.day, contribution.order_id), contribution, etag)

    async def contributions(self, day: str) -> AsyncIterator[Contribution]:
        for (row_day, _), contribution in sorted(self.rows.items()):
            if row_day == day:
                yield contribution


class FakePublisher:
    def __init__(self) -> None:
        self.sent: list[OrderEvent] = []
        self.dead: list[bytes] = []
        self.failing = False

    async def publish(self, event: OrderEvent) -> None:
        if self.failing:
            raise ConnectionError("queue down")
        self.sent.append(event)

    async def dead_letter(self, body: bytes, *, reason: str) -> None:
        self.dead.append(body)


class FakeBacklog:
    """The outbox and pending index of a FakeOrderRepository, in one partition."""

    def __init__(self, repo: FakeOrderRepository) -> None:
        self.repo = repo
        self.sent: set[tuple[str, int]] = set()
        self.queries = 0
        self.clears = 0  # requests that deleted rows

    def partitions(self) -> tuple[str, ...]:
        return ("p00",)

    def partition_of(self, order_id: str) -> str:
        return "p00"

    async def unsent_events(
        self, partition: str, *, created_before: str, limit: int
    ) -> list[OrderEvent]:
        self.queries += 1
        return [
            e
            for e in self.repo.events
            if (e.order_id, e.version) not in self.sent and e.occurred_at < created_before
        ][:limit]

    async def clear_sent(self, events: Sequence[OrderEvent]) -> int:
        self.clears += 1
        fresh = {(e.order_id, e.version) for e in events} - self.sent
        self.sent |= fresh
        return len(fresh)

    async def stale_pending(self, partition: str, *, created_before: str, limit: int) -> list[str]:
        self.queries += 1
        return sorted(
            o.order_id
            for o in self.repo.orders.values()
            if o.status is OrderStatus.PENDING and o.created_at < created_before
        )[:limit]
