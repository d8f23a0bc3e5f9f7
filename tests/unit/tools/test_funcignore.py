""".funcignore as Core Tools reads it (its GitIgnoreParser port) and as azd reads it (git's
rules): the differences the package check relies on, on small trees."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from tools.funcignore import azd_files, core_tools_files, dropped_by, read_rules

if TYPE_CHECKING:
    from pathlib import Path

TREE = [
    "function_app.py",
    "docs/guide.md",
    "docs.md",
    "shared/__pycache__/a.pyc",
    "__pycache__/b.pyc",
    "shared/core.py",
    "shared/notes/todo.txt",
    "tests/test_x.py",
    "local.settings.json",
    ".vscode/settings.json",
    ".azure/env/.env",
]


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    for name in TREE:
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text("x", encoding="utf-8")
    return tmp_path


def test_rules_skip_comments_and_blank_lines_and_mark_negations() -> None:
    rules = read_rules("# a comment\n\n  docs  \n!docs/keep.md\n")
    assert [(r.pattern, r.negated) for r in rules] == [("docs", False), ("docs/keep.md", True)]


def test_core_tools_anchors_every_pattern_at_the_root(tree: Path) -> None:
    files = core_tools_files(tree, read_rules("__pycache__\nnotes\n"))
    assert "__pycache__/b.pyc" not in files
    assert "shared/__pycache__/a.pyc" in files  # git would drop it; Core Tools does not
    assert "shared/notes/todo.txt" in files
    assert "shared/__pycache__/a.pyc" not in core_tools_files(tree, read_rules("**/__pycache__"))


def test_core_tools_matches_up_to_a_word_boundary(tree: Path) -> None:
    files = core_tools_files(tree, read_rules("docs\n"))
    assert "docs/guide.md" not in files
    assert "docs.md" not in files  # `docs` then a boundary: the dot ends the word


def test_core_tools_always_leaves_out_its_fixed_names_and_lets_negations_win(tree: Path) -> None:
    files = core_tools_files(tree, read_rules("tests\n!tests/test_x.py\n"))
    assert "local.settings.json" not in files and ".vscode/settings.json" not in files
    assert "tests/test_x.py" in files


def test_azd_matches_names_at_any_depth_and_keeps_excluded_folders_closed(tree: Path) -> None:
    files = azd_files(tree, read_rules("__pycache__\nnotes/\ndocs\n!docs/guide.md\n"))
    assert not any("__pycache__" in name for name in files)
    assert "shared/notes/todo.txt" not in files
    assert "docs/guide.md" not in files  # its folder is excluded: nothing inside comes back
    assert "docs.md" in files
    assert "local.settings.json" in files  # git's rules have no fixed names...
    assert ".azure/env/.env" not in files  # ...but azd never packs its own folder


def test_azd_double_star_patterns(tree: Path) -> None:
    assert azd_files(tree, read_rules("shared/**")) == sorted(
        name for name in azd_files(tree, []) if not name.startswith("shared/")
    )
    assert "shared/__pycache__/a.pyc" not in azd_files(tree, read_rules("**/a.pyc"))


def test_dropped_by_names_the_pattern_that_drops_a_path() -> None:
    rules = read_rules("docs\n!docs/keep.md\ntools\n")
    assert dropped_by(rules, "tools/x.py") == "tools"
    assert dropped_by(rules, "shared/x.py") is None
