"""The orders API served by devhost over real HTTP, as `make run` serves it."""

from __future__ import annotations

import json
import uuid
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pathlib import Path

    from devhost.azurite import Azurite
    from tests.e2e.harness import DevhostProcess, Response

JSON = {"Content-Type": "application/json"}


def _create(host: DevhostProcess, customer: str = "cust-1") -> Response:
    body = {"customer_id": customer, "product_id": "prod-1", "quantity": 2, "total_amount": 19.99}
    return host.call("POST", "/api/orders", body=json.dumps(body).encode(), headers=JSON)


def test_health_reports_storage(app_host: DevhostProcess) -> None:
    response = app_host.call("GET", "/api/health")
    assert response.status == 200
    assert response.json() == {"status": "ok", "storage": "ok"}


def test_order_lifecycle_over_http(app_host: DevhostProcess) -> None:
    created = _create(app_host)
    assert created.status == 201
    order = created.json()
    assert created.headers["Location"] == f"/api/orders/{order['order_id']}"

    fetched = app_host.call("GET", f"/api/orders/{order['order_id']}")
    assert fetched.status == 200
    assert fetched.json() == order
    etag = fetched.headers["ETag"]

    patch = json.dumps({"status": "CONFIRMED"}).encode()
    assert (
        app_host.call("PATCH", f"/api/orders/{order['order_id']}", body=patch, headers=JSON).status
        == 428
    )
    updated = app_host.call(
        "PATCH", f"/api/orders/{order['order_id']}", body=patch, headers={**JSON, "If-Match": etag}
    )
    assert updated.status == 200
    assert updated.json()["status"] == "CONFIRMED"
    stale = app_host.call(
        "PATCH", f"/api/orders/{order['order_id']}", body=patch, headers={**JSON, "If-Match": etag}
    )
    assert stale.status == 412

    assert app_host.call("DELETE", f"/api/orders/{order['order_id']}").status == 204
    assert app_host.call("GET", f"/api/orders/{order['order_id']}").status == 404


def test_list_by_customer(app_host: DevhostProcess) -> None:
    customer = f"cust-{uuid.uuid4().hex[:8]}"
    ids = {_create(app_host, customer).json()["order_id"] for _ in range(3)}
    listed = app_host.call("GET", f"/api/orders?customer_id={customer}&limit=10")
    assert listed.status == 200
    assert {item["order_id"] for item in listed.json()["items"]} == ids


def test_errors_are_problem_json_and_unknown_routes_404(app_host: DevhostProcess) -> None:
    bad = app_host.call("POST", "/api/orders", body=b"{not json", headers=JSON)
    assert bad.status == 400
    assert bad.headers["Content-Type"].startswith("application/problem+json")
    assert app_host.call("GET", "/api/no-such-route").status == 404
    assert app_host.call("GET", "/orders").status == 404


def test_every_get_path_in_openapi_is_routed_by_the_host(app_host: DevhostProcess) -> None:
    document = app_host.call("GET", "/api/openapi.json").json()
    base = document["servers"][0]["url"]
    for path, operations in document["paths"].items():
        if "get" not in operations:
            continue
        response = app_host.call("GET", base + path.replace("{order_id}", str(uuid.uuid4())))
        # devhost's own 404 (no route) has an empty body; the app's 404 is problem+json.
        assert response.status != 404 or response.body, path


def test_devhost_stops_cleanly_after_serving_orders(azurite: Azurite, tmp_path: Path) -> None:
    """SIGINT after real work: exit code 0, and no ERROR line on the way out (the app's
    storage clients stay open for the life of the process, as on the worker; devhost does
    not report that as an error). Only create_order is loaded, so this second host takes no
    events from the session's app host."""
    from tests.e2e.harness import ROOT, DevhostProcess

    host = DevhostProcess(
        ROOT,
        azurite.connection_string,
        tmp_path / "devhost.log",
        extra_args=["--functions", "create_order"],
    )
    host.start()
    try:
        assert _create(host, f"stop-{uuid.uuid4().hex[:8]}").status == 201
    finally:
        assert host.stop() == 0
    errors = [line for line in host.log_text().splitlines() if " ERROR " in line]
    assert errors == []
    assert "host_stopped drained=true" in host.log_text()
