"""The browser tests (tests/e2e/browser) drive Debian's chromium with playwright-core (npm ci).
Run as root with apt-get (as CI is), a missing chromium is installed; anywhere else nothing is
done, and those tests skip and say what to install (unless CI is set, where they fail)."""

from __future__ import annotations

import os
import shutil

from tools.steps import echo, run_step

__all__ = ["ensure_chromium"]


def _is_root() -> bool:
    geteuid = getattr(os, "geteuid", None)  # POSIX only: Windows has no root to install as
    return geteuid is not None and geteuid() == 0


def ensure_chromium() -> None:
    apt_get = shutil.which("apt-get")
    if shutil.which("chromium") or not _is_root() or apt_get is None:
        return
    echo("installing Debian's chromium for the browser tests")
    run_step([apt_get, "update", "-qq"])
    run_step(
        [apt_get, "install", "-y", "-qq", "chromium"],
        env={"DEBIAN_FRONTEND": "noninteractive"},
        quiet=True,
    )
