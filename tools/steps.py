"""Run one step of a command, echoed as make echoes its recipes, and stop at the first failure
(as make does): a failed step raises StepFailed with its exit code."""

from __future__ import annotations

import os
import subprocess
import sys
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence
    from pathlib import Path

__all__ = ["StepFailed", "echo", "run_step"]


class StepFailed(RuntimeError):
    """A step exited non-zero; `python -m tools` exits with its code."""

    def __init__(self, command: Sequence[str | Path], returncode: int) -> None:
        super().__init__(f"{' '.join(map(str, command))} exited with {returncode}")
        self.returncode = returncode


def echo(line: str) -> None:
    sys.stdout.write(f"{line}\n")
    sys.stdout.flush()


def run_step(
    command: Sequence[str | Path],
    *,
    env: Mapping[str, str] | None = None,
    cwd: Path | None = None,
    quiet: bool = False,
) -> None:
    """Run `command` (no shell), with `env` added to this environment; StepFailed if it fails."""
    shown = " ".join(str(part) for part in command)
    if env:
        shown = " ".join([*(f"{k}={v}" for k, v in env.items()), shown])
    echo(shown)
    done = subprocess.run(  # noqa: S603 - argv built by this package, no shell
        [str(part) for part in command],
        env={**os.environ, **env} if env else None,
        cwd=cwd,
        stdout=subprocess.DEVNULL if quiet else None,
        check=False,
    )
    if done.returncode != 0:
        raise StepFailed(command, done.returncode)
