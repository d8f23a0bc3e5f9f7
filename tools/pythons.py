"""Find a Python X.Y for `test`'s other-version legs, as a person would start one: the `py`
launcher on Windows (`py -3.13`), else `pythonX.Y` on PATH (a pyenv shim only runs when that
version is selected), else the newest X.Y.* that pyenv installed."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

from devhost.processes import is_windows
from tools.paths import MissingProgram

__all__ = ["find_python"]

_WHERE = ("-c", "import sys; print(sys.executable)")


def find_python(version: str) -> str:
    """The path of a Python `version` interpreter, or MissingProgram with a hint."""
    candidates = [["py", f"-{version}"]] if is_windows() else [[f"python{version}"]]
    for command in candidates:
        found = _executable(command)
        if found:
            return found
    pyenv = None if is_windows() else _newest_pyenv(version)
    if pyenv:
        return pyenv
    how = f"py install {version}" if is_windows() else f"pyenv install {version}"
    raise MissingProgram(
        f"Python {version} not found (tried {' or '.join(' '.join(c) for c in candidates)}"
        f"{'' if is_windows() else ' and pyenv'}). Install it ({how}), or skip it: "
        "--other-pythons '' (make test OTHER_PYTHONS=)"
    )


def _executable(command: list[str]) -> str | None:
    """What `sys.executable` the command's Python reports, if it runs."""
    launcher = shutil.which(command[0])
    if launcher is None:
        return None
    try:
        done = subprocess.run(  # noqa: S603 - a fixed argv
            [launcher, *command[1:], *_WHERE], capture_output=True, text=True, timeout=30
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    found = done.stdout.strip()
    return found if done.returncode == 0 and found else None


def _newest_pyenv(version: str) -> str | None:
    root = Path(os.environ.get("PYENV_ROOT") or Path.home() / ".pyenv") / "versions"
    pattern = re.compile(rf"^{re.escape(version)}\.(\d+)$")
    installed = [
        (int(match.group(1)), path)
        for path in (root.iterdir() if root.is_dir() else ())
        if (match := pattern.match(path.name))
    ]
    for _, path in sorted(installed, reverse=True):
        interpreter = path / "bin" / f"python{version}"
        if interpreter.is_file():
            return str(interpreter)
    return None
