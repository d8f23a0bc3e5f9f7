"""How each parameter of a function is converted, decided as Microsoft's worker library decides
it when it indexes the function (`Registry.add_indexed_function` in
azure_functions_runtime/functions.py, the same in the 3.11/3.12 worker): the resolved annotation
picks the converter, `str` and `bytes` take the generic one, `func.Out[T]` marks an output of
type `T`, and a `$return` binding takes the return value.
"""

from __future__ import annotations

import inspect
import typing
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from devhost.inprocess.convert import GENERIC, has_implicit_output

if TYPE_CHECKING:
    from devhost.functions import FunctionSpec

__all__ = ["FunctionPlan", "Param"]


@dataclass(frozen=True, slots=True)
class Param:
    """One converted value: the converter's binding name and the Python type wanted."""

    binding: str
    pytype: Any


def _out_type(annotation: Any) -> Any | None:
    """`T` of `func.Out[T]`, else None (the library checks the origin's class name)."""
    origin = typing.get_origin(annotation)
    if isinstance(origin, type) and origin.__name__ == "Out":
        (inner,) = typing.get_args(annotation)
        return inner
    return None


def _param(binding_type: str, pytype: Any) -> Param:
    if pytype in (str, bytes) and not has_implicit_output(binding_type):
        return Param(GENERIC, pytype)
    return Param(binding_type, pytype)


@dataclass(frozen=True, slots=True)
class FunctionPlan:
    inputs: dict[str, Param]
    outputs: dict[str, Param]
    returns: Param | None
    wants_context: bool
    directory: str  # the folder of the function's source file, the library's function_directory

    @classmethod
    def of(cls, spec: FunctionSpec) -> FunctionPlan:
        hints = typing.get_type_hints(spec.callable)
        types = {str(b["name"]): str(b["type"]) for b in spec.bindings}
        inputs, outputs = {}, {}
        for name in spec.parameters:
            if name not in types:
                continue  # `context`: validated by the worker, handed over below
            annotation = hints.get(name)
            inner = _out_type(annotation)
            if inner is not None:
                outputs[name] = _param(types[name], inner)
            else:
                inputs[name] = _param(types[name], annotation)
        returns = types.get("$return")
        return cls(
            inputs,
            outputs,
            None if returns is None else Param(returns, hints.get("return")),
            "context" in spec.parameters and "context" not in types,
            str(Path(inspect.getfile(spec.callable)).parent),
        )
