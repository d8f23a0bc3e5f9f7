"""Spans, trace context handed on, and log correlation, through a real OpenTelemetry SDK."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

import pytest
from opentelemetry import trace

from shared import telemetry
from shared.telemetry import TraceContext

if TYPE_CHECKING:
    from tests.otel import Sdk

PRODUCER = TraceContext("00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01")
HOST = TraceContext("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01")


def test_with_telemetry_off_spans_and_context_are_no_ops() -> None:
    with telemetry.span("work", attributes={"a": "b"}) as span:
        span.set("outcome", "ready")
    assert telemetry.current_trace_context() is None
    assert not telemetry.enabled()


def test_a_span_continues_the_trace_it_is_given_and_links_another(otel: Sdk) -> None:
    with telemetry.span(
        "process order event",
        kind="consumer",
        parent=PRODUCER,
        links=[HOST],
        attributes={"order.id": "o-1"},
    ) as span:
        span.set("orders.feed.outcome", "applied")
        inner = telemetry.current_trace_context()
    (finished,) = otel.finished()
    assert finished.kind is trace.SpanKind.CONSUMER
    assert f"{finished.context.trace_id:032x}" == PRODUCER.trace_id
    assert finished.parent is not None and f"{finished.parent.span_id:016x}" == "b7ad6b7169203331"
    assert [f"{link.context.trace_id:032x}" for link in finished.links] == [HOST.trace_id]
    assert finished.attributes == {"order.id": "o-1", "orders.feed.outcome": "applied"}
    assert inner is not None and inner.trace_id == PRODUCER.trace_id
    assert inner.traceparent.split("-")[2] == f"{finished.context.span_id:016x}"


def test_a_span_is_a_child_of_the_current_context_and_records_failures(otel: Sdk) -> None:
    tracer = trace.get_tracer("test")
    with (
        tracer.start_as_current_span("invocation") as host,
        pytest.raises(RuntimeError),
        telemetry.span("make thumbnail"),
    ):
        raise RuntimeError("boom")
    child = next(s for s in otel.finished() if s.name == "make thumbnail")
    assert child.parent is not None and child.parent.span_id == host.get_span_context().span_id
    assert child.status.status_code is trace.StatusCode.ERROR
    assert [event.name for event in child.events] == ["exception"]


def test_outside_any_trace_there_is_no_context_to_hand_on(otel: Sdk) -> None:
    assert telemetry.current_trace_context() is None


def test_log_records_carry_the_invocation_id_only_inside_the_invocation(
    otel: Sdk, caplog: pytest.LogCaptureFixture
) -> None:
    log = logging.getLogger("shared.test")
    with caplog.at_level(logging.INFO), telemetry.invocation("inv-1"):
        log.info("inside")
        assert telemetry.current_invocation_id() == "inv-1"
    log.warning("outside")
    inside, outside = caplog.records
    assert inside.InvocationId == "inv-1"  # type: ignore[attr-defined]
    assert not hasattr(outside, "InvocationId")
