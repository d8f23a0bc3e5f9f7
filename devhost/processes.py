"""Child processes that are asked to stop, never killed first: Azurite loses its latest writes
when killed, and devhost drains invocations in flight.

POSIX asks with SIGINT (Ctrl-C) and puts the child in a session of its own, so that the
terminal's Ctrl-C reaches only the processes the caller means. Windows has no signals between
processes: the one console event that can be sent to a chosen process is Ctrl-Break, and only
to a process group, so the child is started with CREATE_NEW_PROCESS_GROUP and stopped with
CTRL_BREAK_EVENT (Python raises SIGBREAK for it, which devhost.console handles; Node raises
SIGBREAK too, which devhost/azurite.cjs turns into Azurite's own shutdown).

Only the standard library: `python -m tools` imports this before any virtual environment exists.
"""

from __future__ import annotations

import logging
import signal
import subprocess
import sys
from typing import Any

__all__ = ["interrupt", "is_windows", "own_group", "stop"]

logger = logging.getLogger(__name__)
# The Windows values (winbase.h, wincon.h); the names exist only in Windows' Python, and the
# Windows branch runs in tests on any platform.
CREATE_NEW_PROCESS_GROUP = getattr(subprocess, "CREATE_NEW_PROCESS_GROUP", 0x200)
CTRL_BREAK_EVENT = getattr(signal, "CTRL_BREAK_EVENT", 1)


def is_windows() -> bool:
    """Read at each call, so tests can simulate the platform (monkeypatch sys.platform; not
    os.name, which pathlib reads to choose its path class)."""
    return sys.platform == "win32"


def own_group() -> dict[str, Any]:
    """`Popen` keyword arguments that give the child a process group (Windows) or session
    (POSIX) of its own: a terminal's Ctrl-C does not reach it, `interrupt` does."""
    if is_windows():
        return {"creationflags": CREATE_NEW_PROCESS_GROUP}
    return {"start_new_session": True}


def interrupt(process: subprocess.Popen[Any]) -> None:
    """Ask a child started with `own_group()` to stop, as Ctrl-C (or Ctrl-Break) would."""
    process.send_signal(CTRL_BREAK_EVENT if is_windows() else signal.SIGINT)


def stop(process: subprocess.Popen[Any], timeout: float = 15) -> int:
    """Interrupt, wait up to `timeout` s, and only then kill; the exit code."""
    if process.poll() is not None:
        return process.returncode
    interrupt(process)
    try:
        return process.wait(timeout)
    except subprocess.TimeoutExpired:
        logger.warning("process_killed pid=%s after_s=%s", process.pid, timeout)
        process.kill()
        return process.wait()
