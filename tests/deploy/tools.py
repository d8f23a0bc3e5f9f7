"""The deploy linters, from the virtual environment `make setup` gives them (.venv/tools)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
TOOLS_BIN = ROOT / ".venv" / "tools" / "bin"
# The project as `func azure functionapp publish` and the doctor see it.
PROJECT_FILES = (
    "function_app.py",
    "host.json",
    "requirements.txt",
    ".funcignore",
    "blueprints",
    "shared",
    "infra",
)


def tool(name: str) -> Path:
    path = TOOLS_BIN / name
    assert path.exists(), f"{path} is missing: run `make setup` (requirements-deploy.txt)"
    return path


def run(
    args: list[str | Path],
    *,
    cwd: Path = ROOT,
    env: dict[str, str] | None = None,
    timeout: float = 300,
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(arg) for arg in args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=timeout,
        env={**os.environ, **(env or {})},
        check=False,
    )


def copy_project(target: Path) -> Path:
    """A copy of the deployable project, to run a linter on a changed version of it."""
    for name in PROJECT_FILES:
        source = ROOT / name
        if source.is_dir():
            shutil.copytree(source, target / name, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy2(source, target / name)
    return target


def checkov(directory: Path) -> dict[str, Any]:
    """checkov's Bicep scan of `directory`, offline (--skip-download), as JSON."""
    result = run(
        [
            tool("checkov"),
            "--framework",
            "bicep",
            "--skip-download",
            "--output",
            "json",
            "--directory",
            directory,
        ]
    )
    assert result.stdout.strip(), result.stderr[-3000:]
    report: dict[str, Any] = json.loads(result.stdout)
    return report


def doctor(project: Path) -> list[dict[str, Any]]:
    """azure-functions-doctor's full profile on `project`: every rule's result."""
    result = run(
        [
            tool("azure-functions-doctor"),
            "doctor",
            "--profile",
            "full",
            "--format",
            "json",
            "--path",
            project,
        ],
        env={"VIRTUAL_ENV": str(ROOT / ".venv")},  # as after `source .venv/bin/activate`
    )
    assert result.stdout.strip(), result.stderr[-3000:]
    report = json.loads(result.stdout)
    return [item for section in report["results"] for item in section["items"]]
