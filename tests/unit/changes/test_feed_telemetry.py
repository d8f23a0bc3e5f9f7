"""What the change feed reports: duplicate and outdated events told apart, the consumer span
that continues the writer's trace, the lag and the poison count."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from opentelemetry import trace

from shared.changes import feed_telemetry
from shared.changes.outbox import PublishingOrderRepository
from shared.changes.read_models import ApplyResult, apply_event
from shared.changes.sweep import sweep
from shared.config import ORDER_EVENTS_MAX_DEQUEUE
from shared.orders.model import OrderStatus
from shared.telemetry import TraceContext
from tests.deploy.app_model import ROOT
from tests.otel import attributes_of, counter_points, histogram_points
from tests.unit.changes.conftest import History
from tests.unit.changes.fakes import FakeBacklog, FakePublisher
from tests.unit.changes.test_outbox_and_sweep import TTL, create
from tests.unit.orders.conftest import Clock
from tests.unit.orders.fakes import FakeOrderRepository

if TYPE_CHECKING:
    from tests.otel import Sdk
    from tests.unit.changes.fakes import FakeCustomerOrders, FakeDailySummary

WRITER = TraceContext("00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01")


async def test_outcomes_tell_a_redelivery_from_a_late_event(
    customers: FakeCustomerOrders, summary: FakeDailySummary
) -> None:
    insert, modify, cancel = History().change(quantity=7).status(OrderStatus.CANCELLED).events
    first = await apply_event(insert, customers=customers, summary=summary)
    again = await apply_event(insert, customers=customers, summary=summary)
    await apply_event(cancel, customers=customers, summary=summary)
    late = await apply_event(modify, customers=customers, summary=summary)
    assert (first.outcome, again.outcome, late.outcome) == ("applied", "duplicate", "outdated")


def test_the_consumer_span_continues_the_writer_s_trace_and_links_the_host(otel: Sdk) -> None:
    (event,) = History().events
    event = replace(event, trace=WRITER)
    with (
        trace.get_tracer("host").start_as_current_span("process_order_event") as host,
        feed_telemetry.consuming(event, message_id="m-1"),
    ):
        pass
    span = next(s for s in otel.finished() if s.name == feed_telemetry.SPAN_NAME)
    assert span.kind is trace.SpanKind.CONSUMER
    assert f"{span.context.trace_id:032x}" == WRITER.trace_id
    assert span.parent is not None and f"{span.parent.span_id:016x}" == "b7ad6b7169203331"
    assert [link.context.span_id for link in span.links] == [host.get_span_context().span_id]
    assert dict(span.attributes or {}) == {
        "order.id": event.order_id,
        "order.version": 1,
        "order.event_type": "INSERT",
        "messaging.message.id": "m-1",
    }


def test_an_event_without_context_stays_in_the_host_s_trace(otel: Sdk) -> None:
    (event,) = History().events
    with (
        trace.get_tracer("host").start_as_current_span("process_order_event") as host,
        feed_telemetry.consuming(event, message_id="m-1"),
    ):
        pass
    span = next(s for s in otel.finished() if s.name == feed_telemetry.SPAN_NAME)
    assert span.parent is not None and span.parent.span_id == host.get_span_context().span_id
    assert not span.links


def test_lag_and_outcome_are_recorded_for_an_applied_event(otel: Sdk) -> None:
    (event,) = History().events  # occurred at 2026-11-26T10:00:00.000Z
    before = _count(otel, "orders.feed.events", {"outcome": "applied"})
    now = datetime(2026, 11, 26, 10, 0, 2, 500000, tzinfo=UTC)
    with feed_telemetry.consuming(event, message_id="m-1") as span:
        feed_telemetry.applied(event, ApplyResult(True, True), span, now=now)
    (finished,) = [s for s in otel.finished() if s.name == feed_telemetry.SPAN_NAME]
    assert finished.attributes is not None
    assert finished.attributes["orders.feed.lag_s"] == 2.5
    assert finished.attributes["orders.feed.outcome"] == "applied"
    assert _count(otel, "orders.feed.events", {"outcome": "applied"}) == before + 1
    lag = otel.metric("orders.feed.lag")
    assert lag is not None
    assert any(
        p.max >= 2.5 and attributes_of(p) == {"event.type": "INSERT"} for p in histogram_points(lag)
    )


def test_poison_is_counted_when_malformed_or_on_the_last_attempt_only(otel: Sdk) -> None:
    start = {
        r: _count(otel, "orders.feed.poison", {"reason": r})
        for r in ("malformed", "retries_exhausted")
    }
    feed_telemetry.poisoned(malformed=True)
    for attempt in range(1, ORDER_EVENTS_MAX_DEQUEUE + 1):
        feed_telemetry.poisoned(malformed=False, attempt=attempt)
    assert _count(otel, "orders.feed.poison", {"reason": "malformed"}) == start["malformed"] + 1
    assert _count(otel, "orders.feed.poison", {"reason": "retries_exhausted"}) == (
        start["retries_exhausted"] + 1
    )


def test_the_last_attempt_is_the_one_host_json_allows() -> None:
    host = json.loads((ROOT / "host.json").read_text("utf-8"))
    assert host["extensions"]["queues"]["maxDequeueCount"] == ORDER_EVENTS_MAX_DEQUEUE


def _count(otel: Sdk, name: str, attributes: dict[str, str]) -> float:
    metric = otel.metric(name)
    if metric is None:
        return 0
    return sum(p.value for p in counter_points(metric) if attributes_of(p) == attributes)


async def test_the_sweep_and_the_relay_count_what_they_did(otel: Sdk) -> None:
    """The first sweep expires the order but cannot send its old INSERT (queue down); the
    second sends it. The expiry's own event is too recent for either relay."""
    inner, publisher = FakeOrderRepository(), FakePublisher()
    backlog = FakeBacklog(inner)
    repo = PublishingOrderRepository(inner, publisher=publisher, backlog=backlog)
    clock, publisher.failing = Clock(), True
    await create(repo, clock)
    clock.advance(hours=25)
    series: tuple[tuple[str, dict[str, str]], ...] = (
        ("orders.sweep.expired", {}),
        ("orders.outbox.relayed", {"outcome": "failed"}),
        ("orders.outbox.relayed", {"outcome": "sent"}),
    )
    before = [_count(otel, name, labels) for name, labels in series]
    await sweep(repo=repo, backlog=backlog, publisher=publisher, now=clock.now, ttl=TTL)
    publisher.failing = False
    await sweep(repo=repo, backlog=backlog, publisher=publisher, now=clock.now, ttl=TTL)
    after = [_count(otel, name, labels) for name, labels in series]
    assert [a - b for a, b in zip(after, before, strict=True)] == [1, 1, 1]
