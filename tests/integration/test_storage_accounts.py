"""Three storage accounts and four event queues on one Azurite (AZURITE_ACCOUNTS): each order's
rows in the account of its bucket and nowhere else, new orders in their customer's account and
partition, a customer's listing in their account and every customer's paging across accounts,
each queue in its account, the read models in the account of their customer or order, the
report summing every account exactly, the sweep and the relay reaching every account, and
each Idempotency-Key record beside its order. In-process, through the app's registered HTTP
functions and the consumer's core entry point (the registered queue functions were indexed for
one queue; tests/e2e and tests/reliability run the N=4, K=3 app through devhost)."""

from __future__ import annotations

import asyncio
import base64
import uuid
from collections import Counter
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Any

import azure.functions as func
import pytest
from azure.functions.timer import TimerRequest

from devhost.azurite import start_azurite
from shared import bootstrap
from shared.azurite import ORDER_ACCOUNTS
from shared.changes import process_event_message
from shared.orders import services
from shared.orders.events import OrderEvent
from shared.orders.table_layout import partition_of
from shared.provisioning import missing_table_reads_empty
from shared.sharding import (
    customer_account,
    customer_bucket,
    order_bucket,
    queue_account,
    queue_names,
)
from tests.support import BACK_OFFICE, call_http, invoke, json_of, lose_sends, point_app_at

if TYPE_CHECKING:
    from collections.abc import AsyncIterator, Iterator

    from devhost.azurite import Azurite

QUEUES, ACCOUNTS = 4, 3
CONNECTIONS = ("AzureWebJobsStorage", "OrdersStorage1", "OrdersStorage2")


@pytest.fixture(scope="module")
def three_accounts(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Azurite]:
    instance = start_azurite(tmp_path_factory.mktemp("accounts"), accounts=ORDER_ACCOUNTS)
    yield instance
    instance.stop()


@pytest.fixture
async def sharded(
    three_accounts: Azurite, monkeypatch: pytest.MonkeyPatch
) -> AsyncIterator[Azurite]:
    monkeypatch.setenv("ORDER_EVENT_QUEUES", str(QUEUES))
    monkeypatch.setenv("ORDER_STORAGE_CONNECTIONS", ",".join(CONNECTIONS))
    for name, account in zip(CONNECTIONS[1:], ORDER_ACCOUNTS, strict=True):
        monkeypatch.setenv(name, three_accounts.connection_string_of(account))
    await point_app_at(monkeypatch, three_accounts.connection_string)
    await drain_all()
    yield three_accounts
    await bootstrap.reset()


def _queue(index: int) -> Any:
    account = bootstrap.order_storage_clients()[queue_account(index, ACCOUNTS)]
    return account.queue_service().get_queue_client(queue_names(QUEUES)[index])


async def drain_all() -> list[tuple[int, str]]:
    """Every message of every event queue, removed: (queue index, content)."""
    from azure.core.exceptions import ResourceNotFoundError

    found: list[tuple[int, str]] = []
    for index in range(QUEUES):
        client = _queue(index)
        try:
            while batch := [m async for m in client.receive_messages(max_messages=32)]:
                for message in batch:
                    found.append((index, str(message.content)))
                    await client.delete_message(message)
        except ResourceNotFoundError:
            pass
    return found


async def deliver(found: list[tuple[int, str]]) -> None:
    """What the function of queue i does with each message."""
    for index, content in found:
        await process_event_message(
            base64.b64decode(content),
            message_id=str(uuid.uuid4()),
            customers=await bootstrap.customer_orders(),
            summary=await bootstrap.daily_summary(),
            publisher=bootstrap.queue_publisher(index),
            queue=queue_names(QUEUES)[index],
        )


async def rows_by_account(table: str, partition_filter: str = "") -> list[list[dict[str, Any]]]:
    found = []
    for account in bootstrap.order_storage_clients():
        client = account.table(table)
        query = partition_filter or "PartitionKey ne ''"
        rows: list[dict[str, Any]] = []
        with missing_table_reads_empty():  # an account no write reached has no table yet
            rows = [dict(row) async for row in client.query_entities(query)]
        found.append(rows)
    return found


async def create(customer: str, amount: str = "2.50", **headers: str) -> dict[str, Any]:
    body = {
        "customer_id": customer,
        "product_id": "p",
        "quantity": 1,
        "total_amount": float(amount),
    }
    response = await call_http("create_order", "POST", body=body, headers=headers)
    assert response.status_code == 201, response.get_body()
    return dict(json_of(response))


def customers_in_each_account(per_account: int) -> list[str]:
    """Fresh customer ids, `per_account` of them placed in each account (their orders go
    where the customer goes: shared.sharding.customer_bucket)."""
    chosen: dict[int, list[str]] = {index: [] for index in range(ACCOUNTS)}
    while any(len(names) < per_account for names in chosen.values()):
        name = f"c-{uuid.uuid4().hex[:8]}"
        names = chosen[customer_bucket(name, ACCOUNTS)[0]]
        if len(names) < per_account:
            names.append(name)
    return [name for names in chosen.values() for name in names]


async def pages_of(limit: int, **params: str) -> list[list[str]]:
    """Every page of a listing, as the order ids of each page."""
    found: list[list[str]] = []
    token: str | None = None
    while True:
        more = {"continuation": token} if token else {}
        page = json_of(
            await call_http("list_orders", "GET", params={"limit": str(limit), **params, **more})
        )
        found.append([order["order_id"] for order in page["items"]])
        token = page["continuation"]
        if not token:
            return found


@pytest.mark.usefixtures("sharded")
async def test_orders_live_in_the_account_and_partition_of_their_customer() -> None:
    customers = customers_in_each_account(3)
    made = {c: [(await create(c))["order_id"] for _ in range(4)] for c in customers}
    owner = {order_id: c for c, orders in made.items() for order_id in orders}
    ids = set(owner)
    per_account = await rows_by_account("Orders")
    for index, rows in enumerate(per_account):
        mine = {r["order_id"] for r in rows if r["RowKey"].startswith("order:")} & ids
        home = {o for o, c in owner.items() if customer_bucket(c, ACCOUNTS)[0] == index}
        assert mine == home and len(mine) == 12  # three customers of four orders each
        for row in rows:  # every row of an order in its customer's partition, the index too
            order_id = row.get("order_id") or row["RowKey"].split(":")[1]
            if order_id in ids:
                assert row["PartitionKey"] == f"p{customer_bucket(owner[order_id])[1]:02d}"
    for customer, orders in made.items():
        listed = await pages_of(3, customer_id=customer)
        assert sorted(o for page in listed for o in page) == sorted(orders)
    everyone = [o for page in await pages_of(7) for o in page]
    assert ids <= set(everyone) and len(everyone) == len(set(everyone))  # each order once
    for order_id in list(ids)[:5]:
        response = await call_http("get_order", "GET", route_params={"order_id": order_id})
        assert response.status_code == 200


@pytest.mark.usefixtures("sharded")
async def test_queues_read_models_and_report_are_sharded_and_the_report_is_exact() -> None:
    customers = [f"c-{uuid.uuid4().hex[:8]}" for _ in range(9)]
    day = datetime.now(UTC).date().isoformat()
    before = json_of(await call_http("get_order_report", "GET", params={"date": day}))
    made = [await create(c, f"{n}.25") for n, c in enumerate(customers * 4)]
    found = await drain_all()
    for index, content in found:
        event = OrderEvent.from_json(base64.b64decode(content))
        assert index == order_bucket_queue(event.order_id)
    assert {index for index, _ in found} == set(range(QUEUES))
    await deliver(found + found[:10])  # ten redelivered: absorbed
    for customer in customers:
        stored = await rows_by_account("OrdersByCustomer", f"PartitionKey eq '{customer}'")
        assert [len(rows) for rows in stored].count(4) == 1
        assert len(stored[customer_account(customer, ACCOUNTS)]) == 4
    summaries = await rows_by_account("OrderSummary", f"PartitionKey eq '{day}'")
    for order in made:
        home = order_bucket(order["order_id"], ACCOUNTS)[0]
        assert [
            any(r["RowKey"] == f"order:{order['order_id']}" for r in rows) for rows in summaries
        ] == [i == home for i in range(ACCOUNTS)]
    report = json_of(await call_http("get_order_report", "GET", params={"date": day}))
    assert report["count"] - before["count"] == len(made)
    added = Decimal(str(report["total_amount"])) - Decimal(str(before["total_amount"]))
    assert added == sum(Decimal(order["total_amount"]) for order in made)


def order_bucket_queue(order_id: str) -> int:
    from shared.sharding import queue_index

    return queue_index(order_id, QUEUES)


async def test_the_sweep_and_the_relay_reach_every_account(
    sharded: Azurite, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    then = datetime.now(UTC) - timedelta(days=2)
    bodies = [
        {"customer_id": customer, "product_id": "p", "quantity": 1, "total_amount": 3}
        for customer in customers_in_each_account(3)
    ]
    repo = await bootstrap.order_repository()
    # Sends fail and nothing is kept to send again (as in a process that died right after
    # its commits): the events wait in every outbox for the relay.
    with monkeypatch.context() as patch:
        lose_sends(patch)
        stale = [
            (
                await services.create_order(
                    body,
                    repo=repo,
                    clock=lambda: then,
                    caller=BACK_OFFICE,
                    new_id=bootstrap.new_order_id,
                )
            ).order.order_id
            for body in bodies
        ]
    assert Counter(order_bucket(o, ACCOUNTS)[0] for o in stale) == {0: 3, 1: 3, 2: 3}
    with caplog.at_level("INFO", logger="shared.changes.sweep"):
        await invoke("nightly_sweep", TimerRequest())
    line = next(r.getMessage() for r in caplog.records if "nightly_sweep stale=" in r.getMessage())
    figures = dict(pair.split("=") for pair in line.split()[1:7])
    assert (figures["expired"], figures["relayed"]) == ("9", "9")
    for order_id in stale:
        order = await repo.get(order_id)
        assert order is not None and order.status.value == "EXPIRED"
    sent = Counter(OrderEvent.from_json(base64.b64decode(c)).order_id for _, c in await drain_all())
    assert all(sent[o] == 2 for o in stale)  # INSERT relayed, EXPIRED sent: once each


@pytest.mark.usefixtures("sharded")
async def test_an_idempotency_key_makes_one_order_with_its_record_beside_it() -> None:
    """Each key's record is a row of its order's own partition, in its order's account
    (written by the order's transaction), so keys spread over the accounts as customers do."""
    keys = {customer: uuid.uuid4().hex for customer in customers_in_each_account(2)}
    first = await asyncio.gather(*(create(c, **{"Idempotency-Key": k}) for c, k in keys.items()))
    again = [await create(c, **{"Idempotency-Key": k}) for c, k in keys.items()]
    made = [o["order_id"] for o in first]
    assert made == [o["order_id"] for o in again]
    records = await rows_by_account("Orders", "RowKey ge 'idem:' and RowKey lt 'idem;'")
    placed = {
        row["order_id"]: (index, row["PartitionKey"])
        for index, rows in enumerate(records)
        for row in rows
        if row["order_id"] in made
    }
    assert placed == {o: (order_bucket(o, ACCOUNTS)[0], partition_of(o)) for o in made}
    assert {account for account, _ in placed.values()} == set(range(ACCOUNTS))


__all__ = ["func"]
