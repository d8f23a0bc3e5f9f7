"""Two runs of the app with telemetry on, each on an Azurite and a local ingestion endpoint of
its own, for tests/e2e/test_alert_queries_e2e.py: a clean one (orders created, changed,
deleted and refused; a thumbnail made) and a faulty one (the same, plus a poisoned message, two
events whose send after commit never happened and that the relay sends minutes late, and five
uploads that are not images). Each returns the envelopes Application Insights would have
received, once every one of its expected items has arrived and the host has stopped."""

from __future__ import annotations

import asyncio
import base64
import contextlib
import json
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from devhost.azurite import running_azurite
from devhost.ingestion import IngestionSink
from tests.e2e.feed import unstorable_event
from tests.e2e.harness import ROOT, DevhostProcess, wait_for
from tests.e2e.images_client import upload
from tests.e2e.test_telemetry_e2e import FAST_EXPORT
from tests.kql import Table, tables
from tests.support import BACK_OFFICE

if TYPE_CHECKING:
    from pathlib import Path

__all__ = ["BAD_UPLOADS", "LATE_EVENTS", "Run", "missing", "run_app"]

JSON = {"Content-Type": "application/json"}
NEVER = "0 0 0 1 1 *"  # the sweep: not during the run
WITHIN_S = 120  # a bound for giving up (the poisoned message takes 5 tries, 5 s apart)
BAD_UPLOADS = 5
LATE_EVENTS = 2
LATE_BY = timedelta(minutes=2)  # older than the relay's minute, and than the lag alert's


@dataclass(frozen=True)
class Run:
    envelopes: list[dict[str, Any]]
    order_ids: list[str]
    faulty: bool

    @property
    def tables(self) -> dict[str, Table]:
        return tables(self.envelopes)


def _order(customer: str) -> bytes:
    body = {"customer_id": customer, "product_id": "p-1", "quantity": 2, "total_amount": 9.5}
    return json.dumps(body).encode()


def _orders_workload(host: DevhostProcess) -> list[str]:
    """Three orders created, the first changed, the second deleted; one create refused."""
    made = []
    for _ in range(3):
        response = host.call("POST", "/api/orders", body=_order("c-watch"), headers=JSON)
        assert response.status == 201, response.body
        made.append((response.json()["order_id"], response.headers["ETag"]))
    (first, first_tag), (second, second_tag) = made[0], made[1]
    changed = host.call(
        "PATCH",
        f"/api/orders/{first}",
        body=json.dumps({"status": "CONFIRMED"}).encode(),
        headers=JSON | {"If-Match": first_tag},
    )
    assert changed.status == 200, changed.body
    deleted = host.call("DELETE", f"/api/orders/{second}", headers={"If-Match": second_tag})
    assert deleted.status in (200, 204), deleted.body
    refused = host.call("POST", "/api/orders", body=b'{"quantity": 0}', headers=JSON)
    assert refused.status == 422, refused.body
    return [order_id for order_id, _ in made]


def _poison(connection: str) -> None:
    """An event the read model cannot store: tried maxDequeueCount times, then moved to
    order-events-poison by the host."""
    from azure.storage.queue import QueueClient

    event = unstorable_event(uuid.uuid4().hex)
    with QueueClient.from_connection_string(connection, "order-events") as queue:
        queue.send_message(base64.b64encode(json.dumps(event).encode()).decode())


async def _committed_unsent(connection: str) -> list[str]:
    """Orders committed LATE_BY ago whose events were never sent (the process died between
    the commit and the send): written by the app's own code, in this process, without the
    publishing wrapper, so their outbox rows wait for the relay."""
    from azure.data.tables.aio import TableClient

    from shared.orders import services
    from shared.orders.table_repository import TableOrderRepository

    then = datetime.now(UTC) - LATE_BY
    async with TableClient.from_connection_string(connection, "Orders") as orders:
        repo = TableOrderRepository(orders)
        return [
            (
                await services.create_order(
                    json.loads(_order("c-watch-late")),
                    caller=BACK_OFFICE,
                    repo=repo,
                    clock=lambda: then,
                )
            ).order.order_id
            for _ in range(LATE_EVENTS)
        ]


def _uploads(host: DevhostProcess, *, bad: int) -> None:
    from tests.unit.images import factories as f

    prefix = f"watch-{uuid.uuid4().hex[:8]}"
    upload(host, f"{prefix}/good.jpg", f.encode(f.quadrants((300, 200)), "JPEG"), "image/jpeg")
    for index in range(bad):
        upload(host, f"{prefix}/bad-{index}.jpg", b"not an image at all", "image/jpeg")


def _metric(made: dict[str, Table], name: str, **dimensions: str) -> float:
    return sum(
        row["valueSum"]
        for row in made["customMetrics"].rows
        if row["name"] == name
        and all(row["customDimensions"].get(k) == v for k, v in dimensions.items())
    )


def _spans(made: dict[str, Table], table: str, name: str, **dimensions: Any) -> int:
    return sum(
        1
        for row in made[table].rows
        if row["name"] == name
        and all(row["customDimensions"].get(k, row.get(k)) == v for k, v in dimensions.items())
    )


def missing(made: dict[str, Table], faulty: bool) -> list[str]:
    """The items the run's work must have produced that have not arrived (yet)."""
    late, bad = (LATE_EVENTS, BAD_UPLOADS) if faulty else (0, 0)
    expected = {
        "orders.created >= 3": _metric(made, "orders.created") >= 3,
        "orders.updated >= 1": _metric(made, "orders.updated") >= 1,
        "orders.deleted >= 1": _metric(made, "orders.deleted") >= 1,
        "orders.rejected >= 1": _metric(made, "orders.rejected") >= 1,
        "orders.feed.events applied": _metric(made, "orders.feed.events", outcome="applied")
        >= 5 + late,
        "process order event requests applied": _spans(
            made, "requests", "process order event", **{"orders.feed.outcome": "applied"}
        )
        >= 5 + late,
        "thumbnails.processed": _metric(made, "thumbnails.processed") >= 1 + bad,
        "make thumbnail spans": _spans(made, "dependencies", "make thumbnail") >= 1 + bad,
    }
    if faulty:
        expected |= {
            "orders.feed.poison >= 1": _metric(made, "orders.feed.poison") >= 1,
            "orders.outbox.relayed sent": _metric(made, "orders.outbox.relayed", outcome="sent")
            >= LATE_EVENTS,
            "failed process_order_event requests >= 5": _spans(
                made, "requests", "process_order_event", success=False
            )
            >= 5,
        }
    return [what for what, arrived in expected.items() if not arrived]


def run_app(folder: Path, *, faulty: bool) -> Run:
    """One run of the app through devhost, telemetry on, exported to a local endpoint."""
    with running_azurite(folder / "azurite") as azurite, IngestionSink() as sink:
        host = DevhostProcess(
            ROOT,
            azurite.connection_string,
            folder / "devhost.log",
            extra_env=FAST_EXPORT
            | {
                "APPLICATIONINSIGHTS_CONNECTION_STRING": sink.connection_string,
                "ORDER_SWEEP_SCHEDULE": NEVER,
            },
        )
        host.start()
        try:
            order_ids = _orders_workload(host)  # its first send makes the event queue
            if faulty:
                _poison(azurite.connection_string)
                order_ids += asyncio.run(_committed_unsent(azurite.connection_string))
                fired = host.admin("POST", "/admin/functions/relay_outbox", body=b"{}")
                assert fired.status == 202, fired.body
            _uploads(host, bad=BAD_UPLOADS if faulty else 0)
            with contextlib.suppress(TimeoutError):  # what is missing, the tests name
                wait_for(lambda: not missing(tables(sink.items), faulty), WITHIN_S, interval=0.5)
        finally:
            host.stop()  # its exporters flush what they hold
        return Run(sink.items, order_ids, faulty)
