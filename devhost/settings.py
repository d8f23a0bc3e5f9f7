"""App settings for a local run: local.settings.json `Values` become environment variables.

As with Core Tools, a variable already set in the environment wins over the file, so CI and
the e2e tests can point the app at their own Azurite. Without local.settings.json the
example file's defaults are used, so a fresh clone runs without any set-up step.
"""

from __future__ import annotations

import json
import logging
import os
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import MutableMapping
    from pathlib import Path

__all__ = ["LocalSettings", "SettingsFileError", "apply_values", "load_local_settings"]

logger = logging.getLogger(__name__)

FILE_NAMES = ("local.settings.json", "local.settings.json.example")


class SettingsFileError(ValueError):
    """local.settings.json is not valid JSON or has the wrong shape."""


@dataclass(frozen=True, slots=True)
class LocalSettings:
    """What Core Tools reads from local.settings.json."""

    values: dict[str, str] = field(default_factory=dict)
    local_http_port: int | None = None
    cors_origins: tuple[str, ...] = ()
    cors_credentials: bool = False
    source: Path | None = None


def _read(path: Path) -> dict[str, Any]:
    try:
        document = json.loads(path.read_text(encoding="utf-8-sig"))
    except (OSError, ValueError) as exc:
        raise SettingsFileError(f"{path.name}: {exc}") from exc
    except RecursionError as exc:  # thousands of nested brackets: not a settings file
        raise SettingsFileError(f"{path.name}: nested too deeply") from exc
    if not isinstance(document, dict):
        raise SettingsFileError(f"{path.name}: the top level must be an object")
    return document


def _parse(document: dict[str, Any], source: Path) -> LocalSettings:
    values = document.get("Values") or {}
    host = document.get("Host") or {}
    if not isinstance(values, dict) or not isinstance(host, dict):
        raise SettingsFileError(f"{source.name}: Values and Host must be objects")
    port = host.get("LocalHttpPort")
    cors = str(host.get("CORS") or "")
    return LocalSettings(
        values={str(key): "" if value is None else str(value) for key, value in values.items()},
        local_http_port=int(port) if port not in (None, "") else None,
        cors_origins=tuple(origin.strip() for origin in cors.split(",") if origin.strip()),
        cors_credentials=bool(host.get("CORSCredentials", False)),
        source=source,
    )


def load_local_settings(script_root: Path, settings_file: Path | None = None) -> LocalSettings:
    """`settings_file` when given, else local.settings.json if present, else the example
    file, else nothing."""
    candidates = [settings_file] if settings_file else [script_root / n for n in FILE_NAMES]
    for path in candidates:
        if path.is_file():
            return _parse(_read(path), path)
    if settings_file:
        raise SettingsFileError(f"{settings_file} does not exist")
    return LocalSettings()


def apply_values(
    settings: LocalSettings, environ: MutableMapping[str, str] | None = None
) -> dict[str, str]:
    """Copy `Values` into the environment, never overriding a variable that is already set.

    Returns the settings actually applied.
    """
    target = os.environ if environ is None else environ
    applied: dict[str, str] = {}
    for key, value in settings.values.items():
        if key in target:
            logger.info("setting_skipped name=%s reason=already_in_environment", key)
            continue
        target[key] = value
        applied[key] = value
    return applied
