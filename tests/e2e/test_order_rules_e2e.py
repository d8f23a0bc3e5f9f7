"""The change table over real HTTP through devhost --easy-auth, with tokens of the local
issuer: a customer's forbidden fields, transitions and deletes are 403 `forbidden-change`
naming them, and the order reads back exactly as before; what the table allows goes through."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from shared.auth import READ_WRITE_ALL
from tests.e2e.callers import back_office, customer, problem_type

if TYPE_CHECKING:
    from devhost.auth import LocalIssuer
    from tests.e2e.callers import Caller
    from tests.e2e.harness import DevhostProcess


@pytest.fixture(scope="module")
def host(easy_auth_host: DevhostProcess) -> DevhostProcess:
    return easy_auth_host


def snapshot(caller: Caller, order_id: str) -> tuple[dict[str, object], str]:
    response = caller.call("GET", f"/api/orders/{order_id}")
    assert response.status == 200, response.body
    return response.json(), response.headers["ETag"]


def test_a_customers_forbidden_field_transition_and_delete_change_nothing(
    host: DevhostProcess, issuer: LocalIssuer
) -> None:
    me, ops = customer(host, issuer), back_office(host, issuer, READ_WRITE_ALL)
    created = me.create(quantity=2, total_amount=40)
    assert created.status == 201, created.body
    order_id = created.json()["order_id"]
    path, anything = f"/api/orders/{order_id}", {"If-Match": "*"}
    refused = me.call("PATCH", path, {"status": "CONFIRMED"}, anything)
    assert (refused.status, problem_type(refused)) == (403, "forbidden-change")
    assert refused.json()["transition"] == {"from": "PENDING", "to": "CONFIRMED"}
    assert ops.call("PATCH", path, {"status": "CONFIRMED"}, anything).status == 200
    before = snapshot(me, order_id)
    for body, fields in (
        ({"total_amount": 0}, ["total_amount"]),
        ({"status": "SHIPPED"}, ["status"]),
        ({"product_id": "p-free", "quantity": 99}, ["product_id", "quantity"]),
    ):
        answer = me.call("PATCH", path, body, {"If-Match": before[1]})
        assert (answer.status, problem_type(answer)) == (403, "forbidden-change"), body
        assert [error["field"] for error in answer.json()["errors"]] == fields
    deleted = me.call("DELETE", path, headers={"If-Match": before[1]})
    assert (deleted.status, problem_type(deleted)) == (403, "forbidden-change")
    assert snapshot(me, order_id) == before  # body and ETag: nothing was written
    cancelled = me.call("PATCH", path, {"status": "CANCELLED"}, {"If-Match": before[1]})
    assert (cancelled.status, cancelled.json()["status"]) == (200, "CANCELLED")


def test_a_customer_changes_and_deletes_a_pending_order(
    host: DevhostProcess, issuer: LocalIssuer
) -> None:
    me = customer(host, issuer)
    order_id = me.create().json()["order_id"]
    path = f"/api/orders/{order_id}"
    changed = me.call("PATCH", path, {"quantity": 4, "total_amount": 12.5}, {"If-Match": "*"})
    assert (changed.status, changed.json()["quantity"]) == (200, 4)
    assert me.call("DELETE", path, headers={"If-Match": "*"}).status == 204
    assert me.call("GET", path).status == 404
