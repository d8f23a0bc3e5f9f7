"""What every module of the settings check shares: a problem, the shape of a rule, and the
rule of an https URL."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urlsplit

__all__ = ["Rule", "SettingProblem", "https_url"]

# What a setting must be: whether a (trimmed, non-empty) value passes, and the rule in words.
Rule = tuple[Callable[[str], bool], str]


@dataclass(frozen=True, slots=True)
class SettingProblem:
    """One app setting that breaks its rule: its name, and the rule (never the value)."""

    name: str
    rule: str

    def __str__(self) -> str:
        return f"{self.name} {self.rule}"


def https_url(raw: str) -> bool:
    url = urlsplit(raw)
    return url.scheme == "https" and bool(url.netloc) and not (url.query or url.fragment)
