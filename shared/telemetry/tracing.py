"""Spans of the app's own work, and the trace context to hand to the next hop.

Inside an invocation the current OpenTelemetry context is the host's invocation span (the
worker attaches it from `context.trace_context`), so a span started here is its child, and
storage calls made inside become its dependencies (azure-core's OpenTelemetry tracing, which
the Azure Monitor distro turns on). With telemetry off every call here is a no-op that imports
nothing.
"""

from __future__ import annotations

import contextlib
from contextvars import ContextVar
from typing import TYPE_CHECKING, Literal, Protocol

from shared.telemetry.context import TraceContext
from shared.telemetry.switch import enabled

if TYPE_CHECKING:
    from collections.abc import Iterator, Mapping, Sequence

    from opentelemetry.context import Context
    from opentelemetry.trace import Span

__all__ = ["ENDUSER_ID", "TRACER_NAME", "SpanHandle", "caller", "current_trace_context", "span"]

TRACER_NAME = "orders-app"
# OpenTelemetry's attribute for the authenticated user; Azure Monitor shows it as the
# authenticated user id. Only ever a pseudonymous id (the Entra object id), never a name.
ENDUSER_ID = "enduser.id"
_enduser: ContextVar[str | None] = ContextVar("enduser", default=None)
SpanKindName = Literal["internal", "consumer", "producer"]
AttributeValue = str | bool | int | float


class SpanHandle(Protocol):
    def set(self, key: str, value: AttributeValue) -> None:
        """Add an attribute (a low-cardinality value or an identifier, never a payload)."""


class _NoSpan:
    def set(self, key: str, value: AttributeValue) -> None:
        return None


class _RecordingSpan:
    __slots__ = ("_span",)

    def __init__(self, span: Span) -> None:
        self._span = span

    def set(self, key: str, value: AttributeValue) -> None:
        self._span.set_attribute(key, value)


_NO_SPAN = _NoSpan()


def _extract(trace_context: TraceContext) -> Context:
    from opentelemetry.trace.propagation.tracecontext import TraceContextTextMapPropagator

    return TraceContextTextMapPropagator().extract(trace_context.to_fields())


@contextlib.contextmanager
def span(
    name: str,
    *,
    kind: SpanKindName = "internal",
    attributes: Mapping[str, AttributeValue] | None = None,
    parent: TraceContext | None = None,
    links: Sequence[TraceContext] = (),
) -> Iterator[SpanHandle]:
    """A span around the block, current inside it. `parent` continues a trace that came with
    a message (instead of the current one); `links` point at other related traces. An
    exception leaving the block is recorded on the span, which is then marked failed."""
    if not enabled():
        yield _NO_SPAN
        return
    from opentelemetry import trace

    tracer = trace.get_tracer(TRACER_NAME)
    related = [trace.Link(trace.get_current_span(_extract(t)).get_span_context()) for t in links]
    enduser = _enduser.get()
    with tracer.start_as_current_span(
        name,
        context=_extract(parent) if parent else None,
        kind=trace.SpanKind[kind.upper()],
        attributes=dict(attributes or {}) | ({ENDUSER_ID: enduser} if enduser else {}),
        links=related,
    ) as current:
        yield _RecordingSpan(current)


def current_trace_context() -> TraceContext | None:
    """The W3C context of the current span, to carry in a message; None with telemetry off or
    outside any trace."""
    if not enabled():
        return None
    from opentelemetry.trace.propagation.tracecontext import TraceContextTextMapPropagator

    carrier: dict[str, str] = {}
    TraceContextTextMapPropagator().inject(carrier)
    return TraceContext.parse(carrier.get("traceparent"), carrier.get("tracestate", ""))


@contextlib.contextmanager
def caller(caller_id: str) -> Iterator[None]:
    """Mark the block as `caller_id`'s request: the invocation's span, where this process
    records it (devhost), and every span the app starts inside carry `enduser.id`. On Azure the
    host, another process, records the request span, so the app's own spans carry it there."""
    if not enabled():
        yield
        return
    from opentelemetry import trace

    current = trace.get_current_span()
    if current.is_recording():
        current.set_attribute(ENDUSER_ID, caller_id)
    token = _enduser.set(caller_id)
    try:
        yield
    finally:
        _enduser.reset(token)
