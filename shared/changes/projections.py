"""What an order event means for each read model: pure functions, no storage.

Every row a read model keeps per order carries the version of the event that wrote it.
An event whose version is not newer than the row's is a duplicate or arrived late, and
changes nothing; because every event carries the whole order, skipping a late one loses
nothing. A deleted order leaves a tombstone with its final version, so a late, older
event cannot bring it back.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from shared.orders.events import EventType

if TYPE_CHECKING:
    from shared.orders.events import OrderEvent

__all__ = [
    "Contribution",
    "CustomerOrderRow",
    "contribution_for",
    "customer_row_for",
    "is_newer",
    "summary_day",
]


def _image(event: OrderEvent) -> dict[str, Any]:
    image = event.new_image or event.old_image
    assert image is not None, "parse_event rejects events without an image"
    return image


def is_newer(event: OrderEvent, stored_version: int | None) -> bool:
    return stored_version is None or event.version > stored_version


@dataclass(frozen=True, slots=True)
class CustomerOrderRow:
    """One order in its customer's partition; `order` is None once deleted (tombstone)."""

    customer_id: str
    order_id: str
    version: int
    order: dict[str, Any] | None
    etag: str | None = None


def customer_row_for(event: OrderEvent) -> CustomerOrderRow:
    image = _image(event)
    order = None if event.type is EventType.REMOVE else event.new_image
    return CustomerOrderRow(str(image["customer_id"]), event.order_id, event.version, order)


@dataclass(frozen=True, slots=True)
class Contribution:
    """What one order adds to its creation day's report; status None once deleted (the row
    stays, with its version, as a tombstone)."""

    day: str
    order_id: str
    version: int
    status: str | None
    amount: Decimal
    etag: str | None = None


def summary_day(event: OrderEvent) -> str:
    """Orders count towards the UTC day they were created on, whatever their status."""
    return str(_image(event)["created_at"])[:10]


def contribution_for(event: OrderEvent) -> Contribution:
    day = summary_day(event)
    if event.type is EventType.REMOVE or event.new_image is None:
        return Contribution(day, event.order_id, event.version, None, Decimal(0))
    amount = Decimal(str(event.new_image["total_amount"])).quantize(Decimal("0.01"))
    return Contribution(day, event.order_id, event.version, event.new_image["status"], amount)
