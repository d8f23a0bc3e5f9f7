"""`python -m devhost --debugpy PORT [--debugpy-wait]`: debugpy listens on loopback before the
app is imported, and waits for the client only when asked (no debugpy is really started)."""

from __future__ import annotations

import sys
import types

import pytest

from devhost import __main__ as entry
from devhost import debugger


@pytest.fixture
def calls(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, object]]:
    recorded: list[tuple[str, object]] = []
    fake = types.ModuleType("debugpy")
    fake.listen = lambda address: recorded.append(("listen", address))  # type: ignore[attr-defined]
    fake.wait_for_client = lambda: recorded.append(("wait", None))  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "debugpy", fake)
    return recorded


def test_the_port_listens_on_loopback_without_waiting(calls: list[tuple[str, object]]) -> None:
    debugger.listen(9091)
    assert calls == [("listen", ("127.0.0.1", 9091))]


def test_wait_blocks_until_a_client_has_attached(calls: list[tuple[str, object]]) -> None:
    debugger.listen(5678, wait=True)
    assert calls == [("listen", ("127.0.0.1", 5678)), ("wait", None)]


def test_devhost_listens_before_it_serves(
    calls: list[tuple[str, object]], monkeypatch: pytest.MonkeyPatch
) -> None:
    async def serve(args: object) -> int:
        calls.append(("serve", None))
        return 0

    monkeypatch.setattr(entry, "serve", serve)
    monkeypatch.setattr(entry, "configure_logging", lambda level: None)
    assert entry.main(["--debugpy", "9091", "--debugpy-wait"]) == 0
    assert [name for name, _ in calls] == ["listen", "wait", "serve"]


def test_without_the_option_there_is_no_debugger(
    calls: list[tuple[str, object]], monkeypatch: pytest.MonkeyPatch
) -> None:
    async def serve(args: object) -> int:
        return 0

    monkeypatch.setattr(entry, "serve", serve)
    monkeypatch.setattr(entry, "configure_logging", lambda level: None)
    assert entry.main([]) == 0
    assert calls == []
