"""The app's own start-up check, named in pyproject.toml, run before devhost serves anything.

Core Tools has no such hook, and on Azure the worker cannot refuse to start; locally we can
do better than a host that runs and fails every request. An app opts in with

    [tool.devhost]
    startup-check = "shared.bootstrap:settings"

devhost calls that function once app settings are in the environment; if it raises, devhost
refuses to start and prints the exception's message (the app's, so it must hold no secret).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

from devhost.project import devhost_table

if TYPE_CHECKING:
    from pathlib import Path

__all__ = ["StartupCheckFailed", "run_startup_check"]


class StartupCheckFailed(RuntimeError):
    """The app's start-up check raised: the app is not fit to run."""


def _configured(script_root: Path) -> str | None:
    target = devhost_table(script_root).get("startup-check")
    return str(target) if target else None


def run_startup_check(script_root: Path) -> str | None:
    """Run the configured check; the target it ran (None without one)."""
    target = _configured(script_root)
    if target is None:
        return None
    module_name, _, function_name = target.partition(":")
    check = getattr(importlib.import_module(module_name), function_name)
    try:
        check()
    except Exception as exc:
        raise StartupCheckFailed(f"{target}: {exc}") from exc
    return target
