"""devhost's own index of the app against the function metadata the worker library reports:
both come from the same decorators, so any difference means devhost would serve something the
worker does not run (a route, a trigger, an output), and devhost refuses to start.

Compared per function: its name and its bindings (the library's `raw_bindings`, the JSON the
host reads). The deferred-binding extension adds `properties.SupportsDeferredBinding` to an
SDK-type binding, which devhost's index (azure.functions' JSON) does not carry; that key is
left out of the comparison and marks the function as taking `ModelBindingData`.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from devhost.worker.exceptions import MetadataMismatch

if TYPE_CHECKING:
    from devhost.functions import FunctionSpec

__all__ = ["WorkerFunction", "match_metadata"]

_DEFERRED = "SupportsDeferredBinding"


class WorkerFunction:
    """One function as the worker reported it."""

    def __init__(self, metadata: Any) -> None:
        self.metadata = metadata
        self.function_id: str = metadata.function_id
        self.bindings = [json.loads(raw) for raw in metadata.raw_bindings]

    @property
    def deferred_bindings(self) -> set[str]:
        """Names of the bindings the worker wants as ModelBindingData (SDK types)."""
        return {
            str(b.get("name"))
            for b in self.bindings
            if str((b.get("properties") or {}).get(_DEFERRED, "")).lower() == "true"
        }

    def comparable_bindings(self) -> list[dict[str, Any]]:
        kept = []
        for binding in self.bindings:
            binding = dict(binding)
            properties = {
                k: v for k, v in (binding.pop("properties", None) or {}).items() if k != _DEFERRED
            }
            if properties:
                binding["properties"] = properties
            kept.append(binding)
        return _sorted(kept)


def _sorted(bindings: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return sorted(bindings, key=lambda b: json.dumps(b, sort_keys=True))


def match_metadata(
    served: list[FunctionSpec], metadata: list[Any], *, subset: bool
) -> dict[str, WorkerFunction]:
    """The worker's function for each served one, by name; MetadataMismatch listing every
    difference otherwise. With `subset` (`--functions`), functions devhost leaves out are
    expected to be missing from its side only."""
    worker = {m.name: WorkerFunction(m) for m in metadata}
    problems = []
    for spec in served:
        found = worker.get(spec.name)
        if found is None:
            problems.append(f"{spec.name}: devhost serves it, the worker did not index it")
        elif found.comparable_bindings() != _sorted([dict(b) for b in spec.bindings]):
            problems.append(
                f"{spec.name}: bindings differ: devhost {json.dumps(list(spec.bindings))}, "
                f"worker {json.dumps(found.bindings)}"
            )
    if not subset:
        names = {spec.name for spec in served}
        problems += [
            f"{name}: the worker indexed it, devhost does not serve it"
            for name in worker
            if name not in names
        ]
    if problems:
        raise MetadataMismatch(
            "devhost's index of the app and the worker's metadata differ: " + "; ".join(problems)
        )
    return {spec.name: worker[spec.name] for spec in served}
