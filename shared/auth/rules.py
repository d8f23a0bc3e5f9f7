"""What a caller may do: one table of role x action, and the owner check that goes with it.

A back-office role reaches every customer's data (`Scope.ANY`) or none of it for writes
(`Scope.NONE`: 403); a caller with neither role is a customer, who reaches only their own
(`Scope.OWN`). Another customer's order or image is answered as if it did not exist (404, by
the service that looked it up), so a customer cannot learn which ids exist; only a write that
names another customer outright (creating an order for them) is refused with 403.

Which fields of an order, in which status, and which status transitions each row may make
is the second table, beside this one: shared.orders.change_rules (it lives with the order's
statuses, since the orders package already depends on this one).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum, StrEnum
from typing import TYPE_CHECKING

from shared.auth.caller import READ_ALL, READ_WRITE_ALL
from shared.errors import Forbidden

if TYPE_CHECKING:
    from shared.auth.caller import Caller

__all__ = ["CUSTOMER", "RULES", "Action", "Grant", "Scope", "authorize", "rows_of"]


class Action(StrEnum):
    CREATE_ORDER = "create orders"
    READ_ORDER = "read orders"
    CHANGE_ORDER = "change orders"
    DELETE_ORDER = "delete orders"
    LIST_ORDERS = "list orders"
    READ_REPORT = "read reports"
    CREATE_UPLOAD = "upload images"
    READ_IMAGE = "read image statuses"


class Scope(Enum):
    NONE = 0
    OWN = 1
    ANY = 2


# The row for a caller who holds none of the app's roles.
CUSTOMER = "customer"
_A, _O, _N = Scope.ANY, Scope.OWN, Scope.NONE
# fmt: off
RULES: dict[str, dict[Action, Scope]] = {
    #               create read change delete list report upload image
    READ_WRITE_ALL: dict(zip(Action, (_A, _A, _A, _A, _A, _A, _A, _A), strict=True)),
    READ_ALL:       dict(zip(Action, (_N, _A, _N, _N, _A, _A, _N, _A), strict=True)),
    CUSTOMER:       dict(zip(Action, (_O, _O, _O, _O, _O, _N, _O, _O), strict=True)),
}
# fmt: on


@dataclass(frozen=True, slots=True)
class Grant:
    """What `authorize` allowed: any customer's data, or the caller's own."""

    scope: Scope
    customer_id: str | None = None

    def covers(self, owner: str | None) -> bool:
        return self.scope is Scope.ANY or (owner is not None and owner == self.customer_id)

    @property
    def customer_filter(self) -> str | None:
        """The one customer a list must be limited to; None when the grant is unlimited."""
        return None if self.scope is Scope.ANY else self.customer_id


def rows_of(caller: Caller) -> tuple[str, ...]:
    """The rows that speak for `caller`: each app role it holds, or the customer's row when
    it holds none (the change table, shared.orders.change_rules, is read by the same rows)."""
    return tuple(sorted(role for role in caller.roles if role in RULES)) or (CUSTOMER,)


def authorize(caller: Caller, action: Action) -> Grant:
    """The widest grant the caller's roles give for `action`; Forbidden when there is none."""
    scope = max((RULES[row][action] for row in rows_of(caller)), key=lambda s: s.value)
    if scope is Scope.NONE:
        raise Forbidden(f"Your roles do not allow you to {action}.")
    if scope is Scope.OWN and caller.customer_id is None:
        raise Forbidden(f"Your sign-in names no customer, so you cannot {action}.")
    return Grant(scope, caller.customer_id)
