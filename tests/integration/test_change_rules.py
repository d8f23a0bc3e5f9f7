"""The change table through the app's registered functions on a real Azurite, with the
principal the platform would hand the app: a customer's forbidden fields, transitions and
deletes answer 403 `forbidden-change` naming them, and the order reads back unchanged."""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING, Any

import pytest

from shared import bootstrap
from shared.auth import READ_WRITE_ALL
from tests.auth import headers_for, platform_on
from tests.support import call_http, json_of

if TYPE_CHECKING:
    import azure.functions as func

    from devhost.azurite import Azurite

pytestmark = pytest.mark.usefixtures("easy_auth")

OPS = headers_for("ops-" + uuid.uuid4().hex[:8], roles=[READ_WRITE_ALL])


@pytest.fixture
async def easy_auth(storage_env: Azurite, monkeypatch: pytest.MonkeyPatch) -> None:
    platform_on(monkeypatch)
    await bootstrap.reset()


def new_customer() -> dict[str, str]:
    return headers_for(f"c-{uuid.uuid4().hex[:12]}")


async def patch(order_id: str, body: dict[str, Any], who: dict[str, str]) -> func.HttpResponse:
    return await call_http(
        "update_order",
        "PATCH",
        route_params={"order_id": order_id},
        body=body,
        headers=who | {"If-Match": "*"},
    )


async def read(order_id: str, who: dict[str, str]) -> tuple[dict[str, Any], str]:
    response = await call_http("get_order", "GET", route_params={"order_id": order_id}, headers=who)
    assert response.status_code == 200
    return json_of(response), response.headers["ETag"]


def refusal(response: func.HttpResponse) -> dict[str, Any]:
    assert response.status_code == 403, response.get_body()
    assert response.mimetype == "application/problem+json"
    problem: dict[str, Any] = json_of(response)
    assert problem["type"] == "urn:orders-api:problem:forbidden-change"
    return problem


async def test_a_customer_changes_a_pending_order_and_cancels_a_confirmed_one() -> None:
    me = new_customer()
    body = {"product_id": "p-1", "quantity": 1, "total_amount": 5}
    order = json_of(await call_http("create_order", "POST", headers=me, body=body))
    changed = await patch(order["order_id"], {"quantity": 3, "total_amount": 7.5}, me)
    assert (changed.status_code, json_of(changed)["quantity"]) == (200, 3)
    confirmed = await patch(order["order_id"], {"status": "CONFIRMED"}, OPS)
    assert confirmed.status_code == 200
    cancelled = await patch(order["order_id"], {"status": "CANCELLED"}, me)
    assert (cancelled.status_code, json_of(cancelled)["status"]) == (200, "CANCELLED")


async def test_a_customers_forbidden_change_is_403_naming_it_and_the_order_is_unchanged() -> None:
    me = new_customer()
    body = {"product_id": "p-1", "quantity": 2, "total_amount": 40}
    order_id = json_of(await call_http("create_order", "POST", headers=me, body=body))["order_id"]
    confirm = await patch(order_id, {"status": "CONFIRMED"}, me)
    assert refusal(confirm)["transition"] == {"from": "PENDING", "to": "CONFIRMED"}
    assert (await patch(order_id, {"status": "CONFIRMED"}, OPS)).status_code == 200
    before = await read(order_id, me)
    amount = refusal(await patch(order_id, {"total_amount": 0}, me))
    assert [e["field"] for e in amount["errors"]] == ["total_amount"]
    assert "transition" not in amount
    ship = refusal(await patch(order_id, {"quantity": 9, "status": "SHIPPED"}, me))
    assert [e["field"] for e in ship["errors"]] == ["quantity", "status"]
    assert ship["transition"] == {"from": "CONFIRMED", "to": "SHIPPED"}
    delete = await call_http(
        "delete_order", "DELETE", route_params={"order_id": order_id}, headers=me
    )
    assert refusal(delete)["errors"][0]["field"] == ""
    assert await read(order_id, me) == before  # same body, same ETag: nothing was written


async def test_the_back_office_cannot_expire_and_nobody_leaves_the_lifecycle() -> None:
    body = {"customer_id": "c-x", "product_id": "p-1", "quantity": 1, "total_amount": 5}
    order_id = json_of(await call_http("create_order", "POST", headers=OPS, body=body))["order_id"]
    expire = refusal(await patch(order_id, {"status": "EXPIRED"}, OPS))
    assert "nightly sweep" in expire["errors"][0]["message"]
    backwards = await patch(order_id, {"status": "DELIVERED"}, OPS)
    assert (backwards.status_code, json_of(backwards)["type"].rsplit(":", 1)[-1]) == (
        409,
        "invalid-transition",
    )


async def test_a_customer_deletes_only_a_pending_order() -> None:
    me = new_customer()
    body = {"product_id": "p-1", "quantity": 1, "total_amount": 5}
    order_id = json_of(await call_http("create_order", "POST", headers=me, body=body))["order_id"]
    route = {"order_id": order_id}
    deleted = await call_http("delete_order", "DELETE", route_params=route, headers=me)
    assert deleted.status_code == 204
    gone = await call_http("get_order", "GET", route_params=route, headers=me)
    assert gone.status_code == 404
