"""The OpenTelemetry SDK in the test process, with in-memory exporters.

Global providers can be set once per process, so `sdk()` sets them on first use and every test
reads (and clears) the same exporter. `telemetry_on` is what the worker's switch does for the
app: PYTHON_APPLICATIONINSIGHTS_ENABLE_TELEMETRY=true in the environment.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING

from opentelemetry import metrics, trace
from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.metrics.export import Histogram, InMemoryMetricReader, Sum
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

if TYPE_CHECKING:
    from collections.abc import Sequence

    import pytest
    from opentelemetry.sdk.metrics.export import HistogramDataPoint, Metric, NumberDataPoint
    from opentelemetry.sdk.trace import ReadableSpan
    from opentelemetry.util.types import AnyValue


@dataclass(frozen=True)
class Sdk:
    spans: InMemorySpanExporter
    reader: InMemoryMetricReader

    def finished(self) -> list[ReadableSpan]:
        return list(self.spans.get_finished_spans())

    def metric(self, name: str) -> Metric | None:
        data = self.reader.get_metrics_data()
        for resource in data.resource_metrics if data else ():
            for scope in resource.scope_metrics:
                for metric in scope.metrics:
                    if metric.name == name:
                        return metric
        return None


@cache
def sdk() -> Sdk:
    exporter, reader = InMemorySpanExporter(), InMemoryMetricReader()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    trace.set_tracer_provider(provider)
    metrics.set_meter_provider(MeterProvider([reader]))
    return Sdk(exporter, reader)


def telemetry_on(monkeypatch: pytest.MonkeyPatch) -> Sdk:
    """Telemetry switched on for the app; the SDK's exporters cleared."""
    monkeypatch.setenv("PYTHON_APPLICATIONINSIGHTS_ENABLE_TELEMETRY", "true")
    found = sdk()
    found.spans.clear()
    return found


def counter_points(metric: Metric) -> Sequence[NumberDataPoint]:
    """The points of a counter's metric (the SDK exports a counter as a Sum)."""
    assert isinstance(metric.data, Sum), f"{metric.name} is not a counter"
    return metric.data.data_points


def histogram_points(metric: Metric) -> Sequence[HistogramDataPoint]:
    """The points of a histogram's metric."""
    assert isinstance(metric.data, Histogram), f"{metric.name} is not a histogram"
    return metric.data.data_points


def attributes_of(point: NumberDataPoint | HistogramDataPoint) -> dict[str, AnyValue]:
    """A point's attributes (the SDK gives every point a mapping, empty when none)."""
    assert point.attributes is not None
    return dict(point.attributes)
