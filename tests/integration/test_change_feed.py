"""The change feed on a real Azurite: outbox in the same transaction, send after commit,
relay after a failed send, base64 messages, the consumer and the read-model endpoints.

These tests inspect the `order-events` queue, so they run on their own Azurite: no devhost
from the e2e suite may consume the messages under test.
"""

from __future__ import annotations

import base64
import json
import uuid
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

import azure.functions as func
import pytest

from devhost.azurite import free_port, start_azurite
from shared import bootstrap
from shared.changes.outbox import relay_unsent
from shared.config import ORDER_EVENTS_QUEUE
from shared.errors import StorageUnavailable
from shared.orders.events import OrderEvent
from shared.orders.model import format_time
from shared.orders.table_layout import OUTBOX_ROW, partition_of
from tests.support import call_http, invoke, json_of, point_app_at, queue_service, table

if TYPE_CHECKING:
    from collections.abc import AsyncIterator, Iterator

    from devhost.azurite import Azurite


@pytest.fixture(scope="module")
def own_azurite(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Azurite]:
    instance = start_azurite(tmp_path_factory.mktemp("feed-azurite"))
    yield instance
    instance.stop()


@pytest.fixture
async def feed_env(own_azurite: Azurite, monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[Azurite]:
    await point_app_at(monkeypatch, own_azurite.connection_string)
    await drain()
    yield own_azurite
    await bootstrap.reset()


def customer() -> str:
    return f"c-{uuid.uuid4().hex[:12]}"


def body_for(customer_id: str, amount: float = 1.5) -> dict[str, object]:
    return {"customer_id": customer_id, "product_id": "p", "quantity": 1, "total_amount": amount}


async def drain(queue: str = ORDER_EVENTS_QUEUE) -> list[str]:
    """Every message now in `queue`, as raw content, removed from the queue."""
    from azure.core.exceptions import ResourceNotFoundError

    client = queue_service().get_queue_client(queue)
    contents: list[str] = []
    try:
        while batch := [
            m async for m in client.receive_messages(max_messages=32, visibility_timeout=30)
        ]:
            for message in batch:
                contents.append(str(message.content))
                await client.delete_message(message)
    except ResourceNotFoundError:
        pass
    return contents


def events(contents: list[str]) -> list[OrderEvent]:
    return [OrderEvent.from_json(base64.b64decode(content)) for content in contents]


async def outbox_rows(order_id: str) -> list[str]:
    rows = (await table("Orders")).query_entities(
        "PartitionKey eq @p and RowKey ge @low and RowKey lt @high",
        parameters={
            "p": partition_of(order_id),
            "low": f"{OUTBOX_ROW}{order_id}:",
            "high": f"{OUTBOX_ROW}{order_id};",
        },
    )
    return [row["RowKey"] async for row in rows]


async def deliver(contents: list[str]) -> None:
    """Run the queue trigger on each message, as the host does: base64-decoded bytes."""
    for content in contents:
        message = func.QueueMessage(id=str(uuid.uuid4()), body=base64.b64decode(content))
        await invoke("process_order_event", message)


async def create(owner: str, amount: float = 1.5) -> dict[str, Any]:
    response = await call_http("create_order", "POST", body=body_for(owner, amount))
    assert response.status_code == 201
    return {"etag": response.headers["ETag"], **json_of(response)}


@pytest.mark.usefixtures("feed_env")
async def test_a_change_is_sent_as_base64_json_right_after_commit() -> None:
    order = await create(customer())
    contents = await drain()
    (event,) = events(contents)
    assert json.loads(base64.b64decode(contents[0]))["order_id"] == order["order_id"]
    assert event.new_image is not None
    assert (event.type.value, event.version, event.new_image["order_id"]) == (
        "INSERT",
        1,
        order["order_id"],
    )
    # Sent, so its row waits for the next cleanup batch (docs/change-feed.md), then goes.
    cleanup = await bootstrap.outbox_cleanup()
    assert cleanup.waiting == 1
    await cleanup.flush()
    assert await outbox_rows(str(order["order_id"])) == []


async def test_a_failed_send_keeps_the_event_until_the_relay_sends_it(
    feed_env: Azurite, monkeypatch: pytest.MonkeyPatch
) -> None:
    dead = feed_env.connection_string.replace(
        f":{feed_env.queue_port}/", f":{free_port()}/"
    )  # nothing listens there: the send fails after the commit
    await point_app_at(monkeypatch, dead)
    order = await create(customer())  # the request still succeeds
    order_id = str(order["order_id"])
    await point_app_at(monkeypatch, feed_env.connection_string)
    assert await outbox_rows(order_id) == [f"{OUTBOX_ROW}{order_id}:{1:010d}"]
    assert await drain() == []
    recent = await relay_unsent(
        backlog=await bootstrap.order_backlog(),
        publisher=bootstrap.event_publisher(),
        created_before=format_time(datetime.now(UTC) - timedelta(minutes=1)),
    )
    assert recent.sent == 0  # younger than a minute: its request may still be sending it
    later = format_time(datetime.now(UTC) + timedelta(minutes=1))
    report = await relay_unsent(
        backlog=await bootstrap.order_backlog(),
        publisher=bootstrap.event_publisher(),
        created_before=later,
    )
    assert report.sent == 1
    assert [e.order_id for e in events(await drain())] == [order_id]
    assert await outbox_rows(order_id) == []


async def test_a_send_whose_connection_breaks_is_retried_once(
    feed_env: Azurite, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A connection that breaks before the request arrives (as a pooled one the service has
    just closed does) is retried once, instead of leaving the event to the relay."""
    from tests.integration.flaky_proxy import FlakyProxy

    proxy = FlakyProxy(feed_env.queue_port)
    try:
        flaky = feed_env.connection_string.replace(f":{feed_env.queue_port}/", f":{proxy.port}/")
        await point_app_at(monkeypatch, flaky)
        first = await create(customer())  # the queue exists, its client holds a connection
        proxy.drop_connections()
        proxy.fail_next("refuse")  # the next connection breaks before the request arrives
        order = await create(customer())
        assert proxy.sabotaged == 1
        assert (await bootstrap.outbox_cleanup()).waiting == 2  # both sent, none left to relay
        await point_app_at(monkeypatch, feed_env.connection_string)  # flushes the cleanup
        sent = [e.order_id for e in events(await drain())]
        assert sent == [first["order_id"], order["order_id"]]
        assert await outbox_rows(str(order["order_id"])) == []
    finally:
        proxy.close()


@pytest.mark.usefixtures("feed_env")
async def test_consumer_feeds_customer_view_and_report_exactly_once() -> None:
    owner = customer()
    first, second = await create(owner, 2.25), await create(owner, 4)
    patched = await call_http(
        "update_order",
        "PATCH",
        body={"status": "CONFIRMED"},
        headers={"If-Match": str(first["etag"])},
        route_params={"order_id": str(first["order_id"])},
    )
    assert patched.status_code == 200
    deleted = await call_http(
        "delete_order", "DELETE", route_params={"order_id": str(second["order_id"])}
    )
    assert deleted.status_code == 204
    contents = await drain()
    assert len(contents) == 4
    # The report spans every test of the module: read it before the events are applied, on
    # the orders' own days (a run across midnight UTC spreads them over two reports).
    days = {str(order["created_at"])[:10] for order in (first, second)}
    before = await reports(days)
    # Reordered, then in order, then every message once more newest first: redeliveries and
    # late events older than what is applied must change nothing.
    await deliver(contents[::-1] + contents + contents[::-1])
    route = {"customer_id": owner}
    listed = json_of(await call_http("list_customer_orders", "GET", route_params=route))
    assert [(i["order_id"], i["status"]) for i in listed["items"]] == [
        (first["order_id"], "CONFIRMED")
    ]
    # Exactly one order more, CONFIRMED, 2.25; the deleted one adds nothing anywhere.
    assert report_change(before, await reports(days)) == {"CONFIRMED": (1, 2.25), "all": (1, 2.25)}


async def reports(days: set[str]) -> list[dict[str, Any]]:
    """The app's daily reports of `days`, as the endpoint answers them."""
    return [
        json_of(await call_http("get_order_report", "GET", params={"date": day}))
        for day in sorted(days)
    ]


def report_change(
    before: list[dict[str, Any]], after: list[dict[str, Any]]
) -> dict[str, tuple[int, float]]:
    """(orders, amount) that the reports gained, per status and in all, summed over the days;
    statuses that did not move are left out."""
    change: dict[str, tuple[int, float]] = {}
    for old, new in zip(before, after, strict=True):
        parts = {"all": (old, new)} | {
            status: (old["by_status"][status], new["by_status"][status])
            for status in new["by_status"]
        }
        for label, (was, now) in parts.items():
            count, amount = change.get(label, (0, 0.0))
            change[label] = (
                count + now["count"] - was["count"],
                amount + float(now["total_amount"]) - float(was["total_amount"]),
            )
    rounded = {label: (count, round(amount, 2)) for label, (count, amount) in change.items()}
    return {label: moved for label, moved in rounded.items() if moved != (0, 0.0)}


@pytest.mark.usefixtures("feed_env")
async def test_report_totals_match_the_events_applied() -> None:
    owner = customer()
    orders = [await create(owner, amount) for amount in (1, 2.5, 3.25)]
    # The orders' own days, read before their events are applied: a run across midnight UTC
    # spreads them over two reports.
    days = {str(order["created_at"])[:10] for order in orders}
    before = await reports(days)
    contents = await drain()
    await deliver(contents)
    await deliver(contents[:1])  # a redelivery
    assert report_change(before, await reports(days)) == {"PENDING": (3, 6.75), "all": (3, 6.75)}


@pytest.mark.usefixtures("feed_env")
async def test_customer_listing_pages_with_signed_tokens() -> None:
    owner = customer()
    ids = {(await create(owner))["order_id"] for _ in range(5)}
    await deliver(await drain())
    seen, token = [], None
    while True:
        params = {"limit": "2"} | ({"continuation": token} if token else {})
        response = await call_http(
            "list_customer_orders", "GET", route_params={"customer_id": owner}, params=params
        )
        body = json_of(response)
        seen += [item["order_id"] for item in body["items"]]
        token = body["continuation"]
        if token is None:
            break
    assert sorted(seen) == sorted(ids)
    first = json_of(
        await call_http(
            "list_customer_orders",
            "GET",
            route_params={"customer_id": owner},
            params={"limit": "2"},
        )
    )
    other = await call_http(
        "list_customer_orders",
        "GET",
        route_params={"customer_id": customer()},
        params={"continuation": first["continuation"]},
    )
    assert other.status_code == 400  # a token only continues the query it came from
    confirmed = await call_http(
        "list_customer_orders",
        "GET",
        route_params={"customer_id": owner},
        params={"status": "CONFIRMED"},
    )
    assert json_of(confirmed) == {"items": [], "continuation": None}
    bad = await call_http("list_customer_orders", "GET", route_params={"customer_id": "x' or 'a"})
    assert bad.status_code == 422
    for bad_date in ("2026-13-01", "yesterday"):
        report = await call_http("get_order_report", "GET", params={"date": bad_date})
        assert report.status_code == 422


@pytest.mark.usefixtures("feed_env")
async def test_a_bad_message_is_parked_in_the_poison_queue_not_retried() -> None:
    await drain(f"{ORDER_EVENTS_QUEUE}-poison")
    await invoke("process_order_event", func.QueueMessage(id="m-1", body=b"not an event"))
    parked = await drain(f"{ORDER_EVENTS_QUEUE}-poison")
    assert [base64.b64decode(content) for content in parked] == [b"not an event"]


async def test_a_storage_fault_raises_so_the_host_retries(
    feed_env: Azurite, monkeypatch: pytest.MonkeyPatch
) -> None:
    await create(customer())
    contents = await drain()
    dead = feed_env.connection_string.replace(f":{feed_env.table_port}/", f":{free_port()}/")
    await point_app_at(monkeypatch, dead)
    message = func.QueueMessage(id="m-2", body=base64.b64decode(contents[0]))
    with pytest.raises(StorageUnavailable):
        await invoke("process_order_event", message)


async def test_timer_function_runs_the_sweep(
    feed_env: Azurite, caplog: pytest.LogCaptureFixture
) -> None:
    from azure.functions.timer import TimerRequest

    timer = TimerRequest(past_due=True)
    with caplog.at_level("INFO"):
        await invoke("nightly_sweep", timer)
    lines = [r.getMessage() for r in caplog.records if r.getMessage().startswith("nightly_sweep ")]
    assert len(lines) == 1 and "past_due=true" in lines[0]
