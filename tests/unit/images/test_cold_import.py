"""Importing the app must not load Pillow or the blob SDK (cold start): the thumbnail
function imports them on its first invocation."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]


def test_import_function_app_loads_neither_pillow_nor_blob_sdk() -> None:
    probe = (
        "import json, sys, function_app; "
        "print(json.dumps(sorted(m for m in sys.modules "
        "if m == 'PIL' or m.startswith(('PIL.', 'azure.storage.blob')))))"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, check=True
    )

    assert json.loads(result.stdout) == []


def test_the_thumbnail_functions_are_registered() -> None:
    probe = (
        "import json, function_app; "
        "print(json.dumps(sorted(f.get_function_name() for f in function_app.app.get_functions())))"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, check=True
    )

    names = set(json.loads(result.stdout))
    assert {"make_thumbnail", "get_image_status", "create_image_upload"} <= names
