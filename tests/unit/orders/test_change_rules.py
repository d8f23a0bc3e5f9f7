"""The change table (shared.orders.change_rules) against every row x field x status, every
row x transition and every row x status of a delete, with the answers the issue asks for
written out here (not derived from the table, so a change there is caught); then the same
rules through the services, and the table as the OpenAPI document and docs/security.md show it.
"""

from __future__ import annotations

import itertools
from dataclasses import replace
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from shared.api_docs import openapi_document
from shared.api_docs.change_rules import change_rules_extension, change_rules_table
from shared.auth import READ_ALL, READ_WRITE_ALL, Caller
from shared.auth.rules import CUSTOMER, rows_of
from shared.errors import ForbiddenChange
from shared.orders import services
from shared.orders.change_rules import ROWS, SWEEP, Field, check_change, check_delete
from shared.orders.errors import InvalidTransition
from shared.orders.model import Order, OrderChanges, OrderDraft, OrderStatus
from tests.unit.orders.conftest import order_body

P, C, S, D, X, E = (
    OrderStatus.PENDING,
    OrderStatus.CONFIRMED,
    OrderStatus.SHIPPED,
    OrderStatus.DELIVERED,
    OrderStatus.CANCELLED,
    OrderStatus.EXPIRED,
)
ROOT = Path(__file__).resolve().parents[3]
# What the issue asks, written out: every transition an order can take, and who makes it.
MAKERS = {
    (P, C): {READ_WRITE_ALL},
    (P, X): {READ_WRITE_ALL, CUSTOMER},
    (C, S): {READ_WRITE_ALL},
    (C, X): {READ_WRITE_ALL, CUSTOMER},
    (S, D): {READ_WRITE_ALL},
    (P, E): {SWEEP},
}
NEW_VALUES: dict[Field, Any] = {
    Field.PRODUCT_ID: "p-other",
    Field.QUANTITY: 9,
    Field.TOTAL_AMOUNT: Decimal("0.00"),
}


def order_in(status: OrderStatus) -> Order:
    draft = OrderDraft("cust-1", "p-1", 2, Decimal("19.99"))
    return replace(Order.create("o-1", draft, now="2026-11-26T12:00:00.000Z"), status=status)


def may_set(row: str, status: OrderStatus) -> bool:
    return row == READ_WRITE_ALL or (row == CUSTOMER and status is P)


def may_delete(row: str, status: OrderStatus) -> bool:
    return row == READ_WRITE_ALL or (row == CUSTOMER and status is P)


def test_the_rows_are_the_callers_rows_and_the_sweep() -> None:
    assert set(ROWS) == {READ_WRITE_ALL, READ_ALL, CUSTOMER, SWEEP}


@pytest.mark.parametrize("status", list(OrderStatus))
@pytest.mark.parametrize("field", list(Field))
@pytest.mark.parametrize("row", ROWS)
def test_row_by_field_by_status(row: str, field: Field, status: OrderStatus) -> None:
    changes = OrderChanges(**{field.value: NEW_VALUES[field]})
    if may_set(row, status):
        check_change((row,), order_in(status), changes)
        return
    with pytest.raises(ForbiddenChange) as refused:
        check_change((row,), order_in(status), changes)
    assert [e.field for e in refused.value.errors] == [field.value]
    assert refused.value.transition is None
    assert status.value in refused.value.errors[0].message


@pytest.mark.parametrize(("old", "new"), list(itertools.permutations(OrderStatus, 2)))
@pytest.mark.parametrize("row", ROWS)
def test_row_by_transition(row: str, old: OrderStatus, new: OrderStatus) -> None:
    changes = OrderChanges(status=new)
    if (old, new) not in MAKERS:
        with pytest.raises(InvalidTransition):  # nobody's: outside the lifecycle, 409
            check_change((row,), order_in(old), changes)
    elif row in MAKERS[(old, new)]:
        check_change((row,), order_in(old), changes)
    else:
        with pytest.raises(ForbiddenChange) as refused:
            check_change((row,), order_in(old), changes)
        assert refused.value.transition == (old.value, new.value)
        [error] = refused.value.errors
        assert error.field == "status" and f"{old} to {new}" in error.message


@pytest.mark.parametrize("status", list(OrderStatus))
@pytest.mark.parametrize("row", ROWS)
def test_row_by_status_of_a_delete(row: str, status: OrderStatus) -> None:
    if may_delete(row, status):
        check_delete((row,), order_in(status))
        return
    with pytest.raises(ForbiddenChange) as refused:
        check_delete((row,), order_in(status))
    assert status.value in refused.value.detail


@pytest.mark.parametrize("status", list(OrderStatus))
def test_keeping_a_value_or_the_status_is_no_change(status: OrderStatus) -> None:
    """A client may send back what it read: only what differs is judged."""
    order = order_in(status)
    same = OrderChanges(product_id="p-1", quantity=2, total_amount=Decimal("19.99"), status=status)
    for row in ROWS:
        check_change((row,), order, same)


def test_every_refusal_of_one_change_is_named_at_once() -> None:
    changes = OrderChanges(quantity=3, total_amount=Decimal(0), status=S)
    with pytest.raises(ForbiddenChange) as refused:
        check_change((CUSTOMER,), order_in(C), changes)
    assert [e.field for e in refused.value.errors] == ["quantity", "total_amount", "status"]
    assert refused.value.transition == ("CONFIRMED", "SHIPPED")


def test_a_caller_with_both_roles_has_the_wider_row_and_one_with_none_the_customers() -> None:
    both = Caller("lead", None, frozenset({READ_ALL, READ_WRITE_ALL}))
    check_change(rows_of(both), order_in(C), OrderChanges(status=S))
    assert rows_of(Caller("c", "cust-1")) == (CUSTOMER,)
    with pytest.raises(ForbiddenChange):
        check_change(rows_of(Caller("c", "cust-1")), order_in(C), OrderChanges(status=S))


# Through the services, with the fakes -----------------------------------------------------

CUSTOMER_1 = Caller("oid-1", "cust-1")


async def test_a_customer_changes_only_what_the_table_allows(repo, clock) -> None:
    created = await services.create_order(order_body(), caller=CUSTOMER_1, repo=repo)
    order = await services.update_order(
        created.order.order_id, {"quantity": 5}, caller=CUSTOMER_1, if_match="*", repo=repo
    )
    back_office = Caller("ops", None, frozenset({READ_WRITE_ALL}))
    order = await services.update_order(
        order.order_id, {"status": "CONFIRMED"}, caller=back_office, if_match="*", repo=repo
    )
    events = len(repo.events)
    for body in ({"total_amount": 0}, {"status": "SHIPPED"}):
        with pytest.raises(ForbiddenChange):
            await services.update_order(
                order.order_id, body, caller=CUSTOMER_1, if_match="*", repo=repo
            )
    with pytest.raises(ForbiddenChange):
        await services.delete_order(order.order_id, caller=CUSTOMER_1, if_match=None, repo=repo)
    assert repo.orders[order.order_id] == order and len(repo.events) == events  # unchanged
    cancelled = await services.update_order(
        order.order_id, {"status": "CANCELLED"}, caller=CUSTOMER_1, if_match="*", repo=repo
    )
    assert (cancelled.status, cancelled.quantity) == (X, 5)


async def test_only_the_sweep_expires(repo, clock) -> None:
    created = await services.create_order(order_body(), caller=CUSTOMER_1, repo=repo)
    back_office = Caller("ops", None, frozenset({READ_WRITE_ALL}))
    with pytest.raises(ForbiddenChange) as refused:
        await services.update_order(
            created.order.order_id,
            {"status": "EXPIRED"},
            caller=back_office,
            if_match="*",
            repo=repo,
        )
    assert "nightly sweep" in refused.value.errors[0].message
    cutoff = "2999-01-01T00:00:00.000Z"
    assert await services.expire_order(created.order.order_id, created_before=cutoff, repo=repo)
    assert repo.orders[created.order.order_id].status is E


# As readers see the table -------------------------------------------------------------------


def test_docs_security_shows_the_table_the_app_applies() -> None:
    assert change_rules_table() in (ROOT / "docs" / "security.md").read_text()


def test_the_openapi_document_shows_the_table_on_change_and_delete() -> None:
    paths = openapi_document()["paths"]["/orders/{order_id}"]
    for verb in ("patch", "delete"):
        assert change_rules_table() in paths[verb]["description"]
        assert "ChangeProblem" in str(paths[verb]["responses"]["403"])
    rules = paths["patch"]["x-change-rules"]
    assert rules == change_rules_extension()
    assert rules[CUSTOMER]["fields"]["quantity"] == ["PENDING"]
    assert sorted(map(tuple, rules[CUSTOMER]["transitions"])) == sorted(
        (a.value, b.value) for (a, b), who in MAKERS.items() if CUSTOMER in who
    )
    assert rules[SWEEP]["transitions"] == [["PENDING", "EXPIRED"]]
