"""Microsoft's worker library, imported only when the worker invoker is asked for: it ships
for Python 3.13 and later (`azure-functions-runtime`, requirements.txt); the 3.11 and 3.12
worker is not on PyPI (it comes only inside the Functions host's packages)."""

from __future__ import annotations

import importlib
import sys
from typing import Any

from devhost.worker.exceptions import WorkerUnavailable

__all__ = ["MINIMUM_PYTHON", "load_library"]

MINIMUM_PYTHON = (3, 13)


def load_library() -> Any:
    """The `azure_functions_runtime` module, or WorkerUnavailable saying why not."""
    if sys.version_info < MINIMUM_PYTHON:
        running = ".".join(map(str, sys.version_info[:2]))
        raise WorkerUnavailable(
            f"--invoker worker needs Python 3.13 or later (azure-functions-runtime, the worker "
            f"library Azure runs on 3.13+, is not published for older Pythons); this is "
            f"{running}: use the default --invoker inprocess"
        )
    try:
        return importlib.import_module("azure_functions_runtime")
    except ImportError as exc:
        raise WorkerUnavailable(
            "--invoker worker needs azure-functions-runtime (pip install -r requirements.txt)"
        ) from exc
