"""`func start`'s static checks (tests/test_func_start_project.py) hold for the app indexed
with sharded event queues too: the number of queues is read when the app is imported, so the
checks run in a fresh interpreter with the setting in its environment."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_the_static_checks_pass_with_four_event_queues() -> None:
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-p",
            "no:cacheprovider",
            "tests/test_func_start_project.py",
        ],
        cwd=ROOT,
        env={**os.environ, "ORDER_EVENT_QUEUES": "4"},
        capture_output=True,
        text=True,
        timeout=280,
        check=False,
    )
    assert done.returncode == 0, done.stdout[-3000:]
    assert " passed" in done.stdout.splitlines()[-1]
