"""What devhost's command-line entry points share: console logging, the stop signal, and a
quiet exit."""

from __future__ import annotations

import asyncio
import logging
import signal
import sys
from typing import Any

__all__ = ["configure_logging", "quiet_about_open_sessions", "stop_signal"]

logger = logging.getLogger("devhost")
_OPEN_AT_EXIT = ("Unclosed client session", "Unclosed connector")


def configure_logging(level: str) -> None:
    logging.basicConfig(
        level=level.upper(),
        stream=sys.stdout,
        format="%(asctime)s %(levelname)s %(name)s %(message)s",
    )
    # The storage SDKs log every request at INFO; keep the console to our own lines.
    logging.getLogger("azure").setLevel(logging.WARNING)


def stop_signal() -> asyncio.Event:
    """An event that SIGINT (Ctrl-C) or SIGTERM sets, and on Windows SIGBREAK (the Ctrl-Break
    that devhost/processes.py sends to stop a child); call it on the running loop."""
    loop = asyncio.get_running_loop()
    stop = asyncio.Event()
    for signum in (signal.SIGINT, signal.SIGTERM, *_windows_break()):
        try:
            loop.add_signal_handler(signum, stop.set)
        except NotImplementedError:  # Windows' event loops take no signal handlers
            signal.signal(signum, lambda *_: loop.call_soon_threadsafe(stop.set))
    return stop


def _windows_break() -> tuple[signal.Signals, ...]:
    """SIGBREAK exists only in Windows' Python."""
    found = getattr(signal, "SIGBREAK", None)
    return (found,) if isinstance(found, signal.Signals) else ()


def quiet_about_open_sessions(loop: asyncio.AbstractEventLoop, context: dict[str, Any]) -> None:
    """The loop's exception handler. An app keeps its storage clients for the life of the
    process (the worker gives it no shutdown hook; it is stopped, not asked): their aiohttp
    sessions are still open when devhost exits, which is expected, not an error worth a
    screen of ERROR lines."""
    if str(context.get("message", "")).startswith(_OPEN_AT_EXIT):
        logger.debug("open_at_exit %s", context["message"])
        return
    loop.default_exception_handler(context)
