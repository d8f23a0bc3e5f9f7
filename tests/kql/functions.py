"""Scalar functions, operators and aggregations of the subset, with KQL's null rules: a
null compares false, propagates through arithmetic, and is skipped by aggregations."""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from tests.kql.errors import KqlError, Unsupported

if TYPE_CHECKING:
    from collections.abc import Callable

__all__ = ["AGGREGATIONS", "SCALARS", "binary"]

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def _tostring(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _todouble(value: Any) -> float | None:
    try:
        return None if value is None or isinstance(value, bool) else float(value)
    except ValueError:
        return None


def _toint(value: Any) -> int | None:
    number = _todouble(value)
    return None if number is None or math.isnan(number) else int(number)


def _coalesce(*values: Any) -> Any:
    """The first value that is neither null nor an empty string."""
    return next((v for v in values if v is not None and v != ""), None)


def _bin(value: Any, size: Any) -> Any:
    if value is None:
        return None
    if isinstance(value, datetime) and isinstance(size, timedelta):
        return _EPOCH + ((value - _EPOCH) // size) * size
    if isinstance(value, int | float) and isinstance(size, int | float):
        return math.floor(value / size) * size
    raise KqlError(f"bin({value!r}, {size!r})")


SCALARS: dict[str, Callable[..., Any]] = {
    "tostring": _tostring,
    "todouble": _todouble,
    "toreal": _todouble,
    "toint": _toint,
    "tolong": _toint,
    "coalesce": _coalesce,
    "bin": _bin,
    "isempty": lambda value: value is None or value == "",
    "isnotempty": lambda value: value is not None and value != "",
}


def _numbers(left: Any, right: Any, op: str) -> None:
    for value in (left, right):
        if isinstance(value, str | bool | dict):
            raise KqlError(f"{op} needs numbers or times, got {value!r}")


def _arithmetic(op: str, left: Any, right: Any) -> Any:
    if left is None or right is None:
        return None
    _numbers(left, right, op)
    if op == "+":
        return left + right
    if op == "-":
        return left - right
    if op == "*":
        return left * right
    if right == 0:
        return None
    if isinstance(left, int) and isinstance(right, int):
        return int(left / right)  # KQL's long division truncates
    return left / right


def _equal(left: Any, right: Any) -> bool:
    if left is None or right is None:
        return False
    if isinstance(left, bool) != isinstance(right, bool):
        raise KqlError(f"cannot compare {left!r} with {right!r}")
    return bool(left == right)


def _ordered(op: str, left: Any, right: Any) -> bool:
    if left is None or right is None:
        return False
    _numbers(left, right, op)
    return {"<": left < right, "<=": left <= right, ">": left > right, ">=": left >= right}[op]


def _text(op: str, left: Any, right: Any) -> bool:
    """startswith, contains and has: case-insensitive, as KQL's operators without _cs are."""
    value, term = _tostring(left).lower(), _tostring(right).lower()
    if op == "startswith":
        return value.startswith(term)
    if op == "contains":
        return term in value
    return term in value.replace(".", " ").replace("/", " ").split()  # has: a whole term


def binary(op: str, left: Any, right: Any) -> Any:
    if op in ("+", "-", "*", "/"):
        return _arithmetic(op, left, right)
    if op == "==":
        return _equal(left, right)
    if op == "!=":
        return left is not None and right is not None and not _equal(left, right)
    if op == "=~":
        return _tostring(left).lower() == _tostring(right).lower() and left is not None
    if op in ("<", "<=", ">", ">="):
        return _ordered(op, left, right)
    if op.lstrip("!") in ("startswith", "contains", "has"):
        found = _text(op.lstrip("!"), left, right)
        return not found if op.startswith("!") else found
    raise Unsupported(f"operator {op!r}")


def _present(values: list[Any]) -> list[Any]:
    return [v for v in values if v is not None]


def _sum(values: list[Any]) -> Any:
    present = _present(values)
    for value in present:
        _numbers(value, 0, "sum")
    return sum(present) if present else None


def percentile(values: list[Any], rank: float) -> Any:
    """Nearest rank: a value of the set (Azure estimates with t-digest on large sets; on the
    handful of values a test makes, both give a member of the set)."""
    present = sorted(_present(values))
    if not present:
        return None
    index = max(0, math.ceil(rank / 100 * len(present)) - 1)
    return present[min(index, len(present) - 1)]


def _avg(values: list[Any]) -> Any:
    present = _present(values)
    return sum(present) / len(present) if present else None


AGGREGATIONS: dict[str, Callable[..., Any]] = {
    "count": len,
    "sum": _sum,
    "avg": _avg,
    "min": lambda values: min(_present(values), default=None),
    "max": lambda values: max(_present(values), default=None),
    "percentile": percentile,
}
