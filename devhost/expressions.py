"""Binding expressions: `%AppSetting%` from settings, `{name}` from trigger metadata."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Mapping

__all__ = ["BindingExpressionError", "resolve_binding_data", "resolve_settings"]

_SETTING = re.compile(r"%([^%]+)%")
_DATA = re.compile(r"\{([^{}]+)\}")


class BindingExpressionError(ValueError):
    """A `%Setting%` or `{name}` in a binding has no value."""


def resolve_settings(text: str, environ: Mapping[str, str]) -> str:
    def replace(match: re.Match[str]) -> str:
        name = match.group(1)
        if name not in environ:
            raise BindingExpressionError(f"app setting {name!r} (used as %{name}%) is not set")
        return environ[name]

    return _SETTING.sub(replace, text)


def resolve_binding_data(text: str, data: Mapping[str, str]) -> str:
    lowered = {key.lower(): value for key, value in data.items()}

    def replace(match: re.Match[str]) -> str:
        name = match.group(1)
        if name.lower() not in lowered:
            raise BindingExpressionError(f"no trigger value for {{{name}}}")
        return lowered[name.lower()]

    return _DATA.sub(replace, text)
