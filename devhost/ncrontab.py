"""NCRONTAB expressions as the timer trigger reads them: `{second} {minute} {hour} {day}
{month} {day-of-week}`, with `*`, lists, ranges, steps and English names.

Like NCrontab, a time matches only when the day of month AND the day of week both match,
and the next occurrence is strictly after the base time. Five-field expressions (no
seconds) are accepted as NCrontab parses them, firing at second 0.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

__all__ = ["CronSchedule", "CronSyntaxError", "parse_cron"]

_MONTHS = ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"]
_DAYS = ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"]
# (low, high, names) per field: second, minute, hour, day, month, day of week.
_FIELDS: tuple[tuple[int, int, list[str] | None], ...] = (
    (0, 59, None),
    (0, 59, None),
    (0, 23, None),
    (1, 31, None),
    (1, 12, _MONTHS),
    (0, 6, _DAYS),
)
_SEARCH_LIMIT = timedelta(days=366 * 5)


class CronSyntaxError(ValueError):
    """An NCRONTAB expression cannot be parsed."""


def _value(text: str, low: int, names: list[str] | None) -> int:
    if names and text[:3].upper() in names and text.isalpha():
        return names.index(text[:3].upper()) + low
    if not text.isdigit():
        raise CronSyntaxError(f"not a number: {text!r}")
    return int(text)


def _parse_field(text: str, low: int, high: int, names: list[str] | None) -> frozenset[int]:
    values: set[int] = set()
    for item in text.split(","):
        spec, _, step_text = item.partition("/")
        step = int(step_text) if step_text.isdigit() else 1
        if step_text and (not step_text.isdigit() or step == 0):
            raise CronSyntaxError(f"bad step: {item!r}")
        if spec == "*":
            first, last = low, high
        elif "-" in spec:
            start, _, end = spec.partition("-")
            first, last = _value(start, low, names), _value(end, low, names)
        else:
            first = _value(spec, low, names)
            last = high if step_text else first
        if not (low <= first <= high and low <= last <= high) or first > last:
            raise CronSyntaxError(f"out of range {low}-{high}: {item!r}")
        values.update(range(first, last + 1, step))
    return frozenset(values)


@dataclass(frozen=True, slots=True)
class CronSchedule:
    expression: str
    seconds: frozenset[int]
    minutes: frozenset[int]
    hours: frozenset[int]
    days: frozenset[int]
    months: frozenset[int]
    weekdays: frozenset[int]  # 0 = Sunday

    def _day_matches(self, moment: datetime) -> bool:
        return moment.day in self.days and (moment.isoweekday() % 7) in self.weekdays

    def next_after(self, base: datetime) -> datetime:
        """The first occurrence strictly after `base` (same tzinfo as `base`)."""
        moment = base.replace(microsecond=0) + timedelta(seconds=1)
        limit = base + _SEARCH_LIMIT
        while moment <= limit:
            if moment.month not in self.months:
                year, month = divmod(moment.month, 12)
                moment = moment.replace(
                    year=moment.year + year, month=month + 1, day=1, hour=0, minute=0, second=0
                )
            elif not self._day_matches(moment):
                moment = (moment + timedelta(days=1)).replace(hour=0, minute=0, second=0)
            elif moment.hour not in self.hours:
                moment = (moment + timedelta(hours=1)).replace(minute=0, second=0)
            elif moment.minute not in self.minutes:
                moment = (moment + timedelta(minutes=1)).replace(second=0)
            elif moment.second not in self.seconds:
                moment += timedelta(seconds=1)
            else:
                return moment
        raise CronSyntaxError(f"{self.expression!r} has no occurrence within five years")


def parse_cron(expression: str) -> CronSchedule:
    tokens = expression.split()
    if len(tokens) == 5:
        tokens = ["0", *tokens]
    if len(tokens) != 6:
        raise CronSyntaxError(
            f"{expression!r} must have 6 fields: second minute hour day month day-of-week"
        )
    fields = [_parse_field(token, *spec) for token, spec in zip(tokens, _FIELDS, strict=True)]
    return CronSchedule(expression, *fields)
