"""Every query of infra/queries against the telemetry the app really sends (issue 31, item 4).

The app runs through devhost with telemetry on, exporting to a local ingestion endpoint, twice
(tests/e2e/telemetry_runs.py): a clean run and a faulty one (a poisoned message, events the
relay sends minutes late, uploads that are not images). Then, with the evaluator of tests/kql:

- each query's tables, the metric and span names it filters on and the custom dimensions it
  reads occur in the captured envelopes (a renamed metric, span or dimension fails here);
- each query runs over both captures, and each workbook or docs query returns rows;
- each alert of infra/modules/alerts.bicep, as deployed (query file, measure, aggregation,
  operator, threshold, dimensions), fires on the faulty run and not on the clean one.

What only Azure can confirm is in docs/operations.md ("What the local proof leaves to Azure").
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pytest

from tests.deploy import monitoring
from tests.e2e.telemetry_runs import Run, missing, run_app
from tests.kql import Reads, Rule, Table, fires, parse, reads, run

if TYPE_CHECKING:
    from pathlib import Path

QUERY_FILES = sorted(monitoring.QUERIES.glob("*.kql"))
ALERTS = {alert.name: alert for alert in monitoring.alerts()}


@pytest.fixture(scope="module")
def clean(tmp_path_factory: pytest.TempPathFactory) -> Run:
    return run_app(tmp_path_factory.mktemp("clean"), faulty=False)


@pytest.fixture(scope="module")
def faulty(tmp_path_factory: pytest.TempPathFactory) -> Run:
    return run_app(tmp_path_factory.mktemp("faulty"), faulty=True)


def test_each_run_produced_the_telemetry_its_work_implies(clean: Run, faulty: Run) -> None:
    """The captures are complete (so an alert that stays quiet on the clean run is not just
    early): every metric, request and span the work must produce arrived."""
    assert missing(clean.tables, clean.faulty) == []
    assert missing(faulty.tables, faulty.faulty) == []


def unread(found: Reads, made: dict[str, Table]) -> list[str]:
    """What a pipeline reads that no captured envelope carries."""
    problems = [f"table {t} is empty" for t in found.tables if not made[t].rows]
    rows = [row for t in found.tables for row in made[t].rows]
    names = {row.get("name") for row in rows}
    problems += [f"no {found.tables} item named {n!r}" for n in sorted(found.names - names)]
    named = [row for row in rows if not found.names or row.get("name") in found.names]
    keys = {key for row in named for key in row["customDimensions"]}
    problems += [
        f"no {sorted(found.names) or found.tables} item has custom dimension {k!r}"
        for k in sorted(found.dimensions - keys)
    ]
    return problems


def with_values(text: str, run_: Run) -> str:
    """The docs' lookups take a value: an order of the run, an invocation of its feed."""
    invocation = next(
        row["customDimensions"]["InvocationId"]
        for row in run_.tables["traces"].rows
        if "InvocationId" in row["customDimensions"]
    )
    return text.replace("{OrderId}", run_.order_ids[0]).replace("{InvocationId}", invocation)


@pytest.mark.parametrize("path", QUERY_FILES, ids=lambda path: path.stem)
def test_each_query_reads_only_names_the_app_emits(path: Path, faulty: Run) -> None:
    made = faulty.tables
    problems = [p for found in reads(parse(path.read_text("utf-8"))) for p in unread(found, made)]
    assert problems == []


@pytest.mark.parametrize("path", QUERY_FILES, ids=lambda path: path.stem)
def test_each_query_runs_on_both_captures_and_a_panel_shows_rows(
    path: Path, clean: Run, faulty: Run
) -> None:
    for capture in (clean, faulty):
        run(parse(with_values(path.read_text("utf-8"), capture)), capture.tables)
    if not path.stem.startswith("alert-"):
        assert run(parse(with_values(path.read_text("utf-8"), faulty)), faulty.tables)


def rule(name: str) -> Rule:
    alert = ALERTS[name]
    return Rule(
        parse(alert.query),
        alert.time_aggregation,
        alert.measure,
        alert.operator,
        alert.threshold,
        alert.dimensions,
    )


# What each alert must name on the faulty run: the split that fires.
FIRING: dict[str, Any] = {
    "poison-messages": {("order-events",)},
    "feed-lag": {()},
    "outbox-relaying": {()},
    "thumbnail-failures": {()},
    "failing-invocations": {("process_order_event",), ("process order event",)},
}


def test_every_alert_is_exercised() -> None:
    assert set(FIRING) == set(ALERTS)


@pytest.mark.parametrize("name", sorted(FIRING))
def test_each_alert_fires_on_the_faulty_run_and_not_on_the_clean_one(
    name: str, clean: Run, faulty: Run
) -> None:
    assert fires(rule(name), clean.tables) == {}
    assert set(fires(rule(name), faulty.tables)) == FIRING[name]


def test_a_renamed_metric_or_dimension_is_caught(faulty: Run) -> None:
    """The name check itself can fail: rename what the poison alert reads in a copy."""
    renamed = [
        envelope | {"data": envelope["data"] | {"baseData": _renamed(envelope["data"]["baseData"])}}
        for envelope in faulty.envelopes
    ]
    made = Run(renamed, faulty.order_ids, faulty.faulty).tables
    (found,) = reads(parse(ALERTS["poison-messages"].query))
    assert unread(found, made) == [
        "no ('customMetrics',) item named 'orders.feed.poison'",
        "no ['orders.feed.poison'] item has custom dimension 'queue'",
    ]


def _renamed(base: dict[str, Any]) -> dict[str, Any]:
    if "metrics" not in base:
        return base
    metrics = [
        point | {"name": point["name"].replace("orders.feed.poison", "orders.feed.parked")}
        for point in base["metrics"]
    ]
    return base | {"metrics": metrics}
