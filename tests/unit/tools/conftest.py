"""Fixtures for `python -m tools`: its steps recorded instead of run, and a simulated Windows."""

from __future__ import annotations

import os
import sys
from typing import TYPE_CHECKING, Any

import pytest

from tools import browser, commands, install

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence
    from pathlib import Path


class Steps(list[tuple[str, ...]]):
    """Each step's command as strings, paths relative to the repository where they are in it."""

    envs: list[Mapping[str, str] | None]


@pytest.fixture
def steps(monkeypatch: pytest.MonkeyPatch) -> Steps:
    recorded = Steps()
    recorded.envs = []

    def record(command: Sequence[str | Path], **kwargs: Any) -> None:
        recorded.append(tuple(_short(part) for part in command))
        recorded.envs.append(kwargs.get("env"))

    for module in (commands, install, browser):
        monkeypatch.setattr(module, "run_step", record)
    return recorded


def _short(part: str | Path) -> str:
    root = str(vars(install)["ROOT"])  # as a test may have pointed it elsewhere
    text = str(part)
    return text.replace(root + os.sep, "").replace(root, ".").replace(os.sep, "/")


@pytest.fixture
def windows(monkeypatch: pytest.MonkeyPatch) -> None:
    """Windows as far as the code under test asks (sys.platform, read by
    devhost.processes.is_windows); paths stay this platform's."""
    monkeypatch.setattr(sys, "platform", "win32")
