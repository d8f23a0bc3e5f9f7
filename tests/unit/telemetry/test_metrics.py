"""The metric table: names, units, descriptions and allowed attributes, and what `record`
really emits through an OpenTelemetry SDK."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

import pytest

from shared.telemetry import metrics, record
from tests.otel import attributes_of, counter_points, histogram_points

if TYPE_CHECKING:
    from opentelemetry.sdk.metrics.export import Metric

    from tests.otel import Sdk

NAME = re.compile(r"^[a-z][a-z_]*(\.[a-z][a-z_]*)+$")
UNIT = re.compile(r"^(s|\{[a-z]+\})$")  # UCUM seconds, or an annotation for a count


def test_names_follow_the_conventions_and_are_unique() -> None:
    names = [instrument.name for instrument in metrics.INSTRUMENTS]
    assert len(names) == len(set(names))
    assert all(NAME.match(name) for name in names), names


@pytest.mark.parametrize("instrument", metrics.INSTRUMENTS, ids=lambda i: i.name)
def test_each_instrument_has_a_unit_a_description_and_few_attributes(
    instrument: metrics.Instrument,
) -> None:
    assert UNIT.match(instrument.unit)
    assert (instrument.unit == "s") == (instrument.kind == "histogram")
    assert instrument.description.endswith(".")
    assert len(instrument.attributes) <= 2
    assert not {"order_id", "order.id", "blob.name", "customer_id"} & instrument.attributes


def test_the_issue_s_list_is_covered() -> None:
    """Created, updated, rejected; feed lag; deduplicated/outdated; poison; thumbnails with
    their duration; sweep expirations; outbox relays (issue 10)."""
    table = {i.name: i for i in metrics.INSTRUMENTS}
    assert table["orders.rejected"].attributes == {"operation", "problem.type"}
    assert table["orders.feed.lag"].kind == "histogram"
    assert table["orders.feed.events"].attributes == {"outcome"}
    assert table["thumbnails.processed"].attributes == {"outcome", "reason"}
    assert table["thumbnails.duration"].unit == "s"
    assert {
        "orders.created",
        "orders.updated",
        "orders.feed.poison",
        "orders.sweep.expired",
        "orders.outbox.relayed",
    } <= table.keys()


def test_unknown_or_non_string_attributes_are_refused_even_with_telemetry_off() -> None:
    with pytest.raises(ValueError, match=r"orders\.created takes string attributes \[\]"):
        record(metrics.ORDERS_CREATED, attributes={"order_id": "o-1"})
    with pytest.raises(ValueError, match=r"orders\.feed\.events"):
        record(metrics.FEED_EVENTS, attributes={"outcome": 1})  # type: ignore[dict-item]


def test_a_counter_reaches_the_sdk_with_its_unit_and_attributes(otel: Sdk) -> None:
    before = otel.metric("orders.feed.events")
    start = _sum(before, {"outcome": "duplicate"})
    record(metrics.FEED_EVENTS, attributes={"outcome": "duplicate"})
    record(metrics.FEED_EVENTS, 2, attributes={"outcome": "duplicate"})
    metric = otel.metric("orders.feed.events")
    assert metric is not None and metric.unit == "{event}"
    assert metric.description == metrics.FEED_EVENTS.description
    assert _sum(metric, {"outcome": "duplicate"}) == start + 3


def test_a_histogram_records_seconds_with_bucket_advice(otel: Sdk) -> None:
    """The SDK is the process's, cumulative over every test: compared with what it held."""
    insert = {"event.type": "INSERT"}
    count, total = _observed(otel.metric("orders.feed.lag"), insert)
    record(metrics.FEED_LAG, 0.25, attributes=insert)
    metric = otel.metric("orders.feed.lag")
    assert metric is not None and metric.unit == "s"
    (point,) = [p for p in histogram_points(metric) if attributes_of(p) == insert]
    assert point.count == count + 1
    assert point.sum == pytest.approx(total + 0.25)
    assert point.max >= 0.25
    assert tuple(point.explicit_bounds) == metrics.SECONDS_BUCKETS


def _observed(metric: Metric | None, attributes: dict[str, str]) -> tuple[int, float]:
    """A histogram's observations and their sum so far, for `attributes`."""
    points = [] if metric is None else histogram_points(metric)
    matching = [p for p in points if attributes_of(p) == attributes]
    return sum(p.count for p in matching), sum(p.sum for p in matching)


def _sum(metric: Metric | None, attributes: dict[str, str]) -> float:
    if metric is None:
        return 0
    points = counter_points(metric)
    return sum(p.value for p in points if attributes_of(p) == attributes)
