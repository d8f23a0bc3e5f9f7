"""NCRONTAB expressions as the timer trigger reads them: the one parser of the project.

The app's settings check (is ORDER_SWEEP_SCHEDULE an expression the host will accept?) and
devhost's timers (when does it fire next?) both use it, so they cannot disagree.

`{second} {minute} {hour} {day} {month} {day-of-week}`, each field `*`, a value, a range
`a-b`, a step `*/n`, `a/n` or `a-b/n`, or a comma-separated list of those; months and days
of the week may be English names (JAN, MONDAY). As the Timers extension does
(`CronSchedule.TryCreate` in Azure/azure-webjobs-sdk-extensions: `IncludingSeconds` unless the
expression has exactly 5 fields), five fields are read as NCrontab reads them without
seconds, firing at second 0. Like NCrontab, a time matches only when the day of month AND the
day of week both match, and the next occurrence is strictly after the base time.
https://learn.microsoft.com/azure/azure-functions/functions-bindings-timer#ncrontab-expressions
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

__all__ = ["CronSchedule", "CronSyntaxError", "ncrontab_problem", "parse_cron"]

_MONTHS = ("JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC")
_DAYS = ("SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT")
# (name, low, high, names) per field: second, minute, hour, day, month, day of week.
_FIELDS: tuple[tuple[str, int, int, tuple[str, ...]], ...] = (
    ("second", 0, 59, ()),
    ("minute", 0, 59, ()),
    ("hour", 0, 23, ()),
    ("day", 1, 31, ()),
    ("month", 1, 12, _MONTHS),
    ("day-of-week", 0, 6, _DAYS),
)
_SEARCH_LIMIT = timedelta(days=366 * 5)


class CronSyntaxError(ValueError):
    """An NCRONTAB expression cannot be parsed."""


def _number(text: str) -> bool:
    return text.isascii() and text.isdigit()


def _value(text: str, low: int, names: tuple[str, ...]) -> int:
    if names and text.isalpha() and text[:3].upper() in names:
        return names.index(text[:3].upper()) + low
    if not _number(text):
        raise CronSyntaxError(f"not a number: {text!r}")
    return int(text)


def _parse_field(
    text: str, name: str, low: int, high: int, names: tuple[str, ...]
) -> frozenset[int]:
    values: set[int] = set()
    for item in text.split(","):
        spec, slash, step_text = item.partition("/")
        if slash and not (_number(step_text) and int(step_text) > 0):
            raise CronSyntaxError(f"the {name} field has a bad step: {item!r}")
        step = int(step_text) if slash else 1
        if spec == "*":
            first, last = low, high
        elif "-" in spec:
            start, _, end = spec.partition("-")
            first, last = _value(start, low, names), _value(end, low, names)
        else:
            first = _value(spec, low, names)
            last = high if slash else first
        if not (low <= first <= last <= high):
            raise CronSyntaxError(f"the {name} field is out of range {low}-{high}: {item!r}")
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
    """The schedule of `expression`; CronSyntaxError saying what is wrong."""
    tokens = expression.split()
    if len(tokens) == 5:
        tokens = ["0", *tokens]
    if len(tokens) != 6:
        raise CronSyntaxError(f"has {len(tokens)} fields, not 6 (or 5 without the second)")
    fields = [_parse_field(token, *spec) for token, spec in zip(tokens, _FIELDS, strict=True)]
    return CronSchedule(expression, *fields)


def ncrontab_problem(expression: str) -> str | None:
    """None when the host accepts `expression`, else what is wrong with it."""
    try:
        parse_cron(expression)
    except CronSyntaxError as exc:
        return str(exc)
    return None
