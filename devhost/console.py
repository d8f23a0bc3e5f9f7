"""What devhost's command-line entry points share: console logging and waiting for Ctrl-C."""

from __future__ import annotations

import logging
import signal
import sys
import threading

__all__ = ["configure_logging", "wait_for_stop_signal"]


def configure_logging(level: str) -> None:
    logging.basicConfig(
        level=level.upper(),
        stream=sys.stdout,
        format="%(asctime)s %(levelname)s %(name)s %(message)s",
    )
    # The storage SDKs log every request at INFO; keep the console to our own lines.
    logging.getLogger("azure").setLevel(logging.WARNING)


def wait_for_stop_signal() -> None:
    """Block until SIGINT (Ctrl-C) or SIGTERM."""
    stop = threading.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: stop.set())
    while not stop.wait(0.5):
        pass
