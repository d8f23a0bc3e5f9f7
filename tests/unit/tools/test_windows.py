"""The Windows-only branches of `python -m tools` and devhost/processes.py, run here by simulating
the platform (sys.platform) and recording what would be started: venv paths under Scripts\\,
npm as npm.cmd, `py -3.13`, process groups and Ctrl-Break instead of sessions and SIGINT."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
from pathlib import Path
from typing import Any

import pytest

from devhost import processes
from tests.unit.tools.conftest import Steps
from tools import browser, install, paths, pythons
from tools.__main__ import main


@pytest.fixture
def installed(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(install, "stale", lambda stamp, inputs: False)


def test_a_venvs_programs_are_under_scripts_with_exe(windows: None) -> None:
    venv = Path("C:/work/app/.venv")
    assert paths.venv_python(venv) == venv / "Scripts" / "python.exe"
    assert paths.venv_script(venv, "lint-imports") == venv / "Scripts" / "lint-imports.exe"


def test_elsewhere_they_are_under_bin() -> None:
    venv = Path("/work/app/.venv")
    assert paths.venv_python(venv) == venv / "bin" / "python"
    assert paths.venv_script(venv, "lint-imports") == venv / "bin" / "lint-imports"


def test_check_on_windows_runs_the_venvs_python_exe(
    windows: None, installed: None, steps: Steps
) -> None:
    assert main(["check"]) == 0
    assert steps[0] == (".venv/Scripts/python.exe", "-m", "ruff", "check", ".")
    assert steps[2] == (".venv/Scripts/lint-imports.exe",)
    assert steps[-1][0] == ".venv/Scripts/python.exe"


def test_npm_is_found_as_the_cmd_file_path_search_finds(
    windows: None, monkeypatch: pytest.MonkeyPatch, steps: Steps, tmp_path: Path
) -> None:
    """Popen without a shell cannot run a bare `npm` on Windows: it is npm.cmd."""
    monkeypatch.setattr(install, "NODE_MODULES", tmp_path)
    monkeypatch.setattr(
        shutil,
        "which",
        lambda name: r"C:\Program Files\nodejs\npm.CMD" if name == "npm" else None,
    )
    install.ensure_node_modules()
    assert steps == [
        (r"C:\Program Files\nodejs\npm.CMD", "ci", "--no-audit", "--no-fund", "--loglevel=error")
    ]


def test_without_npm_the_message_says_what_to_install(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, steps: Steps
) -> None:
    monkeypatch.setattr(install, "NODE_MODULES", tmp_path)
    monkeypatch.setattr(shutil, "which", lambda name: None)
    with pytest.raises(paths.MissingProgram, match=r"Node\.js 20"):
        install.ensure_node_modules()


class FakeRun:
    """subprocess.run for tools.pythons: each argv's answer, or an error exit."""

    def __init__(self, answers: dict[tuple[str, ...], str]) -> None:
        self.answers = answers
        self.calls: list[tuple[str, ...]] = []

    def __call__(self, argv: list[str], **kwargs: Any) -> subprocess.CompletedProcess[str]:
        self.calls.append(tuple(argv[:-2]))
        found = self.answers.get(tuple(argv[:-2]))
        return subprocess.CompletedProcess(argv, 0 if found else 1, found or "", "")


def test_on_windows_the_py_launcher_finds_the_other_pythons(
    windows: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    run = FakeRun({("C:/Windows/py.exe", "-3.13"): r"C:\Python313\python.exe"})
    monkeypatch.setattr(subprocess, "run", run)
    monkeypatch.setattr(shutil, "which", lambda name: f"C:/Windows/{name}.exe")
    monkeypatch.setattr(pythons, "_newest_pyenv", lambda version: pytest.fail("no pyenv here"))

    assert pythons.find_python("3.13") == r"C:\Python313\python.exe"
    assert run.calls == [("C:/Windows/py.exe", "-3.13")]


def test_on_windows_a_missing_python_says_py_install(
    windows: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(subprocess, "run", FakeRun({}))
    monkeypatch.setattr(shutil, "which", lambda name: f"C:/Windows/{name}.exe")
    with pytest.raises(paths.MissingProgram, match=r"py -3\.12.*py install 3\.12"):
        pythons.find_python("3.12")


def test_elsewhere_pyenvs_newest_patch_release_is_taken(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """python3.13 on PATH is a pyenv shim that refuses (3.13 not selected): pyenv's newest
    3.13.x then, by number (3.13.10 after 3.13.9), skipping one without its interpreter."""
    for version, usable in (
        ("3.13.2", True),
        ("3.13.9", True),
        ("3.13.10", True),
        ("3.13.11", False),
        ("3.12.4", True),
    ):
        folder = tmp_path / "versions" / version / "bin"
        folder.mkdir(parents=True)
        if usable:
            (folder / f"python{version[:4]}").touch()
    monkeypatch.setenv("PYENV_ROOT", str(tmp_path))
    monkeypatch.setattr(subprocess, "run", FakeRun({}))
    monkeypatch.setattr(shutil, "which", lambda name: f"/shims/{name}")

    found = pythons.find_python("3.13")

    assert found == str(tmp_path / "versions" / "3.13.10" / "bin" / "python3.13")


def test_chromium_is_never_installed_on_windows(
    windows: None, monkeypatch: pytest.MonkeyPatch, steps: Steps
) -> None:
    monkeypatch.delattr(os, "geteuid", raising=False)  # as on Windows
    monkeypatch.setattr(shutil, "which", lambda name: None)
    browser.ensure_chromium()
    assert steps == []


def test_as_root_with_apt_get_chromium_is_installed(
    monkeypatch: pytest.MonkeyPatch, steps: Steps
) -> None:
    monkeypatch.setattr(os, "geteuid", lambda: 0)
    monkeypatch.setattr(
        shutil, "which", lambda name: "/usr/bin/apt-get" if name == "apt-get" else None
    )
    browser.ensure_chromium()
    assert steps == [
        ("/usr/bin/apt-get", "update", "-qq"),
        ("/usr/bin/apt-get", "install", "-y", "-qq", "chromium"),
    ]
    assert steps.envs[1] == {"DEBIAN_FRONTEND": "noninteractive"}


class FakeProcess:
    def __init__(self, *, stops: bool = True) -> None:
        self.sent: list[int] = []
        self.stops, self.killed = stops, False
        self.returncode: int | None = None
        self.pid = 4242

    def poll(self) -> int | None:
        return self.returncode

    def send_signal(self, signum: int) -> None:
        self.sent.append(signum)

    def wait(self, timeout: float | None = None) -> int:
        if self.sent and (self.stops or self.killed):
            self.returncode = 0 if self.stops else -9
            return self.returncode
        raise subprocess.TimeoutExpired("azurite", timeout or 0)

    def kill(self) -> None:
        self.killed = True


def test_on_windows_a_child_gets_a_process_group_and_ctrl_break(windows: None) -> None:
    assert processes.own_group() == {"creationflags": 0x200}  # CREATE_NEW_PROCESS_GROUP
    child = FakeProcess()
    assert processes.stop(child) == 0  # type: ignore[arg-type]
    assert child.sent == [1]  # CTRL_BREAK_EVENT: the one event a process group can be sent
    assert not child.killed


def test_elsewhere_a_child_gets_a_session_and_sigint() -> None:
    assert processes.own_group() == {"start_new_session": True}
    child = FakeProcess()
    assert processes.stop(child) == 0  # type: ignore[arg-type]
    assert child.sent == [signal.SIGINT]


def test_a_child_that_does_not_stop_in_time_is_killed(windows: None) -> None:
    child = FakeProcess(stops=False)
    assert processes.stop(child, timeout=0.01) == -9  # type: ignore[arg-type]
    assert child.killed and child.sent == [1]
