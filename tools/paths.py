"""Where things are on this platform: the virtual environments' interpreters and scripts, and
the Node tools. Windows puts a venv's programs in `Scripts\\` with `.exe`, and npm's commands
are `.cmd` files that only a PATH search with PATHEXT (shutil.which) finds."""

from __future__ import annotations

import shutil
from pathlib import Path

from devhost.processes import is_windows

__all__ = [
    "OTHER_VENVS",
    "ROOT",
    "TOOLS_VENV",
    "VENV",
    "MissingProgram",
    "program",
    "venv_python",
    "venv_script",
]

ROOT = Path(__file__).resolve().parent.parent
VENV = ROOT / ".venv"
# checkov, azure-functions-doctor and shellcheck (tests/deploy) live apart: checkov's pins clash
# with the test tools'.
TOOLS_VENV = VENV / "tools"
OTHER_VENVS = ROOT / ".venvs"  # one per other supported Python: .venvs/3.12, .venvs/3.13


class MissingProgram(RuntimeError):
    """A program the command needs is not installed (the message says which, and how)."""


def venv_python(venv: Path) -> Path:
    """`.venv\\Scripts\\python.exe` on Windows, `.venv/bin/python` elsewhere."""
    if is_windows():
        return venv / "Scripts" / "python.exe"
    return venv / "bin" / "python"


def venv_script(venv: Path, name: str) -> Path:
    """A console script pip installed into `venv` (`lint-imports`, ...)."""
    if is_windows():
        return venv / "Scripts" / f"{name}.exe"
    return venv / "bin" / name


def program(name: str, hint: str) -> str:
    """The full path of `name` on PATH (`npm` is `npm.cmd` on Windows), or MissingProgram."""
    found = shutil.which(name)
    if found is None:
        raise MissingProgram(f"{name} not found on PATH: {hint}")
    return found
