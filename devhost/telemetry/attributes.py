"""The attribute that marks an invocation span: set by `invocations`, read by `sampling`."""

from __future__ import annotations

__all__ = ["INVOCATION_ATTRIBUTE"]

# Every invocation span carries it (OpenTelemetry's FaaS conventions); the sampler keeps a span
# without a parent only when it has it (devhost.telemetry.sampling).
INVOCATION_ATTRIBUTE = "faas.invocation_id"
