"""NCRONTAB next occurrences against known tables (Microsoft's timer examples, NCrontab's)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from devhost.schedules import IntervalSchedule, parse_schedule
from shared.ncrontab import CronSyntaxError, ncrontab_problem, parse_cron


def _at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def _occurrences(expression: str, base: str, count: int) -> list[str]:
    schedule, moment, found = parse_cron(expression), _at(base), []
    for _ in range(count):
        moment = schedule.next_after(moment)
        found.append(moment.strftime("%Y-%m-%d %a %H:%M:%S"))
    return found


# Each row: expression, base time, the next occurrences strictly after it.
TABLE = [
    (
        "0 */5 * * * *",
        "2024-01-01 18:55:00",
        ["2024-01-01 Mon 19:00:00", "2024-01-01 Mon 19:05:00", "2024-01-01 Mon 19:10:00"],
    ),
    ("0 0 * * * *", "2024-01-01 10:30:00", ["2024-01-01 Mon 11:00:00", "2024-01-01 Mon 12:00:00"]),
    (
        "0 0 */2 * * *",
        "2024-01-01 01:00:00",
        ["2024-01-01 Mon 02:00:00", "2024-01-01 Mon 04:00:00"],
    ),
    (
        "0 0 9-17 * * *",
        "2024-01-01 16:59:59",
        ["2024-01-01 Mon 17:00:00", "2024-01-02 Tue 09:00:00"],
    ),
    ("0 30 9 * * *", "2024-01-01 09:30:00", ["2024-01-02 Tue 09:30:00", "2024-01-03 Wed 09:30:00"]),
    (
        "0 30 9 * * 1-5",
        "2024-01-05 10:00:00",
        ["2024-01-08 Mon 09:30:00", "2024-01-09 Tue 09:30:00"],
    ),
    (
        "0 30 9 * Jan Mon",
        "2024-01-29 10:00:00",
        ["2025-01-06 Mon 09:30:00", "2025-01-13 Mon 09:30:00"],
    ),
    ("0 0 2 * * *", "2024-02-28 02:00:00", ["2024-02-29 Thu 02:00:00", "2024-03-01 Fri 02:00:00"]),
    (
        "*/15 * * * * *",
        "2024-12-31 23:59:50",
        ["2025-01-01 Wed 00:00:00", "2025-01-01 Wed 00:00:15"],
    ),
    (
        "5,10 * * * * *",
        "2024-01-01 00:00:07",
        ["2024-01-01 Mon 00:00:10", "2024-01-01 Mon 00:01:05"],
    ),
    # NCrontab's README: 12:00 on Mondays of every other month, from 1 Jan 2000.
    (
        "0 0 12 * */2 Mon",
        "2000-01-01 00:00:00",
        [
            "2000-01-03 Mon 12:00:00",
            "2000-01-10 Mon 12:00:00",
            "2000-01-17 Mon 12:00:00",
            "2000-01-24 Mon 12:00:00",
            "2000-01-31 Mon 12:00:00",
            "2000-03-06 Mon 12:00:00",
        ],
    ),
    # Day 31 is skipped in months without one.
    (
        "0 0 0 15,31 * *",
        "2000-01-01 00:00:00",
        [
            "2000-01-15 Sat 00:00:00",
            "2000-01-31 Mon 00:00:00",
            "2000-02-15 Tue 00:00:00",
            "2000-03-15 Wed 00:00:00",
            "2000-03-31 Fri 00:00:00",
            "2000-04-15 Sat 00:00:00",
        ],
    ),
    # Day of month AND day of week (NCrontab), not OR (Vixie cron): Friday the 13th.
    (
        "0 0 0 13 * FRI",
        "2024-01-01 00:00:00",
        ["2024-09-13 Fri 00:00:00", "2024-12-13 Fri 00:00:00", "2025-06-13 Fri 00:00:00"],
    ),
    ("0 0 0 29 2 *", "2024-03-01 00:00:00", ["2028-02-29 Tue 00:00:00"]),
    ("0 0 0 * * 0", "2024-01-01 00:00:00", ["2024-01-07 Sun 00:00:00"]),
    # Five fields: NCrontab without seconds, firing at second 0.
    ("*/5 * * * *", "2003-01-01 00:00:00", ["2003-01-01 Wed 00:05:00", "2003-01-01 Wed 00:10:00"]),
]


@pytest.mark.parametrize(("expression", "base", "expected"), TABLE)
def test_next_occurrences_match_the_table(expression: str, base: str, expected: list[str]) -> None:
    assert _occurrences(expression, base, len(expected)) == expected


def test_next_occurrence_is_strictly_after_the_base() -> None:
    assert parse_cron("0 0 0 * * *").next_after(_at("2024-01-01 00:00:00")) == _at(
        "2024-01-02 00:00:00"
    )


@pytest.mark.parametrize(
    "expression",
    [
        "* * * *",
        "0 0 0 0 0 0 0",
        "60 * * * * *",
        "0 0 24 * * *",
        "0 0 0 32 * *",
        "0 0 0 * 13 *",
        "0 0 0 * * 7",
        "*/0 * * * * *",
        "a * * * * *",
        "5-1 * * * * *",
        "0 0 0 30 2 *",
    ],
)
def test_invalid_expressions_are_rejected(expression: str) -> None:
    with pytest.raises(CronSyntaxError):
        parse_cron(expression).next_after(_at("2024-01-01 00:00:00"))


def test_schedule_resolves_app_setting_indirection() -> None:
    schedule = parse_schedule("%SWEEP%", {"SWEEP": "0 0 2 * * *"})
    assert schedule.next_after(_at("2024-01-01 03:00:00")) == _at("2024-01-02 02:00:00")


def test_timespan_schedule_runs_every_interval() -> None:
    schedule = parse_schedule("01:30:00", {})
    assert isinstance(schedule, IntervalSchedule)
    assert schedule.next_after(_at("2024-01-01 00:00:00")) == _at("2024-01-01 01:30:00")


def test_missing_setting_in_schedule_is_an_error() -> None:
    with pytest.raises(ValueError, match="NOPE"):
        parse_schedule("%NOPE%", {})


@pytest.mark.parametrize(
    "expression",
    [
        "0 0 2 * * *",
        "*/5 * * * * *",
        "0 30 9 * JAN-MAR MON-FRI",
        "0 0 0 1,15 * *",
        "0 0 12 * * Sunday",
        "0-10/2 0 0 * * 0",
        # Five fields: the Timers extension reads them without seconds (shared/ncrontab.py).
        "* * * * *",
        "30 9 * * MON-FRI",
    ],
)
def test_valid_ncrontab_expressions(expression: str) -> None:
    assert ncrontab_problem(expression) is None


@pytest.mark.parametrize(
    "expression",
    [
        "",
        "* * * * * * *",
        "* * * *",
        "٣ * * * * *",  # a digit, but not ASCII
        "60 * * * * *",
        "* * 24 * * *",
        "* * * 0 * *",
        "* * * * 13 *",
        "* * * * * 7",
        "*/0 * * * * *",
        "5-1 * * * * *",
        "? * * * * *",
        "a * * * * *",
        "* * * * FOO *",
        "1-2-3 * * * * *",
    ],
)
def test_invalid_ncrontab_expressions(expression: str) -> None:
    assert ncrontab_problem(expression) is not None
