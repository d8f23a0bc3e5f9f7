"""Whether the app records telemetry: only when the worker has configured OpenTelemetry.

On Azure the Python worker calls `configure_azure_monitor()` when the app setting
PYTHON_APPLICATIONINSIGHTS_ENABLE_TELEMETRY is true (devhost does the same locally), before it
imports the app. The app never configures providers itself: it records through the
OpenTelemetry API into whatever the worker set up, and with the switch off it imports nothing
of OpenTelemetry at all (cold start).

The switch is read from the environment as the worker reads it, not from the app's settings
object: the worker's decision does not depend on the app's other settings, so an app whose
settings are invalid still reports its failures, and the switch needs no cache to reset.
"""

from __future__ import annotations

from shared.config import telemetry_switch

__all__ = ["enabled"]


def enabled() -> bool:
    return telemetry_switch()
