"""What each caller may change in an order: the second table, beside shared.auth.rules.

shared.auth.rules decides whether a caller may change or delete an order at all, and whose.
These tables decide what: which fields in which status, which status transitions, and in
which status an order may be deleted, for each row of that table (an app role, or `CUSTOMER`
for a caller with neither) and one row more, `SWEEP`, the nightly sweep, which is no caller.
They live here rather than in shared.auth because they are written in the order's statuses,
and the orders package already depends on shared.auth (no import circle).

The rules (issue 28; OWASP API3 and API5, docs/security.md): a customer changes product,
quantity and amount only while the order is PENDING, cancels it while it is PENDING or
CONFIRMED, and deletes it only while it is PENDING (nothing has happened to it yet; once the
shop has confirmed it, it is part of the shop's books and of the daily report, so the
customer cancels it instead, which keeps it). Only the back office confirms, ships and
delivers, and changes anything after PENDING. Only the sweep expires.

The transitions are also the lifecycle: a transition that no row makes is one no order can
take (409 invalid-transition); one that only other rows make is refused to this caller (403
forbidden-change, naming it). A field sent with the value it already has changes nothing and
is not refused, so a client may send back what it read with only `status` changed.
"""

from __future__ import annotations

from enum import StrEnum
from typing import TYPE_CHECKING

from shared.auth.caller import READ_ALL, READ_WRITE_ALL
from shared.auth.rules import CUSTOMER
from shared.errors import FieldError, ForbiddenChange
from shared.orders.errors import InvalidTransition
from shared.orders.model import OrderStatus

if TYPE_CHECKING:
    from collections.abc import Iterable, Sequence

    from shared.orders.model import Order, OrderChanges

__all__ = [
    "DELETIONS",
    "FIELDS",
    "LIFECYCLE",
    "ROWS",
    "SWEEP",
    "TRANSITIONS",
    "Field",
    "Transition",
    "check_change",
    "check_delete",
    "describe_statuses",
]

Transition = tuple[OrderStatus, OrderStatus]


class Field(StrEnum):
    """The fields a change may set besides `status` (shared.orders.model.OrderChanges)."""

    PRODUCT_ID = "product_id"
    QUANTITY = "quantity"
    TOTAL_AMOUNT = "total_amount"


# The row of the nightly sweep (shared.changes.sweep): a system actor, never a caller.
SWEEP = "nightly sweep"

_P, _C, _S = OrderStatus.PENDING, OrderStatus.CONFIRMED, OrderStatus.SHIPPED
_D, _X, _E = OrderStatus.DELIVERED, OrderStatus.CANCELLED, OrderStatus.EXPIRED
_ANY = frozenset(OrderStatus)
_NEVER: frozenset[OrderStatus] = frozenset()
_PENDING = frozenset({_P})

# fmt: off
# The statuses in which each row may set each field.
FIELDS: dict[str, dict[Field, frozenset[OrderStatus]]] = {
    #               product_id quantity  total_amount
    READ_WRITE_ALL: dict(zip(Field, (_ANY,     _ANY,     _ANY), strict=True)),
    READ_ALL:       dict(zip(Field, (_NEVER,   _NEVER,   _NEVER), strict=True)),
    CUSTOMER:       dict(zip(Field, (_PENDING, _PENDING, _PENDING), strict=True)),
    SWEEP:          dict(zip(Field, (_NEVER,   _NEVER,   _NEVER), strict=True)),
}
# The status transitions (from, to) each row may make.
TRANSITIONS: dict[str, frozenset[Transition]] = {
    READ_WRITE_ALL: frozenset({(_P, _C), (_P, _X), (_C, _S), (_C, _X), (_S, _D)}),
    READ_ALL:       frozenset(),
    CUSTOMER:       frozenset({(_P, _X), (_C, _X)}),
    SWEEP:          frozenset({(_P, _E)}),
}
# The statuses in which each row may delete an order.
DELETIONS: dict[str, frozenset[OrderStatus]] = {
    READ_WRITE_ALL: _ANY,
    READ_ALL:       _NEVER,
    CUSTOMER:       _PENDING,
    SWEEP:          _NEVER,
}
# fmt: on
ROWS = tuple(FIELDS)
LIFECYCLE: frozenset[Transition] = frozenset().union(*TRANSITIONS.values())


def describe_statuses(statuses: frozenset[OrderStatus]) -> str:
    """`in any status`, `never`, or `while PENDING or CONFIRMED` (in lifecycle order)."""
    if statuses == _ANY:
        return "in any status"
    if not statuses:
        return "never"
    return "while " + " or ".join(status for status in OrderStatus if status in statuses)


def _may(rows: Iterable[str], table: dict[str, frozenset[OrderStatus]]) -> frozenset[OrderStatus]:
    return frozenset().union(*(table[row] for row in rows))


def _who(transition: Transition) -> str:
    return " or ".join(row for row in ROWS if transition in TRANSITIONS[row]) or "nobody"


def _transition(current: Order, changes: OrderChanges) -> Transition | None:
    """The transition the change asks for (None: it keeps the status); InvalidTransition for
    one that is in nobody's row, which no order can take."""
    if changes.status is None or changes.status is current.status:
        return None
    transition = (current.status, changes.status)
    if transition not in LIFECYCLE:
        raise InvalidTransition(f"An order cannot go from {current.status} to {changes.status}.")
    return transition


def check_change(rows: Sequence[str], current: Order, changes: OrderChanges) -> None:
    """Raise unless `rows` (shared.auth.rules.rows_of, or (SWEEP,)) may make `changes` to
    `current`: InvalidTransition (409) for a transition outside the lifecycle, else
    ForbiddenChange (403) naming every field and the transition they may not make."""
    transition = _transition(current, changes)
    refused: list[FieldError] = []
    for field in Field:
        value = getattr(changes, field.value)
        if value is None or value == getattr(current, field.value):
            continue
        allowed = _may(rows, {row: FIELDS[row][field] for row in rows})
        if current.status not in allowed:
            rule = f"may be changed {describe_statuses(allowed)} by your roles"
            refused.append(FieldError(field.value, f"{rule}; the order is {current.status}"))
    if transition is not None and not any(transition in TRANSITIONS[row] for row in rows):
        move = f"{transition[0]} to {transition[1]}"
        refused.append(FieldError("status", f"only {_who(transition)} may move it from {move}"))
    if refused:
        names = ", ".join(error.field for error in refused)
        raise ForbiddenChange(
            f"You may not change {names} of this {current.status} order.",
            refused,
            None if transition is None else (transition[0].value, transition[1].value),
        )


def check_delete(rows: Sequence[str], current: Order) -> None:
    """Raise ForbiddenChange (403) unless `rows` may delete an order in `current`'s status."""
    allowed = _may(rows, DELETIONS)
    if current.status not in allowed:
        rule = f"your roles may delete an order {describe_statuses(allowed)}"
        raise ForbiddenChange(
            f"You may not delete this {current.status} order.",
            [FieldError("", rule)],
        )
