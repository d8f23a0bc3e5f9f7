"""The Table Storage repository on a real Azurite: atomic companion rows, safe retries,
parameterised filters, concurrency, and an outage."""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal
from typing import Any

import pytest

from shared.orders import order_repository
from shared.orders.events import OrderEvent
from shared.orders.model import Order, OrderChanges, OrderDraft, OrderStatus
from shared.orders.repository import OrderQuery
from shared.orders.table_repository import TableOrderRepository, outbox_row_key, partition_of
from shared.storage import CLIENT_OPTIONS, table
from tests.integration.flaky_proxy import FlakyProxy
from tests.support import call_http, json_of, point_app_at

pytestmark = pytest.mark.usefixtures("storage_env")


def customer() -> str:
    return f"c-{uuid.uuid4().hex[:12]}"


def body_for(customer_id: str) -> dict[str, object]:
    return {"customer_id": customer_id, "product_id": "p", "quantity": 1, "total_amount": 1}


def make_order(customer_id: str) -> Order:
    draft = OrderDraft(customer_id, "p-1", 1, Decimal("1.00"))
    return Order.create(str(uuid.uuid4()), draft, now="2026-11-26T12:00:00.000Z")


def rows_of(order_id: str) -> list[str]:
    client = table("Orders")
    rows = client.query_entities("PartitionKey eq @p", parameters={"p": partition_of(order_id)})
    return sorted(r["RowKey"] for r in rows if order_id in r["RowKey"])


def test_order_outbox_and_index_rows_are_written_together() -> None:
    order = make_order(customer())
    repo = TableOrderRepository(table("Orders"))  # without the publisher, which sends and drops
    stored = repo.add(order, OrderEvent.for_change(None, order, now=order.created_at))
    oid = order.order_id
    v1, v2 = f"outbox:{oid}:{1:010d}", f"outbox:{oid}:{2:010d}"
    assert rows_of(oid) == [f"order:{oid}", v1, f"pending:{order.created_at}:{oid}"]
    confirmed = stored.apply(OrderChanges(status=OrderStatus.CONFIRMED), now="t")
    repo.replace(stored, confirmed, OrderEvent.for_change(stored, confirmed, now="t"))
    assert rows_of(oid) == [f"order:{oid}", v1, v2]


def test_failed_transaction_writes_nothing() -> None:
    order = make_order(customer())
    repo = order_repository()
    event = OrderEvent.for_change(None, order, now=order.created_at)
    table("Orders").create_entity({"PartitionKey": partition_of(order.order_id),
                                   "RowKey": outbox_row_key(order.order_id, 1)})  # fmt: skip
    with pytest.raises(Exception):  # noqa: B017 - the SDK's transaction error
        repo.add(order, event)
    assert repo.get(order.order_id) is None


@pytest.fixture
def proxy(storage_env) -> FlakyProxy:
    flaky = FlakyProxy(storage_env.table_port)
    yield flaky
    flaky.close()


def repo_through(proxy: FlakyProxy, azurite) -> TableOrderRepository:
    from azure.data.tables import TableServiceClient

    connection = azurite.connection_string.replace(f":{azurite.table_port}/", f":{proxy.port}/")
    service = TableServiceClient.from_connection_string(connection, **CLIENT_OPTIONS)
    return TableOrderRepository(service.get_table_client("Orders"))


def test_create_is_retried_after_connection_failure(proxy, storage_env) -> None:
    repo, order = repo_through(proxy, storage_env), make_order(customer())
    proxy.fail_next("refuse")
    repo.add(order, OrderEvent.for_change(None, order, now=order.created_at))
    assert proxy.sabotaged == 1
    assert order_repository().get(order.order_id) is not None


def test_create_whose_answer_was_lost_is_not_a_conflict(proxy, storage_env) -> None:
    repo, order = repo_through(proxy, storage_env), make_order(customer())
    proxy.fail_next("drop-response")
    stored = repo.add(order, OrderEvent.for_change(None, order, now=order.created_at))
    assert proxy.sabotaged == 1
    assert stored.order_id == order.order_id and stored.etag
    assert len([r for r in rows_of(order.order_id) if r.startswith("order:")]) == 1


def test_update_whose_answer_was_lost_succeeds(proxy, storage_env) -> None:
    order = make_order(customer())
    stored = order_repository().add(order, OrderEvent.for_change(None, order, now=order.created_at))
    changed = stored.apply(OrderChanges(quantity=5), now="t")
    proxy.fail_next("drop-response")
    repo = repo_through(proxy, storage_env)  # a fresh client: its first connection is the write
    result = repo.replace(stored, changed, OrderEvent.for_change(stored, changed, now="t"))
    assert proxy.sabotaged == 1
    assert result.quantity == 5 and result.version == 2


def test_filters_are_parameterised_not_injected() -> None:
    victim, attacker = customer(), customer()
    repo = order_repository()
    for owner in (victim, attacker):
        order = make_order(owner)
        repo.add(order, OrderEvent.for_change(None, order, now=order.created_at))
    evil = f"{attacker}' or customer_id ne '"
    page = repo.query(OrderQuery(customer_id=evil), limit=100, continuation=None)
    assert page.items == []
    response = call_http("list_orders", "GET", params={"customer_id": evil})
    assert response.status_code == 422
    response = call_http("list_orders", "GET", params={"status": "PENDING' or 'a' eq 'a"})
    assert response.status_code == 422


def test_list_filters_pages_and_rejects_tampered_tokens() -> None:
    owner = customer()
    created = [call_http("create_order", "POST", body=body_for(owner)) for _ in range(7)]
    ids = {json_of(response)["order_id"] for response in created}
    seen, token = [], None
    while True:
        params = {"customer_id": owner, "limit": "3"} | ({"continuation": token} if token else {})
        body = json_of(call_http("list_orders", "GET", params=params))
        assert len(body["items"]) <= 3
        seen += [item["order_id"] for item in body["items"]]
        token = body["continuation"]
        if token is None:
            break
    assert sorted(seen) == sorted(ids)
    first = json_of(call_http("list_orders", "GET", params={"customer_id": owner, "limit": "3"}))
    tampered = first["continuation"][:-3] + "xyz"
    response = call_http(
        "list_orders", "GET", params={"customer_id": owner, "continuation": tampered}
    )
    assert response.status_code == 400
    confirmed = call_http(
        "list_orders", "GET", params={"customer_id": owner, "status": "CONFIRMED"}
    )
    assert json_of(confirmed) == {"items": [], "continuation": None}
    assert call_http("list_orders", "GET", params={"limit": "101"}).status_code == 422


def test_concurrent_patches_with_one_etag_exactly_one_wins() -> None:
    created = call_http("create_order", "POST", body=body_for(customer()))
    order_id, etag = json_of(created)["order_id"], created.headers["ETag"]

    def patch(quantity: int) -> int:
        return call_http(
            "update_order",
            "PATCH",
            body={"quantity": quantity},
            headers={"If-Match": etag},
            route_params={"order_id": order_id},
        ).status_code

    with ThreadPoolExecutor(8) as pool:
        statuses = sorted(pool.map(patch, range(2, 10)))
    assert statuses == [200] + [412] * 7


def test_racing_idempotent_posts_create_exactly_one_order() -> None:
    owner, key = customer(), str(uuid.uuid4())
    body = body_for(owner)

    def post(_: int):
        return call_http("create_order", "POST", body=body, headers={"Idempotency-Key": key})

    with ThreadPoolExecutor(8) as pool:
        responses = list(pool.map(post, range(8)))
    assert {r.status_code for r in responses} == {201}
    assert len({json_of(r)["order_id"] for r in responses}) == 1
    listed = json_of(call_http("list_orders", "GET", params={"customer_id": owner}))
    assert len(listed["items"]) == 1


def outage_calls() -> dict[str, Callable[[], Any]]:
    return {
        "get_order": lambda: call_http("get_order", "GET", route_params={"order_id": "x"}),
        "create_order": lambda: call_http("create_order", "POST", body=body_for("c")),
        "list_orders": lambda: call_http("list_orders", "GET"),
        "health": lambda: call_http("health", "GET"),
    }


def assert_503_within_bound(name: str, call: Callable[[], Any]) -> None:
    started = time.monotonic()
    response = call()
    elapsed = time.monotonic() - started
    assert response.status_code == 503, (name, response.get_body())
    assert response.mimetype == "application/problem+json"
    assert response.headers["Retry-After"]
    assert elapsed < 15, (name, elapsed)


def test_hung_storage_is_503_within_bound(proxy, storage_env, monkeypatch) -> None:
    """Storage that accepts connections and never answers: timeouts, not a hang."""
    connection = storage_env.connection_string.replace(
        f":{storage_env.table_port}/", f":{proxy.port}/"
    )
    point_app_at(monkeypatch, connection)
    assert call_http("create_order", "POST", body=body_for(customer())).status_code == 201
    proxy.hang()
    with ThreadPoolExecutor(4) as pool:
        list(pool.map(assert_503_within_bound, *zip(*outage_calls().items(), strict=True)))


def test_storage_down_is_503_with_retry_after_within_bound(tmp_path, monkeypatch) -> None:
    from devhost.azurite import start_azurite

    own = start_azurite(tmp_path / "azurite")
    point_app_at(monkeypatch, own.connection_string)
    created = call_http("create_order", "POST", body=body_for(customer()))
    assert created.status_code == 201
    own.stop()
    for name, call in outage_calls().items():
        assert_503_within_bound(name, call)
