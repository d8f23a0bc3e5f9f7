"""devhost's telemetry: which settings turn it on, which spans it keeps, and each invocation's
span with its context handed to the function as the worker hands it (sync and async)."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import azure.functions as func
import pytest
from opentelemetry import trace
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.sdk.trace.sampling import ALWAYS_ON

from devhost.functions import FunctionSpec
from devhost.inprocess import InProcessRunner
from devhost.invocation import FunctionFailed, Invocation, Invoker
from devhost.telemetry import HostTelemetry, NoTelemetry, TelemetrySettingError, configure
from devhost.telemetry.options import TelemetryOptions
from devhost.telemetry.sampling import InvocationsOnly
from devhost.triggerdata import http_trigger, queue_trigger
from tests.otel import sdk

SINK = "InstrumentationKey=k;IngestionEndpoint=http://127.0.0.1:9/"


# --- options -------------------------------------------------------------------------------


def test_telemetry_is_off_unless_the_worker_switch_is_on() -> None:
    assert TelemetryOptions.from_environ({"APPLICATIONINSIGHTS_CONNECTION_STRING": SINK}) is None
    off = {"PYTHON_APPLICATIONINSIGHTS_ENABLE_TELEMETRY": "no"}
    assert TelemetryOptions.from_environ(off) is None
    assert isinstance(configure({}, route_prefix="api"), NoTelemetry)


def test_the_switch_alone_configures_nothing() -> None:
    """As the worker: without a connection string (or a local exporter) nothing is set up."""
    environ = {"PYTHON_APPLICATIONINSIGHTS_ENABLE_TELEMETRY": "True"}
    assert isinstance(configure(environ, route_prefix="api"), NoTelemetry)


@pytest.mark.parametrize(
    ("endpoint", "local"),
    [
        ("http://127.0.0.1:9/", True),
        ("http://localhost:4319", True),
        ("http://[::1]:80/", True),
        ("https://westeurope-5.in.applicationinsights.azure.com/", False),
        ("", False),
    ],
)
def test_a_loopback_ingestion_endpoint_is_recognised(endpoint: str, local: bool) -> None:
    connection = f"InstrumentationKey=k;IngestionEndpoint={endpoint}"
    options = TelemetryOptions.from_environ(
        {
            "PYTHON_APPLICATIONINSIGHTS_ENABLE_TELEMETRY": "1",
            "APPLICATIONINSIGHTS_CONNECTION_STRING": connection,
        }
    )
    assert options is not None and options.local_ingestion is local


def test_local_exporters_are_read_from_the_standard_variables() -> None:
    options = TelemetryOptions.from_environ(
        {
            "PYTHON_APPLICATIONINSIGHTS_ENABLE_TELEMETRY": "true",
            "OTEL_TRACES_EXPORTER": "console",
            "OTEL_LOGS_EXPORTER": "none",
            "OTEL_METRICS_EXPORTER": "otlp, console",
        }
    )
    assert options is not None and options.connection_string is None
    assert (options.traces, options.logs, options.metrics) == (
        frozenset({"console"}),
        frozenset(),
        frozenset({"otlp", "console"}),
    )
    with pytest.raises(TelemetrySettingError, match="zipkin"):
        TelemetryOptions.from_environ(
            {
                "PYTHON_APPLICATIONINSIGHTS_ENABLE_TELEMETRY": "true",
                "OTEL_TRACES_EXPORTER": "zipkin",
            }
        )


# --- sampling --------------------------------------------------------------------------------


def test_only_invocations_and_what_runs_under_them_are_kept() -> None:
    exporter = InMemorySpanExporter()
    provider = TracerProvider(sampler=InvocationsOnly(ALWAYS_ON))
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    tracer = provider.get_tracer("test")
    # devhost's own work has no parent; an invocation span and what runs under it are kept.
    with tracer.start_as_current_span("queue poll"), tracer.start_as_current_span("GET /q"):
        pass
    invocation = {"faas.invocation_id": "i"}
    with (
        tracer.start_as_current_span("create_order", attributes=invocation),
        tracer.start_as_current_span("POST /Orders"),
    ):
        pass
    assert sorted(span.name for span in exporter.get_finished_spans()) == [
        "POST /Orders",
        "create_order",
    ]


# --- invocations -----------------------------------------------------------------------------


def _spec(function: Any, trigger: dict[str, Any]) -> FunctionSpec:
    bindings: tuple[dict[str, Any], ...] = (trigger,)
    if trigger["type"] == "httpTrigger":
        bindings += ({"type": "http", "direction": "out", "name": "$return"},)
    return FunctionSpec(function.__name__, trigger, bindings, function, Path("."))


def _http_request() -> Any:
    return http_trigger("POST", "http://localhost:7071/api/orders", [], [], {}, b"{}")


def _body(result: Any) -> bytes:
    return bytes(result.return_value.value.body.value)


@pytest.fixture
async def invoker() -> Any:
    found = sdk()
    found.spans.clear()
    invoker = Invoker(InProcessRunner(), timeout=10, telemetry=HostTelemetry("api"))
    yield invoker, found
    invoker.close()


def _seen(context: func.Context) -> dict[str, Any]:
    current = trace.get_current_span().get_span_context()
    return {
        "trace_id": f"{current.trace_id:032x}",
        "span_id": f"{current.span_id:016x}",
        "trace_parent": context.trace_context.trace_parent,
    }


def create_order(req: func.HttpRequest, context: func.Context) -> func.HttpResponse:
    return func.HttpResponse(str(_seen(context)), status_code=201)


async def process_order_event(msg: func.QueueMessage, context: func.Context) -> None:
    await asyncio.sleep(0)
    seen.append(_seen(context))


seen: list[dict[str, Any]] = []


async def test_a_sync_http_function_runs_under_its_invocation_span(invoker: Any) -> None:
    runner, found = invoker
    spec = _spec(create_order, {"type": "httpTrigger", "name": "req", "route": "orders"})
    response = await runner.run(Invocation(spec, _http_request(), invocation_id="inv-1"))
    (span,) = found.finished()
    context = span.get_span_context()
    assert eval(_body(response)) == {
        "trace_id": f"{context.trace_id:032x}",
        "span_id": f"{context.span_id:016x}",
        "trace_parent": f"00-{context.trace_id:032x}-{context.span_id:016x}-"
        f"{context.trace_flags:02x}",
    }
    assert span.name == "create_order" and span.kind is trace.SpanKind.SERVER
    assert span.parent is None
    assert dict(span.attributes or {}) == {
        "faas.trigger": "http",
        "faas.name": "create_order",
        "faas.invocation_id": "inv-1",
        "http.request.method": "POST",
        "url.full": "http://localhost:7071/api/orders",
        "http.route": "/api/orders",
        "http.response.status_code": 201,
    }
    assert span.status.is_ok


async def test_an_async_function_gets_the_context_on_the_event_loop(invoker: Any) -> None:
    runner, found = invoker
    seen.clear()
    spec = _spec(
        process_order_event, {"type": "queueTrigger", "name": "msg", "queueName": "order-events"}
    )
    await runner.run(Invocation(spec, queue_trigger("m-1", b"{}", dequeue_count=1)))
    (span,) = found.finished()
    ids = f"{span.context.trace_id:032x}", f"{span.context.span_id:016x}"
    parent = f"00-{ids[0]}-{ids[1]}-{span.context.trace_flags:02x}"
    assert seen == [{"trace_id": ids[0], "span_id": ids[1], "trace_parent": parent}]
    assert span.attributes is not None and span.attributes["faas.trigger"] == "pubsub"
    assert span.attributes["messaging.message.id"] == "m-1"


def failing(req: func.HttpRequest) -> None:
    raise ValueError("bad")


async def test_a_failed_invocation_is_an_error_with_the_exception(invoker: Any) -> None:
    runner, found = invoker
    spec = _spec(failing, {"type": "httpTrigger", "name": "req"})
    with pytest.raises(FunctionFailed):
        await runner.run(Invocation(spec, _http_request()))
    (span,) = found.finished()
    assert span.status.status_code is trace.StatusCode.ERROR
    assert [event.attributes["exception.type"] for event in span.events] == ["ValueError"]


async def test_without_telemetry_the_context_keeps_the_invocation_derived_traceparent() -> None:
    runner = Invoker(InProcessRunner(), timeout=10)
    spec = _spec(create_order, {"type": "httpTrigger", "name": "req"})
    try:
        invocation = Invocation(spec, _http_request(), invocation_id="a" * 32)
        response = await runner.run(invocation)
    finally:
        runner.close()
    assert eval(_body(response))["trace_parent"] == f"00-{'a' * 32}-{'a' * 16}-01"
