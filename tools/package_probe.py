"""Run by `tools package` with the clean environment's Python, from inside the staged package.

1. Import every module of the package: each module's own imports must resolve (the blueprints
   load parts of the core on first use, so importing function_app alone misses them).
2. Every import statement inside a function body (a deferred import, as the app does for its
   heavy SDKs) must find its module too, though it only runs on the first call. Imports for
   type checkers (`if TYPE_CHECKING:`) and ones guarded by `except ImportError` are optional.

Standard library only; prints one JSON line: the modules, and each failure with its error.
"""

from __future__ import annotations

import ast
import importlib
import importlib.util
import json
import sys
import traceback
from pathlib import Path


def module_names(root: Path) -> dict[str, Path]:
    """Every .py file under `root` by dotted module name (a package by its __init__)."""
    names = {}
    for path in sorted(root.rglob("*.py")):
        parts = path.relative_to(root).with_suffix("").parts
        if parts[-1] == "__init__":
            parts = parts[:-1]
        if parts and all(part.isidentifier() for part in parts):
            names[".".join(parts)] = path
    return names


def _optional(node: ast.AST) -> bool:
    """An `if TYPE_CHECKING:` block, or a try that catches ImportError."""
    if isinstance(node, ast.If):
        return "TYPE_CHECKING" in ast.unparse(node.test)
    if isinstance(node, ast.Try):
        return any("ImportError" in ast.unparse(h.type) for h in node.handlers if h.type)
    return False


def deferred_imports(tree: ast.AST, package: str) -> list[str]:
    """The modules imported inside function bodies (absolute names), not counting optional
    ones. `package` resolves relative imports."""
    found: list[str] = []

    def visit(node: ast.AST, in_function: bool) -> None:
        if _optional(node):
            return
        if in_function and isinstance(node, ast.Import):
            found.extend(alias.name for alias in node.names)
        elif in_function and isinstance(node, ast.ImportFrom):
            base = "." * node.level + (node.module or "")
            found.append(importlib.util.resolve_name(base, package) if node.level else base)
        inner = in_function or isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
        for child in ast.iter_child_nodes(node):
            visit(child, inner)

    visit(tree, False)
    return found


def _error(exc: BaseException) -> str:
    return traceback.format_exception_only(type(exc), exc)[-1].strip()


def check(root: Path) -> dict[str, object]:
    names = module_names(root)
    failures = []
    for name, path in names.items():
        try:
            importlib.import_module(name)
        except BaseException as exc:  # noqa: BLE001 - any failure to import is the finding
            failures.append({"module": name, "error": _error(exc)})
            continue
        package = name if path.name == "__init__.py" else name.rpartition(".")[0]
        for wanted in deferred_imports(ast.parse(path.read_bytes()), package):
            try:
                found = importlib.util.find_spec(wanted)
            except BaseException as exc:  # noqa: BLE001 - a parent failed to import
                failures.append({"module": name, "error": _error(exc)})
                continue
            if found is None:
                error = f"ModuleNotFoundError: No module named '{wanted}' (imported on first call)"
                failures.append({"module": name, "error": error})
    return {"modules": list(names), "failures": failures}


if __name__ == "__main__":
    sys.path.insert(0, str(Path(sys.argv[1]).resolve()))
    sys.stdout.write(json.dumps(check(Path(sys.argv[1]).resolve())) + "\n")
