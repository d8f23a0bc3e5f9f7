"""ASP.NET Core inline route constraints, as Functions HTTP routes accept them."""

from __future__ import annotations

import math
import re
from datetime import datetime
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Callable

__all__ = ["RouteTemplateError", "build_constraint"]

_GUID = re.compile(
    r"^(?:[0-9a-f]{32}|[0-9a-f]{8}-(?:[0-9a-f]{4}-){3}[0-9a-f]{12}"
    r"|\{[0-9a-f]{8}-(?:[0-9a-f]{4}-){3}[0-9a-f]{12}\}"
    r"|\([0-9a-f]{8}-(?:[0-9a-f]{4}-){3}[0-9a-f]{12}\))$",
    re.IGNORECASE,
)
_INTEGER = re.compile(r"^[+-]?\d+$")
_ALPHA = re.compile(r"^[a-zA-Z]+$")


class RouteTemplateError(ValueError):
    """A route template or one of its constraints cannot be parsed."""


def _whole(value: str, bits: int = 64) -> int | None:
    """The value as a signed integer of `bits` bits, as int.TryParse reads one (a sign, digits,
    leading zeros), or None. Over 20 significant digits fits no 64-bit integer, and Python
    would refuse to convert over 4300 digits at all (ValueError), so they are not converted."""
    if not _INTEGER.match(value):
        return None
    digits = value.lstrip("+-").lstrip("0") or "0"
    if len(digits) > 20:
        return None
    number = -int(digits) if value[0] == "-" else int(digits)
    bound = 2 ** (bits - 1)
    return number if -bound <= number < bound else None


def _integer(bits: int) -> Callable[[str], bool]:
    return lambda value: _whole(value, bits) is not None


def _number(value: str) -> bool:
    try:
        return math.isfinite(float(value))
    except ValueError:
        return False


def _datetime(value: str) -> bool:
    try:
        datetime.fromisoformat(value)
    except ValueError:
        return False
    return True


_SIMPLE: dict[str, Callable[[str], bool]] = {
    "int": _integer(32),
    "long": _integer(64),
    "bool": lambda value: value.lower() in ("true", "false"),
    "guid": lambda value: bool(_GUID.match(value)),
    "alpha": lambda value: bool(_ALPHA.match(value)),
    "decimal": _number,
    "double": _number,
    "float": _number,
    "datetime": _datetime,
    "required": lambda value: value != "",
}


def _bounded(name: str, numbers: list[int]) -> Callable[[str], bool]:
    if name == "minlength" and len(numbers) == 1:
        return lambda value: len(value) >= numbers[0]
    if name == "maxlength" and len(numbers) == 1:
        return lambda value: len(value) <= numbers[0]
    if name == "length" and len(numbers) in (1, 2):
        low, high = numbers[0], numbers[-1]
        return lambda value: low <= len(value) <= high
    if name in ("min", "max", "range") and len(numbers) == (2 if name == "range" else 1):
        low = numbers[0] if name != "max" else -(2**63)
        high = numbers[-1] if name != "min" else 2**63 - 1
        return lambda value: (number := _whole(value)) is not None and low <= number <= high
    raise RouteTemplateError(f"bad arguments for constraint {name}")


def build_constraint(name: str, argument: str | None) -> Callable[[str], bool]:
    """The check for `{param:name(argument)}`; raises RouteTemplateError if unknown."""
    key = name.lower()
    if argument is None and key in _SIMPLE:
        return _SIMPLE[key]
    if key == "regex" and argument is not None:
        pattern = re.compile(argument, re.IGNORECASE)
        return lambda value: pattern.search(value) is not None
    if argument is not None and key in ("minlength", "maxlength", "length", "min", "max", "range"):
        try:
            numbers = [int(part) for part in argument.split(",")]
        except ValueError as exc:
            raise RouteTemplateError(f"bad arguments for constraint {name}") from exc
        return _bounded(key, numbers)
    raise RouteTemplateError(f"unknown route constraint: {name}")
