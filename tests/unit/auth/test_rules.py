"""The rules as a table: every role x action x owner, with the answer the issue asks for
written out here (not derived from shared.auth.rules, so a change there is caught)."""

from __future__ import annotations

import pytest

from shared.auth import READ_ALL, READ_WRITE_ALL, Action, Caller, authorize
from shared.errors import Forbidden

A, B = "customer-a", "customer-b"
CALLERS = {
    "read-write": Caller("ops", None, frozenset({READ_WRITE_ALL})),
    "read": Caller("auditor", None, frozenset({READ_ALL})),
    "both": Caller("lead", None, frozenset({READ_ALL, READ_WRITE_ALL})),
    "customer": Caller("oid-a", A),
    "no-customer": Caller("app-without-roles", None),
}
OWN, OTHER = "own", "other"
WRITES = {Action.CREATE_ORDER, Action.CHANGE_ORDER, Action.DELETE_ORDER, Action.CREATE_UPLOAD}


def expected(who: str, action: Action, owner: str) -> str:
    """allow | hidden (the service answers 404) | forbidden (403)."""
    if who in ("read-write", "both"):
        return "allow"
    if who == "read":
        return "forbidden" if action in WRITES else "allow"
    if who == "no-customer" or action is Action.READ_REPORT:
        return "forbidden"
    return "allow" if owner == OWN else "hidden"


def outcome(caller: Caller, action: Action, owner: str) -> str:
    try:
        grant = authorize(caller, action)
    except Forbidden:
        return "forbidden"
    return "allow" if grant.covers(A if owner == OWN else B) else "hidden"


@pytest.mark.parametrize("owner", [OWN, OTHER])
@pytest.mark.parametrize("action", list(Action))
@pytest.mark.parametrize("who", list(CALLERS))
def test_role_by_action_by_owner(who: str, action: Action, owner: str) -> None:
    assert outcome(CALLERS[who], action, owner) == expected(who, action, owner)


def test_a_customers_lists_are_limited_to_them_and_the_back_offices_are_not() -> None:
    assert authorize(CALLERS["customer"], Action.LIST_ORDERS).customer_filter == A
    assert authorize(CALLERS["read"], Action.LIST_ORDERS).customer_filter is None
    assert authorize(CALLERS["read-write"], Action.LIST_ORDERS).customer_filter is None


def test_a_customer_never_covers_an_order_without_an_owner() -> None:
    assert not authorize(CALLERS["customer"], Action.READ_ORDER).covers(None)
