"""Load the app the way the Python worker indexes it: import `function_app.py`, find its one
FunctionApp, and read each function's generated binding JSON (`get_function_json()`).

There is no second list of routes or triggers anywhere: everything devhost serves comes
from that metadata.
"""

from __future__ import annotations

import importlib.util
import inspect
import json
import sys
from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING, Any

import azure.functions as func

if TYPE_CHECKING:
    from collections.abc import Callable
    from pathlib import Path

__all__ = ["AppLoadError", "FunctionSpec", "load_functions"]

SUPPORTED_TRIGGERS = ("httpTrigger", "blobTrigger", "queueTrigger", "timerTrigger", "warmupTrigger")


class AppLoadError(RuntimeError):
    """function_app.py cannot be imported or does not hold exactly one FunctionApp."""


@dataclass(frozen=True)
class FunctionSpec:
    """One registered function: its metadata and its Python callable."""

    name: str
    trigger: dict[str, Any]
    bindings: tuple[dict[str, Any], ...]
    callable: Callable[..., Any]
    script_root: Path

    @property
    def trigger_type(self) -> str:
        return str(self.trigger["type"])

    @cached_property
    def is_async(self) -> bool:
        return inspect.iscoroutinefunction(self.callable)

    @cached_property
    def parameters(self) -> tuple[str, ...]:
        return tuple(inspect.signature(self.callable).parameters)

    def outputs(self) -> tuple[dict[str, Any], ...]:
        return tuple(
            b
            for b in self.bindings
            if str(b.get("direction", "")).upper() == "OUT" and b.get("type") != "http"
        )

    @property
    def source_is_event_grid(self) -> bool:
        return str(self.trigger.get("source", "")).lower() == "eventgrid"

    def returns_to(self) -> dict[str, Any] | None:
        """The binding that receives the return value, if any (`$return`)."""
        return next((b for b in self.bindings if b.get("name") == "$return"), None)


def _import_app(script_root: Path) -> func.FunctionRegister:
    path = script_root / "function_app.py"
    if not path.is_file():
        raise AppLoadError(f"{path} not found")
    if str(script_root) not in sys.path:
        sys.path.insert(0, str(script_root))
    spec = importlib.util.spec_from_file_location("function_app", path)
    if spec is None or spec.loader is None:
        raise AppLoadError(f"cannot load {path}")
    module = importlib.util.module_from_spec(spec)
    sys.modules["function_app"] = module
    try:
        spec.loader.exec_module(module)
    except Exception as exc:
        raise AppLoadError(f"importing {path} failed: {exc!r}") from exc
    apps = [v for v in vars(module).values() if isinstance(v, func.FunctionRegister)]
    if len(apps) != 1:
        raise AppLoadError(f"{path} must define exactly one FunctionApp, found {len(apps)}")
    return apps[0]


def load_functions(script_root: Path) -> list[FunctionSpec]:
    app = _import_app(script_root.resolve())
    specs = []
    for function in app.get_functions():
        bindings = tuple(json.loads(function.get_function_json())["bindings"])
        trigger = next(b for b in bindings if str(b.get("type", "")).endswith("Trigger"))
        specs.append(
            FunctionSpec(
                name=str(function.get_function_name()),
                trigger=trigger,
                bindings=bindings,
                callable=function.get_user_function(),
                script_root=script_root.resolve(),
            )
        )
    return specs
