"""Telemetry of the app: spans, metrics and log correlation through the OpenTelemetry API.

The app never configures OpenTelemetry: the Python worker does, when the app setting
PYTHON_APPLICATIONINSIGHTS_ENABLE_TELEMETRY is true (devhost does the same locally), and the
app records into what it set up. With the switch off, every function here is a no-op and
nothing of OpenTelemetry is imported. See docs/operations.md.
"""

from shared.telemetry import metrics
from shared.telemetry.context import TraceContext
from shared.telemetry.logs import current_invocation_id, invocation
from shared.telemetry.metrics import record
from shared.telemetry.switch import enabled
from shared.telemetry.tracing import SpanHandle, caller, current_trace_context, span

__all__ = [
    "SpanHandle",
    "TraceContext",
    "caller",
    "current_invocation_id",
    "current_trace_context",
    "enabled",
    "invocation",
    "metrics",
    "record",
    "span",
]
