"""Keep only the spans of invocations: the host's invocation span and what runs under it."""

from __future__ import annotations

from typing import TYPE_CHECKING

from opentelemetry import trace
from opentelemetry.sdk.trace.sampling import Decision, Sampler, SamplingResult

from devhost.telemetry.attributes import INVOCATION_ATTRIBUTE

if TYPE_CHECKING:
    from collections.abc import Sequence

    from opentelemetry.context import Context
    from opentelemetry.trace import Link, SpanKind, TraceState
    from opentelemetry.util.types import Attributes

__all__ = ["InvocationsOnly"]


class InvocationsOnly(Sampler):
    """Drops a span that has no parent unless it is an invocation span, and any span under a
    dropped one; leaves every other decision to the sampler it wraps (the distro's).

    A span with no parent here is devhost's own work (polling, leases, blob scans): on Azure
    that is the host's, and the worker's telemetry never sees it. The app's spans always have
    a parent: the invocation's, or the trace context an order event carried."""

    def __init__(self, inner: Sampler) -> None:
        self._inner = inner

    def should_sample(
        self,
        parent_context: Context | None,
        trace_id: int,
        name: str,
        kind: SpanKind | None = None,
        attributes: Attributes = None,
        links: Sequence[Link] | None = None,
        trace_state: TraceState | None = None,
    ) -> SamplingResult:
        parent = trace.get_current_span(parent_context).get_span_context()
        if not parent.is_valid and INVOCATION_ATTRIBUTE not in (attributes or {}):
            return SamplingResult(Decision.DROP)
        if parent.is_valid and not parent.is_remote and not parent.trace_flags.sampled:
            return SamplingResult(Decision.DROP)  # under a dropped span: devhost's own work
        return self._inner.should_sample(
            parent_context, trace_id, name, kind, attributes, links, trace_state
        )

    def get_description(self) -> str:
        return f"InvocationsOnly{{{self._inner.get_description()}}}"
