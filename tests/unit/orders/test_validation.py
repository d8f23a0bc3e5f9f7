from __future__ import annotations

from decimal import Decimal

import pytest

from shared.errors import InvalidInput
from shared.orders.model import OrderStatus
from shared.orders.validation import parse_changes, parse_draft, parse_limit, parse_query
from tests.unit.orders.conftest import order_body


def fields_of(error: pytest.ExceptionInfo[InvalidInput]) -> set[str]:
    return {e.field for e in error.value.errors}


def test_valid_draft_keeps_amount_exact() -> None:
    draft = parse_draft(order_body(total_amount=Decimal("0.10")))
    assert draft.total_amount == Decimal("0.10")
    assert draft.quantity == 2


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"quantity": 0}, "quantity"),
        ({"quantity": 10_001}, "quantity"),
        ({"quantity": "2"}, "quantity"),
        ({"quantity": True}, "quantity"),
        ({"quantity": Decimal("2.5")}, "quantity"),
        ({"total_amount": -1}, "total_amount"),
        ({"total_amount": Decimal("1.001")}, "total_amount"),
        ({"total_amount": "10"}, "total_amount"),
        ({"total_amount": Decimal("1e13")}, "total_amount"),
        ({"customer_id": ""}, "customer_id"),
        ({"customer_id": "x" * 65}, "customer_id"),
        ({"customer_id": "a' or '1'='1"}, "customer_id"),
        ({"product_id": None}, "product_id"),
        ({"colour": "red"}, "colour"),
    ],
)
def test_each_bad_field_is_reported(overrides: dict[str, object], field: str) -> None:
    with pytest.raises(InvalidInput) as error:
        parse_draft(order_body(**overrides))
    assert fields_of(error) == {field}


def test_all_problems_are_reported_at_once() -> None:
    with pytest.raises(InvalidInput) as error:
        parse_draft({"quantity": 0, "extra": 1})
    assert fields_of(error) == {"extra", "customer_id", "product_id", "total_amount", "quantity"}


def test_body_must_be_an_object() -> None:
    with pytest.raises(InvalidInput):
        parse_draft([order_body()])


def test_trailing_zero_places_are_accepted() -> None:
    assert parse_draft(order_body(total_amount=Decimal("5.000"))).total_amount == Decimal("5.00")


def test_changes_need_at_least_one_field_and_known_status() -> None:
    with pytest.raises(InvalidInput):
        parse_changes({})
    with pytest.raises(InvalidInput) as error:
        parse_changes({"status": "LOST"})
    assert fields_of(error) == {"status"}
    assert parse_changes({"status": "SHIPPED"}).status is OrderStatus.SHIPPED


def test_customer_cannot_be_changed() -> None:
    with pytest.raises(InvalidInput) as error:
        parse_changes({"customer_id": "other"})
    assert fields_of(error) == {"customer_id"}


@pytest.mark.parametrize("raw", ["0", "101", "-1", "ten", ""])
def test_limit_out_of_range(raw: str) -> None:
    with pytest.raises(InvalidInput):
        parse_limit(raw)


def test_limit_default_and_query_parsing() -> None:
    assert parse_limit(None) == 20
    assert parse_limit("100") == 100
    with pytest.raises(InvalidInput):
        parse_query(customer_id="x' or 1 eq 1", status=None)
    assert parse_query(customer_id="c", status="PENDING").status is OrderStatus.PENDING
