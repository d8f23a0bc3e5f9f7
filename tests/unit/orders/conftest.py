from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from tests.unit.orders.fakes import FakeLegacyKeys, FakeOrderRepository


class Clock:
    """A clock tests move by hand."""

    def __init__(self) -> None:
        self.now = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


@pytest.fixture
def repo() -> FakeOrderRepository:
    return FakeOrderRepository()


@pytest.fixture
def legacy() -> FakeLegacyKeys:
    return FakeLegacyKeys()


@pytest.fixture
def clock() -> Clock:
    return Clock()


def order_body(**overrides: object) -> dict[str, object]:
    """A valid create request; override fields to make it invalid."""
    body: dict[str, object] = {
        "customer_id": "cust-1",
        "product_id": "prod-1",
        "quantity": 2,
        "total_amount": 19.99,
    }
    body.update(overrides)
    return body
