"""The order: its fields, its statuses, and how a change becomes a new version (which
changes the lifecycle allows, and to whom, is shared.orders.change_rules)."""

from __future__ import annotations

from dataclasses import dataclass, replace
from decimal import Decimal
from enum import StrEnum
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from datetime import datetime

__all__ = ["Order", "OrderChanges", "OrderDraft", "OrderStatus", "format_time", "order_from_public"]


class OrderStatus(StrEnum):
    PENDING = "PENDING"
    CONFIRMED = "CONFIRMED"
    SHIPPED = "SHIPPED"
    DELIVERED = "DELIVERED"
    CANCELLED = "CANCELLED"
    EXPIRED = "EXPIRED"


def format_time(moment: datetime) -> str:
    """RFC 3339 UTC with millisecond precision; sorts as text, which the sweep index uses."""
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


@dataclass(frozen=True, slots=True)
class OrderDraft:
    """A validated create request."""

    customer_id: str
    product_id: str
    quantity: int
    total_amount: Decimal


@dataclass(frozen=True, slots=True)
class OrderChanges:
    """A validated PATCH (JSON merge): only the fields the client sent."""

    product_id: str | None = None
    quantity: int | None = None
    total_amount: Decimal | None = None
    status: OrderStatus | None = None


@dataclass(frozen=True, slots=True)
class Order:
    order_id: str
    customer_id: str
    product_id: str
    quantity: int
    total_amount: Decimal
    status: OrderStatus
    created_at: str
    updated_at: str
    version: int = 1
    etag: str | None = None

    @classmethod
    def create(cls, order_id: str, draft: OrderDraft, *, now: str) -> Order:
        return cls(
            order_id,
            draft.customer_id,
            draft.product_id,
            draft.quantity,
            draft.total_amount,
            OrderStatus.PENDING,
            now,
            now,
        )

    def apply(self, changes: OrderChanges, *, now: str) -> Order:
        """The next version of this order. Whether the change may be made at all, and by
        whom, is the change table's to say first (shared.orders.change_rules)."""
        return replace(
            self,
            product_id=changes.product_id or self.product_id,
            quantity=self.quantity if changes.quantity is None else changes.quantity,
            total_amount=(
                self.total_amount if changes.total_amount is None else changes.total_amount
            ),
            status=changes.status or self.status,
            updated_at=now,
            version=self.version + 1,
            etag=None,
        )

    def to_public(self) -> dict[str, Any]:
        return {
            "order_id": self.order_id,
            "customer_id": self.customer_id,
            "product_id": self.product_id,
            "quantity": self.quantity,
            "total_amount": self.total_amount,
            "status": self.status.value,
            "created_at": self.created_at,
            "updated_at": self.updated_at,
        }


def order_from_public(data: dict[str, Any], *, version: int = 1, etag: str | None = None) -> Order:
    """Rebuild an order from its public JSON (idempotent replays, event images)."""
    return Order(
        order_id=data["order_id"],
        customer_id=data["customer_id"],
        product_id=data["product_id"],
        quantity=int(data["quantity"]),
        total_amount=Decimal(str(data["total_amount"])).quantize(Decimal("0.01")),
        status=OrderStatus(data["status"]),
        created_at=data["created_at"],
        updated_at=data["updated_at"],
        version=version,
        etag=etag,
    )
