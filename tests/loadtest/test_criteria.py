"""The failure criteria as loadtest/criteria.py reads and applies them, on statistics written in
Locust's CSV format: the parsing of azure-load-test.yaml's lines, and that each kind of
criterion fails when the run breaks it (no I/O beyond a temporary CSV)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from loadtest.__main__ import CONFIG
from loadtest.criteria import CriterionError, evaluate, load_criteria, parse, read_stats

if TYPE_CHECKING:
    from pathlib import Path

HEADER = (
    "Type,Name,Request Count,Failure Count,Median Response Time,Average Response Time,"
    "Min Response Time,Max Response Time,Average Content Size,Requests/s,Failures/s,"
    "50%,66%,75%,80%,90%,95%,98%,99%,99.9%,99.99%,100%"
)


def stats_file(tmp_path: Path) -> Path:
    rows = [
        HEADER,
        "POST,create_order,200,2,50,60.5,10,900,100,4.0,0.04,50,55,60,70,90,300,400,500,800,900,900",
        "GET,get_order,100,0,20,22.0,5,80,100,2.0,0,20,20,21,22,30,40,50,60,80,80,80",
        ",Aggregated,300,2,30,47.7,5,900,100,6.0,0.04,30,40,50,60,80,250,380,480,800,900,900",
    ]
    path = tmp_path / "locust_stats.csv"
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    return path


def test_the_yaml_criteria_all_parse_and_name_requests_the_locustfile_makes() -> None:
    criteria = load_criteria(CONFIG)
    assert criteria
    assert any(c.request is None and c.metric == "error" for c in criteria)
    locustfile = (CONFIG.parent / "locustfile.py").read_text(encoding="utf-8")
    for criterion in criteria:
        assert criterion.request is None or f'"{criterion.request}"' in locustfile, criterion


def test_a_line_reads_as_azure_load_testing_writes_it() -> None:
    criterion = parse({"create_order": "p95(response_time_ms) > 800"})
    assert (criterion.request, criterion.aggregate, criterion.metric) == (
        "create_order",
        "p95",
        "response_time_ms",
    )
    assert (criterion.condition, criterion.threshold) == (">", 800)
    assert str(parse("percentage(error) > 1.5")) == "percentage(error) > 1.5"


@pytest.mark.parametrize(
    "line", ["p95(latency) > 100", "median(response_time_ms) > 1", "p95 response_time > 1", ""]
)
def test_a_criterion_it_cannot_apply_is_refused(line: str) -> None:
    with pytest.raises(CriterionError):
        parse(line)


@pytest.mark.parametrize(
    ("line", "passes"),
    [
        ("percentage(error) > 1", True),  # 2 of 300 = 0.67 %
        ("percentage(error) > 0.5", False),
        ({"create_order": "percentage(error) > 0.5"}, False),  # 1 % of its own 200
        ({"create_order": "p95(response_time_ms) > 300"}, True),
        ({"create_order": "p95(response_time_ms) > 299"}, False),
        ({"get_order": "avg(response_time_ms) > 21"}, False),
        ({"get_order": "max(response_time_ms) > 80"}, True),
        ("avg(requests_per_sec) < 5", True),
        ("avg(requests_per_sec) < 7", False),
        ("count(requests) < 300", True),
        ({"delete_order": "p95(response_time_ms) > 1000"}, False),  # never ran
    ],
)
def test_each_criterion_fails_when_the_run_breaks_it(
    tmp_path: Path, line: str | dict[str, str], passes: bool
) -> None:
    (outcome,) = evaluate([parse(line)], read_stats(stats_file(tmp_path)))
    assert outcome.failed is not passes


def test_latency_headroom_scales_response_times_only(tmp_path: Path) -> None:
    stats = read_stats(stats_file(tmp_path))
    criteria = [
        parse({"create_order": "p95(response_time_ms) > 200"}),
        parse("percentage(error) > 0.5"),
    ]
    latency, errors = evaluate(criteria, stats, latency_headroom=2.0)
    assert (latency.threshold, latency.failed) == (400, False)
    assert (errors.threshold, errors.failed) == (0.5, True)
