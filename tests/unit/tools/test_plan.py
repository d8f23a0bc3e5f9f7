"""`python -m tools test` (CI's `make test`) and `check` run the steps the Makefile ran, in its
order: set-up, lint, types, the browser's prerequisite, every test, then 3.12 and 3.13."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.unit.tools.conftest import Steps
from tools import commands, install
from tools.__main__ import main
from tools.steps import StepFailed

LINT = [
    (".venv/bin/python", "-m", "ruff", "check", "."),
    (".venv/bin/python", "-m", "ruff", "format", "--check", "."),
    (".venv/bin/lint-imports",),
    (
        ".venv/bin/actionlint",
        "-shellcheck=.venv/tools/bin/shellcheck",
        "-pyflakes=",
        ".github/workflows/ci.yml",
        ".github/workflows/deploy.yml",
    ),
    (".venv/bin/zizmor", "--offline", "--strict-collection", "--persona", "pedantic", ".github"),
]
TYPES = [(".venv/bin/python", "-m", "mypy"), (".venv/bin/python", "-m", "mypy", "tests")]
SUITE_3_12 = (
    "tests/unit",
    "tests/integration",
    "tests/test_func_start_project.py",
    "tests/e2e/test_orders_e2e.py",
    "tests/e2e/test_devhost_http.py",
)


@pytest.fixture
def installed(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every venv and node_modules up to date, chromium present: only the checks run."""
    monkeypatch.setattr(install, "stale", lambda stamp, inputs: False)
    monkeypatch.setattr(shutil, "which", lambda name: f"/usr/bin/{name}")


def test_test_runs_the_makefiles_steps_in_its_order(installed: None, steps: Steps) -> None:
    assert main(["test", "--other-pythons", "3.12 3.13"]) == 0

    assert steps == [
        *LINT,
        *TYPES,
        (".venv/bin/python", "-m", "pytest"),
        (".venvs/3.12/bin/python", "-m", "pytest", *SUITE_3_12),
        (
            ".venvs/3.13/bin/python",
            "-m",
            "pytest",
            "tests",
            "--ignore=tests/deploy",
            "--ignore=tests/loadtest",
        ),
        (".venvs/3.13/bin/python", "-m", "pytest", "tests/e2e", "tests/contract"),
    ]


def test_the_worker_pass_runs_the_e2e_and_contract_suites_under_the_worker_invoker(
    installed: None, steps: Steps
) -> None:
    assert main(["test-worker"]) == 0
    assert steps == [(".venvs/3.13/bin/python", "-m", "pytest", "tests/e2e", "tests/contract")]
    assert steps.envs == [{"DEVHOST_INVOKER": "worker"}]


def test_no_other_pythons_runs_the_default_leg_only(installed: None, steps: Steps) -> None:
    assert main(["test", "--other-pythons", ""]) == 0  # make test OTHER_PYTHONS=
    assert steps[-1] == (".venv/bin/python", "-m", "pytest")


def test_check_is_lint_types_unit_and_integration(installed: None, steps: Steps) -> None:
    assert main(["check"]) == 0
    pytest_run = (".venv/bin/python", "-m", "pytest", "-q", "tests/unit", "tests/integration")
    assert steps == [*LINT, *TYPES, pytest_run]


def test_the_first_failing_step_stops_the_command_with_its_code(
    installed: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    ran: list[str] = []

    def fail_ruff(command: list[str | Path], **kwargs: object) -> None:
        ran.append(" ".join(map(str, command)))
        if "ruff" in ran[-1]:
            raise StepFailed(command, 7)

    monkeypatch.setattr(commands, "run_step", fail_ruff)
    assert main(["test"]) == 7
    assert len(ran) == 1


def test_a_fresh_machine_sets_up_first(
    monkeypatch: pytest.MonkeyPatch, steps: Steps, tmp_path: Path
) -> None:
    """No stamps, no venvs: each venv is made with the Python running tools, then filled."""
    for name in (".venv/tools", "node_modules"):
        (tmp_path / name).mkdir(parents=True)
    monkeypatch.setattr(install, "ROOT", tmp_path)
    monkeypatch.setattr(install, "VENV", tmp_path / ".venv")
    monkeypatch.setattr(install, "TOOLS_VENV", tmp_path / ".venv" / "tools")
    monkeypatch.setattr(install, "NODE_MODULES", tmp_path / "node_modules")
    monkeypatch.setattr(install, "_this_python", lambda: "/usr/bin/python3")
    monkeypatch.setattr(shutil, "which", lambda name: f"/usr/bin/{name}")

    assert main(["setup"]) == 0

    pip = ("-m", "pip", "install", "--quiet", "-r")
    assert steps == [
        ("/usr/bin/python3", "-m", "venv", ".venv"),
        (".venv/bin/python", *pip, "requirements-dev.txt"),
        ("/usr/bin/python3", "-m", "venv", ".venv/tools"),
        (".venv/tools/bin/python", *pip, "requirements-deploy.txt"),
        ("/usr/bin/npm", "ci", "--no-audit", "--no-fund", "--loglevel=error"),
    ]
    assert (tmp_path / ".venv" / ".installed").exists()
