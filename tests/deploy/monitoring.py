"""The monitoring infra/ deploys, read from the Bicep: each log alert of modules/alerts.bicep
with the query file it loads, and each workbook panel of modules/workbook.bicep with its file.
Used by the deploy checks (tests/deploy/test_monitoring.py) and by the telemetry test that
evaluates the same rules on the app's real telemetry (tests/e2e/test_alert_queries_e2e.py)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tests.deploy import infra

__all__ = ["QUERIES", "Alert", "alerts", "loaded_file", "panels"]

QUERIES = infra.INFRA / "queries"
ALERTS = "modules/alerts.bicep"
WORKBOOK = "modules/workbook.bicep"


def loaded_file(expression: Any, module: str) -> Path | None:
    """The file a `loadTextContent('...')` expression of `module` loads, or None."""
    function = expression.get("function", {}) if isinstance(expression, dict) else {}
    if function.get("type") != "load_text_content":
        return None
    relative = function["parameters"]["file_path"]
    return ((infra.INFRA / module).parent / relative).resolve()


@dataclass(frozen=True)
class Alert:
    """One entry of alerts.bicep's `alerts` list, its query file resolved."""

    name: str
    severity: int
    window: str
    frequency: str
    query_file: Path | None
    time_aggregation: str
    measure: str
    operator: str
    threshold: int
    dimensions: tuple[str, ...]
    failing_periods: int

    @property
    def query(self) -> str:
        assert self.query_file is not None, f"{self.name}: the query is not loaded from a file"
        return self.query_file.read_text("utf-8")


def alerts() -> list[Alert]:
    return [
        Alert(
            name=entry["name"],
            severity=entry["severity"],
            window=entry["windowSize"],
            frequency=entry["evaluationFrequency"],
            query_file=loaded_file(entry["query"], ALERTS),
            time_aggregation=entry["timeAggregation"],
            measure=entry["metricMeasureColumn"],
            operator=entry["operator"],
            threshold=entry["threshold"],
            dimensions=tuple(entry["dimensions"]),
            failing_periods=entry["failingPeriods"],
        )
        for entry in infra.variable(ALERTS, "alerts")
    ]


def panels() -> dict[str, Path | None]:
    """Workbook panel name -> the query file it loads."""
    return {
        entry["name"]: loaded_file(entry["query"], WORKBOOK)
        for entry in infra.variable(WORKBOOK, "panels")
    }


# What ARM computes at deployment time, for the workbook's content.
_APPI = "/subscriptions/s/resourceGroups/g/providers/microsoft.insights/components/appi"
_DEPLOYED = {"applicationInsights.id": _APPI}
_BICEP_ESCAPES = {"\\'": "'", "\\n": "\n", "\\\\": "\\", "\\t": "\t", "\\$": "$"}


def _literal(text: str) -> str:
    for escaped, plain in _BICEP_ESCAPES.items():
        text = text.replace(escaped, plain)
    return text


def _resolve(value: Any, names: dict[str, Any]) -> Any:  # noqa: C901 - one case per node type
    """A workbook.bicep expression as the JSON value ARM would serialize."""
    if infra.is_literal(value):
        return _literal(value)
    if isinstance(value, str):  # an identifier: a loop's item (resolved), or a variable
        return _identifier(str(value), names)
    if isinstance(value, list):
        return [_resolve(item, names) for item in value]
    if not isinstance(value, dict):
        return value  # numbers, booleans
    if "loop_type" in value:
        detail = value["loop_type"]["detail"]
        items = _resolve(detail["array_name"], names)
        return [_resolve(value["config"], names | {detail["item_name"]: i}) for i in items]
    if "operator" in value:
        dotted = infra.dotted(value)
        if dotted in _DEPLOYED:
            return _DEPLOYED[dotted]
        first, *fields = dotted.split(".")
        found = _identifier(first, names)
        for field in fields:
            found = found[field]
        return found
    if "function" in value:
        function = value["function"]
        if function["type"] == "load_text_content":
            path = loaded_file(value, WORKBOOK)
            assert path is not None
            return path.read_text("utf-8")
        if function["type"] == "concat":
            return [
                item for arg in function["parameters"].values() for item in _resolve(arg, names)
            ]
        if function["type"] == "guid":
            return "00000000-0000-0000-0000-000000000001"
        raise AssertionError(f"workbook.bicep uses {function['type']}(): resolve it here")
    return {key.strip("'"): _resolve(item, names) for key, item in value.items()}


def _identifier(name: str, names: dict[str, Any]) -> Any:
    return names[name] if name in names else _resolve(infra.variable(WORKBOOK, name), names)


def workbook_content() -> Any:
    """The workbook's serializedData, parsed: the `content` variable that string() turns into
    JSON, with the query files loaded and deployment-time ids filled in."""
    (workbook,) = infra.resources(WORKBOOK, "Microsoft.Insights/workbooks").values()
    serialized = workbook["config"]["properties"]["serializedData"]["function"]
    assert serialized["type"] == "string", "serializedData is string() of a Bicep object"
    return _identifier(serialized["parameters"]["value_to_convert"], {})
