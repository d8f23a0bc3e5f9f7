"""W3C trace context as plain values: what an order event carries from the write that made it
to the consumer that applies it.

No OpenTelemetry here: events are built and parsed whether or not telemetry is on, so this
module must stay cheap to import. Values from a message are untrusted: anything malformed is
dropped (the event itself stays valid), never passed on to the tracer.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

__all__ = ["TraceContext"]

# https://www.w3.org/TR/trace-context/#traceparent-header-field-values: version 00, or a later
# version (never ff) that may append fields; trace id and parent id are never all zeros.
_TRACEPARENT = re.compile(r"^([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})(-.*)?$")
_MAX_TRACESTATE = 512  # the recommended limit a vendor must propagate


@dataclass(frozen=True, slots=True)
class TraceContext:
    """A `traceparent` and its `tracestate`, as the W3C Trace Context headers spell them."""

    traceparent: str
    tracestate: str = ""

    @classmethod
    def parse(cls, traceparent: object, tracestate: object = "") -> TraceContext | None:
        """The context, or None when `traceparent` is absent or not a valid W3C value."""
        if not isinstance(traceparent, str):
            return None
        match = _TRACEPARENT.match(traceparent.strip().lower())
        if match is None:
            return None
        version, trace_id, parent_id, flags, rest = match.groups()
        if version == "ff" or (version == "00" and rest):
            return None
        if set(trace_id) == {"0"} or set(parent_id) == {"0"}:
            return None
        state = tracestate.strip() if isinstance(tracestate, str) else ""
        # A later version is read as version 00 and passed on as 00, as the spec asks.
        return cls(
            f"00-{trace_id}-{parent_id}-{flags}", state if len(state) <= _MAX_TRACESTATE else ""
        )

    @property
    def trace_id(self) -> str:
        return self.traceparent.split("-")[1]

    @property
    def sampled(self) -> bool:
        return bool(int(self.traceparent.split("-")[3], 16) & 1)

    def to_fields(self) -> dict[str, str]:
        """The context as message fields, named as the CloudEvents distributed tracing
        extension names them (`traceparent`, `tracestate`)."""
        fields = {"traceparent": self.traceparent}
        if self.tracestate:
            fields["tracestate"] = self.tracestate
        return fields

    @classmethod
    def from_fields(cls, data: dict[str, Any]) -> TraceContext | None:
        return cls.parse(data.get("traceparent"), data.get("tracestate", ""))
