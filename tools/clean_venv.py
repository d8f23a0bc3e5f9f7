"""A virtual environment holding requirements.txt and nothing else, as the remote build installs
it on Azure: made with the deploy Python, without the dev tools, kept per requirements file (a
folder named after a hash of the file and the interpreter), so a second check reuses it."""

from __future__ import annotations

import hashlib
import shutil
from typing import TYPE_CHECKING

from tools.paths import venv_python
from tools.steps import run_step

if TYPE_CHECKING:
    from pathlib import Path

__all__ = ["ensure_clean_venv", "installed_bytes"]

_STAMP = ".requirements-installed"


def ensure_clean_venv(base_python: str, requirements: Path, cache: Path) -> Path:
    """The interpreter of a venv under `cache` with exactly `requirements` installed."""
    digest = hashlib.sha256(base_python.encode() + b"\0" + requirements.read_bytes()).hexdigest()
    venv = cache / digest[:16]
    if (venv / _STAMP).exists():
        return venv_python(venv)
    for stale in cache.glob("*") if cache.is_dir() else ():
        if (stale / _STAMP).exists() or stale == venv:  # an older requirements file's, or a
            shutil.rmtree(stale, ignore_errors=True)  # half-made one: start afresh
    run_step([base_python, "-m", "venv", venv])
    run_step([venv_python(venv), "-m", "pip", "install", "--quiet", "-r", requirements])
    (venv / _STAMP).touch()
    return venv_python(venv)


def installed_bytes(python: Path) -> int:
    """Bytes in the venv's site-packages, less pip itself (which the remote build does not put
    in the package)."""
    venv = python.parent.parent
    total = 0
    for site in [*venv.glob("lib/python*/site-packages"), *venv.glob("Lib/site-packages")]:
        for entry in site.iterdir():
            if entry.name.startswith("pip"):
                continue
            paths = [entry] if entry.is_file() else [p for p in entry.rglob("*") if p.is_file()]
            total += sum(path.stat().st_size for path in paths)
    return total
