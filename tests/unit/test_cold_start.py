"""Importing the app must not load storage SDKs, their HTTP transport (aiohttp),
azure-identity or Pillow (cold start)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
HEAVY = (
    "azure.data.tables", "azure.storage", "azure.identity", "PIL", "azure.core.pipeline",
    "aiohttp", "requests",
)  # fmt: skip


def test_importing_function_app_loads_no_heavy_modules() -> None:
    probe = (
        "import json, sys; import function_app; "
        f"print(json.dumps(sorted(m for m in sys.modules if m.startswith({HEAVY!r}))))"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert json.loads(result.stdout) == []
