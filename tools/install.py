"""`setup`: the virtual environments and node_modules, each remade only when what it is made
from changed (a stamp file newer than its inputs, as make decides; the stamps are the ones the
Makefile used, so either way of running agrees)."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING

from tools.paths import OTHER_VENVS, ROOT, TOOLS_VENV, VENV, program, venv_python
from tools.pythons import find_python
from tools.steps import run_step

if TYPE_CHECKING:
    from collections.abc import Callable
    from pathlib import Path

__all__ = ["ensure_node_modules", "ensure_other_venv", "setup", "stale"]

STAMP = ".installed"
_APP_REQUIREMENTS = ["requirements.txt", "requirements-dev.txt"]
NODE_MODULES = ROOT / "node_modules"


def stale(stamp: Path, inputs: list[Path]) -> bool:
    """True when `stamp` is missing or older than one of `inputs`."""
    if not stamp.exists():
        return True
    made = stamp.stat().st_mtime
    return any(path.stat().st_mtime > made for path in inputs)


def _ensure_venv(
    venv: Path, base_python: Callable[[], str], requirements: str, inputs: list[str]
) -> Path:
    """`venv` with `requirements` installed; `base_python()` is asked for only when the venv
    does not exist yet. Its interpreter."""
    stamp = venv / STAMP
    if not stale(stamp, [ROOT / name for name in inputs]):
        return venv_python(venv)
    if not venv_python(venv).exists():
        run_step([base_python(), "-m", "venv", venv])
    run_step([venv_python(venv), "-m", "pip", "install", "--quiet", "-r", ROOT / requirements])
    stamp.touch()
    return venv_python(venv)


def ensure_node_modules() -> None:
    """Azurite and playwright-core, as package-lock.json pins them (`npm ci`)."""
    stamp = NODE_MODULES / STAMP
    if not stale(stamp, [ROOT / "package.json", ROOT / "package-lock.json"]):
        return
    npm = program("npm", "install Node.js 20 or later (it brings npm)")
    run_step([npm, "ci", "--no-audit", "--no-fund", "--loglevel=error"], cwd=ROOT)
    stamp.touch()


def setup() -> None:
    """.venv (the app and the dev tools), .venv/tools (the deploy linters), node_modules."""
    _ensure_venv(VENV, _this_python, "requirements-dev.txt", _APP_REQUIREMENTS)
    _ensure_venv(TOOLS_VENV, _this_python, "requirements-deploy.txt", ["requirements-deploy.txt"])
    ensure_node_modules()


def ensure_other_venv(version: str) -> Path:
    """.venvs/X.Y for another supported Python (found by tools.pythons); its interpreter."""
    return _ensure_venv(
        OTHER_VENVS / version,
        lambda: find_python(version),
        "requirements-dev.txt",
        _APP_REQUIREMENTS,
    )


def _this_python() -> str:
    """The Python running `python -m tools` (make's $(PYTHON)) makes .venv."""
    return sys.executable
