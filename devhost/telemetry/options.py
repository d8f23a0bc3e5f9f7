"""Which telemetry devhost sets up, read from the app settings the worker reads.

`PYTHON_APPLICATIONINSIGHTS_ENABLE_TELEMETRY` turns it on, as it turns on the Python worker's
Azure Monitor set-up; `APPLICATIONINSIGHTS_CONNECTION_STRING` says where it goes. For viewing
on this machine the standard OpenTelemetry variables `OTEL_TRACES_EXPORTER`,
`OTEL_LOGS_EXPORTER` and `OTEL_METRICS_EXPORTER` may name `console` or `otlp` (devhost's own
addition: the worker does not read them).
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

if TYPE_CHECKING:
    from collections.abc import Mapping

__all__ = ["LOCAL_EXPORTERS", "TelemetryOptions", "TelemetrySettingError"]

SWITCH = "PYTHON_APPLICATIONINSIGHTS_ENABLE_TELEMETRY"
CONNECTION = "APPLICATIONINSIGHTS_CONNECTION_STRING"
LOGGER_NAME = "PYTHON_APPLICATIONINSIGHTS_LOGGER_NAME"
LOCAL_EXPORTERS = frozenset({"console", "otlp"})
_SIGNALS = {
    "traces": "OTEL_TRACES_EXPORTER",
    "logs": "OTEL_LOGS_EXPORTER",
    "metrics": "OTEL_METRICS_EXPORTER",
}
_TRUE = frozenset({"1", "true", "t", "yes", "y"})  # the worker's is_true_like


class TelemetrySettingError(ValueError):
    """A telemetry setting devhost cannot honour."""


def _exporters(environ: Mapping[str, str], name: str) -> frozenset[str]:
    listed = {part.strip().lower() for part in environ.get(name, "").split(",") if part.strip()}
    listed.discard("none")
    unknown = listed - LOCAL_EXPORTERS
    if unknown:
        raise TelemetrySettingError(
            f"{name}: devhost exports to {sorted(LOCAL_EXPORTERS)}, not {sorted(unknown)}"
        )
    return frozenset(listed)


def _ingestion_endpoint(connection_string: str) -> str:
    pairs = (part.split("=", 1) for part in connection_string.split(";") if "=" in part)
    return next((v.strip() for k, v in pairs if k.strip().lower() == "ingestionendpoint"), "")


@dataclass(frozen=True, slots=True)
class TelemetryOptions:
    connection_string: str | None
    logger_name: str
    traces: frozenset[str] = frozenset()
    logs: frozenset[str] = frozenset()
    metrics: frozenset[str] = frozenset()

    @classmethod
    def from_environ(cls, environ: Mapping[str, str]) -> TelemetryOptions | None:
        """The options, or None when telemetry is off."""
        if environ.get(SWITCH, "").strip().lower() not in _TRUE:
            return None
        exporters = {signal: _exporters(environ, name) for signal, name in _SIGNALS.items()}
        return cls(
            environ.get(CONNECTION, "").strip() or None,
            environ.get(LOGGER_NAME, ""),
            **exporters,
        )

    @property
    def local_ingestion(self) -> bool:
        """True when the connection string's IngestionEndpoint is this machine (a test sink,
        a local collector): then nothing at all should leave it."""
        host = urlsplit(_ingestion_endpoint(self.connection_string or "")).hostname or ""
        if host == "localhost":
            return True
        try:
            return ipaddress.ip_address(host).is_loopback
        except ValueError:
            return False
