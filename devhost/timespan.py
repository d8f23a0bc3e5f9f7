"""TimeSpan values as host.json and timer schedules write them (`[d.]hh:mm[:ss[.fffffff]]`)."""

from __future__ import annotations

import re

__all__ = ["parse_timespan"]

_PATTERN = re.compile(
    r"^(?:(?P<days>\d+)\.)?(?P<hours>\d{1,2}):(?P<minutes>\d{1,2})"
    r"(?::(?P<seconds>\d{1,2})(?:\.(?P<fraction>\d{1,7}))?)?$"
)


def parse_timespan(value: object) -> float:
    """Seconds in a .NET TimeSpan string; a bare number is milliseconds (the v1 format)."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        return float(value) / 1000
    text = str(value).strip()
    match = _PATTERN.match(text)
    if not match:
        raise ValueError(f"not a TimeSpan: {value!r}")
    parts = match.groupdict()
    hours, minutes = int(parts["hours"]), int(parts["minutes"])
    seconds = int(parts["seconds"] or 0)
    if hours > 23 or minutes > 59 or seconds > 59:
        raise ValueError(f"TimeSpan field out of range: {value!r}")
    fraction = float(f"0.{parts['fraction']}") if parts["fraction"] else 0.0
    days = int(parts["days"] or 0)
    return days * 86400 + hours * 3600 + minutes * 60 + seconds + fraction
