"""devhost runs the app's start-up check named in pyproject.toml, and refuses to start when
it raises (issue 11: a misconfigured app must not come up and fail every request)."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING

import pytest

from devhost.startup_check import StartupCheckFailed, run_startup_check

if TYPE_CHECKING:
    from pathlib import Path


def _app(folder: Path, check_body: str) -> Path:
    (folder / "pyproject.toml").write_text(
        '[tool.devhost]\nstartup-check = "startup_probe_app:check"\n', encoding="utf-8"
    )
    (folder / "startup_probe_app.py").write_text(f"def check():\n    {check_body}\n")
    return folder


@pytest.fixture
def importable(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.delitem(sys.modules, "startup_probe_app", raising=False)
    return tmp_path


def test_a_failing_check_refuses_with_its_message(importable: Path) -> None:
    _app(importable, "raise ValueError('THUMBNAIL_FIT must be contain or cover')")
    with pytest.raises(StartupCheckFailed, match="THUMBNAIL_FIT must be contain or cover"):
        run_startup_check(importable)


def test_a_passing_check_is_reported(importable: Path) -> None:
    _app(importable, "return None")
    assert run_startup_check(importable) == "startup_probe_app:check"


def test_without_a_configured_check_nothing_runs(tmp_path: Path) -> None:
    assert run_startup_check(tmp_path) is None
    (tmp_path / "pyproject.toml").write_text("[tool.other]\nx = 1\n", encoding="utf-8")
    assert run_startup_check(tmp_path) is None
