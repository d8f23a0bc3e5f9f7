"""The read models fed by the change feed, as interfaces, and the use cases over them.

Writes are read-compare-write with the row's ETag: two deliveries of events for one order
racing each other cannot both write, and the loser re-reads and finds itself outdated.
"""

from __future__ import annotations

import logging
import random
import time
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Protocol, TypeVar

from shared.changes.errors import InvalidReportDate, ReadModelConflict
from shared.changes.projections import (
    SUMMARY_SHARDS,
    contribution_for,
    customer_row_for,
    is_newer,
    shard_of,
)
from shared.errors import FieldError
from shared.orders.model import OrderStatus
from shared.orders.validation import parse_limit, parse_query
from shared.paging import decode_token, encode_token

if TYPE_CHECKING:
    from collections.abc import Callable

    from shared.changes.projections import Contribution, CustomerOrderRow, Tally
    from shared.orders.events import OrderEvent
    from shared.orders.repository import Continuation

__all__ = [
    "ApplyResult", "CustomerOrderPage", "CustomerOrders", "DailySummary", "apply_event",
    "daily_report", "list_customer_orders", "parse_report_date",
]  # fmt: skip

logger = logging.getLogger(__name__)

# Conflicts mean another event for the same row (or tally shard) won a race; retrying a
# little later nearly always succeeds. Past this many, the message goes back to the queue.
WRITE_ATTEMPTS = 12


@dataclass(frozen=True, slots=True)
class CustomerOrderPage:
    items: list[dict[str, Any]]
    continuation: Continuation | None


class CustomerOrders(Protocol):
    """OrdersByCustomer: one row per order, in its customer's partition."""

    def get(self, customer_id: str, order_id: str) -> CustomerOrderRow | None: ...

    def save(self, row: CustomerOrderRow, *, etag: str | None) -> None:
        """Create the row (etag None) or replace it if unchanged; else ReadModelConflict."""

    def page(
        self, customer_id: str, status: OrderStatus | None, *, limit: int,
        continuation: Continuation | None,
    ) -> CustomerOrderPage: ...  # fmt: skip


class DailySummary(Protocol):
    """Per-day tallies, and each order's contribution to its day, in the day's partition."""

    def contribution(self, day: str, order_id: str) -> Contribution | None: ...

    def tally(self, day: str, shard: int) -> Tally: ...

    def commit(self, contribution: Contribution, tally: Tally, *, previous: str | None) -> None:
        """Write both in one transaction, guarded by `previous` (the contribution's ETag,
        None if it had none) and the tally's ETag; else ReadModelConflict."""

    def tallies(self, day: str) -> list[Tally]: ...


@dataclass(frozen=True, slots=True)
class ApplyResult:
    customer_view: bool
    summary: bool


def _pause(attempt: int) -> None:
    time.sleep(random.uniform(0, 0.005 * attempt))  # noqa: S311 - jitter, not security


class _Stored(Protocol):
    @property
    def version(self) -> int: ...
    @property
    def etag(self) -> str | None: ...


StoredT = TypeVar("StoredT", bound=_Stored)


def _write_if_newer(
    event: OrderEvent,
    read: Callable[[], StoredT | None],
    write: Callable[[StoredT | None], None],
    *,
    what: str,
) -> bool:
    """Optimistic concurrency: skip an event that is not newer than what is stored, write
    guarded by the stored row's ETag, and read again after a lost race."""
    for attempt in range(WRITE_ATTEMPTS):
        current = read()
        if not is_newer(event, current.version if current else None):
            return False
        try:
            write(current)
        except ReadModelConflict:
            _pause(attempt)
            continue
        return True
    raise ReadModelConflict(f"{what} kept changing.")


def _apply_to_customer_view(event: OrderEvent, store: CustomerOrders) -> bool:
    row = customer_row_for(event)
    return _write_if_newer(
        event,
        lambda: store.get(row.customer_id, row.order_id),
        lambda current: store.save(row, etag=current.etag if current else None),
        what=f"OrdersByCustomer row for {row.order_id}",
    )


def _apply_to_summary(event: OrderEvent, store: DailySummary) -> bool:
    new = contribution_for(event)

    def write(current: Contribution | None) -> None:
        tally = store.tally(new.day, shard_of(new.order_id)).moved(current, new)
        store.commit(new, tally, previous=current.etag if current else None)

    return _write_if_newer(
        event, lambda: store.contribution(new.day, new.order_id), write,
        what=f"Summary of {new.day}",
    )  # fmt: skip


def apply_event(
    event: OrderEvent, *, customers: CustomerOrders, summary: DailySummary
) -> ApplyResult:
    """Bring both read models up to `event`; a duplicate or outdated event changes nothing."""
    result = ApplyResult(
        _apply_to_customer_view(event, customers), _apply_to_summary(event, summary)
    )
    logger.info("order_event_applied order_id=%s version=%s type=%s customer_view=%s summary=%s",
                event.order_id, event.version, event.type.value,
                result.customer_view, result.summary)  # fmt: skip
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


def daily_report(day: str, *, summary: DailySummary) -> dict[str, Any]:
    """Counts and amounts per status for orders created on `day` (UTC)."""
    counts = {status.value: 0 for status in OrderStatus}
    amounts = {status.value: Decimal("0.00") for status in OrderStatus}
    tallies = summary.tallies(day)
    assert len(tallies) <= SUMMARY_SHARDS
    for tally in tallies:
        for status in counts:
            counts[status] += tally.counts.get(status, 0)
            amounts[status] += tally.amounts.get(status, Decimal(0))
    return {
        "date": day,
        "by_status": {s: {"count": counts[s], "total_amount": amounts[s]} for s in counts},
        "count": sum(counts.values()),
        "total_amount": sum(amounts.values(), Decimal("0.00")),
    }


def list_customer_orders(
    customer_id: str, *, status: str | None, limit: str | None, continuation: str | None,
    store: CustomerOrders, secret: bytes,
) -> tuple[list[dict[str, Any]], str | None]:  # fmt: skip
    """One page of a customer's orders (one partition) and a signed token for the next."""
    query = parse_query(customer_id=customer_id or "?", status=status)
    assert query.customer_id is not None
    size = parse_limit(limit)
    scope = f"customers/{query.customer_id}/orders?status={query.status or ''}"
    position = decode_token(continuation, scope=scope, secret=secret) if continuation else None
    page = store.page(query.customer_id, query.status, limit=size, continuation=position)
    if page.continuation is None:
        return page.items, None
    return page.items, encode_token(page.continuation, scope=scope, secret=secret)
