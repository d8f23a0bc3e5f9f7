"""Trace context through the event encoding: captured when the change is made, kept through
the JSON the outbox and the queue carry, and absent or malformed in older events without
harm."""

from __future__ import annotations

import json
from dataclasses import replace
from decimal import Decimal
from typing import TYPE_CHECKING

from opentelemetry import trace

from shared.changes.publisher import parse_event
from shared.orders.events import OrderEvent
from shared.orders.model import Order, OrderDraft
from shared.orders.table_layout import event_from_row, outbox_entity
from shared.telemetry import TraceContext

if TYPE_CHECKING:
    from tests.otel import Sdk

ORDER = Order.create(
    "order-1", OrderDraft("cust-1", "prod-1", 2, Decimal("9.99")), now="2026-11-26T10:00:00.000Z"
)
PARENT = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"


def test_with_telemetry_off_an_event_carries_no_context() -> None:
    event = OrderEvent.for_change(None, ORDER, now=ORDER.created_at)
    assert event.trace is None
    assert "traceparent" not in json.loads(event.to_json())


def test_an_event_carries_the_context_of_the_write_that_made_it(otel: Sdk) -> None:
    with trace.get_tracer("test").start_as_current_span("POST /api/orders") as request:
        event = OrderEvent.for_change(None, ORDER, now=ORDER.created_at)
    context = request.get_span_context()
    assert event.trace is not None
    assert event.trace.trace_id == f"{context.trace_id:032x}"
    assert event.trace.traceparent.split("-")[2] == f"{context.span_id:016x}"
    encoded = json.loads(event.to_json())
    assert encoded["traceparent"] == event.trace.traceparent
    assert OrderEvent.from_json(event.to_json()) == event


def test_the_outbox_row_and_the_queue_message_keep_it(otel: Sdk) -> None:
    event = replace(
        OrderEvent.for_change(None, ORDER, now=ORDER.created_at),
        trace=TraceContext(PARENT, "vendor=1"),
    )
    assert event_from_row(outbox_entity(event)).trace == TraceContext(PARENT, "vendor=1")
    assert parse_event(event.to_json().encode()).trace == TraceContext(PARENT, "vendor=1")


def test_an_event_written_before_trace_context_still_parses() -> None:
    old = json.loads(OrderEvent.for_change(None, ORDER, now=ORDER.created_at).to_json())
    assert "traceparent" not in old and "tracestate" not in old
    parsed = parse_event(json.dumps(old).encode())
    assert parsed.trace is None and parsed.order_id == "order-1"


def test_a_malformed_context_is_dropped_and_the_event_kept() -> None:
    body = json.loads(OrderEvent.for_change(None, ORDER, now=ORDER.created_at).to_json())
    for bad in ("nonsense", 42, None, "00-" + "0" * 32 + "-b7ad6b7169203331-01"):
        parsed = parse_event(json.dumps(body | {"traceparent": bad, "tracestate": 7}).encode())
        assert parsed.trace is None and parsed.version == 1
