"""One implementation of the project's commands: every make target only calls `python -m tools`
with its own name (so `make test` and `python -m tools test` cannot drift), CI's .ci/run calls
`make test`, and pre-commit runs the same lint and typecheck targets."""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path
from typing import TYPE_CHECKING

import yaml

from tools.__main__ import _parser

if TYPE_CHECKING:
    import pytest

ROOT = Path(__file__).resolve().parents[2]


def _recipes() -> dict[str, list[str]]:
    """Each target of the Makefile and its recipe lines."""
    text = (ROOT / "Makefile").read_text(encoding="utf-8")
    recipes: dict[str, list[str]] = {}
    for rule in re.finditer(r"^([\w.\- ]+):([^\n=]*)\n((?:\t[^\n]*\n)*)", text, re.M):
        for target in rule.group(1).split():
            if target.startswith("."):  # .PHONY and its continuation line
                continue
            recipes[target] = [line.strip() for line in rule.group(3).splitlines()]
    return recipes


def test_every_make_target_calls_tools_by_its_own_name() -> None:
    recipes = _recipes()
    assert {"run", "test", "check", "lint", "typecheck", "setup"} <= set(recipes)
    for target, lines in recipes.items():
        assert len(lines) == 1, (target, lines)
        command = lines[0].split()
        assert command[0] == "$(TOOLS)", (target, lines)
        assert command[1] in (target, "$@"), (target, lines)
        assert _parser().parse_known_args([target])[0].command == target


def test_make_passes_its_variables_on() -> None:
    recipes = _recipes()
    assert recipes["test"] == ['$(TOOLS) $@ --other-pythons "$(OTHER_PYTHONS)"']
    assert "--easy-auth" in recipes["run"][0] and "$(EASY_AUTH)" in recipes["run"][0]
    assert "--runs $(E2E_RUNS)" in recipes["e2e-repeat"][0]


def test_pre_commit_runs_the_lint_and_type_targets() -> None:
    config = yaml.safe_load((ROOT / ".pre-commit-config.yaml").read_text(encoding="utf-8"))
    entries = [hook["entry"] for repo in config["repos"] for hook in repo["hooks"]]
    assert entries == ["make --no-print-directory lint", "make --no-print-directory typecheck"]


def test_ci_run_calls_make_test_alone_with_ci_set_whatever_the_caller_s_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """.ci/run, run for real with a `make` that records what it was asked and under which CI:
    the browser test's "a skip is a failure under CI" must not depend on who calls it."""
    calls = tmp_path / "calls"
    fake_make = tmp_path / "bin" / "make"
    fake_make.parent.mkdir()
    fake_make.write_text(f'#!/bin/sh\necho "CI=${{CI:-}} $*" >> {calls}\n', encoding="utf-8")
    fake_make.chmod(0o755)
    monkeypatch.delenv("CI", raising=False)
    environment = os.environ | {"PATH": f"{fake_make.parent}{os.pathsep}{os.environ['PATH']}"}
    subprocess.run(["bash", str(ROOT / ".ci" / "run")], env=environment, check=True, timeout=60)
    assert calls.read_text(encoding="utf-8").splitlines() == ["CI=true test"]


def test_scripts_run_sh_is_the_run_command() -> None:
    script = (ROOT / "scripts" / "run.sh").read_text(encoding="utf-8")
    assert script.rstrip().splitlines()[-1] == 'exec "${PYTHON:-python3}" -m tools run "$@"'
