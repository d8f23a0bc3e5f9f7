"""Core modules that load on first use instead of at start-up.

The worker imports `function_app` and with it every blueprint before the first invocation
(cold start). A blueprint only needs its decorators at import time; the core behind each
function loads the first time that function runs, so no function pays for another's code.
Blueprints bind the real module under TYPE_CHECKING, so type checkers still see it.

Every module bound here is remembered, so the warmup function (blueprints/warmup.py) can load
them all before an instance takes traffic: the list of what the functions import on first use
is the blueprints' own bindings, not a second list kept beside them.
"""

import importlib
from typing import Any

__all__ = ["import_all", "lazy_module"]

_BOUND: dict[str, None] = {}  # the modules bound so far, in order


class _LazyModule:
    """Stands for a module and imports it on first attribute access. The import system's
    per-module locks make a first use from several threads at once safe."""

    def __init__(self, name: str) -> None:
        self._name = name

    def __getattr__(self, attribute: str) -> Any:
        return getattr(importlib.import_module(self._name), attribute)

    def __repr__(self) -> str:
        return f"<lazy module {self._name!r}>"


def lazy_module(name: str) -> Any:
    _BOUND[name] = None
    return _LazyModule(name)


def import_all() -> tuple[str, ...]:
    """Import every module a blueprint bound lazily (what first uses would load); their names."""
    for name in _BOUND:
        importlib.import_module(name)
    return tuple(_BOUND)
