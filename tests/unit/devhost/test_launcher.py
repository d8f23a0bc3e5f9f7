"""`make run`: which processes the launcher starts, with and without Core Tools (no process is
really started: Popen is recorded)."""

from __future__ import annotations

import shutil
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from devhost import launcher


class FakeProcess:
    def __init__(self, command: list[str], **kwargs: Any) -> None:
        self.command, self.kwargs = command, kwargs
        self.signals: list[int] = []

    def wait(self, timeout: float | None = None) -> int:
        return 0

    def poll(self) -> int | None:
        return None if not self.signals else 0

    def send_signal(self, signum: int) -> None:
        self.signals.append(signum)


@pytest.fixture
def cors(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, list[str]]]:
    """The blob CORS rules the launcher sets, recorded instead of sent to Azurite."""
    calls: list[tuple[str, list[str]]] = []

    def record(connection: str, origins: list[str]) -> None:
        calls.append((connection, origins))

    monkeypatch.setattr(launcher, "allow_browser_uploads", record)
    return calls


@pytest.fixture
def started(
    monkeypatch: pytest.MonkeyPatch, cors: list[tuple[str, list[str]]]
) -> list[FakeProcess]:
    processes: list[FakeProcess] = []

    def popen(command: list[str], **kwargs: Any) -> FakeProcess:
        processes.append(FakeProcess(command, **kwargs))
        return processes[-1]

    monkeypatch.setattr(subprocess, "Popen", popen)
    monkeypatch.setattr(launcher, "_start_storage", lambda: None)
    monkeypatch.setattr(launcher, "_ensure_settings", lambda: None)
    monkeypatch.setattr(signal, "signal", lambda *args: None)  # leave pytest's alone
    return processes


def test_with_core_tools_the_event_source_runs_beside_func_start(
    started: list[FakeProcess], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(shutil, "which", lambda name: "/opt/func/func")

    assert launcher.main(["--port", "7123"]) == 0

    host, source = started
    assert host.command == ["/opt/func/func", "start", "--port", "7123"]
    assert source.command == [
        sys.executable,
        "-m",
        "devhost.eventsource",
        "--target",
        "http://localhost:7123",
        "--script-root",
        str(launcher.ROOT),
    ]
    assert source.kwargs["start_new_session"] is True  # stopped by us, after the host
    assert source.signals == [signal.SIGINT]


def test_without_core_tools_devhost_runs_the_source_itself(
    started: list[FakeProcess], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(shutil, "which", lambda name: None)

    assert launcher.main([]) == 0

    [host] = started
    assert host.command[:3] == [sys.executable, "-m", "devhost"]


def test_browser_uploads_to_azurite_are_allowed_from_the_host_origin(
    started: list[FakeProcess],
    cors: list[tuple[str, list[str]]],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(shutil, "which", lambda name: None)

    launcher.main(["--port", "7123"])

    [(connection, origins)] = cors
    assert "BlobEndpoint=http://127.0.0.1:10000/devstoreaccount1;" in connection
    assert origins == ["http://localhost:7123", "http://127.0.0.1:7123"]


@pytest.mark.parametrize(
    ("argv", "port"), [(["--port", "8080"], 8080), (["-p", "9090", "--verbose"], 9090), ([], 7444)]
)
def test_the_source_targets_the_port_func_start_listens_on(
    argv: list[str], port: int, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Without --port, Core Tools listens on Host.LocalHttpPort of local.settings.json.
    (tmp_path / "local.settings.json").write_text('{"Values": {}, "Host": {"LocalHttpPort": 7444}}')
    monkeypatch.setattr(launcher, "ROOT", tmp_path)
    assert launcher._host_port(argv) == port
