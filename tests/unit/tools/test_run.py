"""`python -m tools run` (make run, scripts/run.sh): set up, then the launcher with the host's
arguments; Ctrl-C reaches the launcher through the console, and this process keeps waiting for
it to finish stopping the host and Azurite instead of leaving them behind."""

from __future__ import annotations

import subprocess
from typing import Any

import pytest

from shared.azurite import ORDER_ACCOUNTS, UPLOADS_ACCOUNT
from tools import commands, install
from tools.__main__ import main


class Launcher:
    def __init__(self, command: list[str], **kwargs: Any) -> None:
        self.command, self.kwargs, self.waits = command, kwargs, 0
        started.append(self)

    def wait(self) -> int:
        self.waits += 1
        if self.waits == 1:
            raise KeyboardInterrupt  # Ctrl-C while the app runs
        return 0


started: list[Launcher] = []


@pytest.fixture(autouse=True)
def fake_launcher(monkeypatch: pytest.MonkeyPatch) -> None:
    started.clear()
    monkeypatch.setattr(install, "setup", lambda: None)
    monkeypatch.setattr(subprocess, "Popen", Launcher)


@pytest.mark.parametrize("argv", [[], ["--easy-auth"], ["--port", "7072", "--easy-auth"]])
def test_run_passes_the_hosts_arguments_to_the_launcher(argv: list[str]) -> None:
    assert main(["run", *argv]) == 0
    [launcher] = started
    assert launcher.command == [str(commands._python()), "-m", "devhost.launcher", *argv]


def test_ctrl_c_does_not_stop_tools_before_the_launcher() -> None:
    assert main(["run"]) == 0
    assert started[0].waits == 2  # waited again after the KeyboardInterrupt


def test_only_run_takes_arguments_of_its_own() -> None:
    with pytest.raises(SystemExit):
        main(["check", "--easy-auth"])


def test_run_serves_the_app_over_three_accounts_and_three_queues() -> None:
    env = commands.run_environment({})
    assert env["ORDER_STORAGE_CONNECTIONS"] == "AzureWebJobsStorage,OrdersStorage1,OrdersStorage2"
    assert env["ORDER_EVENT_QUEUES"] == "3"
    for name, account in zip(("OrdersStorage1", "OrdersStorage2"), ORDER_ACCOUNTS, strict=True):
        assert f"AccountName={account};" in env[name]
        assert f"{account}:" in env["AZURITE_ACCOUNTS"]  # Azurite serves that account
    # The images in an account of their own, as on Azure (docs/images.md).
    assert f"AccountName={UPLOADS_ACCOUNT};" in env["UploadsStorage"]
    assert f"{UPLOADS_ACCOUNT}:" in env["AZURITE_ACCOUNTS"]


def test_variables_already_set_win() -> None:
    env = commands.run_environment(
        {"ORDER_STORAGE_CONNECTIONS": "AzureWebJobsStorage", "ORDER_EVENT_QUEUES": ""}
    )
    assert "ORDER_STORAGE_CONNECTIONS" not in env and "ORDER_EVENT_QUEUES" not in env
    assert "OrdersStorage1" in env


def test_the_launcher_gets_them(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ORDER_EVENT_QUEUES", "1")
    main(["run"])
    env = started[0].kwargs["env"]
    assert env["ORDER_EVENT_QUEUES"] == "1"
    assert env["ORDER_STORAGE_CONNECTIONS"].startswith("AzureWebJobsStorage,")
