"""devhost's modules do not import each other in a circle (conventions, 14), counting the
imports made only for type checking and those inside functions: each is a dependency."""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[3] / "devhost"


def _modules() -> dict[str, Path]:
    found = {}
    for path in PACKAGE.rglob("*.py"):
        parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        found[".".join(parts)] = path
    return found


def _imports(path: Path, modules: dict[str, Path]) -> set[str]:
    """The devhost modules `path` imports, each resolved to the module that holds the name."""
    named: list[str] = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            named += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            named += [f"{node.module}.{alias.name}" for alias in node.names]
    resolved = set()
    for name in named:
        while name and name not in modules:
            name = name.rpartition(".")[0]
        if name.startswith("devhost"):
            resolved.add(name)
    return resolved


def _graph() -> dict[str, set[str]]:
    modules = _modules()
    return {name: _imports(path, modules) - {name} for name, path in modules.items()}


def _cycle_from(start: str, graph: dict[str, set[str]]) -> list[str] | None:
    """A path of imports from `start` back to itself, if there is one."""
    paths, seen = [[start]], set()
    while paths:
        path = paths.pop()
        for imported in sorted(graph[path[-1]]):
            if imported == start:
                return [*path, start]
            if imported not in seen:
                seen.add(imported)
                paths.append([*path, imported])
    return None


def test_no_devhost_module_imports_itself_through_others() -> None:
    graph = _graph()
    assert len(graph) > 40  # the whole package was read
    cycles = [cycle for name in graph if (cycle := _cycle_from(name, graph))]
    assert cycles == [], " -> ".join(cycles[0])


def test_telemetry_does_not_import_the_invoker() -> None:
    graph = _graph()
    assert "devhost.telemetry" in graph["devhost.invocation"]
    telemetry = [name for name in graph if name.startswith("devhost.telemetry")]
    assert all("devhost.invocation" not in graph[name] for name in telemetry)
