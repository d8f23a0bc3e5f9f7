from __future__ import annotations

import itertools
from decimal import Decimal

import pytest

from shared.orders.events import OrderEvent
from shared.orders.model import Order, OrderChanges, OrderDraft, OrderStatus
from tests.unit.changes.fakes import FakeCustomerOrders, FakeDailySummary

_ids = itertools.count(1)


class History:
    """The events of one order's life, built through the domain model itself."""

    def __init__(self, customer_id: str = "cust-1", amount: str = "10.00") -> None:
        draft = OrderDraft(customer_id, "prod-1", 1, Decimal(amount))
        self.order: Order | None = Order.create(
            f"order-{next(_ids)}", draft, now="2026-11-26T10:00:00.000Z"
        )
        self.events = [OrderEvent.for_change(None, self.order, now=self.order.created_at)]

    @property
    def current(self) -> Order:
        """The order as it now stands: a test that asks for it has not deleted it."""
        assert self.order is not None
        return self.order

    def change(self, **fields: object) -> History:
        assert self.order is not None
        changed = self.order.apply(OrderChanges(**fields), now="2026-11-26T11:00:00.000Z")  # type: ignore[arg-type]
        self.events.append(OrderEvent.for_change(self.order, changed, now=changed.updated_at))
        self.order = changed
        return self

    def status(self, status: OrderStatus) -> History:
        return self.change(status=status)

    def delete(self) -> History:
        assert self.order is not None
        self.events.append(OrderEvent.for_change(self.order, None, now="2026-11-26T12:00:00.000Z"))
        self.order = None
        return self


@pytest.fixture
def customers() -> FakeCustomerOrders:
    return FakeCustomerOrders()


@pytest.fixture
def summary() -> FakeDailySummary:
    return FakeDailySummary()
