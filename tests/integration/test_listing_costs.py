"""What one call of each listing, and of health, costs storage, counted by a proxy in front of
Azurite (bench.storage_proxy), through the app's registered functions with the principal
the platform would hand the app: one request each, and a customer's listing is one RowKey
range in one partition that returns their rows and no one else's, with other customers'
orders present, some of them in the very same partition."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

import pytest

from bench.storage_proxy import CountingProxy, TableQuery
from shared import bootstrap
from shared.auth import READ_WRITE_ALL
from shared.orders.table_layout import customer_partition
from tests.auth import headers_for, platform_on
from tests.support import call_http, json_of, other_customers, point_app_at

if TYPE_CHECKING:
    from collections.abc import AsyncIterator

    from devhost.azurite import Azurite

OPS = headers_for("ops-" + uuid.uuid4().hex[:8], roles=[READ_WRITE_ALL])
OTHERS, OTHER_ORDERS, MINE = 36, 3, 5


@pytest.fixture
async def proxy(storage_env: Azurite, monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[Any]:
    counting = CountingProxy(storage_env)
    platform_on(monkeypatch)
    await point_app_at(monkeypatch, counting.connection_string())
    yield counting
    await bootstrap.reset()
    counting.close()


async def create(customer: str) -> str:
    body = {"customer_id": customer, "product_id": "p-1", "quantity": 1, "total_amount": 5}
    response = await call_http("create_order", "POST", headers=OPS, body=body)
    assert response.status_code == 201, response.get_body()
    return str(json_of(response)["order_id"])


async def settled(proxy: CountingProxy) -> None:
    """Sent outbox rows deleted now rather than by the cleanup's timer in the middle of a
    measured call; counts start from zero."""
    await (await bootstrap.outbox_cleanup()).flush()
    proxy.take()
    proxy.take_queries()


async def measured(proxy: CountingProxy, name: str, **request: Any) -> tuple[Any, list[TableQuery]]:
    """The call's answer, and its table queries; it must have cost exactly one request."""
    response = await call_http(name, "GET", **request)
    assert response.status_code == 200, response.get_body()
    counts = proxy.take()
    assert sum(counts.values()) == 1, counts
    return json_of(response), proxy.take_queries()


@pytest.fixture
async def shop(proxy: CountingProxy) -> dict[str, Any]:
    me = f"c-{uuid.uuid4().hex[:12]}"
    mine = {await create(me) for _ in range(MINE)}
    for other in other_customers(me, OTHERS):
        for _ in range(OTHER_ORDERS):
            await create(other)
    await settled(proxy)
    return {"me": me, "mine": mine}


async def test_a_customers_listing_is_one_range_of_their_own_rows(
    proxy: CountingProxy, shop: dict[str, Any]
) -> None:
    me = shop["me"]
    for params in ({"limit": "100"}, {"limit": "100", "status": "PENDING"}):
        listed, [query] = await measured(
            proxy, "list_orders", headers=headers_for(me), params=params
        )
        assert {order["order_id"] for order in listed["items"]} == shop["mine"]
        assert query.table == "Orders"
        assert f"PartitionKey eq '{customer_partition(me)}'" in query.filter
        assert f"RowKey ge 'customer:{me}:' and RowKey lt 'customer:{me};'" in query.filter
        assert query.returned == MINE  # storage returned their rows, nobody else's
    asked, [query] = await measured(
        proxy, "list_orders", headers=OPS, params={"customer_id": me, "limit": "100"}
    )
    assert len(asked["items"]) == MINE and query.returned == MINE


async def test_a_listing_of_everyone_reads_one_page_and_says_where_to_go_on(
    proxy: CountingProxy, shop: dict[str, Any]
) -> None:
    for params in ({"limit": "10"}, {"limit": "10", "status": "PENDING"}):
        page, [query] = await measured(proxy, "list_orders", headers=OPS, params=params)
        assert "RowKey ge 'order:' and RowKey lt 'order;'" in query.filter
        assert len(page["items"]) == query.returned <= 10
        assert page["continuation"]  # more than ten orders exist: one page, then a token


async def test_the_customer_view_and_health_cost_one_request(
    proxy: CountingProxy, shop: dict[str, Any]
) -> None:
    me = shop["me"]
    route = {"customer_id": me}
    await call_http("list_customer_orders", "GET", headers=OPS, route_params=route)
    proxy.take()  # the process's first use made the read model's table: once, not per call
    proxy.take_queries()
    _, [query] = await measured(
        proxy, "list_customer_orders", headers=headers_for(me), route_params=route
    )
    assert query.table == "OrdersByCustomer" and f"PartitionKey eq '{me}'" in query.filter
    response = await call_http("health", "GET")
    assert response.status_code == 200
    [(kind, count)] = proxy.take().items()
    assert (str(kind), count) == ("table GET Orders point read", 1)


async def test_the_listing_agrees_with_the_order_after_a_change_the_sweep_and_a_delete(
    proxy: CountingProxy,
) -> None:
    """The customer-index row is written in each of the order's own transactions: a PATCH,
    the nightly sweep's expiry (registered timer function) and a delete."""
    from azure.functions.timer import TimerRequest

    from shared.orders import services
    from tests.support import BACK_OFFICE, invoke

    me = f"c-{uuid.uuid4().hex[:12]}"
    then = datetime.now(UTC) - timedelta(days=2)
    body = {"customer_id": me, "product_id": "p-1", "quantity": 1, "total_amount": 5}
    repo = await bootstrap.order_repository()
    made = [
        (await services.create_order(body, caller=BACK_OFFICE, repo=repo, clock=c)).order.order_id
        for c in (lambda: then, lambda: then, lambda: datetime.now(UTC))
    ]
    stale, gone, fresh = made
    route = {"order_id": fresh}
    changed = await call_http(
        "update_order",
        "PATCH",
        route_params=route,
        headers=OPS | {"If-Match": "*"},
        body={"quantity": 3},
    )
    assert changed.status_code == 200
    deleted = await call_http(
        "delete_order", "DELETE", route_params={"order_id": gone}, headers=OPS
    )
    assert deleted.status_code == 204
    await invoke("nightly_sweep", TimerRequest())
    listed = json_of(await call_http("list_orders", "GET", headers=headers_for(me)))["items"]
    assert {o["order_id"]: (o["status"], o["quantity"]) for o in listed} == {
        stale: ("EXPIRED", 1),
        fresh: ("PENDING", 3),
    }
    for order in listed:  # each exactly as the order itself reads
        one = await call_http(
            "get_order", "GET", route_params={"order_id": order["order_id"]}, headers=OPS
        )
        assert json_of(one) == order
