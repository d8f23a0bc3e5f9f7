"""The read models fed by the change feed, as interfaces, and the use cases over them.

Each read model keeps one row per order, carrying the version of the event that wrote it.
Writes are read-compare-write with the row's ETag: two deliveries of events for one order
racing each other cannot both write, and the loser re-reads and finds itself outdated. An
INSERT event skips the read (insert-first): a new order has no row yet, so the create
simply succeeds; if a row is there after all (a redelivery, or a later event that arrived
first), the create conflicts and the event is decided like any other.
"""

from __future__ import annotations

import asyncio
import logging
import random
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Literal, Protocol, TypeVar

from shared.auth import Action, authorize
from shared.changes.errors import InvalidReportDate, ReadModelConflict
from shared.changes.projections import contribution_for, customer_row_for, is_newer
from shared.errors import FieldError, NotFound
from shared.orders.events import EventType
from shared.orders.model import OrderStatus
from shared.orders.validation import parse_limit, parse_query
from shared.paging import decode_token, encode_token

if TYPE_CHECKING:
    from collections.abc import AsyncIterator, Awaitable, Callable

    from shared.auth import Caller
    from shared.changes.projections import Contribution, CustomerOrderRow
    from shared.orders.events import OrderEvent
    from shared.orders.repository import Continuation

__all__ = [
    "ApplyResult",
    "CustomerOrderPage",
    "CustomerOrders",
    "DailySummary",
    "apply_event",
    "daily_report",
    "list_customer_orders",
    "parse_report_date",
]

logger = logging.getLogger(__name__)

# Conflicts mean another event for the same row won a race; retrying a little later nearly
# always succeeds. Past this many, the message goes back to the queue.
WRITE_ATTEMPTS = 12


@dataclass(frozen=True, slots=True)
class CustomerOrderPage:
    items: list[dict[str, Any]]
    continuation: Continuation | None


class CustomerOrders(Protocol):
    """OrdersByCustomer: one row per order, in its customer's partition."""

    async def get(self, customer_id: str, order_id: str) -> CustomerOrderRow | None: ...

    async def save(self, row: CustomerOrderRow, *, etag: str | None) -> None:
        """Create the row (etag None) or replace it if unchanged; else ReadModelConflict."""

    async def page(
        self,
        customer_id: str,
        status: OrderStatus | None,
        *,
        limit: int,
        continuation: Continuation | None,
    ) -> CustomerOrderPage: ...


class DailySummary(Protocol):
    """Each order's contribution to the day it was created on, one row per order in the
    day's partition. The report adds them up when it is read, so no row is shared by two
    orders and no event needs more than its own order's row."""

    async def get(self, day: str, order_id: str) -> Contribution | None: ...

    async def save(self, contribution: Contribution, *, etag: str | None) -> None:
        """Create the row (etag None) or replace it if unchanged; else ReadModelConflict."""

    def contributions(self, day: str) -> AsyncIterator[Contribution]:
        """Every contribution to `day`, tombstones included."""
        ...


@dataclass(frozen=True, slots=True)
class ApplyResult:
    customer_view: bool
    summary: bool
    # Neither written: True when a read model held a newer version (the event came late),
    # False when it held this one (a redelivery).
    outdated: bool = False

    @property
    def outcome(self) -> Literal["applied", "duplicate", "outdated"]:
        if self.customer_view or self.summary:
            return "applied"
        return "outdated" if self.outdated else "duplicate"


# What one read model did with an event.
_Written = Literal["written", "duplicate", "outdated"]


async def _pause(attempt: int) -> None:
    await asyncio.sleep(random.uniform(0, 0.005 * attempt))  # noqa: S311 - jitter, not security


class _Stored(Protocol):
    @property
    def version(self) -> int: ...
    @property
    def etag(self) -> str | None: ...


StoredT = TypeVar("StoredT", bound=_Stored)


async def _write_if_newer(
    event: OrderEvent,
    read: Callable[[], Awaitable[StoredT | None]],
    write: Callable[[StoredT | None], Awaitable[None]],
    *,
    what: str,
) -> _Written:
    """Optimistic concurrency: skip an event that is not newer than what is stored, write
    guarded by the stored row's ETag, and read again after a lost race. An INSERT event
    tries the create first (see the module docstring)."""
    if event.type is EventType.INSERT:
        try:
            await write(None)
            return "written"
        except ReadModelConflict:
            pass  # a row exists: decide by its version
    for attempt in range(WRITE_ATTEMPTS):
        current = await read()
        stored = current.version if current else None
        if not is_newer(event, stored):
            return "duplicate" if stored == event.version else "outdated"
        try:
            await write(current)
        except ReadModelConflict:
            await _pause(attempt)
            continue
        return "written"
    raise ReadModelConflict(f"{what} kept changing.")


async def _apply_to_customer_view(event: OrderEvent, store: CustomerOrders) -> _Written:
    row = customer_row_for(event)
    return await _write_if_newer(
        event,
        lambda: store.get(row.customer_id, row.order_id),
        lambda current: store.save(row, etag=current.etag if current else None),
        what=f"OrdersByCustomer row for {row.order_id}",
    )


async def _apply_to_summary(event: OrderEvent, store: DailySummary) -> _Written:
    new = contribution_for(event)
    return await _write_if_newer(
        event,
        lambda: store.get(new.day, new.order_id),
        lambda current: store.save(new, etag=current.etag if current else None),
        what=f"Summary row of {new.order_id}",
    )


async def apply_event(
    event: OrderEvent, *, customers: CustomerOrders, summary: DailySummary
) -> ApplyResult:
    """Bring both read models up to `event`; a duplicate or outdated event changes nothing.
    The two models share no row, so they are written concurrently."""
    customer_view, summary_row = await asyncio.gather(
        _apply_to_customer_view(event, customers), _apply_to_summary(event, summary)
    )
    result = ApplyResult(
        customer_view == "written",
        summary_row == "written",
        outdated="outdated" in (customer_view, summary_row),
    )
    logger.info(
        "order_event_applied order_id=%s version=%s type=%s customer_view=%s summary=%s",
        event.order_id,
        event.version,
        event.type.value,
        result.customer_view,
        result.summary,
    )
    return result


def parse_report_date(raw: str | None, *, today: date) -> str:
    if raw is None:  # sent empty is an invalid date, as the OpenAPI document says
        return today.isoformat()
    try:
        return date.fromisoformat(raw).isoformat() if len(raw) == 10 else _bad_date()
    except ValueError:
        return _bad_date()


def _bad_date() -> str:
    raise InvalidReportDate(
        "The query parameter date is invalid.", [FieldError("date", "must be a date YYYY-MM-DD")]
    )


async def daily_report(day: str, *, caller: Caller, summary: DailySummary) -> dict[str, Any]:
    """Counts and amounts per status for orders created on `day` (UTC): the sum of the
    orders' current contributions (a deleted order's tombstone adds nothing). Back office
    only: the report covers every customer."""
    authorize(caller, Action.READ_REPORT)
    counts = {status.value: 0 for status in OrderStatus}
    amounts = {status.value: Decimal("0.00") for status in OrderStatus}
    async for part in summary.contributions(day):
        if part.status is not None:
            counts[part.status] += 1
            amounts[part.status] += part.amount
    return {
        "date": day,
        "by_status": {s: {"count": counts[s], "total_amount": amounts[s]} for s in counts},
        "count": sum(counts.values()),
        "total_amount": sum(amounts.values(), Decimal("0.00")),
    }


async def list_customer_orders(
    customer_id: str,
    *,
    caller: Caller,
    status: str | None,
    limit: str | None,
    continuation: str | None,
    store: CustomerOrders,
    secret: bytes,
) -> tuple[list[dict[str, Any]], str | None]:
    """One page of a customer's orders (one partition) and a signed token for the next. A
    customer reaches only their own view; another customer's answers as if it did not exist."""
    grant = authorize(caller, Action.LIST_ORDERS)
    query = parse_query(customer_id=customer_id or "?", status=status)
    assert query.customer_id is not None
    if not grant.covers(query.customer_id):
        raise NotFound(f"No customer {query.customer_id!r} is known.")
    size = parse_limit(limit)
    scope = f"customers/{query.customer_id}/orders?status={query.status or ''}"
    position = decode_token(continuation, scope=scope, secret=secret) if continuation else None
    page = await store.page(query.customer_id, query.status, limit=size, continuation=position)
    if page.continuation is None:
        return page.items, None
    return page.items, encode_token(page.continuation, scope=scope, secret=secret)
