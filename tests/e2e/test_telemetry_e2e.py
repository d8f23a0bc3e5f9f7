"""Telemetry as Application Insights would receive it: devhost runs the app with the worker's
Azure Monitor set-up (PYTHON_APPLICATIONINSIGHTS_ENABLE_TELEMETRY=true), exporting to a
loopback HTTP server that plays the ingestion endpoint (devhost.ingestion). The tests read the
envelopes it received: requests, dependencies, messages and metrics, joined by operation id.
"""

from __future__ import annotations

import json
import re
import threading
import uuid
from contextlib import contextmanager
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TYPE_CHECKING, Any

import pytest

from devhost.azurite import running_azurite
from devhost.ingestion import IngestionSink
from shared.config import load_settings
from shared.telemetry.pseudonyms import Pseudonyms
from tests.e2e.feed import pages
from tests.e2e.harness import ROOT, SAMPLE_APP, DevhostProcess, wait_for

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path

    from devhost.azurite import Azurite

ORDER = {"customer_id": "c-tel", "product_id": "p-9", "quantity": 2, "total_amount": 19.99}
JSON = {"Content-Type": "application/json"}
# Exporters flush often, every trace is kept: the tests wait for seconds, not minutes.
FAST_EXPORT = {
    "PYTHON_APPLICATIONINSIGHTS_ENABLE_TELEMETRY": "true",
    "OTEL_TRACES_SAMPLER": "microsoft.fixed_percentage",
    "OTEL_TRACES_SAMPLER_ARG": "1.0",
    "OTEL_BSP_SCHEDULE_DELAY": "200",
    "OTEL_BLRP_SCHEDULE_DELAY": "200",
    "OTEL_METRIC_EXPORT_INTERVAL": "1000",
}
WITHIN_S = 20


@dataclass(frozen=True)
class Item:
    """One envelope, flattened: its type, name, operation, ids and custom dimensions."""

    kind: str
    name: str
    operation_id: str
    parent_id: str | None
    id: str | None
    properties: dict[str, Any]
    raw: dict[str, Any]

    @classmethod
    def of(cls, envelope: dict[str, Any]) -> Item:
        data = envelope["data"]
        base = data["baseData"]
        tags = envelope.get("tags", {})
        return cls(
            data["baseType"].removesuffix("Data"),
            base.get("name") or base.get("message", ""),
            tags.get("ai.operation.id", ""),
            tags.get("ai.operation.parentId"),
            base.get("id"),
            base.get("properties") or {},
            base,
        )


def items(sink: IngestionSink, kind: str | None = None) -> list[Item]:
    found = [Item.of(envelope) for envelope in sink.items]
    return [item for item in found if kind is None or item.kind == kind]


@pytest.fixture(scope="module")
def sink() -> Iterator[IngestionSink]:
    with IngestionSink() as server:
        yield server


@pytest.fixture(scope="module")
def telemetry_host(
    sink: IngestionSink, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[DevhostProcess]:
    """The app with telemetry on, on an Azurite of its own: on the session's, another test's
    devhost would compete for the `order-events` messages this host's orders produce."""
    with _app_with_telemetry(sink, tmp_path_factory.mktemp("telemetry")) as host:
        yield host


@contextmanager
def _app_with_telemetry(
    sink: IngestionSink, folder: Path, **settings: str
) -> Iterator[DevhostProcess]:
    with running_azurite(folder / "azurite", log_file=folder / "azurite.log") as azurite:
        telemetry = {"APPLICATIONINSIGHTS_CONNECTION_STRING": sink.connection_string}
        host = DevhostProcess(
            ROOT,
            azurite.connection_string,
            folder / "devhost.log",
            extra_env=FAST_EXPORT | telemetry | settings,
        )
        host.start()
        yield host
        host.stop()


def _created_order(host: DevhostProcess) -> str:
    response = host.call("POST", "/api/orders", body=json.dumps(ORDER).encode(), headers=JSON)
    assert response.status == 201, response.body
    return str(response.json()["order_id"])


def _pseudonyms(host: DevhostProcess, **settings: str) -> Pseudonyms:
    """The pseudonyms the host's app writes: its key derives from its storage connection."""
    env = {"AzureWebJobsStorage": host.connection_string, "AUTH_REQUIRED": "false"}
    return Pseudonyms.for_settings(load_settings(env | settings))


def _thumbnail_span(sink: IngestionSink, recorded: str) -> Item:
    """The app's `make thumbnail` span of the blob whose name is recorded as `recorded`."""

    def found() -> Item | None:
        spans = items(sink, "RemoteDependency")
        thumbnails = (d for d in spans if d.name == "make thumbnail")
        return next((d for d in thumbnails if d.properties.get("blob.name") == recorded), None)

    return wait_for(found, WITHIN_S)


def _request_of(sink: IngestionSink, function: str, **dimensions: str) -> Item:
    def found() -> Item | None:
        wanted = {"faas.name": function, **dimensions}
        matching = (
            r
            for r in items(sink, "Request")
            if all(r.properties.get(k) == v for k, v in wanted.items())
        )
        return next(matching, None)

    return wait_for(found, WITHIN_S)


def test_create_order_is_a_request_with_its_storage_calls_as_dependencies(
    telemetry_host: DevhostProcess, sink: IngestionSink
) -> None:
    _created_order(telemetry_host)
    invocation_id = telemetry_host.invocations("create_order")[-1]["invocation_id"]
    request = _request_of(sink, "create_order", **{"faas.invocation_id": invocation_id})
    assert request.name == "POST /api/orders"
    assert request.raw["responseCode"] == "201" and request.raw["success"] is True
    assert re.fullmatch(r"[0-9a-f]{32}", request.operation_id)

    def storage_calls() -> list[Item] | None:
        """The order's transaction (a table batch) and the event's send to the queue, as HTTP
        calls under the request, each inside the SDK method that made it."""
        calls = [
            d
            for d in items(sink, "RemoteDependency")
            if d.operation_id == request.operation_id and d.raw.get("type") == "HTTP"
        ]
        names = " ".join(call.name for call in calls)
        return calls if "/$batch" in names and "/order-events/messages" in names else None

    calls = wait_for(storage_calls, WITHIN_S)
    assert all(call.parent_id and call.parent_id != request.id for call in calls)
    assert {c.raw.get("resultCode") for c in calls if "/$batch" in c.name} == {"202"}
    # The batch is sent by shared.table_transactions, not an SDK method: its own span holds it.
    transactions = {
        d.id: d for d in items(sink, "RemoteDependency") if d.name == "table transaction"
    }
    batch = next(c for c in calls if "/$batch" in c.name)
    # the order, its outbox event, its pending-index and customer-index rows
    assert transactions[batch.parent_id].properties["rows"] == "4"
    assert transactions[batch.parent_id].parent_id == request.id


def test_one_operation_runs_from_the_http_request_to_the_read_model(
    telemetry_host: DevhostProcess, sink: IngestionSink
) -> None:
    """The issue's proof: the create_order request, one of its storage calls, the
    queue-triggered processing of its event and that processing's read-model writes share one
    operation id; the app's log line about it is there too, with its invocation id."""
    order_id = _created_order(telemetry_host)
    create = _request_of(
        sink,
        "create_order",
        **{"faas.invocation_id": telemetry_host.invocations("create_order")[-1]["invocation_id"]},
    )
    processed = wait_for(
        lambda: next(
            (
                r
                for r in items(sink, "Request")
                if r.name == "process order event" and r.properties.get("order.id") == order_id
            ),
            None,
        ),
        WITHIN_S,
    )

    assert processed.operation_id == create.operation_id
    assert processed.properties["orders.feed.outcome"] == "applied"
    assert float(processed.properties["orders.feed.lag_s"]) >= 0
    assert processed.properties["order.event_type"] == "INSERT"
    # Its parent is the HTTP request's span (the context current when the event was made).
    assert processed.parent_id == create.id

    def children_of(request: Item) -> list[Item]:
        return [
            d
            for d in items(sink, "RemoteDependency")
            if d.operation_id == create.operation_id and d.parent_id == request.id
        ]

    sent = wait_for(lambda: [d for d in children_of(create) if "send_message" in d.name], WITHIN_S)
    assert sent
    writes = wait_for(
        lambda: [d for d in children_of(processed) if d.name.startswith("TableClient.")], WITHIN_S
    )
    assert len(writes) >= 2  # OrdersByCustomer and the summary row, concurrently

    # The host's own request for process_order_event is an operation of its own, linked.
    (link,) = json.loads(processed.properties["_MS.links"])
    host = wait_for(
        lambda: next((r for r in items(sink, "Request") if r.id == link["id"]), None), WITHIN_S
    )
    assert host.properties["faas.name"] == "process_order_event"
    assert host.operation_id == link["operation_Id"] != create.operation_id

    applied = wait_for(
        lambda: next(
            (
                m
                for m in items(sink, "Message")
                if m.name.startswith("order_event_applied") and order_id in m.name
            ),
            None,
        ),
        WITHIN_S,
    )
    assert applied.operation_id == create.operation_id and applied.parent_id == processed.id
    assert applied.properties["InvocationId"] == host.properties["faas.invocation_id"]


def _metric(sink: IngestionSink, name: str, part: str = "value", **dimensions: str) -> float:
    """A metric's total over every export so far (the exporter sends deltas): the sum of its
    points' `value`, or of their `count` (a histogram's number of observations)."""
    return sum(
        float(point.get(part, 0))
        for envelope in sink.items
        if envelope["data"]["baseType"] == "MetricData"
        for point in envelope["data"]["baseData"]["metrics"]
        if point["name"] == name
        if all(
            envelope["data"]["baseData"].get("properties", {}).get(k) == v
            for k, v in dimensions.items()
        )
    )


def _order_counts(sink: IngestionSink) -> dict[str, float]:
    return {
        "created": _metric(sink, "orders.created"),
        "applied": _metric(sink, "orders.feed.events", outcome="applied"),
        "lag observations": _metric(sink, "orders.feed.lag", "count"),
        "rejected": _metric(
            sink, "orders.rejected", operation="create", **{"problem.type": "validation-failed"}
        ),
    }


def test_the_order_metrics_count_each_order_once(
    telemetry_host: DevhostProcess, sink: IngestionSink
) -> None:
    """The sink holds every test's telemetry: each count is checked against what this host
    did, not as "at least one". Every order in the store was counted created once and its
    event applied once (an idempotent replay counts nothing); the refused create once."""
    known = len(pages(telemetry_host, "/api/orders", {}))
    # The module's earlier orders, all exported: the baseline this test's change is read on.
    earlier = {"created": known, "applied": known, "lag observations": known}

    def settled() -> dict[str, float] | None:
        counts = _order_counts(sink)
        return counts if all(counts[name] == n for name, n in earlier.items()) else None

    baseline: dict[str, float] = wait_for(settled, WITHIN_S)
    lag_before = _metric(sink, "orders.feed.lag")
    key = {"Idempotency-Key": f'"{uuid.uuid4().hex}"'}
    body = json.dumps(ORDER).encode()
    created = telemetry_host.call("POST", "/api/orders", body=body, headers=JSON | key)
    replayed = telemetry_host.call("POST", "/api/orders", body=body, headers=JSON | key)
    assert (created.status, replayed.headers.get("Idempotency-Replayed")) == (201, "true")
    bad = telemetry_host.call("POST", "/api/orders", body=b'{"quantity": 0}', headers=JSON)
    assert bad.status == 422
    assert len(pages(telemetry_host, "/api/orders", {})) == known + 1

    def changed() -> dict[str, float]:
        now = _order_counts(sink)
        return {name: now[name] - baseline[name] for name in now}

    # The refused create was recorded last: the export that holds it holds the replay too.
    wait_for(lambda: all(v >= 1 for v in changed().values()), WITHIN_S)
    assert changed() == {"created": 1, "applied": 1, "lag observations": 1, "rejected": 1}
    assert _metric(sink, "orders.feed.lag") - lag_before > 0  # the new event's lag, in seconds


def test_a_thumbnail_upload_is_its_own_operation_with_its_outcome(
    telemetry_host: DevhostProcess, sink: IngestionSink
) -> None:
    from tests.e2e.images_client import upload
    from tests.unit.images import factories as f

    name = f"telemetry-{uuid.uuid4().hex[:8]}/photo.jpg"
    recorded = _pseudonyms(telemetry_host).blob_name(name)  # file names are never recorded
    upload(telemetry_host, name, f.encode(f.quadrants((300, 200)), "JPEG"), "image/jpeg")
    span = _thumbnail_span(sink, recorded)
    assert span.properties["thumbnail.outcome"] == "ready"
    request = _request_of(sink, "make_thumbnail", **{"faas.document.name": f"uploads/{name}"})
    assert span.operation_id == request.operation_id and span.parent_id == request.id
    assert not any(
        r.operation_id == request.operation_id
        for r in items(sink, "Request")
        if r.properties.get("faas.name") != "make_thumbnail"
    )


def test_devhost_s_own_storage_work_is_not_telemetry(
    telemetry_host: DevhostProcess, sink: IngestionSink
) -> None:
    """devhost polls queues and scans blobs all the time (the host's work on Azure): none of
    it may show up. Every dependency belongs to the operation of some function's request (a
    request is exported after its dependencies, so a dependency may wait a moment for it;
    devhost's own calls would never get one, and keep coming)."""
    _created_order(telemetry_host)
    wait_for(lambda: telemetry_host.invocations("process_order_event"), WITHIN_S)

    def stray() -> list[tuple[str, str]]:
        operations = {r.operation_id for r in items(sink, "Request")}
        return [
            (d.name, d.operation_id)
            for d in items(sink, "RemoteDependency")
            if d.operation_id not in operations
        ]

    try:
        wait_for(lambda: not stray(), WITHIN_S)
    except TimeoutError:
        pytest.fail(f"dependencies outside any function's operation: {stray()[:5]}")
    # Requests: the host's invocations, and the feed's continuation of a writer's trace.
    assert all(
        r.properties.get("faas.name") or r.name == "process order event"
        for r in items(sink, "Request")
    )


def test_spans_print_on_the_console_without_application_insights(
    azurite: Azurite, tmp_path_factory: pytest.TempPathFactory
) -> None:
    """OTEL_TRACES_EXPORTER=console, no connection string: the invocation's span is printed."""
    host = DevhostProcess(
        SAMPLE_APP,
        azurite.connection_string,
        tmp_path_factory.mktemp("console") / "devhost.log",
        extra_env={
            "PYTHON_APPLICATIONINSIGHTS_ENABLE_TELEMETRY": "true",
            "OTEL_TRACES_EXPORTER": "console",
            "OTEL_BSP_SCHEDULE_DELAY": "100",
            "TICK_SCHEDULE": "0 0 0 1 1 *",
            "E2E_EVENTS_CONTAINER": "e2e-events",
        },
        extra_args=["--functions", "echo"],
    )
    host.start()
    try:
        assert host.call("GET", "/api/echo/7/x").status == 200
        invocation_id = host.invocations("echo")[-1]["invocation_id"]
        wait_for(lambda: f'"faas.invocation_id": "{invocation_id}"' in host.log_text(), WITHIN_S)
    finally:
        host.stop()
    assert '"name": "echo"' in host.log_text()
    assert '"kind": "SpanKind.SERVER"' in host.log_text()


class _OtlpReceiver(BaseHTTPRequestHandler):
    """OTLP/HTTP: protobuf export requests on /v1/traces, /v1/logs, /v1/metrics."""

    received: list[tuple[str, bytes]]

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        self.received.append((self.path, body))
        self.send_response(200)
        self.send_header("Content-Type", "application/x-protobuf")
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, format: str, *args: object) -> None:
        return None


def test_spans_reach_an_otlp_endpoint(
    azurite: Azurite, tmp_path_factory: pytest.TempPathFactory
) -> None:
    from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import (
        ExportTraceServiceRequest,
    )

    received: list[tuple[str, bytes]] = []
    handler = type("Receiver", (_OtlpReceiver,), {"received": received})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    host = DevhostProcess(
        SAMPLE_APP,
        azurite.connection_string,
        tmp_path_factory.mktemp("otlp") / "devhost.log",
        extra_env={
            "PYTHON_APPLICATIONINSIGHTS_ENABLE_TELEMETRY": "true",
            "OTEL_TRACES_EXPORTER": "otlp",
            "OTEL_BSP_SCHEDULE_DELAY": "100",
            "OTEL_EXPORTER_OTLP_ENDPOINT": f"http://127.0.0.1:{server.server_port}",
        },
        extra_args=["--functions", "echo"],
    )
    host.start()
    try:
        assert host.call("GET", "/api/echo/7/x").status == 200
        traces = wait_for(
            lambda: [body for path, body in received if path == "/v1/traces"], WITHIN_S
        )
    finally:
        host.stop()
        server.shutdown()
    spans = [
        span
        for body in traces
        for resource in ExportTraceServiceRequest.FromString(body).resource_spans
        for scope in resource.scope_spans
        for span in scope.spans
    ]
    assert [span.name for span in spans] == ["echo"]


@pytest.fixture(scope="module")
def email_customer_host(
    sink: IngestionSink, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[DevhostProcess]:
    """The app with telemetry on, customers named by a claim that is not the pseudonymous oid
    (CUSTOMER_ID_CLAIM=email), on an Azurite of its own (see telemetry_host)."""
    folder = tmp_path_factory.mktemp("private")
    with _app_with_telemetry(sink, folder, CUSTOMER_ID_CLAIM="email") as host:
        yield host


# Where a file name or customer id may still show, and why: none of them is the app's own record
# (docs/operations.md, "What is recorded about people").
_NOT_THE_APPS = {
    ("RemoteDependency", "HTTP"): "a storage request's URL (the storage SDK's span)",
    ("Request", "host"): "the host's record of an invocation (URL, blob path)",
    ("Message", "host"): "the host's own log lines",
}


def _origin(item: Item) -> tuple[str, str]:
    if item.kind == "Message":
        logger = str(item.properties.get("logger_name", ""))
        return "Message", "app" if logger.startswith(("shared.", "blueprints.")) else "host"
    if item.kind == "RemoteDependency":
        return "RemoteDependency", str(item.raw.get("type"))
    app_request = item.name in ("process order event",)  # the app's CONSUMER span
    return item.kind, "app" if app_request else "host"


def test_file_names_and_non_oid_customer_ids_never_reach_the_apps_logs_or_spans(
    email_customer_host: DevhostProcess, sink: IngestionSink
) -> None:
    """A customer named by an e-mail-like claim uploads a file whose name names a person: the
    app's own log lines and spans carry only their keyed pseudonyms (which still correlate);
    anything else that carries them is listed in _NOT_THE_APPS and in docs/operations.md."""
    from tests.e2e.images_client import upload
    from tests.unit.images import factories as f

    host = email_customer_host
    customer, file_name = f"jane-doe-{uuid.uuid4().hex[:6]}", f"passport-{uuid.uuid4().hex[:6]}.jpg"
    body = json.dumps(ORDER | {"customer_id": customer}).encode()
    assert host.call("POST", "/api/orders", body=body, headers=JSON).status == 201
    name = f"{customer}/{file_name}"
    upload(host, name, f.encode(f.quadrants((300, 200)), "JPEG"), "image/jpeg")
    recorded = _pseudonyms(host, CUSTOMER_ID_CLAIM="email").blob_name(name)
    assert customer not in recorded and file_name not in recorded
    wait_for(
        lambda: any(
            i.kind == "Message" and f"thumbnail ready name={recorded} " in i.name
            for i in items(sink)
        ),
        WITHIN_S,
    )
    wait_for(
        lambda: host.call("GET", f"/api/customers/{customer}/orders").json()["items"] or None,
        WITHIN_S,
    )
    assert _thumbnail_span(sink, recorded).properties["thumbnail.outcome"] == "ready"
    found = {
        (_origin(item), item.name[:60])
        for item in items(sink)
        if customer in json.dumps(item.raw) or file_name in json.dumps(item.raw)
    }
    assert found, "the storage calls carry the names: the search itself works"
    assert {origin for origin, _ in found} <= set(_NOT_THE_APPS), found
