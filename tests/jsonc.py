"""Read JSON with comments (JSONC), as VS Code reads .vscode/*.json and devcontainer.json:
`//` and `/* */` comments outside strings, and trailing commas before `]` or `}`."""

from __future__ import annotations

import json
import re
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from pathlib import Path

# A string (kept whole, escapes included), a comment, or a comma followed only by whitespace
# and comments up to a closing bracket.
_TOKEN = re.compile(
    r'(?P<string>"(?:[^"\\]|\\.)*")'
    r"|(?P<comment>//[^\n]*|/\*.*?\*/)"
    r"|(?P<trailing>,(?=(?:\s|//[^\n]*|/\*.*?\*/)*[\]}]))",
    re.S,
)


def strip(text: str) -> str:
    """The text as plain JSON: comments and trailing commas removed, strings untouched."""
    return _TOKEN.sub(lambda m: m.group("string") or "", text)


def loads(text: str) -> Any:
    return json.loads(strip(text))


def load(path: Path) -> Any:
    return loads(path.read_text(encoding="utf-8"))
