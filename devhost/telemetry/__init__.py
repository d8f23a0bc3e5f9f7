"""Telemetry the way the Functions host and the Python worker produce it on Azure.

With PYTHON_APPLICATIONINSIGHTS_ENABLE_TELEMETRY true, `configure` sets up OpenTelemetry as the
worker does (before the app is imported) and returns a `HostTelemetry`, which gives each
invocation its span and hands its context to the function. Otherwise it returns
`NoTelemetry` and imports nothing of OpenTelemetry. See docs/local-host.md, "Telemetry".
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from devhost.telemetry.invocations import (
    HostTelemetry,
    InvocationTrace,
    NoTelemetry,
    TracedInvocation,
)
from devhost.telemetry.options import TelemetryOptions, TelemetrySettingError

if TYPE_CHECKING:
    from collections.abc import Mapping

__all__ = [
    "HostTelemetry",
    "InvocationTrace",
    "NoTelemetry",
    "Telemetry",
    "TelemetrySettingError",
    "TracedInvocation",
    "configure",
]

logger = logging.getLogger(__name__)
Telemetry = HostTelemetry | NoTelemetry


def configure(environ: Mapping[str, str], *, route_prefix: str) -> Telemetry:
    options = TelemetryOptions.from_environ(environ)
    if options is None:
        return NoTelemetry()
    if not options.connection_string and not (options.traces or options.logs or options.metrics):
        # The worker logs an error and goes on without telemetry; so does devhost.
        logger.warning(
            "telemetry_not_configured reason=no APPLICATIONINSIGHTS_CONNECTION_STRING and no "
            "OTEL_*_EXPORTER=console|otlp"
        )
        return NoTelemetry()
    from devhost.telemetry.providers import configure_providers

    configure_providers(options)
    logger.info(
        "telemetry_configured azure_monitor=%s local_ingestion=%s traces=%s logs=%s metrics=%s",
        str(bool(options.connection_string)).lower(),
        str(options.local_ingestion).lower(),
        ",".join(sorted(options.traces)) or "-",
        ",".join(sorted(options.logs)) or "-",
        ",".join(sorted(options.metrics)) or "-",
    )
    return HostTelemetry(route_prefix, options.logger_name)
