"""Set up OpenTelemetry the way the Python worker does at start, before the app is imported.

The worker (azure-functions-python-worker, `initialize_azure_monitor`) sets
`OTEL_EXPERIMENTAL_RESOURCE_DETECTORS=azure_functions` unless already set, and calls
`configure_azure_monitor(connection_string=APPLICATIONINSIGHTS_CONNECTION_STRING,
logger_name=PYTHON_APPLICATIONINSIGHTS_LOGGER_NAME)`: tracer, logger and meter providers with
Azure Monitor exporters, a log handler on that logger (the root logger by default), and
azure-core's OpenTelemetry tracing, which makes every storage call a dependency.

devhost differs in three ways, each because it is one process where Azure has two:
- the HTTP client instrumentations (requests, urllib, urllib3) are off: the app's storage
  calls are traced by azure-core, which suppresses them; they were turned off for the event
  source's urllib posts, which are now aiohttp's (not instrumented by the distro);
- spans that belong to no invocation are dropped (`InvocationsOnly`): devhost's queue polling,
  blob scans and leases are the host's work, which on Azure never reaches the worker's
  telemetry;
- with an IngestionEndpoint on this machine, live metrics, statsbeat and the SDK's control
  plane (which would call Microsoft's endpoints) are off, so nothing leaves the machine.
"""

from __future__ import annotations

import importlib
import os
from typing import TYPE_CHECKING, Any

from devhost.telemetry.options import TelemetrySettingError
from devhost.telemetry.sampling import InvocationsOnly

if TYPE_CHECKING:
    from devhost.telemetry.options import TelemetryOptions

__all__ = ["configure_providers", "shutdown_providers"]

_HTTP_CLIENT_INSTRUMENTATIONS = ("requests", "urllib", "urllib3")
_OFFLINE = (
    "APPLICATIONINSIGHTS_STATSBEAT_DISABLED_ALL",
    "APPLICATIONINSIGHTS_CONTROLPLANE_DISABLED",
)
# Per signal: the distro's keyword, the option field, the console exporter and the OTLP one.
_SIGNALS = (
    (
        "span_processors",
        "traces",
        "opentelemetry.sdk.trace.export.ConsoleSpanExporter",
        "trace_exporter.OTLPSpanExporter",
    ),
    (
        "log_record_processors",
        "logs",
        "opentelemetry.sdk._logs.export.ConsoleLogRecordExporter",
        "_log_exporter.OTLPLogExporter",
    ),
    (
        "metric_readers",
        "metrics",
        "opentelemetry.sdk.metrics.export.ConsoleMetricExporter",
        "metric_exporter.OTLPMetricExporter",
    ),
)
_OTLP_PACKAGE = "opentelemetry.exporter.otlp.proto.http"


def _load(dotted: str) -> Any:
    module, _, name = dotted.rpartition(".")
    return getattr(importlib.import_module(module), name)


def _exporter(name: str, console: str, otlp: str) -> Any:
    """A console exporter, or an OTLP/HTTP one set by the OTEL_EXPORTER_OTLP_* variables."""
    if name == "console":
        return _load(console)()
    try:
        return _load(f"{_OTLP_PACKAGE}.{otlp}")()
    except ImportError as exc:
        raise TelemetrySettingError(
            "OTLP export needs opentelemetry-exporter-otlp-proto-http (requirements-dev.txt)"
        ) from exc


def _local_exporters(options: TelemetryOptions) -> dict[str, list[Any]]:
    """Span processors, log record processors and metric readers for console/OTLP viewing."""
    from opentelemetry.sdk._logs.export import BatchLogRecordProcessor
    from opentelemetry.sdk.metrics.export import PeriodicExportingMetricReader
    from opentelemetry.sdk.trace.export import BatchSpanProcessor

    wrap = {
        "span_processors": BatchSpanProcessor,
        "metric_readers": PeriodicExportingMetricReader,
        "log_record_processors": BatchLogRecordProcessor,
    }
    return {
        keyword: [
            wrap[keyword](_exporter(name, console, otlp))
            for name in sorted(getattr(options, field))
        ]
        for keyword, field, console, otlp in _SIGNALS
    }


def _configure_azure_monitor(options: TelemetryOptions, exporters: dict[str, list[Any]]) -> None:
    from azure.monitor.opentelemetry import configure_azure_monitor

    extra: dict[str, Any] = {}
    if options.local_ingestion:
        for name in _OFFLINE:
            os.environ.setdefault(name, "true")
        extra["enable_live_metrics"] = False
    off = {name: {"enabled": False} for name in _HTTP_CLIENT_INSTRUMENTATIONS}
    configure_azure_monitor(
        connection_string=options.connection_string,
        logger_name=options.logger_name,
        instrumentation_options=off,
        **exporters,
        **extra,
    )


def _configure_local_only(options: TelemetryOptions, exporters: dict[str, list[Any]]) -> None:
    """No connection string: the same providers, with only the console/OTLP exporters."""
    import logging

    from azure.core.settings import settings
    from azure.core.tracing.ext.opentelemetry_span import OpenTelemetrySpan
    from opentelemetry import _logs, metrics, trace
    from opentelemetry.instrumentation.logging.handler import LoggingHandler
    from opentelemetry.sdk._logs import LoggerProvider
    from opentelemetry.sdk.metrics import MeterProvider
    from opentelemetry.sdk.resources import Resource
    from opentelemetry.sdk.trace import TracerProvider

    resource = Resource.create()
    tracer_provider = TracerProvider(resource=resource)
    for processor in exporters["span_processors"]:
        tracer_provider.add_span_processor(processor)
    trace.set_tracer_provider(tracer_provider)
    logger_provider = LoggerProvider(resource=resource)
    for log_processor in exporters["log_record_processors"]:
        logger_provider.add_log_record_processor(log_processor)
    _logs.set_logger_provider(logger_provider)
    handler = LoggingHandler(logger_provider=logger_provider)
    logging.getLogger(options.logger_name).addHandler(handler)
    metrics.set_meter_provider(MeterProvider(exporters["metric_readers"], resource=resource))
    settings.tracing_implementation = OpenTelemetrySpan


def configure_providers(options: TelemetryOptions) -> None:
    os.environ.setdefault("OTEL_EXPERIMENTAL_RESOURCE_DETECTORS", "azure_functions")
    exporters = _local_exporters(options)
    if options.connection_string:
        _configure_azure_monitor(options, exporters)
    else:
        _configure_local_only(options, exporters)
    _drop_spans_outside_invocations()


def _drop_spans_outside_invocations() -> None:
    """Wrap the provider's sampler; tracers made from now on use the wrapper (the ones the
    distro made for the HTTP client instrumentations are off anyway)."""
    from opentelemetry import trace

    provider: Any = trace.get_tracer_provider()
    provider.sampler = InvocationsOnly(provider.sampler)


def shutdown_providers(logger_name: str = "") -> None:
    """Export what is buffered and stop, so a stopping devhost loses no telemetry. The log
    handler goes first: a record logged after its provider stopped would only warn."""
    import logging

    from opentelemetry import _logs, metrics, trace
    from opentelemetry.instrumentation.logging.handler import LoggingHandler

    logger = logging.getLogger(logger_name)
    for handler in [h for h in logger.handlers if isinstance(h, LoggingHandler)]:
        logger.removeHandler(handler)
    for provider in (
        trace.get_tracer_provider(),
        _logs.get_logger_provider(),
        metrics.get_meter_provider(),
    ):
        shutdown = getattr(provider, "shutdown", None)
        if shutdown is not None:
            shutdown()
