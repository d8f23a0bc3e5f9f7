"""Is a timer schedule an NCRONTAB expression the Functions host will accept?

The host reads `{second} {minute} {hour} {day} {month} {day-of-week}`: each field `*`, a value,
a range `a-b`, a step `*/n` or `a-b/n`, or a comma-separated list of those; months and days of
the week may also be English names (JAN, MONDAY). Only the syntax is checked here, so the app
can refuse a bad ORDER_SWEEP_SCHEDULE before the host disables the timer over it; when it fires
is the host's business. https://learn.microsoft.com/azure/azure-functions/functions-bindings-timer#ncrontab-expressions
"""

from __future__ import annotations

__all__ = ["NCRONTAB_RULE", "ncrontab_problem"]

NCRONTAB_RULE = (
    "must be an NCRONTAB expression of 6 fields, second minute hour day month day-of-week "
    "(for example 0 0 2 * * * for 2 AM UTC every day)"
)
_MONTHS = ("JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC")
_DAYS = ("SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT")
# (name, lowest, highest, names) per field, in order.
_FIELDS: tuple[tuple[str, int, int, tuple[str, ...]], ...] = (
    ("second", 0, 59, ()),
    ("minute", 0, 59, ()),
    ("hour", 0, 23, ()),
    ("day", 1, 31, ()),
    ("month", 1, 12, _MONTHS),
    ("day-of-week", 0, 6, _DAYS),
)


def _value(text: str, low: int, names: tuple[str, ...]) -> int | None:
    if names and text.isalpha() and text[:3].upper() in names:
        return names.index(text[:3].upper()) + low
    return int(text) if text.isascii() and text.isdigit() else None


def _item_ok(item: str, low: int, high: int, names: tuple[str, ...]) -> bool:
    span, slash, step = item.partition("/")
    if slash and not (step.isascii() and step.isdigit() and int(step) > 0):
        return False
    if span == "*":
        return True
    first_text, dash, last_text = span.partition("-")
    first = _value(first_text, low, names)
    last = _value(last_text, low, names) if dash else first
    return first is not None and last is not None and low <= first <= last <= high


def ncrontab_problem(expression: str) -> str | None:
    """None when `expression` is a valid 6-field NCRONTAB expression, else what is wrong."""
    fields = expression.split()
    if len(fields) != len(_FIELDS):
        return f"has {len(fields)} fields, not 6"
    for text, (name, low, high, names) in zip(fields, _FIELDS, strict=True):
        if not all(_item_ok(item, low, high, names) for item in text.split(",")):
            return f"the {name} field is not valid ({low}-{high})"
    return None
