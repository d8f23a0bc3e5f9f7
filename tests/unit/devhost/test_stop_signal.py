"""devhost stops gracefully on what each platform sends: SIGINT and SIGTERM, and on Windows
SIGBREAK (the Ctrl-Break of devhost/processes.py). SIGBREAK exists only in Windows' Python, so
here it is played by SIGUSR1, delivered for real."""

from __future__ import annotations

import asyncio
import os
import signal

import pytest

from devhost.console import stop_signal


async def test_ctrl_break_sets_the_stop_signal_on_windows(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(signal, "SIGBREAK", signal.SIGUSR1, raising=False)
    loop = asyncio.get_running_loop()
    stop = stop_signal()
    try:
        os.kill(os.getpid(), signal.SIGUSR1)
        await asyncio.wait_for(stop.wait(), 5)
    finally:
        for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGUSR1):
            loop.remove_signal_handler(signum)
    assert stop.is_set()


async def test_elsewhere_there_is_no_sigbreak_to_handle(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delattr(signal, "SIGBREAK", raising=False)
    loop = asyncio.get_running_loop()
    stop_signal()
    try:
        assert not loop.remove_signal_handler(signal.SIGUSR1)
    finally:
        for signum in (signal.SIGINT, signal.SIGTERM):
            assert loop.remove_signal_handler(signum)
