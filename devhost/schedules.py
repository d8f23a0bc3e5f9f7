"""Timer schedules: an NCRONTAB expression or a TimeSpan interval, after `%Setting%`."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING

from devhost.expressions import resolve_settings
from devhost.timespan import parse_timespan
from shared.ncrontab import CronSchedule, parse_cron

if TYPE_CHECKING:
    from collections.abc import Mapping
    from datetime import datetime

__all__ = ["IntervalSchedule", "Schedule", "parse_schedule"]


@dataclass(frozen=True, slots=True)
class IntervalSchedule:
    """A TimeSpan schedule: runs every `interval` after the previous run."""

    expression: str
    interval: timedelta

    def next_after(self, base: datetime) -> datetime:
        return base + self.interval


Schedule = CronSchedule | IntervalSchedule


def parse_schedule(raw: str, environ: Mapping[str, str]) -> Schedule:
    text = resolve_settings(raw, environ).strip()
    if ":" in text and " " not in text:
        seconds = parse_timespan(text)
        if seconds <= 0:
            raise ValueError(f"a TimeSpan schedule must be positive: {raw!r}")
        return IntervalSchedule(text, timedelta(seconds=seconds))
    return parse_cron(text)


def shortest_interval(schedule: Schedule, base: datetime) -> timedelta:
    """Roughly how often the schedule fires (decides the default of useMonitor)."""
    first = schedule.next_after(base)
    return schedule.next_after(first) - first
