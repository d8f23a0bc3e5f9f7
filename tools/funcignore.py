""".funcignore read the two ways the two deploy paths read it, so that `tools package` builds
exactly the file set that is uploaded, and fails when the two paths would upload different ones.

`func azure functionapp publish` (Core Tools) does not use git's rules. Its `GitIgnoreParser` is
a port of codemix/gitignore-parser: each pattern becomes a regular expression anchored at the
start of the file's path relative to the app, `*` matches within one path segment, `**` across
segments, and a word boundary must follow; `?` and `[...]` are literal; a `!` pattern accepts a
file whatever else matches it. `FileSystemHelpers.GetLocalFiles` also always leaves out
folders named `.git` and `.vscode` and files named `.funcignore`, `.gitignore`,
`local.settings.json` and `project.lock.json`, at any depth
(src/Cli/func/Common/GitIgnoreParser.cs and FileSystemHelpers.cs in
Azure/azure-functions-core-tools). So `__pycache__` alone leaves out only the top-level folder.

`azd deploy` reads .funcignore with git's rules (learn.microsoft.com/azure/developer/
azure-developer-cli/service-packaging-ignore-files): a pattern without a slash matches at any
depth, a trailing slash matches folders only, the last matching pattern wins, and nothing
inside an excluded folder can be brought back; it also always leaves out `.azure` folders
(`globalExcludeAzdFolder`, cli/azd/pkg/project/project_utils.go in Azure/azure-dev).
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Callable

__all__ = ["Rule", "azd_files", "core_tools_files", "dropped_by", "read_rules"]

# FileSystemHelpers.GetLocalFiles: left out whatever .funcignore says (compared ignoring case).
_CORE_TOOLS_DIRS = frozenset({".git", ".vscode"})
_CORE_TOOLS_FILES = frozenset(
    {".funcignore", ".gitignore", "local.settings.json", "project.lock.json"}
)
_ESCAPED = re.compile(r"[\-\[\]/{}()+?.\\^$|]")


@dataclass(frozen=True)
class Rule:
    """One pattern line of .funcignore: its text, and whether it starts with `!`."""

    pattern: str
    negated: bool


def read_rules(text: str) -> list[Rule]:
    """The pattern lines, in order, without comments and blank lines."""
    rules = []
    for raw in text.split("\n"):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        negated = line.startswith("!")
        rules.append(Rule(line[1:] if negated else line, negated))
    return rules


def _core_tools_piece(pattern: str) -> str:
    """GitIgnoreParser.PrepareRegexPattern: escape, then `**` -> `(.+)`, `*` -> `([^/]+)`."""
    escaped = _ESCAPED.sub(lambda match: "\\" + match.group(0), pattern)
    return escaped.replace("**", "(.+)").replace("*", r"([^\/]+)")


def _core_tools_regex(patterns: list[str]) -> re.Pattern[str]:
    if not patterns:
        return re.compile("$^")
    pieces = ")|(".join(_core_tools_piece(p.removeprefix("/")) for p in sorted(patterns))
    return re.compile(rf"^(({pieces}))\b", re.ASCII)  # ECMAScript's \b: ASCII word characters


def core_tools_files(root: Path, rules: list[Rule]) -> list[str]:
    """What Core Tools packs: relative POSIX paths, sorted."""
    positive = _core_tools_regex([r.pattern for r in rules if not r.negated])
    negative = _core_tools_regex([r.pattern for r in rules if r.negated])
    kept = []
    for path in _walk(root, lambda rel, is_dir: is_dir and rel.name.lower() in _CORE_TOOLS_DIRS):
        if path.name.lower() in _CORE_TOOLS_FILES:
            continue
        text = path.as_posix()
        if negative.match(text) or not positive.match(text):
            kept.append(text)
    return sorted(kept)


def _git_segment(segment: str) -> str:
    return "".join({"*": "[^/]*", "?": "[^/]"}.get(char, re.escape(char)) for char in segment)


def _git_regex(pattern: str) -> re.Pattern[str]:
    """A git pattern (without `!` and trailing `/`) as a regex over a relative POSIX path: one
    with a slash is anchored at the root, one without matches at any depth."""
    segments = pattern.strip("/").split("/")
    body = ""
    for index, segment in enumerate(segments):
        last = index == len(segments) - 1
        if segment == "**":
            body += ".*" if last else "(?:.*/)?"
        else:
            body += _git_segment(segment) + ("" if last else "/")
    return re.compile(("" if "/" in pattern else "(?:.*/)?") + body + r"\Z")


def _git_excluded(rules: list[tuple[re.Pattern[str], bool, bool]], rel: str, is_dir: bool) -> bool:
    excluded = False
    for regex, negated, dir_only in rules:
        if (is_dir or not dir_only) and regex.match(rel):
            excluded = not negated
    return excluded


def azd_files(root: Path, rules: list[Rule]) -> list[str]:
    """What azd packs: git's rules over the same tree, relative POSIX paths, sorted."""
    compiled = [
        (_git_regex(r.pattern.rstrip("/")), r.negated, r.pattern.endswith("/")) for r in rules
    ]

    def prune(rel: PurePosixPath, is_dir: bool) -> bool:
        return rel.name == ".azure" or _git_excluded(compiled, rel.as_posix(), is_dir)

    walk = _walk(root, prune)
    return sorted(p.as_posix() for p in walk if not _git_excluded(compiled, p.as_posix(), False))


def _walk(root: Path, prune: Callable[[PurePosixPath, bool], bool]) -> list[PurePosixPath]:
    """Every file under `root` as a relative path, not descending into folders `prune`s."""
    found: list[PurePosixPath] = []
    for folder, dirs, files in os.walk(root):
        base = PurePosixPath(Path(folder).relative_to(root).as_posix())
        dirs[:] = sorted(d for d in dirs if not prune(_rel(base, d), True))
        found += [_rel(base, name) for name in files]
    return found


def _rel(base: PurePosixPath, name: str) -> PurePosixPath:
    return PurePosixPath(name) if str(base) == "." else base / name


def dropped_by(rules: list[Rule], relative: str) -> str | None:
    """The .funcignore pattern that leaves `relative` out of Core Tools' package, if one does
    (for a message that names the line to change)."""
    for rule in rules:
        if not rule.negated and _core_tools_regex([rule.pattern]).match(relative):
            return rule.pattern
    return None
