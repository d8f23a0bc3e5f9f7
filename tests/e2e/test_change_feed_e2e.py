"""The change feed through devhost over real HTTP: read models converge to the truth of the
orders, also across a devhost restart mid-stream (with no duplicates); the nightly sweep fired
through the admin endpoint expires stale orders everywhere; a message that keeps failing ends
in the poison queue through the host's own retries.

How fast the read models converge is measured in bench/projection_lag.py and
docs/reliability.md, not asserted here: every wait is for a condition, with a generous
WAIT_S that only matters when something is broken. Each read model is waited for on its own
(the customer view is applied before the summary), and log lines are waited for, not assumed.

Stale orders are made by creating them in this test process with an injected clock, against
the same Azurite the host uses; production code has no clock setting to abuse.
"""

from __future__ import annotations

import base64
import json
import threading
import uuid
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

import pytest

from tests.e2e.feed import (
    call,
    converged,
    customer_view,
    report_truth,
    report_view,
    unstorable_event,
)
from tests.e2e.harness import wait_for
from tests.support import BACK_OFFICE

if TYPE_CHECKING:
    from devhost.azurite import Azurite
    from tests.e2e.harness import DevhostProcess

JSON = {"Content-Type": "application/json"}
WAIT_S = 120


def create(host: DevhostProcess, customer: str, amount: str) -> str:
    body = {
        "customer_id": customer,
        "product_id": "p",
        "quantity": 1,
        "total_amount": float(amount),
    }
    headers = JSON | {"Idempotency-Key": str(uuid.uuid4())}  # a retried POST never duplicates
    response = call(host, "POST", "/api/orders", body=json.dumps(body).encode(), headers=headers)
    assert response.status == 201, response.body
    return str(response.json()["order_id"])


def change(host: DevhostProcess, order_id: str, fields: dict[str, Any]) -> None:
    """PATCH with the current ETag; re-read on 412 (a retried PATCH may have applied)."""
    for _ in range(10):
        current = call(host, "GET", f"/api/orders/{order_id}")
        if all(current.json().get(k) == v for k, v in fields.items()):
            return
        headers = JSON | {"If-Match": current.headers["ETag"]}
        body = json.dumps(fields).encode()
        response = call(host, "PATCH", f"/api/orders/{order_id}", body=body, headers=headers)
        if response.status == 200:
            return
        assert response.status == 412, response.body
    raise AssertionError(f"could not change {order_id}")


def delete(host: DevhostProcess, order_id: str) -> None:
    assert call(host, "DELETE", f"/api/orders/{order_id}").status in (204, 404)


def life_of(host: DevhostProcess, index: int, customer: str) -> None:
    """One order's life; the five kinds cover INSERT, MODIFY and REMOVE."""
    order_id = create(host, customer, f"{index + 1}.25")
    kind = (index // 5) % 5  # customers take index % 5: each gets every kind twice
    if kind == 0:
        change(host, order_id, {"quantity": 3, "total_amount": 99.5})
    elif kind == 1:
        change(host, order_id, {"status": "CONFIRMED"})
    elif kind == 2:
        change(host, order_id, {"status": "CANCELLED"})
    elif kind == 3:
        delete(host, order_id)


def run_lives(host: DevhostProcess, customers: list[str], lives: range = range(50)) -> None:
    with ThreadPoolExecutor(8) as pool:
        list(pool.map(lambda i: life_of(host, i, customers[i % len(customers)]), lives))


def customers_for_test() -> list[str]:
    run = uuid.uuid4().hex[:8]
    return [f"e2e-{run}-{n}" for n in range(5)]


def test_read_models_converge_to_the_truth(app_host: DevhostProcess) -> None:
    customers, day = customers_for_test(), datetime.now(UTC).date().isoformat()
    run_lives(app_host, customers)
    wait_for(lambda: converged(app_host, customers, day), WAIT_S, interval=0.2)
    assert sum(len(customer_view(app_host, c)) for c in customers) == 40  # 10 deleted


def test_a_restart_mid_stream_still_converges_without_duplicates(
    app_host: DevhostProcess,
) -> None:
    """Half the lives run, then the restart starts while the other half are being written: the
    restart lands mid-stream by construction, however fast or slow the machine is."""
    customers, day = customers_for_test(), datetime.now(UTC).date().isoformat()
    halfway, restarting = threading.Event(), threading.Event()

    def write() -> None:
        run_lives(app_host, customers, range(25))
        halfway.set()
        restarting.wait(WAIT_S)
        run_lives(app_host, customers, range(25, 50))

    writer = threading.Thread(target=write)
    writer.start()
    assert halfway.wait(WAIT_S)
    restarting.set()
    app_host.restart()  # SIGINT: finishes in-flight work; queued events wait in Azurite
    writer.join(WAIT_S)
    assert not writer.is_alive()
    wait_for(lambda: converged(app_host, customers, day), WAIT_S, interval=0.2)
    for customer in customers:
        ids = [o["order_id"] for o in customer_view(app_host, customer)]
        assert len(ids) == len(set(ids)) == 8  # 10 orders each, 2 deleted


@pytest.fixture
async def stale_orders(storage_env: Azurite) -> tuple[str, list[str]]:
    """Orders created two days ago: the service's clock is injected in this process."""
    from shared import bootstrap
    from shared.orders import services

    customer, then = f"e2e-stale-{uuid.uuid4().hex[:8]}", datetime.now(UTC) - timedelta(days=2)
    body = {"customer_id": customer, "product_id": "p", "quantity": 1, "total_amount": 5}
    repo = await bootstrap.order_repository()
    ids = [
        (
            await services.create_order(body, repo=repo, clock=lambda: then, caller=BACK_OFFICE)
        ).order.order_id
        for _ in range(5)
    ]
    return customer, ids


def test_nightly_sweep_through_the_admin_endpoint_expires_stale_orders(
    app_host: DevhostProcess, stale_orders: tuple[str, list[str]]
) -> None:
    customer, ids = stale_orders
    fresh = create(app_host, customer, "1.00")
    wait_for(lambda: len(customer_view(app_host, customer)) == 6, WAIT_S, interval=0.1)
    fired = call(app_host, "POST", "/admin/functions/nightly_sweep", body=b"{}", headers=JSON)
    assert fired.status == 202

    def statuses() -> dict[str, str]:
        return {o["order_id"]: o["status"] for o in customer_view(app_host, customer)}

    # The customer view is applied before the summary, so each read model is waited for on
    # its own: comparing the report as soon as the customer view is right raced the summary.
    wait_for(lambda: Counter(statuses().values()) == {"EXPIRED": 5, "PENDING": 1}, WAIT_S)
    day = (datetime.now(UTC) - timedelta(days=2)).date().isoformat()
    wait_for(lambda: report_view(app_host, day) == report_truth(app_host, day), WAIT_S)
    for order_id in ids:
        assert call(app_host, "GET", f"/api/orders/{order_id}").json()["status"] == "EXPIRED"
    assert statuses()[fresh] == "PENDING"

    def summary() -> list[str]:
        return [line for line in app_host.log_text().splitlines() if "nightly_sweep stale=" in line]

    # The sweep logs its summary after its last write, so the read models can be right first.
    assert len(wait_for(summary, WAIT_S)) == 1, "the sweep logs one summary line"


def test_a_message_that_keeps_failing_ends_in_the_poison_queue(
    app_host: DevhostProcess, storage_env: Azurite
) -> None:
    from azure.storage.queue import QueueClient

    poison = QueueClient.from_connection_string(
        storage_env.connection_string, "order-events-poison"
    )
    work = QueueClient.from_connection_string(storage_env.connection_string, "order-events")
    marker = uuid.uuid4().hex
    event = unstorable_event(marker)  # retried maxDequeueCount times, then poisoned
    sent = work.send_message(base64.b64encode(json.dumps(event).encode()).decode())

    def parked() -> list[str]:
        from azure.core.exceptions import ResourceNotFoundError

        try:
            messages = poison.peek_messages(max_messages=32)
        except ResourceNotFoundError:  # the host creates the poison queue on first use
            return []
        return [m.content for m in messages if marker in str(base64.b64decode(m.content))]

    wait_for(parked, WAIT_S, interval=0.5)
    # The host logs each attempt before it moves the message, so all five lines are there.
    runs = [
        run
        for run in app_host.invocations("process_order_event")
        if run.get("message_id") == sent.id
    ]
    assert [(run["outcome"], run["dequeue_count"]) for run in runs] == [
        ("failed", str(attempt)) for attempt in range(1, 6)
    ]
