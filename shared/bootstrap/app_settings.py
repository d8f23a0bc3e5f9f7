"""The app's settings, read once per process, and what comes with them (the pseudonyms' key)."""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass, field

from shared.config import Settings, SettingsError, read_settings

__all__ = ["forget_settings", "settings"]

logger = logging.getLogger(__name__)


@dataclass
class _SettingsCache:
    """The settings, read once. While they are invalid every read raises SettingsError (every
    function fails with the same message), logged once per process, not per invocation."""

    value: Settings | None = None
    reported: set[str] = field(default_factory=set)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def get(self) -> Settings:
        value = self.value
        if value is not None:
            return value
        try:
            value = read_settings()
        except SettingsError as error:
            with self.lock:
                first = error.detail not in self.reported
                self.reported.add(error.detail)
            if first:
                logger.error("settings_invalid detail=%s", error.detail)
            raise
        _install_pseudonyms(value)
        self.value = value
        return value


def _install_pseudonyms(current: Settings) -> None:
    """The key of the pseudonyms in logs and spans comes with the settings (shared.telemetry
    .pseudonyms), and so does whether a customer id is an oid that may be recorded as it is."""
    from shared.telemetry import pseudonyms

    pseudonyms.install(pseudonyms.Pseudonyms.for_settings(current))


_settings = _SettingsCache()


def settings() -> Settings:
    """The app's settings (shared.config), read from the app settings once per process."""
    return _settings.get()


def forget_settings() -> None:
    """As a new process: the settings are read again on next use, and their problems logged
    again; no pseudonyms until then."""
    from shared.telemetry import pseudonyms

    _settings.value = None
    _settings.reported.clear()
    pseudonyms.install(None)
