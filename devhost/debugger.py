"""`python -m devhost --debugpy PORT [--debugpy-wait]`: let an editor attach and stop at
breakpoints inside the app's functions, without Core Tools.

Under `func start`, the Azure Functions extension has the Python worker listen with debugpy on
port 9091 and attaches its "Attach to Python Functions" configuration there. devhost runs the
functions in its own process, so it listens itself, before the app is imported: the same
attach configuration (or any DAP client) then works against devhost. debugpy is a dev
requirement (requirements-dev.txt), imported only when asked for.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import argparse

__all__ = ["DEBUG_PORT", "add_arguments", "listen"]

logger = logging.getLogger(__name__)
DEBUG_PORT = 9091  # the Azure Functions extension's debug port for Python (.vscode/launch.json)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--debugpy",
        type=int,
        metavar="PORT",
        default=None,
        help=f"listen for a debugger (DAP, debugpy) on 127.0.0.1:PORT, e.g. {DEBUG_PORT} as "
        "the 'Attach to Python Functions' configuration expects",
    )
    parser.add_argument(
        "--debugpy-wait",
        action="store_true",
        help="with --debugpy: start serving only once a debugger has attached",
    )


def listen(port: int, *, wait: bool = False, host: str = "127.0.0.1") -> None:
    """Start debugpy's listener (its adapter runs as a child process), and with `wait` block
    until a client has attached and finished configuring (its breakpoints are set)."""
    import debugpy

    debugpy.listen((host, port))
    logger.info("debugger_listening address=%s:%s wait=%s", host, port, str(wait).lower())
    if wait:
        debugpy.wait_for_client()
        logger.info("debugger_attached")
