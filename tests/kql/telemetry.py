"""Application Insights tables from captured telemetry envelopes (devhost.ingestion).

Each envelope type lands in the table Application Insights puts it in, with the columns the
queries read, named as in the classic (application-scoped) schema:
https://learn.microsoft.com/azure/azure-monitor/app/data-model-complete (the data model) and
the `requests`, `dependencies`, `traces`, `exceptions`, `customMetrics` tables. Only columns
listed here exist: a query that reads another one fails (KqlError), as a misspelt column would
fail in Log Analytics.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from typing import Any

from tests.kql.evaluate import Table

__all__ = ["TABLE_OF", "tables"]

# Envelope baseType -> table.
TABLE_OF = {
    "RequestData": "requests",
    "RemoteDependencyData": "dependencies",
    "MessageData": "traces",
    "ExceptionData": "exceptions",
    "MetricData": "customMetrics",
}
_COMMON = (
    "timestamp",
    "itemType",
    "itemCount",
    "operation_Id",
    "operation_ParentId",
    "operation_Name",
    "cloud_RoleName",
    "customDimensions",
)
_COLUMNS = {
    "requests": (
        *_COMMON,
        "id",
        "name",
        "url",
        "duration",
        "resultCode",
        "success",
        "customMeasurements",
    ),
    "dependencies": (
        *_COMMON,
        "id",
        "name",
        "type",
        "target",
        "data",
        "duration",
        "resultCode",
        "success",
        "customMeasurements",
    ),
    "traces": (*_COMMON, "message", "severityLevel"),
    "exceptions": (*_COMMON, "type", "outerMessage", "severityLevel"),
    "customMetrics": (*_COMMON, "name", "value", "valueSum", "valueCount", "valueMin", "valueMax"),
}
_ITEM_TYPE = {
    "requests": "request",
    "dependencies": "dependency",
    "traces": "trace",
    "exceptions": "exception",
    "customMetrics": "customMetric",
}
_DURATION = re.compile(r"(?:(\d+)\.)?(\d+):(\d+):(\d+(?:\.\d+)?)")


def _milliseconds(text: str) -> float:
    """`d.hh:mm:ss.ffffff` (the envelope's duration) in milliseconds, as the tables hold it."""
    match = _DURATION.fullmatch(text)
    if match is None:
        raise ValueError(f"duration {text!r}")
    days, hours, minutes, seconds = match.groups()
    spent = timedelta(
        days=int(days or 0), hours=int(hours), minutes=int(minutes), seconds=float(seconds)
    )
    return spent.total_seconds() * 1000


def _timestamp(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def _common(envelope: dict[str, Any], table: str) -> dict[str, Any]:
    tags, base = envelope.get("tags", {}), envelope["data"]["baseData"]
    sample_rate = float(envelope.get("sampleRate") or 100.0)
    return {
        "timestamp": _timestamp(envelope["time"]),
        "itemType": _ITEM_TYPE[table],
        "itemCount": max(1, round(100.0 / sample_rate)),  # what a kept item stands for
        "operation_Id": tags.get("ai.operation.id"),
        "operation_ParentId": tags.get("ai.operation.parentId"),
        "operation_Name": tags.get("ai.operation.name"),
        "cloud_RoleName": tags.get("ai.cloud.role"),
        "customDimensions": dict(base.get("properties") or {}),
    }


def _span(base: dict[str, Any], code_field: str) -> dict[str, Any]:
    return {
        "id": base.get("id"),
        "name": base.get("name"),
        "duration": _milliseconds(base["duration"]),
        "resultCode": base.get(code_field),
        "success": base.get("success"),
        "customMeasurements": base.get("measurements") or {},
    }


def _rows(envelope: dict[str, Any]) -> tuple[str, list[dict[str, Any]]]:
    data = envelope["data"]
    table = TABLE_OF[data["baseType"]]
    base, common = data["baseData"], _common(envelope, table)
    if table == "requests":
        return table, [common | _span(base, "responseCode") | {"url": base.get("url")}]
    if table == "dependencies":
        extra = {"type": base.get("type"), "target": base.get("target"), "data": base.get("data")}
        return table, [common | _span(base, "resultCode") | extra]
    if table == "traces":
        extra = {"message": base.get("message"), "severityLevel": base.get("severityLevel")}
        return table, [common | extra]
    if table == "exceptions":
        first = (base.get("exceptions") or [{}])[0]
        extra = {
            "type": first.get("typeName"),
            "outerMessage": first.get("message"),
            "severityLevel": base.get("severityLevel"),
        }
        return table, [common | extra]
    return table, [
        common
        | {  # one row per data point; a histogram's point carries count, min and max
            "name": point["name"],
            "value": point["value"],
            "valueSum": point["value"],
            "valueCount": point.get("count") or 1,
            "valueMin": point.get("min", point["value"]),
            "valueMax": point.get("max", point["value"]),
        }
        for point in base["metrics"]
    ]


def tables(envelopes: list[dict[str, Any]]) -> dict[str, Table]:
    """The five tables of these envelopes (empty tables included)."""
    rows: dict[str, list[dict[str, Any]]] = {name: [] for name in _COLUMNS}
    for envelope in envelopes:
        if envelope.get("data", {}).get("baseType") not in TABLE_OF:
            continue
        table, made = _rows(envelope)
        rows[table] += made
    return {
        name: Table(_COLUMNS[name], tuple({c: r.get(c) for c in _COLUMNS[name]} for r in made))
        for name, made in rows.items()
    }
