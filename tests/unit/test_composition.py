"""function_app.py only composes: one FunctionApp and the blueprints, nothing else. The other
layering rules are import-linter contracts in pyproject.toml (`make lint`), which cannot take
a top-level module like function_app.py as a root."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _imports(path: Path) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
    return found


def test_function_app_imports_only_the_functions_library_and_the_blueprints() -> None:
    imported = _imports(ROOT / "function_app.py")
    assert imported == {"azure.functions", "blueprints"}


def test_function_app_registers_each_blueprint_once_and_defines_nothing() -> None:
    tree = ast.parse((ROOT / "function_app.py").read_text(encoding="utf-8"))
    assert not [n for n in tree.body if isinstance(n, ast.FunctionDef | ast.ClassDef)]
    registered = [
        ast.unparse(call.args[0])
        for call in ast.walk(tree)
        if isinstance(call, ast.Call) and ast.unparse(call.func) == "app.register_functions"
    ]
    modules = {p.stem for p in (ROOT / "blueprints").glob("*.py")}
    with_blueprint = {
        m for m in modules if "Blueprint()" in (ROOT / "blueprints" / f"{m}.py").read_text()
    }
    assert sorted(registered) == sorted(f"{m}.bp" for m in with_blueprint)


def test_nothing_in_the_app_or_devhost_imports_function_app() -> None:
    importers = [
        path.relative_to(ROOT).as_posix()
        for package in ("shared", "blueprints", "devhost")
        for path in (ROOT / package).rglob("*.py")
        if "function_app" in _imports(path)
    ]
    assert importers == []
