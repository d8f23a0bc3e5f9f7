"""The Table Storage repository on a real Azurite: atomic companion rows, safe retries,
parameterised filters, concurrency, and an outage."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from decimal import Decimal
from typing import Any

import pytest

from shared import bootstrap
from shared.orders.errors import OrderNotFound
from shared.orders.events import OrderEvent
from shared.orders.model import Order, OrderChanges, OrderDraft, OrderStatus
from shared.orders.repository import OrderQuery
from shared.orders.table_repository import TableOrderRepository, outbox_row_key, partition_of
from shared.storage import CLIENT_OPTIONS
from shared.table_transactions import TransactionFailed
from tests.integration.flaky_proxy import FlakyProxy
from tests.support import call_http, json_of, point_app_at, table

pytestmark = pytest.mark.usefixtures("storage_env")


def customer() -> str:
    return f"c-{uuid.uuid4().hex[:12]}"


def body_for(customer_id: str) -> dict[str, object]:
    return {"customer_id": customer_id, "product_id": "p", "quantity": 1, "total_amount": 1}


def make_order(customer_id: str) -> Order:
    draft = OrderDraft(customer_id, "p-1", 1, Decimal("1.00"))
    return Order.create(str(uuid.uuid4()), draft, now="2026-11-26T12:00:00.000Z")


def inserted(order: Order) -> OrderEvent:
    return OrderEvent.for_change(None, order, now=order.created_at)


async def rows_of(order_id: str) -> list[str]:
    client = await table("Orders")
    rows = client.query_entities("PartitionKey eq @p", parameters={"p": partition_of(order_id)})
    return sorted([r["RowKey"] async for r in rows if order_id in r["RowKey"]])


async def customer_row(order: Order) -> dict[str, Any] | None:
    from azure.core.exceptions import ResourceNotFoundError

    key = f"customer:{order.customer_id}:{order.created_at}:{order.order_id}"
    try:
        return dict(await (await table("Orders")).get_entity(partition_of(order.order_id), key))
    except ResourceNotFoundError:
        return None


async def test_order_outbox_and_index_rows_are_written_together() -> None:
    order = make_order(customer())
    repo = TableOrderRepository(await table("Orders"))  # not the publisher: it drops the outbox
    stored = await repo.add(order, inserted(order))
    oid = order.order_id
    listed = f"customer:{order.customer_id}:{order.created_at}:{oid}"
    v1, v2 = f"outbox:{oid}:{1:010d}", f"outbox:{oid}:{2:010d}"
    pending = f"pending:{order.created_at}:{oid}"
    assert await rows_of(oid) == [listed, f"order:{oid}", v1, pending]
    confirmed = stored.apply(OrderChanges(status=OrderStatus.CONFIRMED), now="t")
    await repo.replace(stored, confirmed, OrderEvent.for_change(stored, confirmed, now="t"))
    assert await rows_of(oid) == [listed, f"order:{oid}", v1, v2]
    row = await customer_row(order)
    assert row is not None and (row["status"], row["version"]) == ("CONFIRMED", 2)
    current = await repo.get(oid)
    assert current is not None
    await repo.remove(current, OrderEvent.for_change(current, None, now="t"))
    assert await rows_of(oid) == [v1, v2, f"outbox:{oid}:{3:010d}"]


async def test_an_order_from_before_the_customer_index_can_be_changed_and_deleted() -> None:
    """Orders written before the index have no row: the first change writes it (an upsert),
    and a delete of one never changed since drops what is there."""
    repo = TableOrderRepository(await table("Orders"))
    for changed_first in (True, False):
        order = make_order(customer())
        stored = await repo.add(order, inserted(order))
        row = await customer_row(order)
        assert row is not None
        await (await table("Orders")).delete_entity(row["PartitionKey"], row["RowKey"])
        if changed_first:
            changed = stored.apply(OrderChanges(quantity=4), now="t")
            stored = await repo.replace(
                stored, changed, OrderEvent.for_change(stored, changed, now="t")
            )
            row = await customer_row(order)
            assert row is not None and row["quantity"] == 4
        await repo.remove(stored, OrderEvent.for_change(stored, None, now="t"))
        assert await repo.get(order.order_id) is None
        assert await customer_row(order) is None


async def test_failed_transaction_writes_nothing() -> None:
    order = make_order(customer())
    repo = await bootstrap.order_repository()
    event = inserted(order)
    await (await table("Orders")).create_entity(
        {
            "PartitionKey": partition_of(order.order_id),
            "RowKey": outbox_row_key(order.order_id, 1),
        }
    )
    with pytest.raises(TransactionFailed) as failed:  # the outbox row (index 1) is taken
        await repo.add(order, event)
    assert (failed.value.index, failed.value.status_code) == (1, 409)
    assert await repo.get(order.order_id) is None


async def test_a_missing_table_is_created_by_the_write_that_finds_it(storage_env) -> None:
    """Table Storage answers a transaction on a missing table as operation 0 with 404, the
    shape of the order row's own refusal. No write takes it for "order not found": each one
    creates the table and is sent once more, and only then is it decided as in any table (the
    add stores the order; the change and the delete find no order)."""
    from azure.data.tables.aio import TableServiceClient

    order = make_order(customer())
    stored = await (await bootstrap.order_repository()).add(order, inserted(order))
    changed = stored.apply(OrderChanges(quantity=2), now="t")
    async with TableServiceClient.from_connection_string(storage_env.connection_string) as service:
        names: list[str] = []

        def fresh() -> TableOrderRepository:
            names.append(f"Gone{uuid.uuid4().hex[:12]}")
            return TableOrderRepository(service.get_table_client(names[-1]))

        added = await fresh().add(order, inserted(order))
        assert added.order_id == order.order_id and added.etag
        with pytest.raises(OrderNotFound):
            await fresh().replace(stored, changed, OrderEvent.for_change(stored, changed, now="t"))
        with pytest.raises(OrderNotFound):
            await fresh().remove(stored, OrderEvent.for_change(stored, None, now="t"))
        assert {t.name async for t in service.list_tables()} >= set(names)


@pytest.fixture
def proxy(storage_env) -> Iterator[FlakyProxy]:
    flaky = FlakyProxy(storage_env.table_port)
    yield flaky
    flaky.close()


@pytest.fixture
async def repo_through(proxy: FlakyProxy, storage_env) -> AsyncIterator[TableOrderRepository]:
    """A repository whose table client reaches Azurite through the proxy."""
    from azure.data.tables.aio import TableServiceClient

    connection = storage_env.connection_string.replace(
        f":{storage_env.table_port}/", f":{proxy.port}/"
    )
    async with TableServiceClient.from_connection_string(connection, **CLIENT_OPTIONS) as service:
        yield TableOrderRepository(service.get_table_client("Orders"))


async def test_create_is_retried_after_connection_failure(proxy, repo_through) -> None:
    order = make_order(customer())
    proxy.fail_next("refuse")
    await repo_through.add(order, inserted(order))
    assert proxy.sabotaged == 1
    assert await (await bootstrap.order_repository()).get(order.order_id) is not None


async def test_create_whose_answer_was_lost_is_not_a_conflict(proxy, repo_through) -> None:
    order = make_order(customer())
    proxy.fail_next("drop-response")
    stored = await repo_through.add(order, inserted(order))
    assert proxy.sabotaged == 1
    assert stored.order_id == order.order_id and stored.etag
    assert len([r for r in await rows_of(order.order_id) if r.startswith("order:")]) == 1


async def test_update_whose_answer_was_lost_succeeds(proxy, repo_through) -> None:
    order = make_order(customer())
    stored = await (await bootstrap.order_repository()).add(order, inserted(order))
    changed = stored.apply(OrderChanges(quantity=5), now="t")
    proxy.fail_next("drop-response")  # a fresh client: its first connection is the write
    event = OrderEvent.for_change(stored, changed, now="t")
    result = await repo_through.replace(stored, changed, event)
    assert proxy.sabotaged == 1
    assert result.quantity == 5 and result.version == 2


async def test_filters_are_parameterised_not_injected() -> None:
    victim, attacker = customer(), customer()
    repo = await bootstrap.order_repository()
    for owner in (victim, attacker):
        order = make_order(owner)
        await repo.add(order, inserted(order))
    evil = f"{attacker}' or customer_id ne '"
    page = await repo.query(OrderQuery(customer_id=evil), limit=100, continuation=None)
    assert page.items == []
    response = await call_http("list_orders", "GET", params={"customer_id": evil})
    assert response.status_code == 422
    response = await call_http("list_orders", "GET", params={"status": "PENDING' or 'a' eq 'a"})
    assert response.status_code == 422


async def list_orders(**params: str) -> dict[str, Any]:
    return json_of(await call_http("list_orders", "GET", params=params))


async def test_list_filters_pages_and_rejects_tampered_tokens() -> None:
    owner = customer()
    created = [await call_http("create_order", "POST", body=body_for(owner)) for _ in range(7)]
    ids = {json_of(response)["order_id"] for response in created}
    seen, token = [], None
    while True:
        more: dict[str, str] = {"continuation": token} if token else {}
        body = await list_orders(customer_id=owner, limit="3", **more)
        assert len(body["items"]) <= 3
        seen += [item["order_id"] for item in body["items"]]
        token = body["continuation"]
        if token is None:
            break
    assert sorted(seen) == sorted(ids)
    first = await list_orders(customer_id=owner, limit="3")
    tampered = first["continuation"][:-3] + "xyz"
    response = await call_http(
        "list_orders", "GET", params={"customer_id": owner, "continuation": tampered}
    )
    assert response.status_code == 400
    assert await list_orders(customer_id=owner, status="CONFIRMED") == {
        "items": [],
        "continuation": None,
    }
    response = await call_http("list_orders", "GET", params={"limit": "101"})
    assert response.status_code == 422


async def test_concurrent_patches_with_one_etag_exactly_one_wins() -> None:
    created = await call_http("create_order", "POST", body=body_for(customer()))
    order_id, etag = json_of(created)["order_id"], created.headers["ETag"]

    async def patch(quantity: int) -> int:
        response = await call_http(
            "update_order",
            "PATCH",
            body={"quantity": quantity},
            headers={"If-Match": etag},
            route_params={"order_id": order_id},
        )
        return response.status_code

    statuses = sorted(await asyncio.gather(*(patch(q) for q in range(2, 10))))
    assert statuses == [200] + [412] * 7


async def test_racing_idempotent_posts_create_exactly_one_order() -> None:
    owner, key = customer(), str(uuid.uuid4())
    body = body_for(owner)

    async def post() -> Any:
        return await call_http("create_order", "POST", body=body, headers={"Idempotency-Key": key})

    responses = await asyncio.gather(*(post() for _ in range(8)))
    assert {r.status_code for r in responses} == {201}
    assert len({json_of(r)["order_id"] for r in responses}) == 1
    listed = await list_orders(customer_id=owner)
    assert len(listed["items"]) == 1


def outage_calls() -> dict[str, Callable[[], Awaitable[Any]]]:
    return {
        "get_order": lambda: call_http("get_order", "GET", route_params={"order_id": "x"}),
        "create_order": lambda: call_http("create_order", "POST", body=body_for("c")),
        "list_orders": lambda: call_http("list_orders", "GET"),
        "health": lambda: call_http("health", "GET"),
    }


async def assert_503_within_bound(name: str, call: Callable[[], Awaitable[Any]]) -> None:
    started = time.monotonic()
    response = await call()
    elapsed = time.monotonic() - started
    assert response.status_code == 503, (name, response.get_body())
    assert response.mimetype == "application/problem+json"
    assert response.headers["Retry-After"]
    assert elapsed < 15, (name, elapsed)


@pytest.mark.parametrize("ca_bundle", [False, True])
async def test_hung_storage_is_503_within_bound(proxy, storage_env, monkeypatch, ca_bundle) -> None:
    """Storage that accepts connections and never answers: timeouts, not a hang (also with a
    custom CA bundle, whose transport the storage module builds itself)."""
    import certifi

    for name in ("REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE"):
        monkeypatch.delenv(name, raising=False)
    if ca_bundle:
        monkeypatch.setenv("REQUESTS_CA_BUNDLE", certifi.where())
    connection = storage_env.connection_string.replace(
        f":{storage_env.table_port}/", f":{proxy.port}/"
    )
    await point_app_at(monkeypatch, connection)
    created = await call_http("create_order", "POST", body=body_for(customer()))
    assert created.status_code == 201
    proxy.hang()
    await asyncio.gather(*(assert_503_within_bound(*item) for item in outage_calls().items()))


async def test_storage_down_is_503_with_retry_after_within_bound(tmp_path, monkeypatch) -> None:
    from devhost.azurite import start_azurite

    own = start_azurite(tmp_path / "azurite")
    await point_app_at(monkeypatch, own.connection_string)
    created = await call_http("create_order", "POST", body=body_for(customer()))
    assert created.status_code == 201
    own.stop()
    for name, call in outage_calls().items():
        await assert_503_within_bound(name, call)
