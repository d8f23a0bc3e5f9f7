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
from opentelemetry.sdk.metrics.export import InMemoryMetricReader
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

if TYPE_CHECKING:
    import pytest
    from opentelemetry.sdk.metrics.export import Metric
    from opentelemetry.sdk.trace import ReadableSpan


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
