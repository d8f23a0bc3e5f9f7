"""The commands of `python -m tools`, each the steps its make target used to run, in the same
order. Every command does its own set-up first, as the Makefile's targets did through theirs."""

from __future__ import annotations

import os
import shutil
import subprocess
from typing import TYPE_CHECKING

from shared import azurite
from tools import install
from tools.browser import ensure_chromium
from tools.paths import OTHER_VENVS, ROOT, TOOLS_VENV, VENV, venv_python, venv_script
from tools.plan import CHECK_SUITE, WORKER_PASS, Pass, passes_for
from tools.steps import echo, run_step

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence

WORKFLOWS = ROOT / ".github" / "workflows"

__all__ = [
    "bench",
    "check",
    "clean",
    "e2e_repeat",
    "lint",
    "loadtest",
    "reliability",
    "run",
    "test",
    "test_version",
    "typecheck",
    "unit",
]


def _python() -> str:
    return str(venv_python(VENV))


def _pytest(*args: str, python: str | None = None, env: dict[str, str] | None = None) -> None:
    run_step([python or _python(), "-m", "pytest", *args], env=env, cwd=ROOT)


def lint() -> None:
    """ruff, ruff format, the import contracts (what pre-commit runs), then the workflows."""
    install.setup()
    run_step([_python(), "-m", "ruff", "check", "."], cwd=ROOT)
    run_step([_python(), "-m", "ruff", "format", "--check", "."], cwd=ROOT)
    run_step([venv_script(VENV, "lint-imports")], cwd=ROOT)
    lint_workflows()


def lint_workflows() -> None:
    """actionlint and zizmor over .github/, offline (docs/deploy.md, "CI/CD"). actionlint runs
    the pinned shellcheck of .venv/tools on each `run:` script, and no pyflakes (none is
    Python), so every machine checks the same way; zizmor fails on a file it cannot read
    (--strict-collection) rather than skipping it."""
    workflows = sorted(str(path.relative_to(ROOT)) for path in WORKFLOWS.glob("*.yml"))
    shellcheck = venv_script(TOOLS_VENV, "shellcheck")
    actionlint = venv_script(VENV, "actionlint")
    run_step([actionlint, f"-shellcheck={shellcheck}", "-pyflakes=", *workflows], cwd=ROOT)
    zizmor = [str(venv_script(VENV, "zizmor")), "--offline", "--strict-collection"]
    run_step([*zizmor, "--persona", "pedantic", ".github"], cwd=ROOT)


def typecheck() -> None:
    """mypy --strict on the product code (pyproject.toml), mypy on the tests."""
    install.setup()
    run_step([_python(), "-m", "mypy"], cwd=ROOT)
    run_step([_python(), "-m", "mypy", "tests"], cwd=ROOT)


def check() -> None:
    """The edit-test loop: lint, types, unit and integration tests on the default Python."""
    lint()
    typecheck()
    _pytest(*CHECK_SUITE)


def test(other_pythons: Sequence[str]) -> None:
    """What CI runs: lint, types, the browser prerequisites, every test, then the other
    Pythons' legs."""
    lint()
    typecheck()
    ensure_chromium()
    _pytest()
    for version in other_pythons:
        test_version(version)


def test_version(version: str) -> None:
    """One other Python's leg, in .venvs/X.Y."""
    _run_passes(version, passes_for(version))


def test_worker() -> None:
    """Just the worker invoker's pass of the 3.13 leg."""
    _run_passes("3.13", (WORKER_PASS,))


def _run_passes(version: str, passes: tuple[Pass, ...]) -> None:
    python = str(install.ensure_other_venv(version))
    install.ensure_node_modules()
    for one in passes:
        _pytest(*one.args, python=python, env=one.env or None)


def unit() -> None:
    install.setup()
    _pytest("tests/unit")


def run_environment(environ: Mapping[str, str]) -> dict[str, str]:
    """`run`'s app settings: the app spread as the tests of issue 24 run it (docs/scaling.md),
    orders, read models and event queues over three storage accounts of the one Azurite
    (AZURITE_ACCOUNTS names them besides the development account) and three event queues, and
    the images in an uploads account of their own (UploadsStorage, docs/images.md).
    A variable already set wins: `ORDER_STORAGE_CONNECTIONS=AzureWebJobsStorage
    ORDER_EVENT_QUEUES=1` is the one-account, one-queue path. An Azurite already listening on
    the default ports must serve the same accounts."""
    names = ["OrdersStorage1", "OrdersStorage2"]
    uploads = {azurite.UPLOADS_ACCOUNT: azurite.UPLOADS_KEY}  # images apart, as on Azure
    defaults = {
        "AZURITE_ACCOUNTS": azurite.accounts_variable(azurite.ORDER_ACCOUNTS | uploads),
        "ORDER_STORAGE_CONNECTIONS": ",".join(["AzureWebJobsStorage", *names]),
        "ORDER_EVENT_QUEUES": "3",
        "UploadsStorage": azurite.connection_string(
            account=azurite.UPLOADS_ACCOUNT, key=azurite.UPLOADS_KEY
        ),
    }
    for name, (account, key) in zip(names, azurite.ORDER_ACCOUNTS.items(), strict=True):
        defaults[name] = azurite.connection_string(account=account, key=key)
    return {name: value for name, value in defaults.items() if name not in environ}


def run(host_args: Sequence[str]) -> int:
    """Set up, then devhost.launcher: Azurite, and `func start` or devhost (docs/local-host.md).
    Ctrl-C reaches the launcher and the host through the console; this process only waits."""
    install.setup()
    command = [_python(), "-m", "devhost.launcher", *host_args]
    echo(" ".join(command))
    env = os.environ | run_environment(os.environ)
    host = subprocess.Popen(command, cwd=ROOT, env=env)  # noqa: S603 - argv built here, no shell
    while True:
        try:
            return host.wait()
        except KeyboardInterrupt:  # the launcher got it too, and stops in its own time
            continue


def e2e_repeat(runs: int) -> int:
    """The flakiness check: the e2e suite `runs` times, each a fresh pytest run (own Azurite and
    devhost), as CI would run it; the number of failed runs (0: all passed)."""
    install.setup()
    failed = 0
    for number in range(1, runs + 1):
        log = ROOT / f".e2e-run-{number}.log"
        command = [_python(), "-m", "pytest", "-q", "-p", "no:cacheprovider", "tests/e2e"]
        with log.open("wb") as out:
            done = subprocess.run(command, cwd=ROOT, stdout=out, stderr=subprocess.STDOUT)  # noqa: S603
        if done.returncode == 0:
            last = log.read_text(encoding="utf-8", errors="replace").strip().splitlines()[-1:]
            echo(f"run {number}/{runs}: passed ({''.join(last)})")
            log.unlink()
        else:
            echo(f"run {number}/{runs}: FAILED, see {log.name}")
            failed += 1
    echo(f"{failed} of {runs} e2e runs failed")
    return failed


def loadtest() -> None:
    """The load test's long form against devhost, judged by loadtest/azure-load-test.yaml's
    failure criteria (docs/benchmarks.md, "Load test")."""
    install.setup()
    run_step([_python(), "-m", "loadtest"], cwd=ROOT)


def reliability() -> None:
    """The reliability suite's long form (docs/reliability.md)."""
    install.setup()
    run_step([_python(), "-m", "tests.reliability"], cwd=ROOT)


def bench() -> None:
    install.setup()
    run_step([_python(), "-m", "bench"], cwd=ROOT)


def clean() -> None:
    """Remove what set-up and the tools made; the next command starts from scratch."""
    made = [VENV, OTHER_VENVS, ROOT / "node_modules", ROOT / ".azurite"]
    made += [ROOT / name for name in (".pytest_cache", ".mypy_cache", ".ruff_cache")]
    for path in made:
        echo(f"remove {path.relative_to(ROOT)}")
        shutil.rmtree(path, ignore_errors=True)
