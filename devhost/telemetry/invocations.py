"""Per invocation, what the Functions host and the Python worker do together on Azure.

The host starts a span for the invocation and sends its W3C context to the worker in the
invocation request; the worker exposes it as `context.trace_context` and, with Azure Monitor
configured, extracts it and attaches it around the function (`configure_opentelemetry` in
azure-functions-python-worker), so the function's spans, storage dependencies and logs are
the invocation span's children. devhost plays both parts: `InvocationTrace` is the span and
its context, and `run_sync` / `run_async` attach that context where the function runs.

The span follows OpenTelemetry's FaaS conventions: named after the function, kind SERVER
(Application Insights shows it as a request), `faas.trigger`, `faas.invocation_id`,
`faas.name`, and for HTTP the request method, URL, route and response status.
"""

from __future__ import annotations

import contextlib
from typing import TYPE_CHECKING, Any, Protocol

from devhost.telemetry.attributes import INVOCATION_ATTRIBUTE

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable, Iterator

    from opentelemetry.trace import Span, Tracer

    from devhost.functions import FunctionSpec
    from devhost.typeddata import InvocationResult, TriggerInput

__all__ = ["HostTelemetry", "InvocationTrace", "NoTelemetry", "TracedInvocation"]

_TRIGGERS = {
    "httpTrigger": "http",
    "queueTrigger": "pubsub",
    "blobTrigger": "datasource",
    "timerTrigger": "timer",
}


class TracedInvocation(Protocol):
    """What telemetry reads of an invocation (`devhost.invocation.Invocation` is one). A
    protocol, so that telemetry does not import the invoker that imports it."""

    @property
    def spec(self) -> FunctionSpec: ...

    @property
    def invocation_id(self) -> str: ...

    @property
    def trigger(self) -> TriggerInput: ...


def _trigger_attributes(invocation: TracedInvocation, route_prefix: str) -> dict[str, Any]:
    """From the trigger as the host sends it to the worker (devhost.typeddata)."""
    spec, trigger = invocation.spec, invocation.trigger
    if trigger.data.kind == "http":
        route = "/".join(
            part for part in (route_prefix, spec.trigger.get("route") or spec.name) if part
        )
        return {
            "http.request.method": trigger.data.value.method,
            "url.full": trigger.data.value.url,
            "http.route": f"/{route}",
        }
    if spec.trigger_type == "queueTrigger":
        message_id = trigger.metadata.get("Id")
        return {
            "messaging.message.id": str(message_id.value if message_id else ""),
            "messaging.destination.name": str(spec.trigger.get("queueName", "")),
        }
    if spec.trigger_type == "blobTrigger":
        name = trigger.metadata.get("BlobTrigger")
        return {"faas.document.name": str(name.value if name else "")}
    if spec.trigger_type == "timerTrigger":
        return {"faas.cron": str(spec.trigger.get("schedule", ""))}
    return {}


class InvocationTrace:
    """One invocation's span, and its context in the form the worker receives it."""

    def __init__(self, span: Span | None, trace_parent: str | None, trace_state: str) -> None:
        self._span = span
        self.trace_parent, self.trace_state = trace_parent, trace_state

    def _context(self) -> Any:
        from opentelemetry.trace.propagation.tracecontext import TraceContextTextMapPropagator

        carrier = {"traceparent": self.trace_parent or "", "tracestate": self.trace_state}
        return TraceContextTextMapPropagator().extract(carrier)

    def run_sync(self, function: Callable[..., Any], kwargs: dict[str, Any]) -> Any:
        """Call `function` on this thread under the invocation's context, as the worker's
        thread pool runs a sync function."""
        if self._span is None:
            return function(**kwargs)
        from opentelemetry import context

        token = context.attach(self._context())
        try:
            return function(**kwargs)
        finally:
            context.detach(token)

    async def run_async(self, awaitable: Awaitable[Any]) -> Any:
        """Await the coroutine under the invocation's context, as the worker runs an async
        function on its event loop."""
        if self._span is None:
            return await awaitable
        from opentelemetry import context

        token = context.attach(self._context())
        try:
            return await awaitable
        finally:
            context.detach(token)

    def finish(
        self,
        outcome: str,
        result: InvocationResult | None = None,
        error: BaseException | None = None,
    ) -> None:
        """Record how the invocation ended: `succeeded`, `failed` (with the function's error,
        as the host reports it) or `timeout`."""
        if self._span is None:
            return
        from opentelemetry.trace import StatusCode

        if error is not None:
            self._span.record_exception(error)
        status = result.http_status if result is not None else None
        if status is not None:
            self._span.set_attribute("http.response.status_code", status)
        if outcome != "succeeded" or (status is not None and status >= 500):
            self._span.set_status(StatusCode.ERROR, outcome)


class NoTelemetry:
    """Telemetry off: the function runs as it is, with devhost's usual trace context."""

    @contextlib.contextmanager
    def invocation(self, invocation: TracedInvocation) -> Iterator[InvocationTrace]:
        yield InvocationTrace(None, None, "")

    def shutdown(self) -> None:
        return None


class HostTelemetry:
    def __init__(self, route_prefix: str, logger_name: str = "") -> None:
        from opentelemetry import trace

        self._route_prefix, self._logger_name = route_prefix, logger_name
        self._tracer: Tracer = trace.get_tracer("devhost")

    @contextlib.contextmanager
    def invocation(self, invocation: TracedInvocation) -> Iterator[InvocationTrace]:
        """The invocation span, current on this thread for the block (so the host-side log
        line about the invocation joins the trace too)."""
        from opentelemetry.context import Context
        from opentelemetry.trace import SpanKind
        from opentelemetry.trace.propagation.tracecontext import TraceContextTextMapPropagator

        spec = invocation.spec
        attributes = {
            "faas.trigger": _TRIGGERS.get(spec.trigger_type, "other"),
            "faas.name": spec.name,
            INVOCATION_ATTRIBUTE: invocation.invocation_id,
            **_trigger_attributes(invocation, self._route_prefix),
        }
        with self._tracer.start_as_current_span(
            spec.name,
            context=Context(),
            kind=SpanKind.SERVER,
            attributes=attributes,
            record_exception=False,
            set_status_on_exception=False,
        ) as span:
            carrier: dict[str, str] = {}
            TraceContextTextMapPropagator().inject(carrier)
            yield InvocationTrace(span, carrier.get("traceparent"), carrier.get("tracestate", ""))

    def shutdown(self) -> None:
        from devhost.telemetry.providers import shutdown_providers

        shutdown_providers(self._logger_name)
