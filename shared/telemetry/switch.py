"""Whether the app records telemetry: only when the worker has configured OpenTelemetry.

On Azure the Python worker calls `configure_azure_monitor()` when the app setting
PYTHON_APPLICATIONINSIGHTS_ENABLE_TELEMETRY is true (devhost does the same locally), before it
imports the app. The app never configures providers itself: it records through the
OpenTelemetry API into whatever the worker set up, and with the switch off it imports nothing
of OpenTelemetry at all (cold start).
"""

from __future__ import annotations

from shared.config import SettingsError, get_settings

__all__ = ["enabled"]


def enabled() -> bool:
    """True when telemetry is on. Telemetry never fails a request: settings that cannot be
    read mean off here (the code that needs them reports the error)."""
    try:
        return get_settings().telemetry_enabled
    except SettingsError:
        return False
