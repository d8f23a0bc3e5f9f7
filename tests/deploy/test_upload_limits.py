"""Uploads are bounded before any byte is read, on Azure as locally: every BlobCreated event of
`uploads` goes either to make_thumbnail's webhook (an upload by Put Blob or Put Block List, up
to THUMBNAIL_MAX_BYTES) or to reject_upload's queue, never both and never neither. The webhook
subscription's filters are read from the request the postdeploy hook really sends (run against
the stand-in az), the queue subscriptions' from infra/modules/event-grid.bicep, and both are
applied to a grid of events by the local event source's own filter code; pyproject.toml's copy
for the local source must route every event the same way. Also: one number for the limit, one
list of upload operations, and the uploads account's allowedCopyScope. Each check is run on a
broken copy too."""

from __future__ import annotations

import copy
import json
import tomllib
from pathlib import Path
from typing import Any

import pytest

from devhost.eventsource.filters import matches, parse_filters
from shared.config import ThumbnailSettings
from shared.images.rejections import UPLOAD_APIS
from tests.deploy import app_model, infra
from tests.deploy.hooks import StandIns
from tests.deploy.test_postdeploy_hook import ENV, HOOK_SH, KEY

Filters = list[dict[str, Any]]
LIMIT = infra.parse(infra.MAIN)["parameters"]["thumbnailMaxBytes"]["default"]
APIS = ["PutBlob", "PutBlockList", "CopyBlob", "PutBlobFromUrl", "FlushWithClose", ""]
SIZES = [0, 1, LIMIT - 1, LIMIT, LIMIT + 1, 100 * LIMIT]
EVENTS = [{"data": {"contentLength": size, "api": api}} for size in SIZES for api in APIS]


def webhook_filters(tmp_path: Path) -> Filters:
    """The advanced filters of make_thumbnail's subscription, as the postdeploy hook PUTs them
    with the values azd keeps from main.bicep's outputs."""
    outputs = {"THUMBNAIL_MAX_BYTES": str(LIMIT), "UPLOAD_APIS": json.dumps(main_upload_apis())}
    scenario = {"key": KEY, "key_after": 1, "states": ["Succeeded"]}
    run = StandIns(tmp_path).run(HOOK_SH, scenario, ENV | outputs)
    assert run.code == 0, run.output
    (put,) = [c for c in run.calls if c["argv"][:3] == ["rest", "--method", "put"]]
    filters: Filters = json.loads(put["body"])["properties"]["filter"]["advancedFilters"]
    return filters


def main_upload_apis() -> list[str]:
    return [str(api) for api in infra.variable(infra.MAIN, "uploadApis")]


def queue_subscriptions() -> list[Filters]:
    """Each queue subscription of event-grid.bicep, with main.bicep's values put in."""
    params = infra.module_params("eventGrid")
    values = {
        "maxUploadBytes": infra.parse(infra.MAIN)["parameters"][str(params["maxUploadBytes"])][
            "default"
        ],
        "uploadApis": infra.resolve_main(params["uploadApis"]),
    }
    rejections = infra.variable("modules/event-grid.bicep", "rejections")
    found = []
    for rejection in rejections:
        filters = []
        for one in rejection["advancedFilters"]:
            bound = {key: _value(value, values) for key, value in one.items()}
            filters.append(bound)
        found.append(filters)
    return found


def _value(value: Any, values: dict[str, Any]) -> Any:
    if isinstance(value, list):
        return [str(item) for item in value]
    return values.get(str(value), value) if not infra.is_literal(value) else value


def routing_problems(webhook: Filters, queues: list[Filters]) -> list[str]:
    """Events that do not go to exactly one of make_thumbnail and reject_upload, or that reach
    make_thumbnail though over the limit or not made by an upload."""
    to_webhook = parse_filters(webhook, {})
    to_queues = [parse_filters(filters, {}) for filters in queues]
    problems = []
    for event in EVENTS:
        data = event["data"]
        upload = data["api"] in UPLOAD_APIS and data["contentLength"] <= LIMIT
        thumbnail = matches(to_webhook, event)
        rejected = any(matches(filters, event) for filters in to_queues)
        if thumbnail == rejected or thumbnail != upload:
            problems.append(f"{data}: webhook={thumbnail} rejected={rejected}")
    return problems


def pyproject_subscription() -> tuple[Filters, list[Filters]]:
    """[tool.devhost.event-grid.make_thumbnail], THUMBNAIL_MAX_BYTES put in as the limit."""
    table = tomllib.loads((infra.ROOT / "pyproject.toml").read_text("utf-8"))
    config = table["tool"]["devhost"]["event-grid"]["make_thumbnail"]
    text = json.dumps(config).replace("%THUMBNAIL_MAX_BYTES%", str(LIMIT))
    local = json.loads(text)
    for filters in [local["advanced-filters"], *(q["advanced-filters"] for q in local["queues"])]:
        for one in filters:
            if "value" in one:
                one["value"] = int(one["value"])
    return local["advanced-filters"], [q["advanced-filters"] for q in local["queues"]]


# --- the real infra ------------------------------------------------------------------------


def test_every_event_goes_to_make_thumbnail_or_to_reject_upload(tmp_path: Path) -> None:
    assert routing_problems(webhook_filters(tmp_path), queue_subscriptions()) == []


def test_the_local_event_source_routes_every_event_as_azure_does() -> None:
    webhook, queues = pyproject_subscription()
    assert routing_problems(webhook, queues) == []
    table = tomllib.loads((infra.ROOT / "pyproject.toml").read_text("utf-8"))
    routes = table["tool"]["devhost"]["event-grid"]["make_thumbnail"]["queues"]
    rejected = infra.resolve_main(infra.module_params("eventGrid")["rejectedQueueName"])
    assert {(r["queue"], r["connection"]) for r in routes} == {(rejected, "UploadsStorage")}


def test_one_limit_and_one_list_of_upload_operations() -> None:
    assert ThumbnailSettings().max_bytes == LIMIT
    example = json.loads((infra.ROOT / "local.settings.json.example").read_text("utf-8"))
    assert example["Values"]["THUMBNAIL_MAX_BYTES"] == str(LIMIT)
    assert infra.deployed_settings()["THUMBNAIL_MAX_BYTES"] == str(LIMIT)
    assert set(main_upload_apis()) == UPLOAD_APIS
    outputs = infra.parse(infra.MAIN)["outputs"]
    assert str(outputs["THUMBNAIL_MAX_BYTES"]["value"]) == "thumbnailMaxBytes"
    upload_apis = outputs["UPLOAD_APIS"]["value"]["function"]
    assert (
        upload_apis["type"] == "string"
        and str(upload_apis["parameters"]["value_to_convert"]) == "uploadApis"
    )


def test_the_rejected_queue_is_the_one_reject_upload_reads_in_the_uploads_account() -> None:
    (queue,) = [
        b for _, bs in app_model.bindings() for b in bs
        if b["type"] == "queueTrigger" and b.get("connection") == "UploadsStorage"
    ]  # fmt: skip
    params = infra.module_params("eventGrid")
    assert infra.resolve_main(params["rejectedQueueName"]) == queue["queueName"]
    assert infra.dotted(params["storageAccountName"]) == "uploads.outputs.name"
    for rejection in infra.resources("modules/event-grid.bicep", "/eventSubscriptions").values():
        delivery = rejection["config"]["config"]["properties"]["deliveryWithResourceIdentity"]
        assert delivery["identity"] == {"type": "SystemAssigned"}
        assert delivery["destination"]["endpointType"] == "StorageQueue"
        assert str(delivery["destination"]["properties"]["queueName"]) == "rejectedQueueName"


def test_server_side_copies_into_the_uploads_account_come_from_this_tenant_only() -> None:
    assert copy_scope() == "AAD"


def copy_scope(uploads: dict[str, Any] | None = None) -> Any:
    """allowedCopyScope of the uploads account: what uploads-account.bicep passes storage.bicep,
    put through storage.bicep's property."""
    uploads = uploads or infra.parse("modules/uploads-account.bicep")["modules"]["storage"]
    passed = uploads["config"]["params"].get("allowedCopyScope", "")
    (account,) = infra.resources(
        "modules/storage.bicep", "Microsoft.Storage/storageAccounts"
    ).values()
    prop = account["config"]["properties"]["allowedCopyScope"]
    return infra.evaluate(prop, {"allowedCopyScope": passed})


# --- each check fails without its part -----------------------------------------------------


def test_the_routing_check_catches_a_missing_filter(tmp_path: Path) -> None:
    webhook, queues = webhook_filters(tmp_path), queue_subscriptions()
    without_size = [f for f in webhook if f["key"] != "data.contentLength"]
    assert routing_problems(without_size, queues)  # oversized uploads reach make_thumbnail
    assert routing_problems(webhook, queues[:1])  # copies reach nobody
    off_by_one = copy.deepcopy(queues)
    off_by_one[0][0]["operatorType"] = "NumberGreaterThanOrEquals"
    assert routing_problems(webhook, off_by_one)  # the limit itself is refused twice over


@pytest.mark.parametrize("passed", [None, "", "PrivateLink"])
def test_the_copy_scope_check_catches_another_scope(passed: str | None) -> None:
    uploads = copy.deepcopy(
        dict(infra.parse("modules/uploads-account.bicep")["modules"]["storage"])
    )
    if passed is None:
        del uploads["config"]["params"]["allowedCopyScope"]
    else:
        uploads["config"]["params"]["allowedCopyScope"] = passed
    assert copy_scope(uploads) != "AAD"
