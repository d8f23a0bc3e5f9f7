"""A log search alert's condition, as Azure Monitor evaluates one window of it: the query's
rows, split by the dimension columns, each split's measure aggregated and compared with the
threshold (https://learn.microsoft.com/azure/azure-monitor/alerts/alerts-create-log-alert-rule).
Failing periods (N of M windows) are left to Azure: one capture is one window."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from tests.kql.errors import KqlError, Unsupported
from tests.kql.evaluate import Table, run

if TYPE_CHECKING:
    from tests.kql.syntax import Query

__all__ = ["Rule", "fires"]

_OPERATORS = {
    "GreaterThan": lambda value, threshold: value > threshold,
    "GreaterThanOrEqual": lambda value, threshold: value >= threshold,
    "LessThan": lambda value, threshold: value < threshold,
    "LessThanOrEqual": lambda value, threshold: value <= threshold,
    "Equal": lambda value, threshold: value == threshold,
}


@dataclass(frozen=True)
class Rule:
    """criteria.allOf[0] of a scheduled query rule."""

    query: Query
    time_aggregation: str  # Count, Total, Average, Minimum, Maximum
    measure: str | None  # metricMeasureColumn (none for Count)
    operator: str
    threshold: float
    dimensions: tuple[str, ...] = ()


def _aggregate(rule: Rule, rows: list[dict[str, Any]]) -> float | None:
    if rule.time_aggregation == "Count":
        return len(rows)
    if rule.measure is None:
        raise KqlError("a measure column is needed for " + rule.time_aggregation)
    values = [row[rule.measure] for row in rows if row.get(rule.measure) is not None]
    if not values:
        return None
    if rule.time_aggregation == "Total":
        return float(sum(values))
    if rule.time_aggregation == "Average":
        return float(sum(values)) / len(values)
    if rule.time_aggregation == "Minimum":
        return float(min(values))
    if rule.time_aggregation == "Maximum":
        return float(max(values))
    raise Unsupported(f"timeAggregation {rule.time_aggregation}")


def fires(rule: Rule, tables: dict[str, Table]) -> dict[tuple[Any, ...], float]:
    """The splits (dimension values) whose aggregated measure meets the condition, with it."""
    rows = run(rule.query, tables)
    for row in rows:
        missing = [c for c in (*rule.dimensions, rule.measure) if c and c not in row]
        if missing:
            raise KqlError(f"the query returns no column {missing}")
    splits: dict[tuple[Any, ...], list[dict[str, Any]]] = {}
    for row in rows:
        splits.setdefault(tuple(row[d] for d in rule.dimensions), []).append(row)
    compare = _OPERATORS[rule.operator]
    found = {}
    for split, members in splits.items():
        value = _aggregate(rule, members)
        if value is not None and compare(value, rule.threshold):
            found[split] = value
    return found
