"""Storage unreachable for a while: every request that needs storage ends within 15 s with 503
and Retry-After (an upload URL needs none once the process has signed one, and answers 200),
and the app recovers by itself once storage is back (no restart), change feed included."""

from __future__ import annotations

import http.client
import json
import threading
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from devhost.azurite import start_azurite
from tests.e2e.feed import call, customer_view
from tests.e2e.harness import ROOT, DevhostProcess, request
from tests.reliability.client import poll
from tests.reliability.poison import unexplained_poison
from tests.reliability.proxy import StorageProxy

if TYPE_CHECKING:
    from pathlib import Path

ANSWER_WITHIN_S = 15.0  # the product requirement (docs/errors.md): checked, and reported
# Needs no storage once the process has signed one (the key and the container are known:
# the warmup ensured both), so it keeps answering 200 through an outage.
NO_STORAGE = frozenset({"POST /api/images"})
CLIENTS = 8
JSON = {"Content-Type": "application/json"}


@dataclass
class OutageReport:
    outage_s: float
    requests: int = 0
    statuses: Counter[int] = field(default_factory=Counter)
    statuses_by_request: dict[str, Counter[int]] = field(default_factory=dict)
    missing_retry_after: int = 0
    timed_out: int = 0  # no answer within the client's 30 s
    max_s: float = 0.0
    slowest_by_request: dict[str, float] = field(default_factory=dict)
    recovery_s: float = 0.0  # restore -> first 200 from /api/health
    feed_recovery_s: float = 0.0  # restore -> an order created after it is in the read model
    # Both recoveries are waited for with a deadline (the run raises past it); this says that
    # the devhost process that lived through the outage is the one that recovered.
    host_restarted: bool = True
    poisoned: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return (
            {label: set(answers) for label, answers in self.statuses_by_request.items()}
            == expected_statuses()
            and not self.host_restarted
            and not self.missing_retry_after
            and not self.poisoned
            and not self.timed_out
            and self.max_s <= ANSWER_WITHIN_S
        )


# Every kind of request the clients make during the outage, as (method, path template, body
# template); {id} is an order made before the outage, {customer} its customer.
_PLAN = (
    ("GET", "/api/health", None),
    ("GET", "/api/orders/{id}", None),
    (
        "POST",
        "/api/orders",
        '{"customer_id": "{customer}", "product_id": "p", "quantity": 1, "total_amount": 1}',
    ),
    ("GET", "/api/orders?customer_id={customer}", None),
    ("GET", "/api/customers/{customer}/orders", None),
    ("GET", "/api/reports/orders", None),
    ("POST", "/api/images", '{"name": "o/a.png", "content_type": "image/png"}'),
    ("GET", "/api/images/o/a.png", None),
)
Request = tuple[str, str, str, bytes | None]  # label, method, path, body


def request_labels() -> set[str]:
    """`GET /api/orders/{id}`: each kind of request, its query left out."""
    return {f"{method} {path.split('?')[0]}" for method, path, _ in _PLAN}


def expected_statuses() -> dict[str, set[int]]:
    """What each kind of request answers while storage is out: 503, but 200 for those that
    need no storage."""
    return {label: {200} if label in NO_STORAGE else {503} for label in request_labels()}


def _requests(order_id: str, customer: str) -> list[Request]:
    def filled(template: str) -> str:
        return template.replace("{id}", order_id).replace("{customer}", customer)

    return [
        (
            f"{method} {path.split('?')[0]}",
            method,
            filled(path),
            None if body is None else filled(body).encode(),
        )
        for method, path, body in _PLAN
    ]


def _client(
    host: DevhostProcess,
    plan: list[Request],
    until: float,
    report: OutageReport,
    lock: threading.Lock,
) -> None:
    index = 0
    while time.monotonic() < until:
        label, method, path, body = plan[index % len(plan)]
        index += 1
        headers = JSON | ({"Idempotency-Key": uuid.uuid4().hex} if method == "POST" else {})
        started = time.monotonic()
        try:
            answer = request(method, host.base_url + path, body=body, headers=headers, timeout=30)
        except (OSError, http.client.HTTPException):
            answer = None
        took = time.monotonic() - started
        with lock:
            report.requests += 1
            report.max_s = max(report.max_s, took)
            report.slowest_by_request[label] = max(report.slowest_by_request.get(label, 0), took)
            if answer is None:
                report.timed_out += 1
                continue
            report.statuses[answer.status] += 1
            report.statuses_by_request.setdefault(label, Counter())[answer.status] += 1
            if answer.status == 503:
                report.missing_retry_after += "Retry-After" not in answer.headers


def run_storage_outage(outage_s: float, workdir: Path) -> OutageReport:
    azurite = start_azurite(workdir / "azurite", log_file=workdir / "azurite.log")
    proxy = StorageProxy(azurite)
    host = DevhostProcess(ROOT, proxy.connection_string, workdir / "devhost.log")
    try:
        host.start()
        return _outage(host, proxy, outage_s)
    finally:
        host.stop()
        proxy.close()
        azurite.stop()


def _outage(host: DevhostProcess, proxy: StorageProxy, outage_s: float) -> OutageReport:
    customer = f"out-{uuid.uuid4().hex[:8]}"
    body = {"customer_id": customer, "product_id": "p", "quantity": 1, "total_amount": 1}
    created = call(host, "POST", "/api/orders", body=json.dumps(body).encode(), headers=JSON)
    assert created.status == 201, created.body
    report, lock = OutageReport(outage_s), threading.Lock()
    assert host.process is not None
    process = host.process
    proxy.cut()
    # Requests start until ANSWER_WITHIN_S before the end, so each one ends inside the outage.
    until = time.monotonic() + max(outage_s - ANSWER_WITHIN_S - 1, 1)
    plan = _requests(created.json()["order_id"], customer)
    clients = [
        threading.Thread(target=_client, args=(host, plan[i:] + plan[:i], until, report, lock))
        for i in range(CLIENTS)
    ]
    for client in clients:
        client.start()
    for client in clients:
        client.join()
    time.sleep(max(0.0, until + ANSWER_WITHIN_S + 1 - time.monotonic()))
    proxy.restore()
    report.recovery_s = poll(
        lambda: request("GET", f"{host.base_url}/api/health", timeout=30).status == 200, 300, 0.2
    )
    restored = time.monotonic() - report.recovery_s
    after = call(host, "POST", "/api/orders", body=json.dumps(body).encode(), headers=JSON)
    assert after.status == 201, after.body
    order_id = after.json()["order_id"]
    poll(lambda: order_id in {o["order_id"] for o in customer_view(host, customer)}, 300, 0.2)
    report.feed_recovery_s = time.monotonic() - restored
    report.host_restarted = host.process is not process or process.poll() is not None
    report.poisoned = unexplained_poison(proxy.azurite.connection_string)
    return report
