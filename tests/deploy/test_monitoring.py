"""Monitoring as code (issue 31): the alerts of docs/operations.md deployed with their queries
loaded from infra/queries, a throttling alert on every order account, the action group wired
to every rule and fed by the azd parameter, and the workbook's JSON valid with every panel's
query from its file. Offline, on the parsed templates (tests/deploy/monitoring.py)."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest

from tests.deploy import infra, monitoring
from tests.deploy.infra import INFRA, ROOT

OPERATIONS = ROOT / "docs" / "operations.md"
ISO_MINUTES = {"PT1M": 1, "PT5M": 5, "PT15M": 15, "PT1H": 60}
OPERATORS = {"GreaterThan": ">", "GreaterThanOrEqual": ">=", "LessThan": "<"}
WORKBOOK_VISUALIZATIONS = {"table", "timechart", "barchart", "piechart", "areachart", "tiles"}


def _doc_alert_rows() -> dict[str, list[str]]:
    """The Alerts table of docs/operations.md: rule name -> its cells."""
    text = OPERATIONS.read_text("utf-8")
    section = text[text.index("\n## Alerts\n") : text.index("\n## The workbook\n")]
    rows = {}
    for line in section.splitlines():
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        found = re.search(r"\(`([a-z<>-]+)`", cells[0]) if line.startswith("|") else None
        if found:
            rows[found.group(1)] = cells
    return rows


def _minutes(cell: str) -> tuple[int, ...]:
    return tuple(
        int(n) * (60 if unit == "h" else 1) for n, unit in re.findall(r"(\d+) (min|h)", cell)
    )


def test_every_alert_of_the_docs_is_deployed_as_the_docs_say() -> None:
    documented = _doc_alert_rows()
    deployed = {alert.name: alert for alert in monitoring.alerts()}
    assert set(documented) - {"<account>-throttling"} == set(deployed)
    for name, alert in deployed.items():
        _, query, timing, severity, condition, _ = documented[name]
        assert alert.query_file is not None and f"({alert.query_file.name})" in query.replace(
            "../infra/queries/", ""
        ), name
        assert _minutes(timing)[:2] == (ISO_MINUTES[alert.window], ISO_MINUTES[alert.frequency])
        assert int(severity) == alert.severity, name
        assert f"`{alert.measure} {OPERATORS[alert.operator]} {alert.threshold}`" in condition
        for dimension in alert.dimensions:
            assert f"per `{dimension}`" in condition, name
        if alert.failing_periods > 1:
            assert f"{alert.failing_periods} windows of {alert.failing_periods}" in timing


def test_every_alert_query_is_loaded_from_its_file_in_infra_queries() -> None:
    for alert in monitoring.alerts():
        assert alert.query_file is not None, f"{alert.name}: query not loaded with loadTextContent"
        assert alert.query_file.parent == monitoring.QUERIES and alert.query_file.is_file()
        assert alert.query.strip(), alert.name
    (rules,) = infra.resources(monitoring.ALERTS, "Microsoft.Insights/scheduledQueryRules").values()
    (criterion,) = rules["config"]["config"]["properties"]["criteria"]["allOf"]
    assert infra.dotted(criterion["query"]) == "alert.query"  # the list's loaded text, as is


def test_the_rules_watch_application_insights_and_notify_the_action_group() -> None:
    (rules,) = infra.resources(monitoring.ALERTS, "Microsoft.Insights/scheduledQueryRules").values()
    properties = rules["config"]["config"]["properties"]
    assert [infra.dotted(s) for s in properties["scopes"]] == ["applicationInsights.id"]
    assert properties["actions"]["actionGroups"] == ["actionGroupId"]
    assert properties["enabled"] == "enabled"
    passed = infra.module_params("alerts")
    assert infra.dotted(passed["actionGroupId"]) == "actionGroup.outputs.id"
    assert infra.dotted(passed["applicationInsightsName"]) == (
        "monitoring.outputs.applicationInsightsName"
    )


def test_the_action_group_takes_its_e_mail_receiver_from_the_azd_parameter() -> None:
    (group,) = infra.resources(
        "modules/action-group.bicep", "Microsoft.Insights/actionGroups"
    ).values()
    receivers = group["config"]["properties"]["emailReceivers"]
    text = (INFRA / "modules" / "action-group.bicep").read_text("utf-8")
    assert "emailReceivers: empty(emailAddress) ? [] : [" in text  # none: no receiver
    assert "emailAddress: emailAddress" in text and receivers
    assert infra.module_params("actionGroup")["emailAddress"] == "alertEmailAddress"
    assert infra.parse(infra.MAIN)["parameters"]["alertEmailAddress"]["default"] == ""
    parameters = json.loads((INFRA / "main.parameters.json").read_text("utf-8"))["parameters"]
    assert parameters["alertEmailAddress"] == {"value": "${ALERT_EMAIL_ADDRESS=}"}


def _throttled_accounts(accounts: int) -> list[str]:
    """main.bicep's throttling loop, mirrored: the account each alert k watches."""
    extra = [f"orderAccounts[{k}].outputs.name" for k in range(accounts - 1)]
    names = ["storage.outputs.name", *extra]
    return [names[k] for k in range(accounts)]


def test_the_mirrored_throttling_loop_is_the_template_s() -> None:
    text = (INFRA / infra.MAIN).read_text("utf-8")
    for expected in (
        "var extraOrderAccountNames = [for k in range(0, orderStorageAccounts - 1): "
        "orderAccounts[k].outputs.name]",
        "var orderAccountNames = concat([storage.outputs.name], extraOrderAccountNames)",
        "module storageThrottlingAlerts 'modules/storage-throttling-alert.bicep' = "
        "[for k in range(0, orderStorageAccounts): {",
        "storageAccountName: orderAccountNames[k]",
        "module orderAccounts 'modules/order-account.bicep' = "
        "[for k in range(1, orderStorageAccounts - 1): {",
    ):
        assert expected in text, expected
    passed = infra.module_params("storageThrottlingAlerts")
    assert infra.dotted(passed["actionGroupId"]) == "actionGroup.outputs.id"


@pytest.mark.parametrize("accounts", [1, 2, 3, 10, 32])
def test_every_order_account_has_a_throttling_alert(accounts: int) -> None:
    """The host's account (index 0) and each of orderAccounts[0..K-2]: K accounts, K alerts."""
    watched = _throttled_accounts(accounts)
    made = [
        "storage.outputs.name",
        *(f"orderAccounts[{i}].outputs.name" for i in range(accounts - 1)),
    ]
    assert sorted(watched) == sorted(made) and len(set(watched)) == accounts


def test_the_throttling_alert_counts_throttled_transactions() -> None:
    path = "modules/storage-throttling-alert.bicep"
    (alert,) = infra.resources(path, "Microsoft.Insights/metricAlerts").values()
    properties = alert["config"]["properties"]
    (criterion,) = properties["criteria"]["allOf"]
    assert (criterion["metricName"], criterion["timeAggregation"]) == ("Transactions", "Total")
    (dimension,) = criterion["dimensions"]
    assert dimension["name"] == "ResponseType" and dimension["operator"] == "Include"
    assert infra.variable(path, "throttledResponseTypes") == [
        "ServerBusyError",
        "ClientThrottlingError",
    ]
    assert (criterion["operator"], criterion["threshold"]) == ("GreaterThan", 0)
    assert [infra.dotted(s) for s in properties["scopes"]] == ["account.id"]
    assert [a["actionGroupId"] for a in properties["actions"]] == ["actionGroupId"]


def _query_items(content: dict[str, Any]) -> list[dict[str, Any]]:
    return [item for item in content["items"] if item["type"] == 3]


def test_the_workbook_json_is_valid_and_each_panel_shows_its_query_file() -> None:
    content = json.loads(json.dumps(monitoring.workbook_content()))  # what string() makes
    assert content["version"] == "Notebook/1.0" and content["fallbackResourceIds"]
    assert {item["type"] for item in content["items"]} <= {1, 3, 9}  # text, query, parameters
    names = [item["name"] for item in content["items"]]
    assert len(names) == len(set(names))
    parameters = {
        p["name"]
        for item in content["items"]
        if item["type"] == 9
        for p in item["content"]["parameters"]
    }
    files = {path.read_text("utf-8"): path.name for path in monitoring.QUERIES.glob("*.kql")}
    panels = monitoring.panels()
    assert len(_query_items(content)) == len(panels) >= 7
    for item in _query_items(content):
        query = item["content"]
        assert query["version"] == "KqlItem/1.0" and query["queryType"] == 0
        assert query["resourceType"] == "microsoft.insights/components"
        assert query["timeContextFromParameter"] in parameters
        assert query["visualization"] in WORKBOOK_VISUALIZATIONS
        assert files.get(query["query"]) == panels[item["name"]].name  # type: ignore[union-attr]


def test_the_workbook_has_the_panels_the_issue_asks_for() -> None:
    wanted = {
        "requests-by-route",
        "feed-lag",
        "feed-events",
        "poison-by-queue",
        "thumbnails",
        "orders-per-hour",
        "storage-calls",
    }
    assert wanted <= set(monitoring.panels())
    (workbook,) = infra.resources(monitoring.WORKBOOK, "Microsoft.Insights/workbooks").values()
    assert workbook["config"]["kind"] == "shared"
    assert infra.dotted(workbook["config"]["properties"]["sourceId"]) == "applicationInsights.id"
    outputs = infra.parse(infra.MAIN)["outputs"]
    assert infra.dotted(outputs["WORKBOOK_URL"]["value"]) == "workbook.outputs.portalUrl"


def _doc_query_blocks() -> dict[str, str]:
    """Each ```kusto block of docs/operations.md, by the infra/queries file linked just above."""
    text = OPERATIONS.read_text("utf-8")
    pattern = r"\(\.\./infra/queries/([\w-]+\.kql)\)\):\n\n```kusto\n(.*?)```"
    blocks = re.findall(pattern, text, flags=re.DOTALL)
    assert text.count("```kusto") == len(blocks), "a kusto block without its file linked above"
    return dict(blocks)


def test_the_docs_show_every_query_as_its_file_holds_it() -> None:
    shown = _doc_query_blocks()
    files = {path.name: path.read_text("utf-8") for path in monitoring.QUERIES.glob("*.kql")}
    assert set(shown) == set(files)
    assert [name for name, text in files.items() if shown[name] != text] == []
    used = {a.query_file for a in monitoring.alerts()} | set(monitoring.panels().values())
    docs_only = {"order-trace.kql", "invocation-logs.kql"}  # lookups that take a value
    assert {p.name for p in monitoring.QUERIES.glob("*.kql")} == {
        p.name for p in used if p
    } | docs_only
