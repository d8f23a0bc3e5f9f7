"""Read the change feed's views and the truth they must converge to, over HTTP (shared by the
change-feed e2e tests and the reliability suite)."""

from __future__ import annotations

import http.client
import time
from collections import Counter
from decimal import Decimal
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

if TYPE_CHECKING:
    from tests.e2e.harness import DevhostProcess, Response

__all__ = [
    "call",
    "converged",
    "customer_truth",
    "customer_view",
    "pages",
    "report_truth",
    "report_view",
    "unstorable_event",
]


def call(host: DevhostProcess, method: str, path: str, **kwargs: Any) -> Response:
    """One call, retried while the host restarts: connection errors, and the 503 a stopping
    devhost answers to a request that reached it after it stopped taking work."""
    deadline = time.monotonic() + 90
    while True:
        try:
            response = host.call(method, path, timeout=30, **kwargs)
        except (OSError, http.client.HTTPException):  # down, or killed mid-answer
            response = None
        if response is not None and response.status != 503:
            return response
        if time.monotonic() > deadline:
            raise TimeoutError(f"{method} {path}: host unavailable for 90 s")
        time.sleep(0.1)


def pages(host: DevhostProcess, path: str, params: dict[str, str]) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    token = None
    while True:
        query = params | {"limit": "100"} | ({"continuation": token} if token else {})
        body = call(host, "GET", f"{path}?{urlencode(query)}").json()
        items += body["items"]
        token = body["continuation"]
        if token is None:
            return items


def customer_truth(host: DevhostProcess, customer: str) -> list[dict[str, Any]]:
    return sorted(
        pages(host, "/api/orders", {"customer_id": customer}), key=lambda o: o["order_id"]
    )


def customer_view(host: DevhostProcess, customer: str) -> list[dict[str, Any]]:
    items = pages(host, f"/api/customers/{customer}/orders", {})
    return sorted(items, key=lambda o: o["order_id"])


def report_truth(host: DevhostProcess, day: str) -> dict[str, Any]:
    orders = [o for o in pages(host, "/api/orders", {}) if o["created_at"][:10] == day]
    counts = Counter(o["status"] for o in orders)
    amounts: dict[str, Decimal] = {}
    for order in orders:
        amounts[order["status"]] = amounts.get(order["status"], Decimal(0)) + Decimal(
            str(order["total_amount"])
        )
    return {s: (counts[s], float(amounts[s])) for s in counts}


def report_view(host: DevhostProcess, day: str) -> dict[str, Any]:
    body = call(host, "GET", f"/api/reports/orders?date={day}").json()
    return {
        s: (v["count"], float(v["total_amount"]))
        for s, v in body["by_status"].items()
        if v["count"]
    }


def converged(host: DevhostProcess, customers: list[str], *days: str) -> bool:
    """Every customer's view equals the orders store, and each day's report its totals."""
    if not all(customer_view(host, c) == customer_truth(host, c) for c in customers):
        return False
    return all(report_view(host, day) == report_truth(host, day) for day in days)


def unstorable_event(marker: str) -> dict[str, Any]:
    """A well-formed order event the read model cannot store ("/" is not allowed in table
    keys): not recognisably bad up front, so the host retries it maxDequeueCount times and
    then moves it to the poison queue."""
    return {
        "event_id": marker,
        "type": "INSERT",
        "order_id": f"o-{marker}",
        "version": 1,
        "occurred_at": "2026-11-26T00:00:00.000Z",
        "old_image": None,
        "new_image": {
            "order_id": f"o-{marker}",
            "customer_id": "bad/customer",
            "status": "PENDING",
            "created_at": "2026-11-26T00:00:00.000Z",
            "total_amount": 1,
        },
    }
