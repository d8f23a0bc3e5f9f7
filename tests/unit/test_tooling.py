"""The checks before a commit are the checks of CI: pre-commit runs the Makefile's own lint and
typecheck targets, and `make test` (CI's command) runs them too."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]


def _targets() -> dict[str, str]:
    text = (ROOT / "Makefile").read_text(encoding="utf-8")
    return {m.group(1): m.group(2) for m in re.finditer(r"^([\w.-]+):([^\n=]*)$", text, re.M)}


def test_pre_commit_runs_the_makefile_checks() -> None:
    config = yaml.safe_load((ROOT / ".pre-commit-config.yaml").read_text(encoding="utf-8"))
    entries = [hook["entry"] for repo in config["repos"] for hook in repo["hooks"]]
    assert entries == ["make --no-print-directory lint", "make --no-print-directory typecheck"]
    assert {"lint", "typecheck"} <= set(_targets())


def test_ci_and_the_fast_loop_both_run_lint_and_types() -> None:
    targets = _targets()
    assert {"lint", "typecheck"} <= set(targets["test"].split())
    assert {"lint", "typecheck"} <= set(targets["check"].split())
    assert "make test" in (ROOT / ".ci" / "run").read_text(encoding="utf-8")
