"""Event Grid's advanced filters, as the local event source applies them to the events it
makes: the same JSON shape as an event subscription's `filter.advancedFilters`
(`operatorType`, `key`, `value` or `values`), each filter one AND condition, the values of
one filter ORed (https://learn.microsoft.com/azure/event-grid/event-filtering). The operators
the app's subscriptions use are here; another is refused when the source starts, by name.

Values may name an app setting as `%NAME%`, resolved once from the app settings, so a bound
such as THUMBNAIL_MAX_BYTES is the same number the app itself reads.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any

from devhost.expressions import resolve_settings

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping

__all__ = ["AdvancedFilter", "FilterConfigError", "matches", "parse_filters"]


class FilterConfigError(ValueError):
    """An advanced filter in `[tool.devhost.event-grid]` that the source cannot apply."""


def _number(value: Any) -> Decimal | None:
    """Event Grid compares numbers as .NET decimals; a bool or a string is not a number."""
    if isinstance(value, bool) or not isinstance(value, int | float | Decimal):
        return None
    return Decimal(str(value))


def _string(value: Any) -> str | None:
    return value.lower() if isinstance(value, str) else None  # string filters ignore case


_NUMBER_TESTS: dict[str, Callable[[Decimal, Decimal], bool]] = {
    "NumberLessThan": lambda found, bound: found < bound,
    "NumberLessThanOrEquals": lambda found, bound: found <= bound,
    "NumberGreaterThan": lambda found, bound: found > bound,
    "NumberGreaterThanOrEquals": lambda found, bound: found >= bound,
}
_STRING_TESTS: dict[str, bool] = {"StringIn": True, "StringNotIn": False}


@dataclass(frozen=True, slots=True)
class AdvancedFilter:
    operator: str
    key: str  # a dotted path into the event: `data.contentLength`, `subject`
    number: Decimal | None = None
    strings: frozenset[str] = frozenset()

    def test(self, event: Mapping[str, Any]) -> bool:
        found = _lookup(event, self.key)
        if self.operator in _NUMBER_TESTS:
            value = _number(found)
            assert self.number is not None
            return value is not None and _NUMBER_TESTS[self.operator](value, self.number)
        value_text = _string(found)
        if value_text is None:
            return False  # a missing key or another type: the event does not match
        return (value_text in self.strings) == _STRING_TESTS[self.operator]


def _lookup(event: Mapping[str, Any], key: str) -> Any:
    found: Any = event
    for part in key.split("."):
        if not isinstance(found, dict) or part not in found:
            return None
        found = found[part]
    return found


def matches(filters: tuple[AdvancedFilter, ...], event: Mapping[str, Any]) -> bool:
    """Whether `event` passes every filter (no filters: every event)."""
    return all(one.test(event) for one in filters)


def _parse_one(raw: Mapping[str, Any], environ: Mapping[str, str]) -> AdvancedFilter:
    operator, key = str(raw.get("operatorType", "")), str(raw.get("key", ""))
    if not key:
        raise FilterConfigError(f"advanced filter {operator or '?'} has no key")
    if operator in _NUMBER_TESTS:
        text = resolve_settings(str(raw.get("value", "")), environ)
        try:
            return AdvancedFilter(operator, key, number=Decimal(text.strip()))
        except InvalidOperation as exc:
            raise FilterConfigError(f"{operator} on {key}: {text!r} is not a number") from exc
    if operator in _STRING_TESTS:
        values = raw.get("values")
        if not isinstance(values, list) or not values:
            raise FilterConfigError(f"{operator} on {key} needs a list of values")
        texts = frozenset(resolve_settings(str(v), environ).lower() for v in values)
        return AdvancedFilter(operator, key, strings=texts)
    supported = ", ".join([*_NUMBER_TESTS, *_STRING_TESTS])
    raise FilterConfigError(
        f"advanced filter operator {operator!r}: the source applies {supported}"
    )


def parse_filters(raw: Any, environ: Mapping[str, str]) -> tuple[AdvancedFilter, ...]:
    """`advanced-filters` of a subscription's configuration; `%NAME%` from `environ`."""
    if raw is None:
        return ()
    if not isinstance(raw, list) or not all(isinstance(item, dict) for item in raw):
        raise FilterConfigError("advanced-filters must be a list of tables")
    return tuple(_parse_one(item, environ) for item in raw)
