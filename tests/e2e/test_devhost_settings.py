"""devhost refuses to start while an app setting is invalid, naming it and its rule (issue 11)."""

from __future__ import annotations

import os
import subprocess
import sys

from devhost.azurite import free_port
from tests.e2e.harness import ROOT

SECRET = "too-short-secret"


def test_devhost_refuses_to_start_and_names_the_bad_settings() -> None:
    env = os.environ | {
        "AzureWebJobsStorage": "UseDevelopmentStorage=true",
        "THUMBNAIL_FIT": "squash",
        "ORDER_SWEEP_SCHEDULE": "0 0 25 * * *",  # no 25th hour
        "PAGING_TOKEN_SECRET": SECRET,
    }
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "devhost",
            "--port",
            str(free_port()),
            "--script-root",
            str(ROOT),
            "--settings-file",
            str(ROOT / "local.settings.json.example"),
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    output = done.stdout + done.stderr
    assert done.returncode == 1, output
    assert "devhost_start_failed" in output
    assert "THUMBNAIL_FIT must be contain or cover" in output
    assert "ORDER_SWEEP_SCHEDULE must be an NCRONTAB expression of 6 fields" in output
    assert "PAGING_TOKEN_SECRET must be at least 32 characters" in output
    assert SECRET not in output and "squash" not in output
    assert "Traceback" not in output
    assert "listening on" not in output
