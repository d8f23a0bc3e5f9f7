"""The KQL evaluator of tests/kql against hand-made envelopes: the subset's semantics (nulls,
KQL's defaults), the tables envelopes land in, and refusal of anything outside the subset."""

from __future__ import annotations

from typing import Any

import pytest

from tests.kql import KqlError, Rule, Unsupported, fires, parse, reads, run, tables

TIME = "2026-12-07T10:00:00.000000Z"


def request(
    name: str,
    *,
    success: bool = True,
    code: str = "0",
    rate: float = 100.0,
    duration: str = "0.00:00:00.250000",
    **dimensions: str,
) -> dict[str, Any]:
    return {
        "name": "Microsoft.ApplicationInsights.Request",
        "time": TIME,
        "sampleRate": rate,
        "tags": {"ai.operation.id": f"op-{name}"},
        "data": {
            "baseType": "RequestData",
            "baseData": {
                "name": name,
                "id": "1",
                "duration": duration,
                "responseCode": code,
                "success": success,
                "properties": dimensions,
            },
        },
    }


def metric(name: str, value: float, count: int | None = None, **dimensions: str) -> dict[str, Any]:
    point: dict[str, Any] = {"name": name, "value": value}
    if count is not None:
        point |= {"count": count, "min": 0.0, "max": value}
    return {
        "time": TIME,
        "data": {
            "baseType": "MetricData",
            "baseData": {"metrics": [point], "properties": dimensions},
        },
    }


def rows(query: str, *envelopes: dict[str, Any]) -> list[dict[str, Any]]:
    return run(parse(query), tables(list(envelopes)))


def test_envelopes_land_in_their_tables_with_the_columns_queries_read() -> None:
    made = tables(
        [
            request("GET /x", duration="0.00:00:01.500000", rate=25.0, route="a"),
            metric("orders.created", 3.0),
        ]
    )
    (req,) = made["requests"].rows
    assert (req["duration"], req["itemCount"], req["customDimensions"]) == (
        1500.0,
        4,
        {"route": "a"},
    )
    (point,) = made["customMetrics"].rows
    assert (point["valueSum"], point["valueCount"]) == (3.0, 1)
    assert made["dependencies"].rows == ()


def test_where_summarize_by_and_a_missing_dimension() -> None:
    found = rows(
        'customMetrics | where name == "orders.feed.poison" '
        '| extend queue = tostring(customDimensions["queue"]) '
        "| summarize poisoned = sum(valueSum) by queue",
        metric("orders.feed.poison", 1.0, queue="q1"),
        metric("orders.feed.poison", 2.0, queue="q1"),
        metric("orders.feed.poison", 1.0),  # no queue: tostring(null) is ""
        metric("orders.created", 5.0, queue="q1"),
    )
    assert sorted((r["queue"], r["poisoned"]) for r in found) == [("", 1.0), ("q1", 3.0)]


def test_nulls_compare_false_and_aggregations_skip_them() -> None:
    envelopes = [request("e", lag="2"), request("e"), request("e", lag="x")]
    query = (
        'requests | extend lag = todouble(customDimensions["lag"]) '
        "| summarize n = count(), total = sum(lag), high = countif(lag > 1)"
    )
    assert rows(query, *envelopes) == [{"n": 3, "total": 2.0, "high": 1}]
    assert rows('requests | where customDimensions.missing == "y"', *envelopes) == []
    assert rows('requests | where customDimensions.missing != "y"', *envelopes) == []


def test_summarize_without_by_gives_one_row_even_from_none() -> None:
    query = "customMetrics | where name == 'nothing' | summarize n = count(), s = sum(valueSum)"
    assert rows(query, metric("other", 1.0)) == [{"n": 0, "s": None}]


def test_percentile_is_a_member_of_the_set_by_nearest_rank() -> None:
    envelopes = [request("e", lag=str(v)) for v in (1, 2, 3, 4, 100)]
    query = (
        'requests | summarize p50 = percentile(todouble(customDimensions["lag"]), 50), '
        'p95 = percentile(todouble(customDimensions["lag"]), 95)'
    )
    assert rows(query, *envelopes) == [{"p50": 3.0, "p95": 100.0}]


def test_sampled_items_count_by_item_count_and_failures_exclude_client_errors() -> None:
    envelopes = [
        request("POST /api/orders", success=False, code="422"),
        request("POST /api/orders", success=False, code="500", rate=50.0),
        request("process_order_event", success=False),
        request("process_order_event"),
    ]
    query = (
        'requests | where success == false and not(resultCode startswith "4") '
        "| summarize failures = sum(itemCount) by name | order by name asc"
    )
    assert rows(query, *envelopes) == [
        {"name": "POST /api/orders", "failures": 2},
        {"name": "process_order_event", "failures": 1},
    ]


def test_order_by_is_descending_unless_asked_and_top_takes_the_first() -> None:
    envelopes = [request(name) for name in ("b", "a", "c")]
    assert [r["name"] for r in rows("requests | order by name", *envelopes)] == ["c", "b", "a"]
    top = rows("requests | top 1 by name asc | project name", *envelopes)
    assert top == [{"name": "a"}]


def test_let_toscalar_and_union_fill_absent_columns_with_null() -> None:
    query = (
        'let op = toscalar(requests | where name == "b" | project operation_Id);'
        "union requests, traces | where operation_Id == op | project name, message"
    )
    assert rows(query, request("a"), request("b")) == [{"name": "b", "message": None}]


def test_long_division_truncates_and_real_division_does_not() -> None:
    query = (
        "customMetrics | summarize a = count(), b = sum(valueSum) "
        "| extend x = 3 / 2, y = 100.0 * b / a"
    )
    assert rows(query, metric("m", 1.0), metric("m", 2.0)) == [
        {"a": 2, "b": 3.0, "x": 1, "y": 150.0}
    ]


@pytest.mark.parametrize(
    "query",
    [
        "requests | join (traces) on operation_Id",  # an operator outside the subset
        "requests | mv-expand customDimensions",
        "requests | summarize dcount(name)",  # an aggregation outside it
        "requests | where name matches regex 'x'",
        "requests | where name == @'x'",  # a verbatim string
        "requests | extend x = strcat(name, 'x')",  # a function outside it
    ],
)
def test_anything_outside_the_subset_is_refused(query: str) -> None:
    with pytest.raises(Unsupported):
        rows(query, request("a"))


@pytest.mark.parametrize(
    "query",
    [
        "request | take 1",  # no such table
        "requests | where nmae == 'a'",  # no such column
        "requests | where customDimensions['x'] > 1",  # a string compared with a number
    ],
)
def test_a_query_wrong_for_the_data_is_an_error(query: str) -> None:
    with pytest.raises(KqlError):
        rows(query, request("a", x="2"))


def test_an_alert_fires_per_split_whose_measure_meets_the_threshold() -> None:
    query = parse(
        'customMetrics | where name == "p" | extend queue = tostring(customDimensions["queue"]) '
        "| summarize poisoned = sum(valueSum) by queue"
    )
    rule = Rule(query, "Total", "poisoned", "GreaterThan", 0, ("queue",))
    made = tables([metric("p", 2.0, queue="a"), metric("p", 0.0, queue="b")])
    assert fires(rule, made) == {("a",): 2.0}
    assert fires(rule, tables([])) == {}
    with pytest.raises(KqlError):  # a dimension the query does not return
        fires(Rule(query, "Total", "poisoned", "GreaterThan", 0, ("reason",)), made)


def test_reads_names_the_tables_names_and_dimensions_of_each_pipeline() -> None:
    query = parse(
        'let op = toscalar(requests | where name == "x" and customDimensions["order.id"] == "1" '
        "| project operation_Id);"
        "union requests, traces | where operation_Id == op "
        "| extend k = customDimensions.InvocationId"
    )
    found = {(r.tables, r.names, r.dimensions) for r in reads(query)}
    assert found == {
        (("requests",), frozenset({"x"}), frozenset({"order.id"})),
        (("requests", "traces"), frozenset(), frozenset({"InvocationId"})),
    }
