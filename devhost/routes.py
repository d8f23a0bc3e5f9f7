"""Route templates as the Functions host matches them (ASP.NET Core template syntax).

`orders/{order_id}`, `{id:guid}` and other inline constraints, `{id?}` optional and `{id=5}`
default values, `{*rest}` catch-all, literal matching without regard to case, a trailing
slash ignored, and the most specific template winning when several match.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Generic, TypeVar
from urllib.parse import unquote

from devhost.constraints import RouteTemplateError, build_constraint

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable

__all__ = ["RouteTable", "RouteTemplate", "RouteTemplateError", "parse_template"]

T = TypeVar("T")
_CONSTRAINT = re.compile(r"([A-Za-z]+)(?:\((.*)\))?$", re.DOTALL)


@dataclass(frozen=True, slots=True)
class _Param:
    name: str
    constraints: tuple[Callable[[str], bool], ...] = ()
    optional: bool = False
    catch_all: bool = False
    default: str | None = None


def _split_constraints(text: str) -> list[str]:
    """Split `int:min(1)` on colons outside parentheses (regex arguments may hold colons)."""
    parts, depth, current = [], 0, ""
    for char in text:
        if char == ":" and depth == 0:
            parts.append(current)
            current = ""
            continue
        depth += (char == "(") - (char == ")")
        current += char
    parts.append(current)
    return parts


def _parse_param(text: str) -> _Param:
    catch_all = text.startswith("*")
    text = text.lstrip("*")
    optional = text.endswith("?")
    text = text.removesuffix("?")
    default = None
    name_and_rest, eq, default_text = text.partition("=")
    if eq:
        default = default_text
    name, *constraint_texts = _split_constraints(name_and_rest)
    if not re.fullmatch(r"[A-Za-z_][\w.-]*", name):
        raise RouteTemplateError(f"bad route parameter name: {name!r}")
    checks = []
    for constraint in constraint_texts:
        match = _CONSTRAINT.match(constraint)
        if not match:
            raise RouteTemplateError(f"bad route constraint: {constraint!r}")
        checks.append(build_constraint(match.group(1), match.group(2)))
    return _Param(name, tuple(checks), optional or default is not None, catch_all, default)


def _read_param(segment: str, start: int) -> tuple[str, int]:
    """Text of the parameter opening at `start`; `}}` inside it is an escaped brace."""
    index, text = start + 1, ""
    while index < len(segment):
        if segment.startswith("}}", index):
            text, index = text + "}", index + 2
        elif segment[index] == "}":
            return text.replace("{{", "{"), index + 1
        else:
            text, index = text + segment[index], index + 1
    raise RouteTemplateError(f"unclosed parameter in segment {segment!r}")


def _split_segment(segment: str) -> list[str | _Param]:
    parts: list[str | _Param] = []
    index, literal = 0, ""
    while index < len(segment):
        if segment.startswith("{{", index) or segment.startswith("}}", index):
            literal, index = literal + segment[index], index + 2
        elif segment[index] == "{":
            if literal:
                parts.append(literal)
                literal = ""
            text, index = _read_param(segment, index)
            parts.append(_parse_param(text))
        else:
            literal, index = literal + segment[index], index + 1
    if literal:
        parts.append(literal)
    return parts


def _segment_rank(parts: list[str | _Param]) -> int:
    """ASP.NET Core inbound precedence digit: lower is more specific."""
    if len(parts) > 1:
        return 2
    part = parts[0]
    if isinstance(part, str):
        return 1
    if part.catch_all:
        return 5
    return 3 if part.constraints else 4


@dataclass(frozen=True)
class RouteTemplate:
    template: str
    pattern: re.Pattern[str]
    params: tuple[_Param, ...]
    precedence: tuple[int, ...]

    def match(self, path: str) -> dict[str, str] | None:
        """Route values for `path` (no prefix, no query), or None when it does not match."""
        found = self.pattern.fullmatch("/" + path.strip("/") if path.strip("/") else "")
        if not found:
            return None
        values: dict[str, str] = {}
        for index, param in enumerate(self.params):
            raw = found.group(f"p{index}")
            if raw is None or raw == "":
                if param.default is not None:
                    values[param.name] = param.default
                elif not (param.optional or param.catch_all):
                    return None
                continue
            value = unquote(raw)
            if not all(check(value) for check in param.constraints):
                return None
            values[param.name] = value
        return values


def _segment_regex(parts: list[str | _Param], params: list[_Param]) -> str:
    body = ""
    for part in parts:
        if isinstance(part, str):
            body += re.escape(part)
            continue
        group = f"p{len(params)}"
        params.append(part)
        if part.catch_all:
            body += f"(?P<{group}>.*)"
        else:
            # Greedy, so `{name}.{ext}` splits at the last dot, as ASP.NET Core does.
            body += f"(?P<{group}>[^/]+)"
    only = parts[0] if len(parts) == 1 else None
    if isinstance(only, _Param) and (only.optional or only.catch_all):
        return f"(?:/{body})?"
    return "/" + body


def parse_template(template: str) -> RouteTemplate:
    """Compile a Functions route template; raises RouteTemplateError when it is invalid."""
    segments = [segment for segment in template.strip("/").split("/") if segment != ""]
    params: list[_Param] = []
    regex, ranks, optional_seen = "", [], False
    for position, segment in enumerate(segments):
        parts = _split_segment(segment)
        only = parts[0] if len(parts) == 1 else None
        optional = isinstance(only, _Param) and (only.optional or only.catch_all)
        if optional_seen and not optional:
            raise RouteTemplateError(f"only trailing segments may be optional: {template!r}")
        optional_seen = optional_seen or optional
        if (
            any(isinstance(p, _Param) and p.catch_all for p in parts)
            and position < len(segments) - 1
        ):
            raise RouteTemplateError(f"a catch-all parameter must be last: {template!r}")
        regex += _segment_regex(parts, params)
        ranks.append(_segment_rank(parts))
    pattern = re.compile(regex, re.IGNORECASE | re.DOTALL)
    return RouteTemplate(template, pattern, tuple(params), tuple(ranks))


@dataclass
class RouteTable(Generic[T]):
    """Templates with their handlers, tried from most to least specific."""

    _routes: list[tuple[RouteTemplate, frozenset[str] | None, T]] = field(default_factory=list)

    def add(self, template: str, methods: Iterable[str] | None, handler: T) -> None:
        allowed = frozenset(m.upper() for m in methods) if methods else None
        self._routes.append((parse_template(template), allowed, handler))
        self._routes.sort(key=lambda route: route[0].precedence)

    def resolve(self, method: str, path: str) -> tuple[T, dict[str, str]] | None:
        for template, methods, handler in self._routes:
            if methods is not None and method.upper() not in methods:
                continue
            values = template.match(path)
            if values is not None:
                return handler, values
        return None
