"""The failure criteria of azure-load-test.yaml, applied to Locust's statistics as Azure Load
Testing applies them (learn.microsoft.com/azure/load-testing/how-to-define-test-criteria):
each is `[request:] aggregate(metric) > threshold` (or `<`), and the run fails when any one is
true. The YAML is their one home: `make loadtest` and the deploy gate read the same lines."""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import yaml

if TYPE_CHECKING:
    from pathlib import Path

__all__ = ["Criterion", "Outcome", "Stat", "evaluate", "load_criteria", "parse", "read_stats"]

WHOLE_TEST = "Aggregated"  # Locust's row for every request together
_CRITERION = re.compile(
    r"^(?P<aggregate>\w+)\((?P<metric>\w+)\)\s*(?P<condition>[<>])\s*(?P<threshold>\d+(\.\d+)?)$"
)
# The client metrics and aggregates Azure Load Testing accepts that Locust's CSV also holds
# (`latency` has no Locust counterpart).
_LATENCY = {"avg", "min", "max", "p50", "p90", "p95", "p99"}
_SUPPORTED = {("error", "percentage"), ("requests_per_sec", "avg"), ("requests", "count")} | {
    ("response_time_ms", aggregate) for aggregate in _LATENCY
}


class CriterionError(ValueError):
    """A failure criterion this runner cannot read or apply."""


@dataclass(frozen=True)
class Criterion:
    request: str | None  # None: the whole test
    aggregate: str
    metric: str
    condition: str
    threshold: float

    def __str__(self) -> str:
        prefix = f"{self.request}: " if self.request else ""
        rule = f"{self.aggregate}({self.metric}) {self.condition} {self.threshold:g}"
        return prefix + rule


@dataclass(frozen=True)
class Stat:
    """One row of Locust's `_stats.csv`."""

    requests: int
    failures: int
    rps: float
    times_ms: dict[str, float]  # avg, min, max, p50 ... p99


@dataclass(frozen=True)
class Outcome:
    criterion: Criterion
    threshold: float  # as applied (a latency threshold scaled by the run's headroom)
    actual: float | None  # None: the request never ran
    failed: bool


def parse(entry: str | dict[str, str]) -> Criterion:
    """One list item of `failureCriteria`: a string, or YAML's reading of `name: rule`."""
    request, text = (None, entry) if isinstance(entry, str) else next(iter(entry.items()))
    found = _CRITERION.match(str(text).strip())
    if found is None:
        raise CriterionError(f"not a failure criterion: {entry!r}")
    criterion = Criterion(
        request=str(request).strip() if request is not None else None,
        aggregate=found["aggregate"],
        metric=found["metric"],
        condition=found["condition"],
        threshold=float(found["threshold"]),
    )
    if (criterion.metric, criterion.aggregate) not in _SUPPORTED:
        raise CriterionError(f"{criterion}: {criterion.aggregate}({criterion.metric}) unsupported")
    return criterion


def load_criteria(config: Path) -> list[Criterion]:
    document: dict[str, Any] = yaml.safe_load(config.read_text(encoding="utf-8"))
    return [parse(entry) for entry in document.get("failureCriteria") or []]


def read_stats(path: Path) -> dict[str, Stat]:
    """Locust's `<prefix>_stats.csv` by request name; the whole test under WHOLE_TEST."""
    stats = {}
    with path.open(encoding="utf-8", newline="") as rows:
        for row in csv.DictReader(rows):
            times = {f"p{n}": float(row[f"{n}%"] or 0) for n in (50, 90, 95, 99)}
            times |= {
                "avg": float(row["Average Response Time"]),
                "min": float(row["Min Response Time"] or 0),
                "max": float(row["Max Response Time"]),
            }
            stats[row["Name"]] = Stat(
                int(row["Request Count"]),
                int(row["Failure Count"]),
                float(row["Requests/s"]),
                times,
            )
    return stats


def _actual(criterion: Criterion, stat: Stat) -> float:
    if criterion.metric == "error":
        return 100.0 * stat.failures / stat.requests if stat.requests else 0.0
    if criterion.metric == "requests_per_sec":
        return stat.rps
    if criterion.metric == "requests":
        return float(stat.requests)
    return stat.times_ms[criterion.aggregate]


def evaluate(
    criteria: list[Criterion], stats: dict[str, Stat], *, latency_headroom: float = 1.0
) -> list[Outcome]:
    """Each criterion against the run; a request that never ran fails its criterion (a renamed
    request would otherwise pass unseen)."""
    outcomes = []
    for criterion in criteria:
        threshold = criterion.threshold
        if criterion.metric == "response_time_ms":
            threshold *= latency_headroom
        stat = stats.get(criterion.request or WHOLE_TEST)
        if stat is None or stat.requests == 0:
            outcomes.append(Outcome(criterion, threshold, None, failed=True))
            continue
        actual = _actual(criterion, stat)
        failed = actual > threshold if criterion.condition == ">" else actual < threshold
        outcomes.append(Outcome(criterion, threshold, actual, failed))
    return outcomes
