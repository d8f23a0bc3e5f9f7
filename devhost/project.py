"""The app's `[tool.devhost]` table in its pyproject.toml: what devhost needs to know about an
app that the Functions host's own files (host.json, local.settings.json) cannot say."""

from __future__ import annotations

import tomllib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from pathlib import Path

__all__ = ["devhost_table"]


def devhost_table(script_root: Path) -> dict[str, Any]:
    """`[tool.devhost]` of `script_root/pyproject.toml`; empty without the file or the table."""
    path = script_root / "pyproject.toml"
    if not path.is_file():
        return {}
    with path.open("rb") as file:
        table = tomllib.load(file).get("tool", {}).get("devhost", {})
    return table if isinstance(table, dict) else {}
